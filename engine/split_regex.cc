#include "engine/split_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "absl/strings/str_cat.h"
#include "engine/utf8_text.h"

namespace doomscope::engine {
namespace {

constexpr char kSpaceMembers[] = "\\t\\n\\x0B\\f\\r\\x{85}\\p{Z}";

// One match-data block per thread, shared by every pattern: only the whole
// match (ovector pair 0) is read.
pcre2_match_data* ThreadMatchData() {
  struct Holder {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    ~Holder() { pcre2_match_data_free(data); }
  };
  thread_local Holder holder;
  return holder.data;
}

}  // namespace

struct SplitRegex::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() { pcre2_code_free(code); }
};

std::string RewriteWhitespaceClasses(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 32);
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[i + 1];
      ++i;
      if (e == 's') {
        out += in_class ? std::string(kSpaceMembers) : absl::StrCat("[", kSpaceMembers, "]");
      } else if (e == 'S' && !in_class) {
        out += absl::StrCat("[^", kSpaceMembers, "]");
      } else {
        out += '\\';
        out += e;
      }
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      // A ']' (or '^]') right after the opening bracket is a literal member.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

absl::StatusOr<SplitRegex> SplitRegex::Compile(std::string_view pattern, bool literal) {
  std::string source;
  if (literal) {
    // \Q...\E quotes everything but a literal "\E", which is spliced in escaped.
    source = "\\Q";
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (pattern.substr(i, 2) == "\\E") {
        source += "\\E\\\\E\\Q";
        ++i;
      } else {
        source += pattern[i];
      }
    }
    source += "\\E";
  } else {
    source = RewriteWhitespaceClasses(pattern);
  }
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return absl::InvalidArgumentError(absl::StrCat("regex \"", std::string(pattern), "\" does not compile: ",
                                                   reinterpret_cast<const char*>(message), " (at offset ",
                                                   offset, ")"));
  }
  auto compiled = std::make_shared<Code>();
  compiled->code = code;
  compiled->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  SplitRegex r;
  r.pattern_ = std::string(pattern);
  r.code_ = std::move(compiled);
  return r;
}

absl::StatusOr<SplitRegex> SplitRegex::CompileAt(std::string_view pattern, bool literal, const std::string& where) {
  absl::StatusOr<SplitRegex> re = Compile(pattern, literal);
  if (!re.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", re.status().message()));
  return re;
}

bool SplitRegex::FindNext(std::string_view text, Cursor* cursor, size_t* start, size_t* end) const {
  pcre2_match_data* md = ThreadMatchData();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  while (cursor->pos <= text.size()) {
    const int rc = code_->jit ? pcre2_jit_match(code_->code, subject, text.size(), cursor->pos, 0, md, nullptr)
                              : pcre2_match(code_->code, subject, text.size(), cursor->pos, PCRE2_NO_UTF_CHECK, md,
                                            nullptr);
    if (rc < 0) return false;  // no match (or a resource limit, which these patterns do not reach)
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    if (ov[0] == ov[1] && ov[1] == cursor->last_match_end) {
      if (cursor->pos >= text.size()) return false;
      cursor->pos += Utf8SequenceLength(static_cast<unsigned char>(text[cursor->pos]));
      continue;
    }
    *start = ov[0];
    *end = ov[1];
    cursor->pos = cursor->last_match_end = ov[1];
    return true;
  }
  return false;
}

}  // namespace doomscope::engine
