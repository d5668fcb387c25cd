// Field F1: answers that are JSON objects of string lists (entity extraction,
// slot filling), compared with the gold object key by key as multisets of
// normalized strings; precision, recall and F1 from the counts.
#ifndef DOOMSCOPE_EVAL_FIELD_F1_H_
#define DOOMSCOPE_EVAL_FIELD_F1_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "results/json/json.h"

namespace doomscope::eval {

// Trims, folds case (ASCII and Latin-1 letters), collapses whitespace runs to
// one space and strips punctuation (ASCII and typographic quotes, dashes,
// ellipses) from both ends. Strings that normalize to "" are not entities.
std::string NormalizeEntity(std::string_view s);

using StringMultiset = std::map<std::string, int64_t>;  // normalized string -> count

struct FieldLists {
  std::map<std::string, StringMultiset> lists;  // one per expected key (empty when missing)
  bool valid = false;  // exactly the expected keys, each a list of strings
};

// The lists of `obj` for `keys`. A wrong-schema object is still read for what
// it holds: a missing key as an empty list, a string as a one-element list,
// non-strings dropped (valid = false in each case).
FieldLists ReadFieldLists(const json::Value& obj, std::span<const std::string_view> keys);

struct FieldCounts {
  int64_t tp = 0;  // in both (multiset intersection)
  int64_t fp = 0;  // predicted only
  int64_t fn = 0;  // gold only
};
FieldCounts CompareMultisets(const StringMultiset& predicted, const StringMultiset& gold);

struct Prf {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};
// P = tp/(tp+fp), R = tp/(tp+fn), F1 their harmonic mean; a ratio with a zero
// denominator is 0, except that nothing predicted and nothing expected is a perfect 1.
Prf PrfFromCounts(int64_t tp, int64_t fp, int64_t fn);

// {"precision", "recall", "f1", "tp", "fp", "fn"}.
json::Value PrfJson(int64_t tp, int64_t fp, int64_t fn);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_FIELD_F1_H_
