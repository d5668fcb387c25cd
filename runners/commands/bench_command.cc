// `doomscope bench`: engine speed per batch size, next to what the machine can
// do, measured in the same run: memory read bandwidth (decode is bound by
// streaming the weights once per step) and the float32 FMA peak (prefill is
// bound by arithmetic).
//
// For each batch size B, as llama-bench measures: prefill runs B distinct
// prompts of --prompt_tokens random tokens each (one token generated), and
// decode runs B sequences from a one-token prompt for --gen_tokens steps,
// ignoring stop tokens. Decode speed counts only the steps that decode.
//   decode % of bandwidth = decode tok/s / (B * bandwidth / weight bytes per step)
// where bandwidth is read over a buffer the size of the weights: on a machine
// whose last-level cache holds a good part of them (some server parts have
// hundreds of MiB) that is faster than DRAM, and decode gets that speed too.
// The DRAM figure (a 512 MiB buffer) is printed beside it.
//   prefill % of peak     = (2 * multiply-adds of the prompts) / time / FMA peak
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/bandwidth.h"
#include "engine/generator.h"
#include "engine/model_loader.h"
#include "engine/sampler.h"
#include "results/json/json.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

ABSL_DECLARE_FLAG(std::string, batch);  // defined in generate_command.cc
ABSL_FLAG(int, prompt_tokens, 512, "bench: tokens per prompt in the prefill test.");
ABSL_FLAG(int, gen_tokens, 128, "bench: tokens generated per sequence in the decode test.");

namespace doomscope {
namespace {

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "doomscope bench: %s\n", message.c_str());
  return code;
}

struct Row {
  int batch = 0;
  double prefill_tok_s = 0, decode_tok_s = 0, decode_pct_bandwidth = 0, prefill_pct_peak = 0;
};

int RunBench(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail(kExitBadInput, absl::StrCat("unexpected argument '", args[0], "'"));
  const std::string model_path = absl::GetFlag(FLAGS_model);
  if (model_path.empty()) return Fail(kExitBadInput, "--model is required");
  std::vector<int> batches;
  std::string batch_flag = absl::GetFlag(FLAGS_batch);
  if (batch_flag.empty()) batch_flag = "1,8,32,64";
  for (absl::string_view part : absl::StrSplit(batch_flag, ',')) {
    int b;
    if (!absl::SimpleAtoi(part, &b) || b < 1 || b > 4096) {
      return Fail(kExitBadInput, absl::StrCat("--batch: '", std::string(part), "' is not a batch size in [1, 4096]"));
    }
    batches.push_back(b);
  }
  const int prompt_tokens = absl::GetFlag(FLAGS_prompt_tokens);
  const int gen_tokens = absl::GetFlag(FLAGS_gen_tokens);
  if (prompt_tokens < 1 || gen_tokens < 2) return Fail(kExitBadInput, "--prompt_tokens >= 1 and --gen_tokens >= 2");
  if (absl::GetFlag(FLAGS_threads) < 0) return Fail(kExitBadInput, "--threads must be >= 0");

  // The tokenizer is not needed: prompts are token ids and stop tokens are ignored.
  absl::StatusOr<std::optional<engine::DType>> dtype = LoadDTypeFlag();
  if (!dtype.ok()) return Fail(kExitBadInput, std::string(dtype.status().message()));
  absl::StatusOr<engine::ModelWeights> weights = engine::LoadModelWeights(model_path, *dtype);
  if (!weights.ok()) return Fail(kExitBadInput, std::string(weights.status().message()));
  const int max_batch = *std::max_element(batches.begin(), batches.end());
  engine::GeneratorOptions options;
  options.max_batch = max_batch;
  options.threads = absl::GetFlag(FLAGS_threads);
  absl::StatusOr<std::unique_ptr<engine::Generator>> gen = engine::Generator::Create(*weights, {}, options);
  if (!gen.ok()) return Fail(kExitBadInput, std::string(gen.status().message()));
  engine::Generator& g = **gen;
  const engine::Transformer& model = g.transformer();
  const int threads = options.threads > 0 ? options.threads : omp_get_num_procs();
  const int vocab = model.config().vocab_size;
  const int prompt_len = std::min(prompt_tokens, g.max_context() - 1);
  const int gen_len = std::min(gen_tokens, g.max_context() - 1);
  const bool json_out = absl::GetFlag(FLAGS_json);

  const engine::kernels::KernelTable& k = engine::kernels::KernelsFor(model.isa());
  const double dram_bandwidth = engine::MeasureReadBandwidthGbps(k, threads);
  const size_t matrix_bytes = model.MatrixBytes();
  const double weight_bytes = static_cast<double>(matrix_bytes);
  // At least 1 MiB and about 256 MiB read in all, so small models time well.
  const size_t roofline_bytes = std::max<size_t>(matrix_bytes, size_t{1} << 20);
  const double bandwidth = engine::MeasureReadBandwidthGbps(
      k, threads, roofline_bytes, static_cast<int>(std::clamp<size_t>((size_t{256} << 20) / roofline_bytes, 8, 4096)));
  const double peak = engine::MeasureFmaPeakGflops(k, threads);
  if (!json_out) {
    std::printf("model %s: %s weights %.1f MB per decode step, context %d, isa %s, %d threads\n",
                model_path.c_str(), engine::DTypeName(weights->layers[0].wq.dtype), weight_bytes / 1e6,
                g.max_context(), engine::IsaName(model.isa()), threads);
    std::printf("machine: read bandwidth %.1f GB/s over the weights' size (%.1f GB/s from DRAM), "
                "fp32 FMA peak %.1f GFLOP/s\n", bandwidth, dram_bandwidth, peak);
    std::printf("prefill: %d-token prompts; decode: %d tokens from a 1-token prompt\n\n", prompt_len, gen_len);
    std::printf("%6s %14s %10s %14s %12s %10s\n", "batch", "prefill tok/s", "% peak", "decode tok/s",
                "% bandwidth", "x batch 1");
  }

  engine::Rng rng(12345);
  std::vector<Row> rows;
  double decode_batch1 = 0;
  for (int b : batches) {
    Row row;
    row.batch = b;
    // Prefill: distinct random prompts, so nothing is shared.
    std::vector<engine::GenerationRequest> requests;
    double prefill_macs = 0;
    for (int i = 0; i < b; ++i) {
      engine::GenerationRequest r;
      r.id = static_cast<uint64_t>(i);
      for (int t = 0; t < prompt_len; ++t) r.prompt_tokens.push_back(static_cast<int32_t>(rng.Next() % vocab));
      r.max_new_tokens = 1;
      r.ignore_stop_tokens = true;
      requests.push_back(std::move(r));
      for (int p = 0; p < prompt_len; ++p) prefill_macs += static_cast<double>(model.AttentionMacs(p));
      prefill_macs += static_cast<double>(model.LayerMatrixMacsPerToken()) * prompt_len +
                      static_cast<double>(model.ClassifierMacsPerToken());
    }
    absl::Status s = g.Run(std::move(requests), [](engine::GenerationResult) {});
    if (!s.ok()) return Fail(kExitFailure, std::string(s.message()));
    const double prefill_s = g.stats().step_ms / 1000.0;
    row.prefill_tok_s = static_cast<double>(b) * prompt_len / prefill_s;
    row.prefill_pct_peak = 100.0 * (2.0 * prefill_macs / prefill_s / 1e9) / peak;

    // Decode: B sequences from distinct one-token prompts.
    requests.clear();
    for (int i = 0; i < b; ++i) {
      engine::GenerationRequest r;
      r.id = static_cast<uint64_t>(i);
      r.prompt_tokens = {static_cast<int32_t>((1 + i) % vocab)};
      r.max_new_tokens = gen_len;
      r.ignore_stop_tokens = true;
      requests.push_back(std::move(r));
    }
    s = g.Run(std::move(requests), [](engine::GenerationResult) {});
    if (!s.ok()) return Fail(kExitFailure, std::string(s.message()));
    const double decode_s = g.stats().decode_step_ms / 1000.0;
    row.decode_tok_s = static_cast<double>(g.stats().decode_tokens_forwarded) / decode_s;
    const double roofline_tok_s = static_cast<double>(b) * bandwidth * 1e9 / weight_bytes;
    row.decode_pct_bandwidth = 100.0 * row.decode_tok_s / roofline_tok_s;
    if (b == 1) decode_batch1 = row.decode_tok_s;
    rows.push_back(row);
    if (!json_out) {
      std::printf("%6d %14.1f %9.1f%% %14.1f %11.1f%% %10s\n", b, row.prefill_tok_s, row.prefill_pct_peak,
                  row.decode_tok_s, row.decode_pct_bandwidth,
                  decode_batch1 > 0 ? absl::StrCat(absl::SixDigits(row.decode_tok_s / decode_batch1)).c_str() : "-");
      std::fflush(stdout);
    }
  }
  if (json_out) {
    json::Value v{json::Object{}};
    v.Set("bandwidth_gbps", bandwidth);
    v.Set("dram_bandwidth_gbps", dram_bandwidth);
    v.Set("fma_peak_gflops", peak);
    json::Array out_rows;
    for (const Row& r : rows) {
      json::Value o{json::Object{}};
      o.Set("batch", r.batch);
      o.Set("prefill_tok_s", r.prefill_tok_s);
      o.Set("decode_tok_s", r.decode_tok_s);
      o.Set("decode_pct_bandwidth", r.decode_pct_bandwidth);
      o.Set("prefill_pct_peak", r.prefill_pct_peak);
      out_rows.push_back(std::move(o));
    }
    v.Set("rows", std::move(out_rows));
    v.Set("weight_bytes", static_cast<int64_t>(weight_bytes));
    v.Set("prompt_tokens", prompt_len);
    v.Set("gen_tokens", gen_len);
    v.Set("threads", threads);
    v.Set("isa", engine::IsaName(model.isa()));
    std::printf("%s\n", json::Serialize(v).c_str());
  }
  return kExitOk;
}

}  // namespace

Command BenchCommand() {
  return Command{
      .name = "bench",
      .summary = "Engine speed per batch size as a share of measured memory bandwidth and FMA peak",
      .usage = "doomscope bench --model PATH [--dtype f32|f16|bf16|q8_0] [--batch 1,8,32,64] [--threads N] "
               "[--prompt-tokens 512] [--gen-tokens 128] [--json]",
      .flags = {"model", "dtype", "batch", "threads", "prompt_tokens", "gen_tokens", "json"},
      .run = RunBench,
  };
}

}  // namespace doomscope
