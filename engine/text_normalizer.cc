#include "engine/text_normalizer.h"

#include "absl/strings/str_cat.h"
#include "engine/byte_level_map.h"
#include "engine/utf8_text.h"

namespace doomscope::engine {
namespace {

// Nmt: drops some control characters and maps odd spaces to ' ' (tokenizers' do_nmt).
void AppendNmt(char32_t cp, std::string* out) {
  if ((cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F || cp == 0x8F ||
      cp == 0x9F) {
    return;
  }
  const bool to_space = cp == 0x09 || cp == 0x0A || cp == 0x0C || cp == 0x0D || cp == 0x1680 ||
                        (cp >= 0x200B && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 || cp == 0x2581 ||
                        cp == 0xFEFF || cp == 0xFFFD;
  AppendUtf8(to_space ? U' ' : cp, out);
}

template <typename F>
std::string MapChars(std::string_view text, F&& f) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    char32_t cp;
    i += DecodeUtf8(text, i, &cp);
    f(cp, &out);
  }
  return out;
}

std::string StripWhitespace(std::string_view text, bool left, bool right) {
  size_t begin = 0, end = text.size();
  if (left) {
    while (begin < end) {
      char32_t cp;
      const size_t len = DecodeUtf8(text, begin, &cp);
      if (!IsWhitespace(cp)) break;
      begin += len;
    }
  }
  if (right) {
    while (end > begin) {
      size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      char32_t cp;
      DecodeUtf8(text, start, &cp);
      if (!IsWhitespace(cp)) break;
      end = start;
    }
  }
  return std::string(text.substr(begin, end - begin));
}

}  // namespace

std::string ReplaceAll(std::string_view text, const SplitRegex& pattern, std::string_view content) {
  std::string out;
  out.reserve(text.size());
  size_t prev = 0;
  pattern.ForEachMatch(text, [&](size_t start, size_t end) {
    out.append(text.substr(prev, start - prev));
    out.append(content);
    prev = end;
  });
  out.append(text.substr(prev));
  return out;
}

absl::Status TextNormalizer::AppendSteps(const Json& json, const std::string& where, std::vector<Step>* steps) {
  absl::StatusOr<std::string> type = ComponentType(json, where);
  if (!type.ok()) return type.status();
  const std::string w = absl::StrCat(where, " (", *type, ")");
  Step step;
  if (*type == "Sequence") {
    return ForEachListMember(json, "normalizers", where, [&](const Json& child, const std::string& child_where) {
      return AppendSteps(child, child_where, steps);
    });
  }
  if (*type == "NFC" || *type == "NFD" || *type == "NFKC" || *type == "NFKD") {
    step.kind = Kind::kUnicode;
    step.form = *type == "NFC"    ? NormalizationForm::kNfc
                : *type == "NFD"  ? NormalizationForm::kNfd
                : *type == "NFKC" ? NormalizationForm::kNfkc
                                  : NormalizationForm::kNfkd;
  } else if (*type == "Lowercase") {
    step.kind = Kind::kLowercase;
  } else if (*type == "Strip") {
    step.kind = Kind::kStrip;
    absl::StatusOr<bool> l = BoolMemberOr(json, "strip_left", true, w);
    absl::StatusOr<bool> r = BoolMemberOr(json, "strip_right", true, w);
    if (!l.ok()) return l.status();
    if (!r.ok()) return r.status();
    step.strip_left = *l;
    step.strip_right = *r;
  } else if (*type == "StripAccents") {
    step.kind = Kind::kStripAccents;
  } else if (*type == "Replace") {
    step.kind = Kind::kReplace;
    absl::StatusOr<PatternSpec> spec = PatternMember(json, w);
    if (!spec.ok()) return spec.status();
    absl::StatusOr<SplitRegex> re = SplitRegex::CompileAt(spec->text, spec->literal, w);
    if (!re.ok()) return re.status();
    step.pattern = *std::move(re);
    absl::StatusOr<std::string> c = StringMember(json, "content", w);
    if (!c.ok()) return c.status();
    step.content = *std::move(c);
  } else if (*type == "Prepend") {
    step.kind = Kind::kPrepend;
    absl::StatusOr<std::string> c = StringMember(json, "prepend", w);
    if (!c.ok()) return c.status();
    step.content = *std::move(c);
  } else if (*type == "Nmt") {
    step.kind = Kind::kNmt;
  } else if (*type == "ByteLevel") {
    step.kind = Kind::kByteLevel;
  } else {
    return absl::UnimplementedError(absl::StrCat(
        where, ": normalizer type \"", *type,
        "\" is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, "
        "Prepend, Nmt, ByteLevel, Sequence)"));
  }
  steps->push_back(std::move(step));
  return absl::OkStatus();
}

absl::StatusOr<TextNormalizer> TextNormalizer::FromJson(const Json& json, const std::string& where) {
  std::vector<Step> steps;
  if (!json.is_null()) {
    if (absl::Status s = AppendSteps(json, where, &steps); !s.ok()) return s;
  }
  return TextNormalizer(std::move(steps));
}

std::string TextNormalizer::Apply(std::string_view text) const {
  std::string s(text);
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Kind::kUnicode:
        s = NormalizeUnicode(s, step.form);
        break;
      case Kind::kLowercase:
        s = MapChars(s, [](char32_t cp, std::string* out) { AppendLowercase(cp, out); });
        break;
      case Kind::kStrip:
        s = StripWhitespace(s, step.strip_left, step.strip_right);
        break;
      case Kind::kStripAccents:
        s = MapChars(s, [](char32_t cp, std::string* out) {
          if (!IsCombiningMark(cp)) AppendUtf8(cp, out);
        });
        break;
      case Kind::kReplace:
        s = ReplaceAll(s, *step.pattern, step.content);
        break;
      case Kind::kPrepend:
        if (!s.empty()) s.insert(0, step.content);
        break;
      case Kind::kNmt:
        s = MapChars(s, AppendNmt);
        break;
      case Kind::kByteLevel: {
        std::string mapped;
        AppendByteLevel(s, &mapped);
        s = std::move(mapped);
        break;
      }
    }
  }
  return s;
}

}  // namespace doomscope::engine
