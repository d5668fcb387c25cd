// The SentencePiece-style tokenizer against llama2.c's reference outputs for
// stories260K, a literal re-statement of run.c's quadratic encoder, and
// hand-made vocabularies that pin down the tie-breaking rules.
#include "engine/tokenizer.h"

#include "engine/gguf_reader.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/reference_greedy_rows.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SharedPath;

Tokenizer LoadTok512() {
  absl::StatusOr<Tokenizer> t =
      Tokenizer::FromLlama2cFile(SharedPath("models/stories260K/tok512.bin"), 512);
  EXPECT_TRUE(t.ok()) << t.status();
  return *std::move(t);
}

using ReferenceRow = ::doomscope::testing::ReferenceGreedyRow;

std::vector<ReferenceRow> LoadReference() { return ::doomscope::testing::LoadReferenceGreedyRows(); }

// run.c's encode, restated literally (O(n^2) merge loop over the whole vocab).
std::vector<int32_t> RunCEncode(const Tokenizer& t, std::string_view text, bool bos) {
  auto lookup = [&](std::string_view s) -> int32_t {
    for (int32_t i = 0; i < t.vocab_size(); ++i) {
      if (t.Piece(i) == s && !s.empty()) return i;
    }
    return -1;
  };
  std::vector<int32_t> tokens;
  if (!text.empty()) tokens.push_back(lookup(" "));
  std::string buf;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) buf.clear();
    buf += text[i];
    if (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80 &&
        buf.size() < 4) {
      continue;
    }
    int32_t id = lookup(buf);
    if (id != -1) {
      tokens.push_back(id);
    } else {
      for (unsigned char c : buf) tokens.push_back(c + 3);
    }
    buf.clear();
  }
  while (true) {
    float best_score = -1e10f;
    int best_id = -1, best_idx = -1;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      std::string merged = std::string(t.Piece(tokens[i])) + std::string(t.Piece(tokens[i + 1]));
      int32_t id = lookup(merged);
      if (id != -1 && t.Score(id) > best_score) {
        best_score = t.Score(id);
        best_id = id;
        best_idx = static_cast<int>(i);
      }
    }
    if (best_idx == -1) break;
    tokens[best_idx] = best_id;
    tokens.erase(tokens.begin() + best_idx + 1);
  }
  if (bos) tokens.insert(tokens.begin(), 1);
  return tokens;
}

TEST(TokenizerTest, Tok512Layout) {
  Tokenizer t = LoadTok512();
  EXPECT_EQ(t.vocab_size(), 512);
  EXPECT_EQ(t.bos_id(), 1);
  EXPECT_EQ(t.eos_id(), 2);
  EXPECT_EQ(t.Piece(0), "<unk>");
  EXPECT_EQ(t.Piece(1), "\n<s>\n");
  EXPECT_EQ(t.Piece(2), "\n</s>\n");
  EXPECT_EQ(t.Piece(3), "<0x00>");
  EXPECT_EQ(t.Piece(258), "<0xFF>");
  EXPECT_EQ(t.ByteToken(0x41), 0x41 + 3);
  EXPECT_EQ(t.ByteValue(0x0A + 3), 0x0A);
  EXPECT_EQ(t.ByteValue(259), -1);
  EXPECT_EQ(t.Score(258), 0.0f);
  EXPECT_EQ(t.Score(260), -1.0f);
  EXPECT_EQ(t.Score(511), -252.0f);
}

TEST(TokenizerTest, EncodesOnceUponATimeAsRunC) {
  Tokenizer t = LoadTok512();
  EXPECT_THAT(t.Encode("Once upon a time", true), ElementsAre(1, 403, 407, 261, 378));
  EXPECT_THAT(t.Encode("Once upon a time", false), ElementsAre(403, 407, 261, 378));
  EXPECT_TRUE(t.Encode("", false).empty());
  EXPECT_THAT(t.Encode("", true), ElementsAre(1));
}

TEST(TokenizerTest, ReferencePromptsEncodeAndOutputsDecodeExactly) {
  Tokenizer t = LoadTok512();
  for (const ReferenceRow& r : LoadReference()) {
    EXPECT_EQ(t.Encode(r.prompt, true), r.prompt_ids) << r.prompt;
    std::vector<int32_t> all = r.prompt_ids;
    all.insert(all.end(), r.generated_ids.begin(), r.generated_ids.end());
    EXPECT_EQ(t.Decode(all), r.output) << r.prompt;
    // Token by token, as a streaming printer does.
    std::string streamed;
    for (size_t i = 1; i < all.size(); ++i) streamed += t.DecodeToken(all[i - 1], all[i]);
    EXPECT_EQ(streamed, r.output);
  }
}

TEST(TokenizerTest, GgufVocabularyReproducesTheReferenceToo) {
  absl::StatusOr<GgufFile> g = GgufFile::Open(SharedPath("models/stories260K/stories260K.gguf"));
  ASSERT_TRUE(g.ok()) << g.status();
  absl::StatusOr<Tokenizer> t = Tokenizer::FromGguf(*g);
  ASSERT_TRUE(t.ok()) << t.status();
  for (const ReferenceRow& r : LoadReference()) {
    EXPECT_EQ(t->Encode(r.prompt, true), r.prompt_ids) << r.prompt;
    std::vector<int32_t> all = r.prompt_ids;
    all.insert(all.end(), r.generated_ids.begin(), r.generated_ids.end());
    EXPECT_EQ(t->Decode(all), r.output) << r.prompt;
  }
  Tokenizer ref = LoadTok512();
  for (const std::string s : {"Ünïcödé ☃ 日本語 🙂", "tabs\tand\nnewlines", "it's \"quoted\"..."}) {
    EXPECT_EQ(t->Encode(s, true), ref.Encode(s, true)) << s;
    EXPECT_EQ(t->Decode(t->Encode(s, true)), s);
  }
}

TEST(TokenizerTest, DecodeStripsTheLeadingSpaceOnlyAfterBos) {
  Tokenizer t = LoadTok512();
  EXPECT_EQ(t.DecodeToken(1, 403), "Once");
  EXPECT_EQ(t.DecodeToken(378, 403), " Once");
  EXPECT_EQ(t.DecodeToken(-1, 403), " Once");
  EXPECT_EQ(t.DecodeToken(1, 1), "");  // control tokens print nothing
  EXPECT_EQ(t.DecodeToken(1, 2), "");
  EXPECT_EQ(t.DecodeToken(1, 512), "");  // out of range
  EXPECT_EQ(t.DecodeToken(1, -7), "");
  EXPECT_EQ(t.DecodeToken(5, 0xE9 + 3), "\xE9");  // <0xE9> is the raw byte
}

TEST(TokenizerTest, NonAsciiFallsBackToBytes) {
  Tokenizer t = LoadTok512();
  // "ü" is not a piece of tok512: dummy " " then <0xC3> <0xBC>.
  std::vector<int32_t> ids = t.Encode("ü", true);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(t.Piece(ids[1]), " ");
  EXPECT_EQ(ids[2], 0xC3 + 3);
  EXPECT_EQ(ids[3], 0xBC + 3);
  EXPECT_EQ(t.Decode(ids), "ü");
  // "é" is a piece (id 485); after a space it stays separate: " " has no merge with it.
  EXPECT_THAT(t.Encode("é", false), ElementsAre(t.Encode(" ", false)[0], 485));
}

TEST(TokenizerTest, RoundTripsArbitraryBytes) {
  Tokenizer t = LoadTok512();
  const std::vector<std::string> texts = {
      "Once upon a time", "  two leading spaces", "tabs\tand\nnewlines\n\n", "Ünïcödé ☃ 日本語 🙂",
      std::string("nul\0byte", 8), "\xff\xfe invalid \x80\x80\x80\x80\x80 utf8", "1+1=2; x[3]={'a'}",
      "The dog ran. The dog ran. The dog ran."};
  for (const std::string& s : texts) {
    EXPECT_EQ(t.Decode(t.Encode(s, true)), s) << s;
    EXPECT_EQ(t.Decode(t.Encode(s, false)), " " + s) << s;
  }
}

TEST(TokenizerTest, MatchesLiteralRunCOnRandomText) {
  Tokenizer t = LoadTok512();
  std::mt19937 rng(1234);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz   ,.!'\"\nTLO";
  for (int trial = 0; trial < 60; ++trial) {
    std::string s;
    int len = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) {
      if (rng() % 23 == 0) {
        s += rng() % 2 ? "\xC3\xA9" : "\xC3\xBC";  // é is a piece, ü falls back to bytes
      } else {
        s += alphabet[rng() % alphabet.size()];
      }
    }
    EXPECT_EQ(t.Encode(s, true), RunCEncode(t, s, true)) << "'" << s << "'";
  }
}

TokenizerVocab SmallVocab(std::vector<std::pair<std::string, float>> extra) {
  TokenizerVocab v;
  v.source = "test";
  v.pieces = {"<unk>", "<s>", "</s>"};
  v.scores = {0, 0, 0};
  v.kinds = {TokenKind::kUnknown, TokenKind::kControl, TokenKind::kControl};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    v.pieces.push_back(buf);
    v.scores.push_back(0);
    v.kinds.push_back(TokenKind::kByte);
  }
  for (auto& [piece, score] : extra) {
    v.pieces.push_back(piece);
    v.scores.push_back(score);
    v.kinds.push_back(TokenKind::kNormal);
  }
  return v;
}

TEST(TokenizerTest, MergesHighestScoreFirstAndLeftmostOnTies) {
  // "aaa": pairs (a,a) at 0 and 1 tie; the left one merges first: [aa, a].
  TokenizerVocab v = SmallVocab({{" ", -1}, {"a", -1}, {"b", -1}, {"aa", -2}, {"ab", -5}, {"ba", -3}});
  v.add_dummy_prefix = false;
  absl::StatusOr<Tokenizer> t = Tokenizer::FromVocab(v);
  ASSERT_TRUE(t.ok()) << t.status();
  const int32_t a = 260, aa = 262, ab = 263, ba = 264;
  EXPECT_THAT(t->Encode("aaa", false), ElementsAre(aa, a));
  // "aba": "ba" (-3) beats "ab" (-5) although "ab" is further left.
  EXPECT_THAT(t->Encode("aba", false), ElementsAre(a, ba));
  EXPECT_THAT(t->Encode("ab", false), ElementsAre(ab));
  // Byte fallback for a code point with no piece, bytes never merge.
  EXPECT_THAT(t->Encode("c", false), ElementsAre(3 + 'c'));
}

TEST(TokenizerTest, ControlPiecesAreNotMatchedWhenOnlyNormalPiecesMatch) {
  TokenizerVocab v = SmallVocab({{" ", -1}, {"<", -1}, {"s", -1}, {">", -1}, {"<s", -2}});
  v.match_all_pieces = false;
  absl::StatusOr<Tokenizer> t = Tokenizer::FromVocab(v);
  ASSERT_TRUE(t.ok()) << t.status();
  // "<s>" must not become BOS (id 1), nor <0x3C> byte tokens match as text.
  std::vector<int32_t> ids = t->Encode("<s>", false);
  EXPECT_THAT(ids, ElementsAre(259, 263, 262));  // " ", "<s", ">"
  EXPECT_EQ(t->Decode(ids), " <s>");
}

TEST(TokenizerTest, InvalidVocabulariesAreRejected) {
  TokenizerVocab v = SmallVocab({});
  v.bos_id = 9999;
  EXPECT_THAT(std::string(Tokenizer::FromVocab(v).status().message()),
              HasSubstr("bos token id 9999 is outside"));
  v = SmallVocab({});
  v.kinds[5] = TokenKind::kByte;
  v.pieces[5] = "<0xZZ>";
  EXPECT_THAT(std::string(Tokenizer::FromVocab(v).status().message()),
              HasSubstr("token 5 has type BYTE"));
  v = SmallVocab({});
  v.scores.pop_back();
  EXPECT_FALSE(Tokenizer::FromVocab(v).ok());
}

TEST(TokenizerTest, Llama2cFileErrorsNameTheProblem) {
  std::string good = testing::ReadFile(SharedPath("models/stories260K/tok512.bin"));
  auto load = [](const std::string& bytes, int vocab) {
    return Tokenizer::FromLlama2cBytes(std::as_bytes(std::span(bytes.data(), bytes.size())),
                                       "tok.bin", vocab);
  };
  EXPECT_TRUE(load(good, 512).ok());
  EXPECT_THAT(std::string(load(good, 511).status().message()), HasSubstr("trailing bytes"));
  EXPECT_THAT(std::string(load(good, 513).status().message()), HasSubstr("truncated"));
  EXPECT_THAT(std::string(load(good.substr(0, 100), 512).status().message()),
              HasSubstr("cannot hold 512 tokens"));
  std::string bad_len = good;
  bad_len[8] = 100;  // token 0's length byte
  EXPECT_THAT(std::string(load(bad_len, 512).status().message()),
              HasSubstr("token 0 has length 100"));
  EXPECT_THAT(std::string(load(good, 2).status().message()), HasSubstr("vocab_size 2"));
}

}  // namespace
}  // namespace doomscope::engine
