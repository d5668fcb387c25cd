// Test helpers for Hugging Face folders: copies of the shared stories260K
// folder whose config.json, generation_config.json and tensors a test edits.
// Header-only, so any test file of the folder can include it (the test
// binary is built from *_test.cc files alone).
#ifndef DOOMSCOPE_TESTS_ENGINE_HF_TEST_FOLDER_H_
#define DOOMSCOPE_TESTS_ENGINE_HF_TEST_FOLDER_H_

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/hf_synth.h"
#include "engine/model_loader.h"
#include "engine/quantize.h"
#include "engine/safetensors_reader.h"
#include "engine/synth_model.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/test_support.h"

namespace doomscope::testing {

struct TestTensor {
  std::string name;
  std::string dtype;  // "F32", "BF16", ...
  std::vector<uint64_t> shape;
  std::string bytes;
};

// ReadTensors: the tensors of a safetensors file, in file order.
// WriteTensors: writes them in the given order; `pad_header` as the reference
// writer does (without it the data starts off any 4-byte boundary, so the
// tensors are misaligned).
// ConvertF32: the F32 tensors as BF16 or F16 (others unchanged).
// CopyHfFolder: a fresh, writable copy of ../shared/models/hf/<name>.
// EditConfig: edits DIR/config.json in place.
// WriteSynthGgufAndHf: synth-model's two files of one seed, loaded.

inline std::vector<TestTensor> ReadTensors(const std::string& path) {
  absl::StatusOr<engine::SafetensorsFile> f = engine::SafetensorsFile::Open(path);
  EXPECT_TRUE(f.ok()) << f.status();
  std::vector<TestTensor> out;
  if (!f.ok()) return out;
  for (const engine::SafetensorsTensor& t : f->tensors()) {
    out.push_back({t.name, t.dtype, t.shape, std::string(reinterpret_cast<const char*>(t.data.data()), t.data.size())});
  }
  return out;
}

inline void WriteTensors(const std::string& path, const std::vector<TestTensor>& tensors, bool pad_header = true) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  uint64_t offset = 0;
  for (const TestTensor& t : tensors) {
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string json = header.dump();
  if (pad_header) {
    json.resize((json.size() + 7) / 8 * 8, ' ');
  } else if (json.size() % 4 == 0) {
    json += ' ';  // make the data start off any 4-byte boundary
  }
  std::string out(8, '\0');
  const uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  out += json;
  for (const TestTensor& t : tensors) out += t.bytes;
  WriteFile(path, out);
}

inline std::vector<TestTensor> ConvertF32(std::vector<TestTensor> tensors, const std::string& dtype) {
  for (TestTensor& t : tensors) {
    if (t.dtype != "F32") continue;
    const size_t n = t.bytes.size() / 4;
    std::string bytes(n * 2, '\0');
    for (size_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, t.bytes.data() + 4 * i, 4);
      const uint16_t h = dtype == "BF16" ? engine::FloatToBFloat16(f) : engine::FloatToHalf(f);
      std::memcpy(bytes.data() + 2 * i, &h, 2);
    }
    t.bytes = std::move(bytes);
    t.dtype = dtype;
  }
  return tensors;
}

inline std::string CopyHfFolder(const std::string& name = "stories260K") {
  const std::string dir = MakeTempDir("hf-" + name);
  std::filesystem::copy(SharedPath("models/hf/" + name), dir,
                        std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
  // The shared files are read-only; the copy must be editable.
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  }
  return dir;
}

// synth-model's GGUF and HF folder of `shape` from one seed, each loaded.
struct SynthGgufAndHf {
  engine::ModelWeights gguf, hf;
  std::string hf_dir;
};
inline SynthGgufAndHf WriteSynthGgufAndHf(const std::string& shape, engine::DType dtype, uint64_t seed) {
  const std::string dir = MakeTempDir("gguf_hf");
  const engine::ModelConfig config = *engine::FindSynthShape(shape);
  EXPECT_TRUE(engine::WriteSynthModel(config, dtype, seed, shape, dir + "/m.gguf").ok());
  absl::Status s = engine::WriteSynthHfFolder(config, dtype, seed, shape, "", dir + "/hf");
  EXPECT_TRUE(s.ok()) << s;
  absl::StatusOr<engine::ModelWeights> a = engine::LoadModelWeights(dir + "/m.gguf");
  absl::StatusOr<engine::ModelWeights> b = engine::LoadModelWeights(dir + "/hf");
  EXPECT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(b.ok()) << b.status();
  if (!a.ok() || !b.ok()) return {};
  return SynthGgufAndHf{*std::move(a), *std::move(b), dir + "/hf"};
}

inline nlohmann::json ReadJson(const std::string& path) { return nlohmann::json::parse(ReadFile(path)); }

inline void WriteJson(const std::string& path, const nlohmann::json& json) { WriteFile(path, json.dump(1)); }

inline void EditConfig(const std::string& dir, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json config = ReadJson(dir + "/config.json");
  edit(config);
  WriteJson(dir + "/config.json", config);
}

}  // namespace doomscope::testing

#endif  // DOOMSCOPE_TESTS_ENGINE_HF_TEST_FOLDER_H_
