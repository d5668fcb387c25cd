// Hugging Face folder files against truncation, bit flips and random bytes,
// as corrupt_files_test.cc does for GGUF and llama2.c: every load must end in
// a clean error naming the file (or, for harmless flips, a valid load), never
// a crash or an out-of-bounds read. Copies are exact-size heap buffers, so
// the ASan build catches any read past the end.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/hf_config_json.h"
#include "engine/hf_json.h"
#include "engine/hf_model.h"
#include "engine/safetensors_checkpoint.h"
#include "engine/safetensors_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;
using testing::SharedPath;

const HfConfigJson& StoriesConfig() {
  static const HfConfigJson* config = [] {
    absl::StatusOr<HfConfigJson> c = HfConfigJson::Read(SharedPath("models/hf/stories260K/config.json"));
    EXPECT_TRUE(c.ok()) << c.status();
    return new HfConfigJson(*std::move(c));
  }();
  return *config;
}

// Everything the folder loader does with a model.safetensors: parse, map every tensor.
absl::Status LoadSafetensorsBytes(std::string_view bytes) {
  absl::StatusOr<SafetensorsFile> f = SafetensorsFile::Parse(MappedFile::FromString(bytes, "bad.safetensors"));
  if (!f.ok()) return f.status();
  for (const SafetensorsTensor& t : f->tensors()) {
    if (!t.data.empty()) {
      volatile std::byte first = t.data.front(), last = t.data.back();
      (void)first;
      (void)last;
    }
  }
  return HfModelFromParts(StoriesConfig(), SafetensorsCheckpoint::FromFile(*std::move(f)), nullptr).status();
}

absl::Status LoadConfigBytes(std::string_view bytes) {
  absl::StatusOr<nlohmann::json> json = ParseStrictJson(bytes, "bad/config.json", 8);
  if (!json.ok()) return json.status();
  const HfConfigJson config(*json, "bad/config.json");
  absl::StatusOr<const HfArchitecture*> arch = HfArchitectureOf(config);
  if (!arch.ok()) return arch.status();
  ModelConfig c;
  return (*arch)->read_config(config, &c);
}

TEST(HfCorruptFilesTest, TruncatedSafetensorsIsRefusedAtEveryCut) {
  const std::string good = ReadFile(SharedPath("models/hf/stories260K/model.safetensors"));
  ASSERT_TRUE(LoadSafetensorsBytes(good).ok());
  std::vector<size_t> cuts;
  for (size_t i = 0; i < 6000; i += i < 300 ? 1 : 7) cuts.push_back(i);  // the header and the first tensor
  for (size_t i = 6000; i < good.size(); i += good.size() / 50) cuts.push_back(i);
  cuts.push_back(good.size() - 1);
  for (size_t cut : cuts) {
    absl::Status s = LoadSafetensorsBytes(std::string_view(good).substr(0, cut));
    ASSERT_FALSE(s.ok()) << "cut at " << cut;
    EXPECT_THAT(std::string(s.message()), HasSubstr("bad.safetensors")) << cut;
  }
}

TEST(HfCorruptFilesTest, BitFlipsNeverCrash) {
  const std::string good = ReadFile(SharedPath("models/hf/stories260K/model.safetensors"));
  uint64_t n = 0;
  std::memcpy(&n, good.data(), 8);
  std::mt19937_64 rng(17);
  int refused = 0, loaded = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bad = good;
    // Mostly the length and the header, where a flip changes what is read.
    const size_t span = trial % 10 == 0 ? bad.size() : 8 + n;
    for (int k = 0; k < 1 + trial % 3; ++k) bad[rng() % span] ^= static_cast<char>(1 << (rng() % 8));
    absl::Status s = LoadSafetensorsBytes(bad);
    if (s.ok()) {
      ++loaded;
    } else {
      ++refused;
      EXPECT_THAT(std::string(s.message()), HasSubstr("safetensors")) << s;
    }
  }
  EXPECT_GT(refused, 1000);  // flips in the header are nearly always caught
  EXPECT_GT(loaded, 100);    // flips in tensor data are harmless
}

TEST(HfCorruptFilesTest, RandomBytesAreRefused) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bytes(rng() % 200, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (trial % 2 == 0 && bytes.size() >= 9) {  // a plausible length and '{' get past the first checks
      const uint64_t n = bytes.size() - 8 - rng() % 4;
      std::memcpy(bytes.data(), &n, 8);
      bytes[8] = '{';
    }
    EXPECT_FALSE(LoadSafetensorsBytes(bytes).ok());
  }
}

TEST(HfCorruptFilesTest, TruncatedAndFlippedConfigJson) {
  const std::string good = ReadFile(SharedPath("models/hf/stories260K/config.json"));
  ASSERT_TRUE(LoadConfigBytes(good).ok());
  for (size_t cut = 0; cut <= good.rfind('}'); ++cut) {
    absl::Status s = LoadConfigBytes(std::string_view(good).substr(0, cut));
    ASSERT_FALSE(s.ok()) << cut;
    EXPECT_THAT(std::string(s.message()), HasSubstr("config.json")) << cut;
  }
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = good;
    bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
    absl::Status s = LoadConfigBytes(bad);
    if (!s.ok()) {
      EXPECT_THAT(std::string(s.message()), HasSubstr("config.json")) << s;
    }
  }
}

}  // namespace
}  // namespace doomscope::engine
