// The generic parts of the function-call AST match: BFCL's string
// standardization (Unicode lower case as Python's str.lower) and the pairing of
// parallel calls.
#include "eval/bipartite_matching.h"
#include "eval/call_ast_match.h"
#include "gtest/gtest.h"

namespace doomscope::eval {
namespace {

TEST(CallAstMatchTest, StandardizeString) {
  EXPECT_EQ(StandardizeBfclString("April 1, 2024"), "april12024");
  EXPECT_EQ(StandardizeBfclString("New_York-City/NY.*^"), "newyorkcityny");
  EXPECT_EQ(StandardizeBfclString("it's"), "it\"s");
}

TEST(CallAstMatchTest, StandardizeStringLowersUnicodeAsPythonDoes) {
  // str.lower() is Unicode's full lower-case mapping: BFCL accepts
  // "DIVINÓPOLIS, MG" for "Divinópolis, MG".
  EXPECT_EQ(StandardizeBfclString("DIVIN\u00d3POLIS, MG"), StandardizeBfclString("Divin\u00f3polis, MG"));
  EXPECT_EQ(StandardizeBfclString("\u00c4RGER"), "\u00e4rger");
  // Final sigma, one to two code points (I with dot above), no folding of ß.
  EXPECT_EQ(StandardizeBfclString("\u039f\u0394\u039f\u03a3"), "\u03bf\u03b4\u03bf\u03c2");
  EXPECT_EQ(StandardizeBfclString("\u0130stanbul"), "i\u0307stanbul");
  EXPECT_NE(StandardizeBfclString("STRASSE"), StandardizeBfclString("stra\u00dfe"));
  // Only ASCII separators are removed.
  EXPECT_EQ(StandardizeBfclString("a\u2014b\u3000c"), "a\u2014b\u3000c");
}

TEST(BipartiteMatchingTest, FindsAMaximumMatching) {
  // A greedy first-fit would give left 0 the right 0 and leave left 1 alone.
  EXPECT_EQ(MaximumBipartiteMatching({{true, true}, {true, false}}), (std::vector<int>{1, 0}));
  EXPECT_EQ(MaximumBipartiteMatching({{true, false}, {true, false}}), (std::vector<int>{0, -1}));
  EXPECT_EQ(MaximumBipartiteMatching({}), std::vector<int>{});
  // 3x3 with one perfect matching reachable only through a two-step augmenting path.
  EXPECT_EQ(MaximumBipartiteMatching({{true, true, false}, {true, false, false}, {false, true, true}}),
            (std::vector<int>{1, 0, 2}));
}

}  // namespace
}  // namespace doomscope::eval
