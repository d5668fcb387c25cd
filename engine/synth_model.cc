#include "engine/synth_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/forward_rope.h"
#include "engine/gguf_model.h"
#include "engine/quantize.h"

namespace doomscope::engine {
namespace {

constexpr uint64_t kChunk = 8192;  // values per independently seeded chunk (a multiple of 32)

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// splitmix64: tiny, fast, and plenty for synthetic weights.
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return Mix64(state_ += 0x9E3779B97F4A7C15ULL); }

 private:
  uint64_t state_;
};

uint64_t ChunkSeed(uint64_t seed, uint64_t tensor, uint64_t chunk) {
  return Mix64(Mix64(Mix64(seed ^ 0x5D6F0A2B) ^ tensor) ^ chunk);
}

// Four 16-bit uniforms summed: mean 131070, standard deviation sqrt(4 * (65536^2 - 1) / 12).
constexpr float kWeightStd = 0.02f;
constexpr float kScale = kWeightStd / 37837.2269f;

float ValueFromBits(uint64_t r) {
  const int32_t sum = static_cast<int32_t>((r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48));
  return static_cast<float>(sum - 131070) * kScale;
}

void Convert(DType dtype, std::span<const float> in, std::span<std::byte> out) {
  switch (dtype) {
    case DType::kF32: std::memcpy(out.data(), in.data(), in.size() * 4); break;
    case DType::kF16: FloatsToHalf(in, out); break;
    case DType::kBF16: FloatsToBFloat16(in, out); break;
    case DType::kQ8_0: QuantizeQ8_0(in, out); break;
  }
}

GgufWriter::FillFn RandomFill(uint64_t seed, uint64_t tensor, uint64_t n, DType dtype) {
  return [=](std::span<std::byte> out) {
    const int64_t chunks = static_cast<int64_t>((n + kChunk - 1) / kChunk);
    // Threads only pay off for big tensors; small ones would just wait on wake-ups.
#pragma omp parallel for schedule(static) if (chunks >= 16)
    for (int64_t c = 0; c < chunks; ++c) {
      float buf[kChunk];
      const uint64_t start = static_cast<uint64_t>(c) * kChunk;
      const uint64_t len = std::min(kChunk, n - start);
      SplitMix rng(ChunkSeed(seed, tensor, static_cast<uint64_t>(c)));
      for (uint64_t i = 0; i < len; ++i) buf[i] = ValueFromBits(rng.Next());
      Convert(dtype, std::span<const float>(buf, len),
              out.subspan(DTypeBytes(dtype, start), DTypeBytes(dtype, len)));
    }
  };
}

GgufWriter::FillFn OnesFill(uint64_t n) {
  return [n](std::span<std::byte> out) {
    const float one = 1.0f;
    for (uint64_t i = 0; i < n; ++i) std::memcpy(out.data() + 4 * i, &one, 4);
  };
}

// 1 + 0.02 * scale * N(0, 1)-like values as float32 (offset + scale * the synth value).
GgufWriter::FillFn ScaledFill(uint64_t seed, uint64_t tensor, uint64_t n, float offset, float scale) {
  return [=](std::span<std::byte> out) {
    for (uint64_t i = 0; i < n; i += kChunk) {
      SplitMix rng(ChunkSeed(seed, tensor, i / kChunk));
      for (uint64_t j = i; j < std::min(n, i + kChunk); ++j) {
        const float v = offset + scale * ValueFromBits(rng.Next());
        std::memcpy(out.data() + 4 * j, &v, 4);
      }
    }
  };
}

// -exp(50 * the synth value): -exp of N(0, 1)-like values, float32.
GgufWriter::FillFn NegExpFill(uint64_t seed, uint64_t tensor, uint64_t n) {
  return [=](std::span<std::byte> out) {
    SplitMix rng(ChunkSeed(seed, tensor, 0));
    for (uint64_t j = 0; j < n; ++j) {
      const float v = -std::exp(50.0f * ValueFromBits(rng.Next()));
      std::memcpy(out.data() + 4 * j, &v, 4);
    }
  };
}

// Qwen3.5's keys beyond Qwen3's, as llama.cpp's converter writes them.
void AddQwen35Keys(GgufWriter& w, const ModelConfig& c) {
  const std::string a = std::string(ArchitectureName(c.arch)) + ".";
  const DeltaNetConfig& d = c.delta_net;
  w.AddUint32(a + "ssm.conv_kernel", static_cast<uint32_t>(d.conv_kernel));
  w.AddUint32(a + "ssm.state_size", static_cast<uint32_t>(d.head_k_dim));
  w.AddUint32(a + "ssm.group_count", static_cast<uint32_t>(d.num_k_heads));
  w.AddUint32(a + "ssm.time_step_rank", static_cast<uint32_t>(d.num_v_heads));
  w.AddUint32(a + "ssm.inner_size", static_cast<uint32_t>(d.num_v_heads * d.head_v_dim));
  // The layer pattern as an interval when it is one, else one flag per layer.
  int interval = 0;
  while (interval < c.n_layers && c.layer_kind(interval) != LayerKind::kAttention) ++interval;
  ++interval;
  bool regular = true;
  for (int l = 0; l < c.n_layers; ++l) {
    regular &= (c.layer_kind(l) == LayerKind::kAttention) == ((l + 1) % interval == 0);
  }
  if (regular) {
    w.AddUint32(a + "full_attention_interval", static_cast<uint32_t>(interval));
  } else {
    GgufValue flags;
    flags.type = GgufType::kArray;
    flags.array_type = GgufType::kBool;
    for (int l = 0; l < c.n_layers; ++l) flags.array_uints.push_back(c.layer_kind(l) == LayerKind::kGatedDelta);
    flags.array_size = flags.array_uints.size();
    w.AddValue(a + "attention.recurrent_layers", std::move(flags));
  }
  // M-RoPE sections over the rotary pairs, every pair in one of the first
  // three (which text positions share; llama.cpp requires the key and gives
  // the fourth position 0). Qwen3.5: [11, 11, 10, 0] of 32 pairs.
  const int pairs = (c.rope_dims > 0 ? c.rope_dims : c.head_dim) / 2;
  const int32_t t = (pairs + 2) / 3, h = (pairs - t + 1) / 2;
  const std::vector<int32_t> sections = {t, h, pairs - t - h, 0};
  w.AddInt32Array(a + "rope.dimension_sections", sections);
}

constexpr std::string_view kCommonWords[] = {
    "the", "and", "to", "of", "a", "in", "was", "he", "she", "it", "that", "is", "for", "on", "with", "as",
    "his", "her", "they", "at", "be", "this", "had", "from", "or", "by", "one", "but", "not", "what", "all",
    "were", "we", "when", "your", "can", "said", "there", "use", "an", "each", "which", "do", "how", "their",
    "if", "will", "up", "other", "about", "out", "many", "then", "them", "these", "so", "some", "would",
    "make", "like", "him", "into", "time", "has", "look", "two", "more", "write", "go", "see", "number",
    "no", "way", "could", "people", "my", "than", "first", "water", "been", "call", "who", "its", "now",
    "find", "long", "down", "day", "did", "get", "come", "made", "may", "part", "over", "new", "after",
    "little", "girl", "boy", "named", "once", "upon", "very", "happy", "loved", "play", "friend", "friends",
    "big", "saw", "went", "mom", "dad", "wanted", "house", "tree", "dog", "cat", "ball", "park", "sun",
    "answer", "question", "because", "number", "total", "each", "how", "many", "much", "left", "right",
    "name", "value", "function", "return", "true", "false", "null", "string", "list", "data", "file",
    "user", "system", "model", "output", "input", "first", "second", "third", "step", "then", "so",
    "think", "know", "good", "well", "just", "also", "only", "where", "why", "here", "again", "never",
    "always", "every", "thing", "things", "help", "went", "home", "school", "work", "world", "life",
    "year", "years", "today", "night", "morning", "family", "mother", "father", "little", "around",
    "through", "before", "under", "while", "should", "because", "something", "nothing", "everyone",
    "ing", "ed", "er", "ly", "tion", "es", "est", "ment", "ness", "able", "ful", "less",
};

bool Reserved(std::string_view piece) {
  return piece.find("<0x") != std::string_view::npos || piece == "<s>" || piece == "</s>" || piece == "<unk>";
}

bool AllLetters(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_islower(c); });
}

uint32_t FileTypeOf(DType t) {  // llama.cpp's LLAMA_FTYPE values
  switch (t) {
    case DType::kF32: return 0;
    case DType::kF16: return 1;
    case DType::kQ8_0: return 7;
    case DType::kBF16: return 32;
  }
  return 0;
}

}  // namespace

void AddSynthVocab(GgufWriter& w, int vocab_size) {
  TokenizerVocab vocab = SynthVocab(vocab_size);
  std::vector<std::string> tokens;
  tokens.reserve(vocab.pieces.size());
  for (const std::string& p : vocab.pieces) tokens.push_back(absl::StrReplaceAll(p, {{" ", "\xE2\x96\x81"}}));
  std::vector<int32_t> types;
  for (TokenKind k : vocab.kinds) types.push_back(static_cast<int32_t>(k));
  w.AddString("tokenizer.ggml.model", "llama");
  w.AddStringArray("tokenizer.ggml.tokens", std::move(tokens));
  w.AddFloat32Array("tokenizer.ggml.scores", vocab.scores);
  w.AddInt32Array("tokenizer.ggml.token_type", types);
  w.AddUint32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(vocab.bos_id));
  w.AddUint32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(vocab.eos_id));
  w.AddUint32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(vocab.unk_id));
  w.AddBool("tokenizer.ggml.add_bos_token", true);
  w.AddBool("tokenizer.ggml.add_eos_token", false);
  w.AddBool("tokenizer.ggml.add_space_prefix", true);
}

float SynthWeightValue(uint64_t seed, uint64_t tensor_index, uint64_t i) {
  SplitMix rng(ChunkSeed(seed, tensor_index, i / kChunk));
  uint64_t r = 0;
  for (uint64_t k = 0; k <= i % kChunk; ++k) r = rng.Next();
  return ValueFromBits(r);
}

const std::vector<SynthShape>& SynthShapes() {
  static const std::vector<SynthShape>* shapes = [] {
    auto make = [](int dim, int hidden, int layers, int heads, int kv_heads, int vocab, int ctx, float theta,
                   bool tied) {
      ModelConfig c;
      c.arch = Architecture::kLlama;
      c.dim = dim;
      c.hidden_dim = hidden;
      c.n_layers = layers;
      c.n_heads = heads;
      c.n_kv_heads = kv_heads;
      c.head_dim = dim / heads;
      c.vocab_size = vocab;
      c.max_seq_len = ctx;
      c.rope_theta = theta;
      c.rope_layout = RopeLayout::kAdjacentPairs;
      c.norm_eps = 1e-5f;
      c.tied_embeddings = tied;
      return c;
    };
    // Qwen3: head_dim set on its own, rotate-half RoPE, eps 1e-6.
    auto qwen3 = [&](int dim, int hidden, int layers, int heads, int kv_heads, int head_dim, int vocab, int ctx) {
      ModelConfig c = make(dim, hidden, layers, heads, kv_heads, vocab, ctx, 1000000.0f, true);
      c.arch = Architecture::kQwen3;
      c.head_dim = head_dim;
      c.rope_layout = RopeLayout::kHalves;
      c.norm_eps = 1e-6f;
      return c;
    };
    // LFM2: short-convolution layers except at `attention`, conv width 3.
    auto lfm2 = [&](int dim, int hidden, int layers, int heads, int kv_heads, int vocab, int ctx,
                    std::vector<int> attention) {
      ModelConfig c = make(dim, hidden, layers, heads, kv_heads, vocab, ctx, 1000000.0f, true);
      c.arch = Architecture::kLfm2;
      c.rope_layout = RopeLayout::kHalves;
      c.conv_kernel = 3;
      c.layer_kinds.assign(layers, LayerKind::kShortConv);
      for (int l : attention) c.layer_kinds[l] = LayerKind::kAttention;
      return c;
    };
    // Qwen3.5 dense: Gated DeltaNet layers but every 4th, which is gated
    // attention with partial rotary (a quarter of the head), eps 1e-6.
    auto qwen35 = [&](int dim, int hidden, int layers, int heads, int kv_heads, int head_dim, int vocab, int ctx,
                      DeltaNetConfig delta) {
      ModelConfig c = qwen3(dim, hidden, layers, heads, kv_heads, head_dim, vocab, ctx);
      c.arch = Architecture::kQwen35;
      c.rope_theta = 10000000.0f;
      c.rope_dims = head_dim / 4;
      c.attention_output_gate = true;
      delta.tiled_key_heads = true;  // as llama.cpp's converter writes them
      delta.l2_norm_clamped = true;
      c.delta_net = delta;
      for (int l = 0; l < layers; ++l) {
        c.layer_kinds.push_back((l + 1) % 4 != 0 ? LayerKind::kGatedDelta : LayerKind::kAttention);
      }
      return c;
    };
    // Llama 3.x: rope_scaling {"rope_type": "llama3", factor, low 1, high 4, original 8192}.
    auto llama3 = [&](int dim, int hidden, int layers, int heads, int kv_heads, int vocab, int ctx, float factor) {
      ModelConfig c = make(dim, hidden, layers, heads, kv_heads, vocab, ctx, 500000.0f, true);
      c.rope_freq_factors = Llama3RopeFactors(c.rope_theta, c.head_dim, factor, 1.0f, 4.0f, 8192);
      c.llama3_rope_scaling = ModelConfig::Llama3RopeScaling{factor, 1.0f, 4.0f, 8192};
      return c;
    };
    return new std::vector<SynthShape>{
        {"stories260K", make(64, 172, 5, 8, 4, 512, 512, 10000.0f, true)},
        {"stories15M", make(288, 768, 6, 6, 6, 32000, 256, 10000.0f, true)},
        {"stories110M", make(768, 2048, 12, 12, 12, 32000, 1024, 10000.0f, true)},
        // HuggingFaceTB/SmolLM2-135M config.json: max_position_embeddings 8192, rope_theta 100000.
        {"smollm2-135m", make(576, 1536, 30, 9, 3, 49152, 8192, 100000.0f, true)},
        {"smollm2-360m", make(960, 2560, 32, 15, 5, 49152, 8192, 100000.0f, true)},
        {"tinyllama-1.1b", make(2048, 5632, 22, 32, 4, 32000, 2048, 10000.0f, false)},
        // meta-llama/Llama-3.2-1B config.json: rope_theta 500000, rope_scaling factor 32.
        {"llama3.2-1b", llama3(2048, 8192, 16, 32, 8, 128256, 131072, 32.0f)},
        // Qwen/Qwen3-0.6B config.json: 16 heads of 128 over a hidden size of 1024.
        {"qwen3-0.6b", qwen3(1024, 3072, 28, 16, 8, 128, 151936, 40960)},
        // LiquidAI/LFM2-350M and LFM2-1.2B: attention at layers 2, 5, 8, 10, 12, 14; FFN widths after auto-adjust.
        {"lfm2-350m", lfm2(1024, 4608, 16, 16, 8, 65536, 128000, {2, 5, 8, 10, 12, 14})},
        {"lfm2-1.2b", lfm2(2048, 8192, 16, 32, 8, 65536, 128000, {2, 5, 8, 10, 12, 14})},
        // Qwen/Qwen3.5-0.8B text_config: 24 layers (3 linear : 1 full), 8 heads of 256 with
        // 2 KV heads, 16 key and 16 value heads of 128 in the linear layers, conv width 4.
        {"qwen3.5-0.8b", qwen35(1024, 3584, 24, 8, 2, 256, 248320, 262144, {16, 16, 128, 128, 4})},
        // Tiny shapes for tests, one per architecture (rows of 64 and 192: whole Q8_0 blocks),
        // with room for prompts long enough that Llama 3's slowed frequencies matter.
        {"llama3-tiny", llama3(64, 192, 4, 4, 2, 512, 2048, 8.0f)},
        // head_dim 32 with 4 heads over a hidden size of 64: q is wider than the hidden state.
        {"qwen3-tiny", qwen3(64, 192, 4, 4, 2, 32, 512, 2048)},
        // The layout of ../shared/models/lfm2-stages-a: conv, conv, attention, conv, conv, attention.
        {"lfm2-tiny", lfm2(64, 192, 6, 8, 4, 512, 2048, {2, 5})},
        // Qwen3.5's pattern over 8 layers (attention at 3 and 7); twice as many value heads as key
        // heads, so the key-head order matters.
        {"qwen35-tiny", qwen35(64, 192, 8, 4, 2, 32, 512, 2048, {2, 4, 16, 16, 4})},
    };
  }();
  return *shapes;
}

absl::StatusOr<ModelConfig> FindSynthShape(std::string_view name) {
  std::string known;
  for (const SynthShape& s : SynthShapes()) {
    if (s.name == name) return s.config;
    absl::StrAppend(&known, known.empty() ? "" : ", ", std::string(s.name));
  }
  return absl::NotFoundError(absl::StrCat("unknown shape '", std::string(name), "' (known: ", known, ")"));
}

absl::StatusOr<DType> ParseDType(std::string_view text) {
  if (text == "f32") return DType::kF32;
  if (text == "f16") return DType::kF16;
  if (text == "bf16") return DType::kBF16;
  if (text == "q8_0") return DType::kQ8_0;
  return absl::InvalidArgumentError(absl::StrCat("unknown dtype '", std::string(text), "' (f32, f16, bf16, q8_0)"));
}

TokenizerVocab SynthVocab(int vocab_size) {
  TokenizerVocab v;
  v.source = "synthetic vocabulary";
  auto add = [&](std::string piece, float score, TokenKind kind) {
    v.pieces.push_back(std::move(piece));
    v.scores.push_back(score);
    v.kinds.push_back(kind);
  };
  add("<unk>", 0, TokenKind::kUnknown);
  add("<s>", 0, TokenKind::kControl);
  add("</s>", 0, TokenKind::kControl);
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    add(buf, 0, TokenKind::kByte);
  }
  absl::flat_hash_set<std::string> seen;
  std::vector<int> spaced, letters;  // indices into v.pieces of " ..." and [a-z]+ pieces
  int normal = 0;
  auto add_normal = [&](std::string piece) {
    if (static_cast<int>(v.pieces.size()) >= vocab_size || Reserved(piece) || !seen.insert(piece).second) return;
    if (piece[0] == ' ') spaced.push_back(static_cast<int>(v.pieces.size()));
    if (AllLetters(piece)) letters.push_back(static_cast<int>(v.pieces.size()));
    add(std::move(piece), -static_cast<float>(normal++), TokenKind::kNormal);
  };
  add_normal(" ");
  // Letters in English frequency order: early pieces are picked more often below,
  // so common letter pairs become pieces first and text compresses somewhat like English.
  for (char c : std::string_view("etaoinshrdlucmfwygpbvkxjqz")) add_normal(std::string(1, c));
  for (char c = 0x21; c <= 0x7E; ++c) add_normal(std::string(1, c));
  // Common English words, each as a chain of prefixes (" t", " th", " the"), so
  // every prefix is a piece and BPE merges reach the whole word; English text then
  // takes roughly as many tokens as with a trained vocabulary of the same size.
  for (std::string_view word : kCommonWords) {
    for (const char* prefix : {" ", ""}) {
      std::string piece = prefix;
      for (char ch : word) {
        piece += ch;
        if (piece.size() >= 2) add_normal(piece);
      }
    }
  }
  // New pieces join two existing ones, favouring early (frequent) ones: words
  // (" " + letters), word pieces (letters + letters), and anything + anything.
  SplitMix rng(0x70CAB);
  auto pick = [&](const std::vector<int>& from) {
    const uint64_t n = from.size();
    return from[std::min(rng.Next() % n, rng.Next() % n)];
  };
  for (int attempts = 0; static_cast<int>(v.pieces.size()) < vocab_size; ++attempts) {
    const uint64_t kind = rng.Next() % 8;
    std::string candidate;
    if (kind < 4) {
      candidate = v.pieces[pick(spaced)] + v.pieces[pick(letters)];
    } else if (kind < 7) {
      candidate = v.pieces[pick(letters)] + v.pieces[pick(letters)];
    } else {
      const uint64_t n = v.pieces.size() - 259;
      candidate = v.pieces[259 + rng.Next() % n] + v.pieces[259 + rng.Next() % n];
    }
    // Long pieces only when short ones run out (tiny shapes never get there).
    const size_t max_len = 8 + static_cast<size_t>(attempts / (50 * vocab_size + 1));
    if (candidate.size() <= max_len) add_normal(std::move(candidate));
  }
  v.bos_id = 1;
  v.eos_id = 2;
  v.unk_id = 0;
  v.add_dummy_prefix = true;
  v.match_all_pieces = false;
  return v;
}

absl::StatusOr<GgufWriter> SynthModelWriter(const ModelConfig& c, DType dtype, uint64_t seed, std::string_view name) {
  if (c.vocab_size < 300) return absl::InvalidArgumentError("synthetic models need a vocabulary of at least 300");
  if (c.dim <= 0 || c.hidden_dim <= 0 || c.n_layers <= 0 || c.n_heads <= 0 || c.n_kv_heads <= 0 ||
      c.head_dim <= 0 || c.n_heads % c.n_kv_heads != 0 || c.head_dim % 2 != 0 ||
      (!c.layer_kinds.empty() && static_cast<int>(c.layer_kinds.size()) != c.n_layers) ||
      (c.arch == Architecture::kLfm2 && c.attention_layers() < c.n_layers && c.conv_kernel < 2) ||
      (c.arch == Architecture::kQwen35 && c.delta_net.head_k_dim != c.delta_net.head_v_dim)) {
    return absl::InvalidArgumentError("inconsistent model shape");
  }
  const std::string arch = ArchitectureName(c.arch);
  const std::string a = arch + ".";
  GgufWriter w;
  w.AddString("general.architecture", arch);
  w.AddString("general.name", absl::StrCat("doomscope synthetic ", std::string(name), " ", DTypeName(dtype),
                                           " seed ", seed));
  w.AddUint32("general.file_type", FileTypeOf(dtype));
  if (dtype == DType::kQ8_0) w.AddUint32("general.quantization_version", 2);
  w.AddUint32(a + "context_length", static_cast<uint32_t>(c.max_seq_len));
  w.AddUint32(a + "embedding_length", static_cast<uint32_t>(c.dim));
  w.AddUint32(a + "block_count", static_cast<uint32_t>(c.n_layers));
  w.AddUint32(a + "feed_forward_length", static_cast<uint32_t>(c.hidden_dim));
  w.AddUint32(a + "attention.head_count", static_cast<uint32_t>(c.n_heads));
  if (c.arch == Architecture::kLfm2) {
    // One entry per layer, 0 for a short-convolution layer (llama.cpp's converter).
    std::vector<int32_t> kv_heads;
    for (int l = 0; l < c.n_layers; ++l) {
      kv_heads.push_back(c.layer_kind(l) == LayerKind::kAttention ? c.n_kv_heads : 0);
    }
    w.AddInt32Array(a + "attention.head_count_kv", kv_heads);
    w.AddUint32(a + "shortconv.l_cache", static_cast<uint32_t>(c.conv_kernel));
  } else {
    w.AddUint32(a + "attention.head_count_kv", static_cast<uint32_t>(c.n_kv_heads));
  }
  if (c.head_dim * c.n_heads != c.dim) {
    w.AddUint32(a + "attention.key_length", static_cast<uint32_t>(c.head_dim));
    w.AddUint32(a + "attention.value_length", static_cast<uint32_t>(c.head_dim));
  }
  w.AddFloat32(a + "rope.freq_base", c.rope_theta);
  w.AddFloat32(a + "attention.layer_norm_rms_epsilon", c.norm_eps);
  w.AddUint32(a + "rope.dimension_count", static_cast<uint32_t>(c.rope_dims > 0 ? c.rope_dims : c.head_dim));
  if (c.arch == Architecture::kQwen35) AddQwen35Keys(w, c);
  w.AddUint32(a + "vocab_size", static_cast<uint32_t>(c.vocab_size));
  AddSynthVocab(w, c.vocab_size);

  uint64_t tensor_index = 0;
  auto matrix = [&](std::string tensor, int64_t rows, int64_t cols) {
    const DType t = (dtype == DType::kQ8_0 && cols % kQ8_0BlockElements != 0) ? DType::kF16 : dtype;
    const uint64_t n = static_cast<uint64_t>(rows * cols);
    return w.AddTensor(std::move(tensor), {cols, rows}, GgmlTypeOf(t), RandomFill(seed, tensor_index++, n, t));
  };
  // Llama keeps unit gains (as the files it always wrote); Qwen3 and LFM2
  // draw them around 1, so a norm applied in the wrong place shows.
  const bool unit_gains = c.arch == Architecture::kLlama;
  auto norm = [&](std::string tensor, int64_t n) {
    const uint64_t index = tensor_index++;
    return w.AddTensor(std::move(tensor), {n}, GgmlTypeOf(DType::kF32),
                       unit_gains ? OnesFill(static_cast<uint64_t>(n))
                                  : ScaledFill(seed, index, static_cast<uint64_t>(n), 1.0f, 10.0f));
  };
  const int64_t D = c.dim, H = c.hidden_dim, V = c.vocab_size;
  const int64_t Q = static_cast<int64_t>(c.n_heads) * c.head_dim, KV = static_cast<int64_t>(c.n_kv_heads) * c.head_dim;
  absl::Status s = matrix("token_embd.weight", V, D);
  for (int i = 0; s.ok() && i < c.n_layers; ++i) {
    const std::string b = absl::StrCat("blk.", i, ".");
    std::vector<std::function<absl::Status()>> steps = {[&] { return norm(b + "attn_norm.weight", D); }};
    if (c.layer_kind(i) == LayerKind::kGatedDelta) {
      const int64_t C = 2 * static_cast<int64_t>(c.delta_net.num_k_heads) * c.delta_net.head_k_dim +
                        static_cast<int64_t>(c.delta_net.num_v_heads) * c.delta_net.head_v_dim;
      const int64_t V = static_cast<int64_t>(c.delta_net.num_v_heads) * c.delta_net.head_v_dim;
      const int64_t Hv = c.delta_net.num_v_heads, K = c.delta_net.conv_kernel;
      // The steps run after this block ends: its sizes are captured by value.
      steps.push_back([&, C] { return matrix(b + "attn_qkv.weight", C, D); });
      steps.push_back([&, V] { return matrix(b + "attn_gate.weight", V, D); });
      steps.push_back([&, Hv] { return matrix(b + "ssm_alpha.weight", Hv, D); });
      steps.push_back([&, Hv] { return matrix(b + "ssm_beta.weight", Hv, D); });
      // F32 in every file, as LFM2's kernel, drawn with std 0.3.
      steps.push_back([&, C, K] {
        const uint64_t index = tensor_index++;
        return w.AddTensor(b + "ssm_conv1d.weight", {K, C}, GgmlTypeOf(DType::kF32),
                           ScaledFill(seed, index, static_cast<uint64_t>(C * K), 0.0f, 15.0f));
      });
      // -exp(A_log) with A_log ~ N(0, 1): decays between about 0.1 and 10 per unit of softplus.
      steps.push_back([&, Hv] {
        const uint64_t index = tensor_index++;
        return w.AddTensor(b + "ssm_a", {Hv}, GgmlTypeOf(DType::kF32), NegExpFill(seed, index, Hv));
      });
      steps.push_back([&, Hv] {
        const uint64_t index = tensor_index++;
        return w.AddTensor(b + "ssm_dt.bias", {Hv}, GgmlTypeOf(DType::kF32),
                           ScaledFill(seed, index, static_cast<uint64_t>(Hv), 0.0f, 50.0f));
      });
      steps.push_back([&] { return norm(b + "ssm_norm.weight", c.delta_net.head_v_dim); });
      steps.push_back([&, V] { return matrix(b + "ssm_out.weight", D, V); });
    } else if (c.layer_kind(i) == LayerKind::kShortConv) {
      steps.push_back([&] { return matrix(b + "shortconv.in_proj.weight", 3 * D, D); });
      // The kernel is F32 in every file (llama.cpp's converter), drawn wider
      // than the matrices (std 0.3) so the convolution carries signal.
      steps.push_back([&] {
        const uint64_t index = tensor_index++;
        return w.AddTensor(b + "shortconv.conv.weight", {c.conv_kernel, D}, GgmlTypeOf(DType::kF32),
                           ScaledFill(seed, index, static_cast<uint64_t>(D * c.conv_kernel), 0.0f, 15.0f));
      });
      steps.push_back([&] { return matrix(b + "shortconv.out_proj.weight", D, D); });
    } else {
      steps.push_back([&] { return matrix(b + "attn_q.weight", c.attention_output_gate ? 2 * Q : Q, D); });
      steps.push_back([&] { return matrix(b + "attn_k.weight", KV, D); });
      steps.push_back([&] { return matrix(b + "attn_v.weight", KV, D); });
      steps.push_back([&] { return matrix(b + "attn_output.weight", D, Q); });
      if (c.arch != Architecture::kLlama) {
        steps.push_back([&] { return norm(b + "attn_q_norm.weight", c.head_dim); });
        steps.push_back([&] { return norm(b + "attn_k_norm.weight", c.head_dim); });
      }
    }
    steps.push_back([&] {
      return norm(b + (c.arch == Architecture::kQwen35 ? "post_attention_norm.weight" : "ffn_norm.weight"), D);
    });
    steps.push_back([&] { return matrix(b + "ffn_gate.weight", H, D); });
    steps.push_back([&] { return matrix(b + "ffn_down.weight", D, H); });
    steps.push_back([&] { return matrix(b + "ffn_up.weight", H, D); });
    for (const auto& step : steps) {
      if (s.ok()) s = step();
    }
  }
  // LFM2's final norm goes by llama.cpp's name for it.
  if (s.ok()) s = norm(c.arch == Architecture::kLfm2 ? "token_embd_norm.weight" : "output_norm.weight", D);
  if (s.ok() && !c.tied_embeddings) s = matrix("output.weight", V, D);
  if (s.ok() && !c.rope_freq_factors.empty()) {
    const std::vector<float> factors = c.rope_freq_factors;
    s = w.AddTensor("rope_freqs.weight", {static_cast<int64_t>(factors.size())}, GgmlTypeOf(DType::kF32),
                    [factors](std::span<std::byte> out) { std::memcpy(out.data(), factors.data(), out.size()); });
  }
  if (!s.ok()) return s;
  return w;
}

absl::Status WriteSynthModel(const ModelConfig& config, DType dtype, uint64_t seed, std::string_view name,
                             const std::string& path) {
  absl::StatusOr<GgufWriter> w = SynthModelWriter(config, dtype, seed, name);
  if (!w.ok()) return w.status();
  return w->WriteFile(path);
}

}  // namespace doomscope::engine
