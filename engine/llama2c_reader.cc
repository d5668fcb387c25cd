#include "engine/llama2c_reader.h"

#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/weight_check.h"

namespace doomscope::engine {
namespace {

// "ak42": the magic of llama2.c's versioned exports (version 1 fp32, 2 int8).
constexpr uint32_t kVersionedExportMagic = 0x616b3432;

struct Header {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

absl::Status CheckRange(const std::string& path, const char* field, int64_t value, int64_t lo,
                        int64_t hi) {
  if (value < lo || value > hi) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": header field ", field, " = ", value,
                                                   " is outside [", lo, ", ", hi, "]"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ModelConfig> ValidateHeader(const std::string& path, const Header& h) {
  int64_t vocab = h.vocab_size < 0 ? -static_cast<int64_t>(h.vocab_size) : h.vocab_size;
  for (auto [field, value, lo, hi] : {
           std::tuple<const char*, int64_t, int64_t, int64_t>{"dim", h.dim, 2, kLlama2cMaxDim},
           {"hidden_dim", h.hidden_dim, 1, kLlama2cMaxHiddenDim},
           {"n_layers", h.n_layers, 1, kLlama2cMaxLayers},
           {"n_heads", h.n_heads, 1, h.dim},
           {"n_kv_heads", h.n_kv_heads, 1, h.n_heads},
           {"|vocab_size|", vocab, 1, kLlama2cMaxVocab},
           {"seq_len", h.seq_len, 1, kLlama2cMaxSeqLen}}) {
    if (absl::Status s = CheckRange(path, field, value, lo, hi); !s.ok()) return s;
  }
  if (h.dim % h.n_heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": dim ", h.dim,
                                                   " is not a multiple of n_heads ", h.n_heads));
  }
  if (h.n_heads % h.n_kv_heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": n_heads ", h.n_heads, " is not a multiple of n_kv_heads ", h.n_kv_heads));
  }
  int head_dim = h.dim / h.n_heads;
  if (head_dim % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": head size ", head_dim, " (dim / n_heads) is odd; RoPE rotates pairs"));
  }
  ModelConfig c;
  c.arch = Architecture::kLlama;
  c.dim = h.dim;
  c.hidden_dim = h.hidden_dim;
  c.n_layers = h.n_layers;
  c.n_heads = h.n_heads;
  c.n_kv_heads = h.n_kv_heads;
  c.head_dim = head_dim;
  c.vocab_size = static_cast<int>(vocab);
  c.max_seq_len = h.seq_len;
  c.rope_theta = 10000.0f;  // run.c hard-codes these three
  c.rope_layout = RopeLayout::kAdjacentPairs;
  c.norm_eps = 1e-5f;
  c.tied_embeddings = h.vocab_size > 0;
  return c;
}

// Hands out consecutive float32 matrices from the weight section.
class Cursor {
 public:
  explicit Cursor(const std::byte* base) : base_(base) {}
  TensorView Take(int64_t rows, int64_t cols) {
    TensorView v{DType::kF32, rows, cols, base_ + offset_};
    offset_ += static_cast<uint64_t>(rows * cols) * 4;
    return v;
  }
  void SkipFloats(uint64_t n) { offset_ += n * 4; }
  uint64_t offset() const { return offset_; }

 private:
  const std::byte* base_;
  uint64_t offset_ = 0;
};

}  // namespace

absl::StatusOr<ModelWeights> ReadLlama2cCheckpoint(std::shared_ptr<const MappedFile> file) {
  const std::string& path = file->path();
  ByteReader r(file->bytes(), path);
  uint32_t first = 0;
  if (file->size() >= 4) {
    std::memcpy(&first, file->data(), 4);
    if (first == kVersionedExportMagic) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": llama2.c versioned export (magic \"ak42\") is not supported; export the "
                "checkpoint in the legacy format (export.py --version 0)"));
    }
  }
  Header h;
  if (!r.ReadI32(&h.dim, "header dim") || !r.ReadI32(&h.hidden_dim, "header hidden_dim") ||
      !r.ReadI32(&h.n_layers, "header n_layers") || !r.ReadI32(&h.n_heads, "header n_heads") ||
      !r.ReadI32(&h.n_kv_heads, "header n_kv_heads") ||
      !r.ReadI32(&h.vocab_size, "header vocab_size") || !r.ReadI32(&h.seq_len, "header seq_len")) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": too short for a llama2.c checkpoint header (", file->size(), " bytes, need 28)"));
  }
  absl::StatusOr<ModelConfig> config = ValidateHeader(path, h);
  if (!config.ok()) return config.status();
  const ModelConfig& c = *config;

  // Size arithmetic in uint64: the bounds above keep every product far below 2^62.
  const uint64_t dim = c.dim, hidden = c.hidden_dim, layers = c.n_layers, vocab = c.vocab_size;
  const uint64_t kv_dim = static_cast<uint64_t>(c.n_kv_heads) * c.head_dim;
  const uint64_t weight_floats = vocab * dim + layers * (dim + dim * dim + 2 * kv_dim * dim +
                                                         dim * dim + dim + 3 * hidden * dim) +
                                 dim;
  const uint64_t rope_floats = static_cast<uint64_t>(c.max_seq_len) * c.head_dim;  // real + imag
  const uint64_t classifier_floats = c.tied_embeddings ? 0 : vocab * dim;
  const uint64_t header_bytes = 28;
  const uint64_t full_size = header_bytes + 4 * (weight_floats + rope_floats + classifier_floats);
  const uint64_t size = file->size();
  const bool without_rope_tables =
      c.tied_embeddings && size == header_bytes + 4 * weight_floats;
  if (size != full_size && !without_rope_tables) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": file is ", size, " bytes but the header (dim ", c.dim, ", hidden_dim ",
        c.hidden_dim, ", n_layers ", c.n_layers, ", n_heads ", c.n_heads, ", n_kv_heads ",
        c.n_kv_heads, ", vocab_size ", h.vocab_size, ", seq_len ", c.max_seq_len, ") implies ",
        full_size, " bytes", c.tied_embeddings ? absl::StrCat(" (or ", header_bytes + 4 * weight_floats,
                                                               " without the RoPE tables)")
                                               : std::string()));
  }

  ModelWeights w;
  w.config = c;
  w.source_path = path;
  Cursor cur(file->data() + header_bytes);
  const int64_t D = c.dim, H = c.hidden_dim, KV = static_cast<int64_t>(kv_dim);
  const int64_t Q = static_cast<int64_t>(c.n_heads) * c.head_dim;
  w.token_embedding = cur.Take(c.vocab_size, D);
  w.layers.resize(c.n_layers);
  // Arrays are grouped by kind across layers, not by layer.
  for (auto& l : w.layers) l.attn_norm = cur.Take(1, D);
  for (auto& l : w.layers) l.wq = cur.Take(Q, D);
  for (auto& l : w.layers) l.wk = cur.Take(KV, D);
  for (auto& l : w.layers) l.wv = cur.Take(KV, D);
  for (auto& l : w.layers) l.wo = cur.Take(D, Q);
  for (auto& l : w.layers) l.ffn_norm = cur.Take(1, D);
  for (auto& l : w.layers) l.w_gate = cur.Take(H, D);
  for (auto& l : w.layers) l.w_down = cur.Take(D, H);
  for (auto& l : w.layers) l.w_up = cur.Take(H, D);
  w.final_norm = cur.Take(1, D);
  if (c.tied_embeddings) {
    w.classifier = w.token_embedding;
  } else {
    cur.SkipFloats(rope_floats);
    w.classifier = cur.Take(c.vocab_size, D);
  }
  // llama2.c files have no tensor names: name each by run.c's TransformerWeights field.
  std::vector<std::pair<const TensorView*, std::string>> named = {
      {&w.token_embedding, "token_embedding_table"}, {&w.final_norm, "rms_final_weight"}, {&w.classifier, "wcls"}};
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWeights& l = w.layers[i];
    for (const auto& [t, field] : {std::pair<const TensorView*, const char*>{&l.attn_norm, "rms_att_weight"},
                                   {&l.wq, "wq"}, {&l.wk, "wk"}, {&l.wv, "wv"}, {&l.wo, "wo"},
                                   {&l.ffn_norm, "rms_ffn_weight"}, {&l.w_gate, "w1"}, {&l.w_down, "w2"},
                                   {&l.w_up, "w3"}}) {
      named.emplace_back(t, absl::StrCat(field, "[layer ", i, "]"));
    }
  }
  for (const auto& [t, name] : named) {
    if (absl::Status s = CheckTensorFinite(*t, name); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
    }
  }
  w.storage = std::move(file);
  return w;
}

absl::StatusOr<ModelWeights> LoadLlama2cCheckpoint(const std::string& path) {
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  return ReadLlama2cCheckpoint(*std::move(file));
}

}  // namespace doomscope::engine
