// fuzz-link: doomscope_engine_readers
// libFuzzer target: arbitrary bytes through everything that reads a Hugging
// Face folder's weights: the safetensors container, then the Llama tensor
// mapping of hf_model.h under a fixed stories260K-shaped config.json (so
// inputs near the real file reach the shape, dtype, permutation and
// alignment paths), and the generation_config.json reader on the same bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/hf_config_json.h"
#include "engine/hf_json.h"
#include "engine/hf_model.h"
#include "engine/mapped_file.h"
#include "engine/safetensors_checkpoint.h"
#include "engine/safetensors_reader.h"

namespace {

const doomscope::engine::HfConfigJson& StoriesConfig() {
  static const auto* config = new doomscope::engine::HfConfigJson(
      nlohmann::json::parse(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
        "intermediate_size": 172, "num_hidden_layers": 5, "num_attention_heads": 8, "num_key_value_heads": 4,
        "vocab_size": 512, "max_position_embeddings": 512, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
        "tie_word_embeddings": true})"),
      "config.json");
  return *config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace doomscope::engine;
  auto file = MappedFile::FromBytes(std::as_bytes(std::span(data, size)), "fuzz.safetensors");
  absl::StatusOr<SafetensorsFile> st = SafetensorsFile::Parse(file);
  if (st.ok()) {
    for (const SafetensorsTensor& t : st->tensors()) {
      if (!t.data.empty()) {
        // Touch the first and last byte: both must lie inside the buffer.
        volatile std::byte first = t.data.front(), last = t.data.back();
        (void)first;
        (void)last;
      }
    }
    absl::StatusOr<HfModel> model = HfModelFromParts(StoriesConfig(), SafetensorsCheckpoint::FromFile(*st), nullptr);
    if (model.ok()) {
      volatile std::byte b = model->weights.layers[4].wk.data[0];
      (void)b;
    }
  }
  // The same bytes as a config file.
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<nlohmann::json> json = ParseStrictJson(text, "fuzz.json", 8);
  if (json.ok() && json->is_object()) {
    const HfConfigJson config(*json, "fuzz.json");
    (void)HfArchitectureOf(config);
    (void)ReadHfGenerationConfig(config, 512);
  }
  return 0;
}
