// CRC-32C against RFC 3720's vectors, and the TFRecord mask.
#include "results/hash/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace doomscope {
namespace {

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);   // RFC 3720 B.4
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);  // RFC 3720 B.4
  std::string inc;
  for (int i = 0; i < 32; ++i) inc.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(inc), 0x46DD794Eu);  // RFC 3720 B.4 incrementing bytes
  // Extending in pieces equals one pass (exercises the 8-byte and tail loops).
  const std::string text = "The quick brown fox jumps over the lazy dog, twice over.";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(Crc32cExtend(Crc32c(text.substr(0, cut)), text.substr(cut)), Crc32c(text));
  }
}

TEST(Crc32cTest, MaskRoundTrips) {
  for (uint32_t c : {0u, 1u, 0xE3069283u, 0xffffffffu}) EXPECT_EQ(UnmaskCrc(MaskCrc(c)), c);
  EXPECT_EQ(MaskCrc(0), 0xa282ead8u);
}

}  // namespace
}  // namespace doomscope
