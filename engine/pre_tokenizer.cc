#include "engine/pre_tokenizer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/byte_level_map.h"
#include "engine/unicode_props.h"
#include "engine/utf8_text.h"

namespace doomscope::engine {
namespace {

// Rust regex's Unicode \w, spelled for PCRE2 (the Whitespace pre-tokenizer's classes).
constexpr char kWordClass[] = R"(\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D})";

// Ranges of a regex's matches and the gaps between them.
std::vector<SplitRange> RegexRanges(std::string_view text, const SplitRegex& re, bool invert) {
  std::vector<SplitRange> ranges;
  size_t prev = 0;
  re.ForEachMatch(text, [&](size_t start, size_t end) {
    if (prev != start) ranges.push_back({prev, start, invert});
    ranges.push_back({start, end, !invert});
    prev = end;
  });
  if (prev != text.size()) ranges.push_back({prev, text.size(), invert});
  return ranges;
}

// Ranges where each character satisfying `pred` is a match of its own.
template <typename Pred>
std::vector<SplitRange> CharRanges(std::string_view text, Pred&& pred) {
  std::vector<SplitRange> ranges;
  size_t last = 0, i = 0;
  while (i < text.size()) {
    char32_t cp;
    const size_t len = DecodeUtf8(text, i, &cp);
    if (pred(cp)) {
      if (last < i) ranges.push_back({last, i, false});
      ranges.push_back({i, i + len, true});
      last = i + len;
    }
    i += len;
  }
  if (last < text.size()) ranges.push_back({last, text.size(), false});
  return ranges;
}

void Materialize(PreToken* piece) {
  if (!piece->byte_level) return;
  std::string mapped;
  AppendByteLevel(piece->text, &mapped);
  piece->text = std::move(mapped);
  piece->byte_level = false;
}

}  // namespace

absl::StatusOr<SplitBehavior> ParseSplitBehavior(const std::string& name, const std::string& where) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return absl::InvalidArgumentError(absl::StrCat(
      where, ": split behavior \"", name,
      "\" is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous"));
}

std::vector<std::pair<size_t, size_t>> ApplySplitBehavior(const std::vector<SplitRange>& ranges,
                                                          SplitBehavior behavior) {
  // (begin, end, removed), folded exactly as NormalizedString::split does.
  struct Out {
    size_t begin, end;
    bool removed;
  };
  std::vector<Out> out;
  out.reserve(ranges.size());
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const SplitRange& r : ranges) out.push_back({r.begin, r.end, false});
      break;
    case SplitBehavior::kRemoved:
      for (const SplitRange& r : ranges) out.push_back({r.begin, r.end, r.is_match});
      break;
    case SplitBehavior::kContiguous:
      for (const SplitRange& r : ranges) {
        if (r.is_match == previous_match && !out.empty()) {
          out.back().end = r.end;
        } else {
          out.push_back({r.begin, r.end, false});
        }
        previous_match = r.is_match;
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const SplitRange& r : ranges) {
        if (r.is_match && !previous_match && !out.empty()) {
          out.back().end = r.end;
        } else {
          out.push_back({r.begin, r.end, false});
        }
        previous_match = r.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = ranges.rbegin(); it != ranges.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty()) {
          out.back().begin = it->begin;
        } else {
          out.push_back({it->begin, it->end, false});
        }
        previous_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
  }
  std::vector<std::pair<size_t, size_t>> pieces;
  pieces.reserve(out.size());
  for (const Out& o : out) {
    if (!o.removed && o.end > o.begin) pieces.emplace_back(o.begin, o.end);
  }
  return pieces;
}

absl::Status PreTokenizer::AppendSteps(const Json& json, const std::string& where, std::vector<Step>* steps) {
  absl::StatusOr<std::string> type = ComponentType(json, where);
  if (!type.ok()) return type.status();
  const std::string w = absl::StrCat(where, " (", *type, ")");
  Step step;
  if (*type == "Sequence") {
    return ForEachListMember(json, "pretokenizers", where, [&](const Json& child, const std::string& child_where) {
      return AppendSteps(child, child_where, steps);
    });
  }
  if (*type == "Split") {
    step.kind = Kind::kSplit;
    absl::StatusOr<PatternSpec> spec = PatternMember(json, w);
    if (!spec.ok()) return spec.status();
    absl::StatusOr<SplitRegex> re = SplitRegex::CompileAt(spec->text, spec->literal, w);
    if (!re.ok()) return re.status();
    step.regex = *std::move(re);
    absl::StatusOr<std::string> behavior = StringMember(json, "behavior", w);
    if (!behavior.ok()) return behavior.status();
    absl::StatusOr<SplitBehavior> b = ParseSplitBehavior(*behavior, w);
    if (!b.ok()) return b.status();
    step.behavior = *b;
    absl::StatusOr<bool> invert = BoolMemberOr(json, "invert", false, w);
    if (!invert.ok()) return invert.status();
    step.invert = *invert;
  } else if (*type == "ByteLevel") {
    step.kind = Kind::kByteLevel;
    absl::StatusOr<bool> prefix = BoolMemberOr(json, "add_prefix_space", true, w);
    absl::StatusOr<bool> use_regex = BoolMemberOr(json, "use_regex", true, w);
    if (!prefix.ok()) return prefix.status();
    if (!use_regex.ok()) return use_regex.status();
    step.add_prefix_space = *prefix;
    if (*use_regex) {
      absl::StatusOr<SplitRegex> re = SplitRegex::Compile(kGpt2SplitRegex);
      if (!re.ok()) return re.status();
      step.regex = *std::move(re);
    }
  } else if (*type == "Digits") {
    step.kind = Kind::kDigits;
    absl::StatusOr<bool> individual = BoolMemberOr(json, "individual_digits", false, w);
    if (!individual.ok()) return individual.status();
    step.individual_digits = *individual;
  } else if (*type == "Whitespace") {
    step.kind = Kind::kWhitespace;
    absl::StatusOr<SplitRegex> re =
        SplitRegex::Compile(absl::StrCat("[", kWordClass, "]+|[^", kWordClass, "\\s]+"));
    if (!re.ok()) return re.status();
    step.regex = *std::move(re);
  } else if (*type == "WhitespaceSplit") {
    step.kind = Kind::kWhitespaceSplit;
  } else if (*type == "Punctuation") {
    step.kind = Kind::kPunctuation;
    absl::StatusOr<std::string> behavior = StringMemberOr(json, "behavior", "Isolated", w);
    if (!behavior.ok()) return behavior.status();
    absl::StatusOr<SplitBehavior> b = ParseSplitBehavior(*behavior, w);
    if (!b.ok()) return b.status();
    step.behavior = *b;
  } else if (*type == "BertPreTokenizer") {
    step.kind = Kind::kWhitespaceSplit;
    steps->push_back(step);
    step.kind = Kind::kPunctuation;
    step.behavior = SplitBehavior::kIsolated;
  } else if (*type == "Metaspace") {
    step.kind = Kind::kMetaspace;
    absl::StatusOr<std::string> replacement = StringMemberOr(json, "replacement", "\xE2\x96\x81", w);
    if (!replacement.ok()) return replacement.status();
    char32_t cp = 0;
    if (replacement->empty() || DecodeUtf8(*replacement, 0, &cp) != replacement->size()) {
      return absl::InvalidArgumentError(absl::StrCat(w, ": \"replacement\" must be one character"));
    }
    step.replacement = *std::move(replacement);
    absl::StatusOr<std::string> scheme = StringMemberOr(json, "prepend_scheme", "always", w);
    if (!scheme.ok()) return scheme.status();
    absl::StatusOr<bool> add_prefix = BoolMemberOr(json, "add_prefix_space", true, w);
    if (!add_prefix.ok()) return add_prefix.status();
    if (*scheme == "always") {
      step.prepend = Step::Prepend::kAlways;
    } else if (*scheme == "first") {
      step.prepend = Step::Prepend::kFirst;
    } else if (*scheme == "never") {
      step.prepend = Step::Prepend::kNever;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(w, ": prepend_scheme \"", *scheme,
                                                     "\" is not one of always, first, never"));
    }
    if (!*add_prefix) step.prepend = Step::Prepend::kNever;  // the older spelling of "never"
    absl::StatusOr<bool> split = BoolMemberOr(json, "split", true, w);
    if (!split.ok()) return split.status();
    step.split = *split;
  } else if (*type == "CharDelimiterSplit") {
    step.kind = Kind::kCharDelimiter;
    absl::StatusOr<std::string> delimiter = StringMember(json, "delimiter", w);
    if (!delimiter.ok()) return delimiter.status();
    char32_t cp = 0;
    if (delimiter->empty() || DecodeUtf8(*delimiter, 0, &cp) != delimiter->size()) {
      return absl::InvalidArgumentError(absl::StrCat(w, ": \"delimiter\" must be one character"));
    }
    step.replacement = *std::move(delimiter);
  } else {
    return absl::UnimplementedError(absl::StrCat(
        where, ": pre-tokenizer type \"", *type,
        "\" is not supported (supported: Split, ByteLevel, Digits, Whitespace, WhitespaceSplit, Punctuation, "
        "Metaspace, BertPreTokenizer, CharDelimiterSplit, Sequence)"));
  }
  steps->push_back(std::move(step));
  return absl::OkStatus();
}

absl::StatusOr<PreTokenizer> PreTokenizer::FromJson(const Json& json, const std::string& where) {
  std::vector<Step> steps;
  if (!json.is_null()) {
    if (absl::Status s = AppendSteps(json, where, &steps); !s.ok()) return s;
  }
  return PreTokenizer(std::move(steps));
}

void PreTokenizer::Apply(std::vector<PreToken>* pieces) const {
  std::vector<PreToken> next;
  for (const Step& step : steps_) {
    // ByteLevel without its regex only marks pieces: no copy.
    if (step.kind == Kind::kByteLevel && !step.regex && !step.add_prefix_space) {
      for (PreToken& p : *pieces) {
        Materialize(&p);
        p.byte_level = true;
      }
      continue;
    }
    next.clear();
    next.reserve(pieces->size() * 2);
    for (PreToken& piece : *pieces) {
      Materialize(&piece);
      std::string_view text = piece.text;
      std::string rewritten;  // the piece after a step's own rewrite (prefix space, Metaspace)
      std::vector<SplitRange> ranges;
      SplitBehavior behavior = step.behavior;
      switch (step.kind) {
        case Kind::kSplit:
          ranges = RegexRanges(text, *step.regex, step.invert);
          break;
        case Kind::kByteLevel:
          if (step.add_prefix_space && (text.empty() || text[0] != ' ')) {
            rewritten = " ";
            rewritten.append(text);
            text = rewritten;
          }
          if (step.regex) {
            ranges = RegexRanges(text, *step.regex, false);
          } else {
            ranges.push_back({0, text.size(), false});
          }
          behavior = SplitBehavior::kIsolated;
          break;
        case Kind::kDigits:
          ranges = CharRanges(text, IsNumeric);
          behavior = step.individual_digits ? SplitBehavior::kIsolated : SplitBehavior::kContiguous;
          break;
        case Kind::kWhitespace:
          ranges = RegexRanges(text, *step.regex, /*invert=*/true);
          behavior = SplitBehavior::kRemoved;
          break;
        case Kind::kWhitespaceSplit:
          ranges = CharRanges(text, IsWhitespace);
          behavior = SplitBehavior::kRemoved;
          break;
        case Kind::kPunctuation:
          ranges = CharRanges(text, IsPunctuation);
          break;
        case Kind::kCharDelimiter: {
          char32_t delimiter;
          DecodeUtf8(step.replacement, 0, &delimiter);
          ranges = CharRanges(text, [delimiter](char32_t cp) { return cp == delimiter; });
          behavior = SplitBehavior::kRemoved;
          break;
        }
        case Kind::kMetaspace: {
          rewritten.reserve(text.size() + 8);
          for (char c : text) {
            if (c == ' ') {
              rewritten += step.replacement;
            } else {
              rewritten += c;
            }
          }
          const bool starts = rewritten.compare(0, step.replacement.size(), step.replacement) == 0;
          if (!starts && (step.prepend == Step::Prepend::kAlways ||
                          (step.prepend == Step::Prepend::kFirst && piece.at_start))) {
            rewritten.insert(0, step.replacement);
          }
          text = rewritten;
          if (step.split) {
            char32_t rep;
            DecodeUtf8(step.replacement, 0, &rep);
            ranges = CharRanges(text, [rep](char32_t cp) { return cp == rep; });
            behavior = SplitBehavior::kMergedWithNext;
          } else {
            ranges.push_back({0, text.size(), false});
          }
          break;
        }
      }
      const bool marks_byte_level = step.kind == Kind::kByteLevel;
      for (const auto& [begin, end] : ApplySplitBehavior(ranges, behavior)) {
        next.push_back(PreToken{std::string(text.substr(begin, end - begin)), piece.at_start && begin == 0,
                                marks_byte_level});
      }
    }
    pieces->swap(next);
  }
}

}  // namespace doomscope::engine
