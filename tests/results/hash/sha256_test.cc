#include "results/hash/sha256.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

// FIPS 180-4 / NIST example vectors.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, ChunkedUpdatesMatchOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  for (size_t chunk : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 128u}) {
    Sha256 sha;
    for (size_t i = 0; i < data.size(); i += chunk) sha.Update(std::string_view(data).substr(i, chunk));
    auto digest = sha.Finish();
    Sha256 one;
    one.Update(data);
    EXPECT_EQ(digest, one.Finish()) << "chunk " << chunk;
  }
}

TEST(Sha256Test, FileMatchesStagesAReadme) {
  auto hex = Sha256File(testing::SharedPath("models/stages-a/pretrain.bin"));
  ASSERT_TRUE(hex.ok()) << hex.status();
  EXPECT_EQ(*hex, "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696");
}

TEST(Sha256Test, MissingFileIsAnError) {
  auto hex = Sha256File("/nonexistent/doomscope/file.bin");
  EXPECT_FALSE(hex.ok());
  EXPECT_NE(std::string(hex.status().message()).find("/nonexistent/doomscope/file.bin"), std::string::npos);
}

}  // namespace
}  // namespace doomscope
