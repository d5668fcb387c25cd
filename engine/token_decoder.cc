#include "engine/token_decoder.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "engine/byte_level_map.h"
#include "engine/byte_piece.h"
#include "engine/text_normalizer.h"
#include "engine/utf8_text.h"

namespace doomscope::engine {
namespace {

std::vector<std::string> ByteLevelStep(std::vector<std::string> tokens, bool raw) {
  std::string bytes, piece;
  for (const std::string& t : tokens) {
    // A token with a character outside the map (an added token) keeps its own bytes.
    if (ByteLevelToBytes(t, &piece)) {
      bytes += piece;
    } else {
      bytes += t;
    }
  }
  return {raw ? bytes : ToValidUtf8(bytes)};
}

std::vector<std::string> ByteFallbackStep(std::vector<std::string> tokens, bool raw) {
  std::vector<std::string> out;
  std::string pending;
  auto flush = [&] {
    if (pending.empty()) return;
    if (raw || IsValidUtf8(pending)) {
      out.push_back(pending);
    } else {
      for (size_t i = 0; i < pending.size(); ++i) out.emplace_back(kReplacementUtf8);
    }
    pending.clear();
  };
  for (std::string& t : tokens) {
    if (const int b = BytePieceValue(t); b >= 0) {
      pending.push_back(static_cast<char>(b));
      continue;
    }
    flush();
    out.push_back(std::move(t));
  }
  flush();
  return out;
}

// Byte offsets of the characters of `s` (invalid bytes count as one character each subpart).
std::vector<size_t> CharStarts(std::string_view s) {
  std::vector<size_t> starts;
  size_t i = 0;
  while (i < s.size()) {
    starts.push_back(i);
    char32_t cp;
    i += DecodeUtf8(s, i, &cp);
  }
  starts.push_back(s.size());
  return starts;
}

std::string StripToken(const std::string& token, const std::string& ch, size_t start, size_t stop) {
  const std::vector<size_t> at = CharStarts(token);
  const size_t n = at.size() - 1;
  auto is_ch = [&](size_t i) { return token.compare(at[i], at[i + 1] - at[i], ch) == 0; };
  size_t begin = 0;
  for (size_t i = 0; i < std::min(start, n) && is_ch(i); ++i) begin = i + 1;
  size_t end = n;
  for (size_t i = 0; i < stop && i < n; ++i) {
    const size_t index = n - i - 1;
    if (!is_ch(index)) break;
    end = index;
  }
  if (end < begin) end = begin;
  return token.substr(at[begin], at[end] - at[begin]);
}

}  // namespace

absl::Status TokenDecoder::AppendSteps(const Json& json, const std::string& where, std::vector<Step>* steps) {
  absl::StatusOr<std::string> type = ComponentType(json, where);
  if (!type.ok()) return type.status();
  const std::string w = absl::StrCat(where, " (", *type, ")");
  Step step;
  if (*type == "Sequence") {
    return ForEachListMember(json, "decoders", where, [&](const Json& child, const std::string& child_where) {
      return AppendSteps(child, child_where, steps);
    });
  }
  if (*type == "ByteLevel") {
    step.kind = Kind::kByteLevel;
  } else if (*type == "ByteFallback") {
    step.kind = Kind::kByteFallback;
  } else if (*type == "Fuse") {
    step.kind = Kind::kFuse;
  } else if (*type == "Replace") {
    step.kind = Kind::kReplace;
    absl::StatusOr<PatternSpec> spec = PatternMember(json, w);
    if (!spec.ok()) return spec.status();
    if (spec->literal) {
      step.literal = spec->text;
    } else {
      absl::StatusOr<SplitRegex> re = SplitRegex::CompileAt(spec->text, false, w);
      if (!re.ok()) return re.status();
      step.regex = *std::move(re);
    }
    absl::StatusOr<std::string> content = StringMember(json, "content", w);
    if (!content.ok()) return content.status();
    step.content = *std::move(content);
  } else if (*type == "Strip") {
    step.kind = Kind::kStrip;
    absl::StatusOr<std::string> content = StringMember(json, "content", w);
    absl::StatusOr<int64_t> start = IntMemberOr(json, "start", 0, w);
    absl::StatusOr<int64_t> stop = IntMemberOr(json, "stop", 0, w);
    if (!content.ok()) return content.status();
    if (!start.ok()) return start.status();
    if (!stop.ok()) return stop.status();
    if (*start < 0 || *stop < 0) return absl::InvalidArgumentError(absl::StrCat(w, ": start/stop must be >= 0"));
    step.literal = *std::move(content);
    step.start = static_cast<size_t>(*start);
    step.stop = static_cast<size_t>(*stop);
  } else if (*type == "Metaspace") {
    step.kind = Kind::kMetaspace;
    absl::StatusOr<std::string> replacement = StringMemberOr(json, "replacement", "\xE2\x96\x81", w);
    absl::StatusOr<std::string> scheme = StringMemberOr(json, "prepend_scheme", "always", w);
    absl::StatusOr<bool> add_prefix = BoolMemberOr(json, "add_prefix_space", true, w);
    if (!replacement.ok()) return replacement.status();
    if (!scheme.ok()) return scheme.status();
    if (!add_prefix.ok()) return add_prefix.status();
    step.literal = *std::move(replacement);
    step.prepend_first = *scheme != "never" && *add_prefix;
  } else if (*type == "BPEDecoder") {
    step.kind = Kind::kBpeSuffix;
    absl::StatusOr<std::string> suffix = StringMemberOr(json, "suffix", "</w>", w);
    if (!suffix.ok()) return suffix.status();
    step.literal = *std::move(suffix);
  } else {
    return absl::UnimplementedError(absl::StrCat(
        where, ": decoder type \"", *type,
        "\" is not supported (supported: ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, BPEDecoder, "
        "Sequence)"));
  }
  steps->push_back(std::move(step));
  return absl::OkStatus();
}

absl::StatusOr<TokenDecoder> TokenDecoder::FromJson(const Json& json, const std::string& where) {
  std::vector<Step> steps;
  if (json.is_null()) return TokenDecoder(std::move(steps), false);
  if (absl::Status s = AppendSteps(json, where, &steps); !s.ok()) return s;
  return TokenDecoder(std::move(steps), true);
}

std::string TokenDecoder::Run(std::vector<std::string> tokens, bool raw) const {
  if (!present_) return absl::StrJoin(tokens, " ");
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Kind::kByteLevel:
        tokens = ByteLevelStep(std::move(tokens), raw);
        break;
      case Kind::kByteFallback:
        tokens = ByteFallbackStep(std::move(tokens), raw);
        break;
      case Kind::kFuse:
        tokens = {absl::StrJoin(tokens, "")};
        break;
      case Kind::kReplace:
        for (std::string& t : tokens) {
          if (step.regex) {
            // A regex needs valid UTF-8; the raw bytes of a split character pass unchanged.
            if (IsValidUtf8(t)) t = ReplaceAll(t, *step.regex, step.content);
          } else if (!step.literal.empty()) {
            t = absl::StrReplaceAll(t, {{step.literal, step.content}});
          }
        }
        break;
      case Kind::kStrip:
        for (std::string& t : tokens) t = StripToken(t, step.literal, step.start, step.stop);
        break;
      case Kind::kMetaspace:
        for (size_t i = 0; i < tokens.size(); ++i) {
          tokens[i] = absl::StrReplaceAll(tokens[i], {{step.literal, i == 0 && step.prepend_first ? "" : " "}});
        }
        break;
      case Kind::kBpeSuffix:
        for (size_t i = 0; i < tokens.size(); ++i) {
          tokens[i] = absl::StrReplaceAll(tokens[i], {{step.literal, i + 1 == tokens.size() ? "" : " "}});
        }
        break;
    }
  }
  return absl::StrJoin(tokens, "");
}

}  // namespace doomscope::engine
