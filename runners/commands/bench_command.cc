// `doomscope bench`: engine speed per thread count and batch size, next to
// what the machine can do, measured in the same run.
//
// For each thread count of --threads (a list shows the scaling, so a
// regression at high thread counts shows) and each batch size B, as
// llama-bench measures: prefill runs B distinct prompts of --prompt_tokens
// random tokens each (one token generated), and decode runs B sequences from a
// one-token prompt for --gen_tokens steps, ignoring stop tokens. Decode speed
// counts only the steps that decode.
//
// Rooflines, measured with the same threads:
//   decode % of roofline = decode tok/s / (B * bandwidth / weight bytes per step)
// where bandwidth is a read of a buffer the size of the weights (on a machine
// whose last-level cache holds a good part of them that is faster than DRAM,
// and decode gets that speed too; the DRAM figure, a 512 MiB buffer, is
// printed beside it). On a shared host both move from second to second, so
// each of --repeat decode runs is paired with a probe read just before it, and
// the best ratio is reported with the range of the ratios (its spread).
//   prefill % of peak = (2 * multiply-adds of the prompts) / time / peak
// where peak is that of the instruction that does the products of the
// model's weight type (int8 VNNI for Q8_0, bf16 dot for BF16, fp32 FMA
// otherwise; kernels.h's PeakLoop), best of --repeat prefill runs.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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
ABSL_FLAG(int, repeat, 3, "bench: runs of each test; decode runs each follow a bandwidth probe.");

namespace doomscope {
namespace {

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "doomscope bench: %s\n", message.c_str());
  return code;
}

// What the machine does with `threads` threads.
struct Machine {
  int threads = 0;
  double dram_gbps = 0, fma_gflops = 0, peak_gops = 0;
  const char* peak_name = "";
  std::vector<double> probe_gbps;  // the probes of every decode run, in order
};

struct Row {
  int threads = 0, batch = 0;
  double prefill_tok_s = 0, prefill_pct_peak = 0;
  double decode_tok_s = 0;                        // best run
  double decode_pct_best = 0, decode_pct_min = 0, decode_pct_max = 0;  // of the paired roofline
};

struct Settings {
  std::vector<int> batches;
  std::vector<int> threads;
  int prompt_tokens = 0, gen_tokens = 0, repeat = 0;
  bool json = false;
};

absl::StatusOr<Settings> ReadFlags() {
  Settings s;
  std::string batch_flag = absl::GetFlag(FLAGS_batch);
  if (batch_flag.empty()) batch_flag = "1,8,32,64";
  for (absl::string_view part : absl::StrSplit(batch_flag, ',')) {
    int b;
    if (!absl::SimpleAtoi(part, &b) || b < 1 || b > 4096) {
      return absl::InvalidArgumentError(
          absl::StrCat("--batch: '", std::string(part), "' is not a batch size in [1, 4096]"));
    }
    s.batches.push_back(b);
  }
  for (int t : absl::GetFlag(FLAGS_threads).counts) s.threads.push_back(t > 0 ? t : omp_get_num_procs());
  s.prompt_tokens = absl::GetFlag(FLAGS_prompt_tokens);
  s.gen_tokens = absl::GetFlag(FLAGS_gen_tokens);
  s.repeat = absl::GetFlag(FLAGS_repeat);
  if (s.prompt_tokens < 1 || s.gen_tokens < 2) {
    return absl::InvalidArgumentError("--prompt_tokens >= 1 and --gen_tokens >= 2");
  }
  if (s.repeat < 1 || s.repeat > 100) return absl::InvalidArgumentError("--repeat must be in [1, 100]");
  s.json = absl::GetFlag(FLAGS_json);
  return s;
}

// B distinct random prompts of `len` tokens, one token generated each; adds
// their multiply-adds to *macs.
std::vector<engine::GenerationRequest> PrefillRequests(const engine::Transformer& model, int b, int len,
                                                       engine::Rng& rng, double* macs) {
  std::vector<engine::GenerationRequest> requests;
  for (int i = 0; i < b; ++i) {
    engine::GenerationRequest r;
    r.id = static_cast<uint64_t>(i);
    for (int t = 0; t < len; ++t) {
      r.prompt_tokens.push_back(static_cast<int32_t>(rng.Next() % model.config().vocab_size));
    }
    r.max_new_tokens = 1;
    r.ignore_stop_tokens = true;
    requests.push_back(std::move(r));
    for (int p = 0; p < len; ++p) *macs += static_cast<double>(model.AttentionMacs(p));
    *macs += static_cast<double>(model.LayerMatrixMacsPerToken()) * len +
             static_cast<double>(model.ClassifierMacsPerToken());
  }
  return requests;
}

// B sequences from distinct one-token prompts, `len` tokens each.
std::vector<engine::GenerationRequest> DecodeRequests(const engine::Transformer& model, int b, int len) {
  std::vector<engine::GenerationRequest> requests;
  for (int i = 0; i < b; ++i) {
    engine::GenerationRequest r;
    r.id = static_cast<uint64_t>(i);
    r.prompt_tokens = {static_cast<int32_t>((1 + i) % model.config().vocab_size)};
    r.max_new_tokens = len;
    r.ignore_stop_tokens = true;
    requests.push_back(std::move(r));
  }
  return requests;
}

// One batch size at one thread count: prefill and decode, --repeat times each.
absl::StatusOr<Row> MeasureBatch(engine::Generator& g, const Settings& s, int b, double weight_bytes,
                                 engine::ReadBandwidthProbe& probe, int probe_passes, Machine* machine,
                                 engine::Rng& rng) {
  const engine::Transformer& model = g.transformer();
  const int prompt_len = std::min(s.prompt_tokens, g.max_context() - 1);
  const int gen_len = std::min(s.gen_tokens, g.max_context() - 1);
  Row row;
  row.threads = machine->threads;
  row.batch = b;
  for (int rep = 0; rep < s.repeat; ++rep) {
    double macs = 0;
    absl::Status st = g.Run(PrefillRequests(model, b, prompt_len, rng, &macs), [](engine::GenerationResult) {});
    if (!st.ok()) return st;
    const double seconds = g.stats().step_ms / 1000.0;
    row.prefill_tok_s = std::max(row.prefill_tok_s, static_cast<double>(b) * prompt_len / seconds);
    row.prefill_pct_peak = std::max(row.prefill_pct_peak, 100.0 * (2.0 * macs / seconds / 1e9) / machine->peak_gops);
  }
  row.decode_pct_min = 1e30;
  for (int rep = 0; rep < s.repeat; ++rep) {
    // The probe right before the run it is the roofline of.
    const double gbps = probe.BestGbps(probe_passes);
    machine->probe_gbps.push_back(gbps);
    absl::Status st = g.Run(DecodeRequests(model, b, gen_len), [](engine::GenerationResult) {});
    if (!st.ok()) return st;
    const double tok_s = static_cast<double>(g.stats().decode_tokens_forwarded) / (g.stats().decode_step_ms / 1000.0);
    const double pct = 100.0 * tok_s / (static_cast<double>(b) * gbps * 1e9 / weight_bytes);
    row.decode_tok_s = std::max(row.decode_tok_s, tok_s);
    row.decode_pct_best = std::max(row.decode_pct_best, pct);
    row.decode_pct_min = std::min(row.decode_pct_min, pct);
    row.decode_pct_max = std::max(row.decode_pct_max, pct);
  }
  return row;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Ratio(double num, double den) { return den > 0 ? absl::StrFormat("%.2f", num / den) : "-"; }

void PrintRow(const Row& r, const std::vector<Row>& done) {
  double batch1 = 0, first_threads = 0;
  for (const Row& d : done) {
    if (d.threads == r.threads && d.batch == 1) batch1 = d.decode_tok_s;
    if (d.batch == r.batch && d.threads == done.front().threads && first_threads == 0) first_threads = d.decode_tok_s;
  }
  std::printf("%7d %6d %14.1f %9.1f%% %14.1f %9.1f%% %15s %9s %9s\n", r.threads, r.batch, r.prefill_tok_s,
              r.prefill_pct_peak, r.decode_tok_s, r.decode_pct_best,
              absl::StrFormat("%.0f-%.0f%%", r.decode_pct_min, r.decode_pct_max).c_str(),
              Ratio(r.decode_tok_s, batch1).c_str(), Ratio(r.decode_tok_s, first_threads).c_str());
  std::fflush(stdout);
}

json::Value MachineJson(const Machine& m) {
  json::Value o{json::Object{}};
  o.Set("threads", m.threads);
  o.Set("bandwidth_gbps", Median(m.probe_gbps));
  json::Array probes;
  for (double p : m.probe_gbps) probes.push_back(json::Value(p));
  o.Set("bandwidth_probes_gbps", std::move(probes));
  o.Set("dram_bandwidth_gbps", m.dram_gbps);
  o.Set("fma_peak_gflops", m.fma_gflops);
  o.Set("peak_instruction", m.peak_name);
  o.Set("peak_gops", m.peak_gops);
  return o;
}

json::Value ToJson(const std::string& model_path, engine::Isa isa, engine::DType dtype, double weight_bytes,
                   const Settings& s, const std::vector<Machine>& machines, const std::vector<Row>& rows) {
  // The first thread count's machine at the top level, as a one-count run prints it.
  json::Value v = MachineJson(machines.front());
  v.Set("model", model_path);
  v.Set("dtype", engine::DTypeName(dtype));
  v.Set("kv_type", absl::GetFlag(FLAGS_kv_type));
  v.Set("isa", engine::IsaName(isa));
  v.Set("weight_bytes", static_cast<int64_t>(weight_bytes));
  v.Set("prompt_tokens", s.prompt_tokens);
  v.Set("gen_tokens", s.gen_tokens);
  v.Set("repeat", s.repeat);
  json::Array ms;
  for (const Machine& m : machines) ms.push_back(MachineJson(m));
  v.Set("machines", std::move(ms));
  json::Array out;
  for (const Row& r : rows) {
    json::Value o{json::Object{}};
    o.Set("threads", r.threads);
    o.Set("batch", r.batch);
    o.Set("prefill_tok_s", r.prefill_tok_s);
    o.Set("prefill_pct_peak", r.prefill_pct_peak);
    o.Set("decode_tok_s", r.decode_tok_s);
    o.Set("decode_pct_bandwidth", r.decode_pct_best);
    o.Set("decode_pct_bandwidth_min", r.decode_pct_min);
    o.Set("decode_pct_bandwidth_max", r.decode_pct_max);
    out.push_back(std::move(o));
  }
  v.Set("rows", std::move(out));
  return v;
}

int RunBench(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail(kExitBadInput, absl::StrCat("unexpected argument '", args[0], "'"));
  const std::string model_path = absl::GetFlag(FLAGS_model);
  if (model_path.empty()) return Fail(kExitBadInput, "--model is required");
  absl::StatusOr<Settings> settings = ReadFlags();
  if (!settings.ok()) return Fail(kExitBadInput, std::string(settings.status().message()));
  const Settings& s = *settings;

  // The tokenizer is not needed: prompts are token ids and stop tokens are ignored.
  absl::StatusOr<std::optional<engine::DType>> load_dtype = LoadDTypeFlag();
  if (!load_dtype.ok()) return Fail(kExitBadInput, std::string(load_dtype.status().message()));
  absl::StatusOr<engine::ModelWeights> weights = engine::LoadModelWeights(model_path, *load_dtype);
  if (!weights.ok()) return Fail(kExitBadInput, std::string(weights.status().message()));
  const engine::DType dtype = weights->layers[0].w_gate.dtype;
  absl::StatusOr<engine::DType> kv_type = KvTypeFlag();
  if (!kv_type.ok()) return Fail(kExitBadInput, std::string(kv_type.status().message()));
  engine::Rng rng(12345);
  engine::Isa isa = engine::Isa::kScalar;
  double weight_bytes = 0;
  std::vector<Machine> machines;
  std::vector<Row> rows;
  for (int threads : s.threads) {
    engine::GeneratorOptions options;
    options.max_batch = *std::max_element(s.batches.begin(), s.batches.end());
    options.threads = threads;
    options.kv_dtype = *kv_type;
    absl::StatusOr<std::unique_ptr<engine::Generator>> gen = engine::Generator::Create(*weights, {}, options);
    if (!gen.ok()) return Fail(kExitBadInput, std::string(gen.status().message()));
    engine::Generator& g = **gen;
    const engine::Transformer& model = g.transformer();
    const engine::kernels::KernelTable& k = engine::kernels::KernelsFor(model.isa());
    isa = model.isa();
    weight_bytes = static_cast<double>(model.MatrixBytes());
    Machine m;
    m.threads = threads;
    m.dram_gbps = engine::MeasureReadBandwidthGbps(k, threads);
    m.fma_gflops = engine::MeasureFmaPeakGflops(k, threads);
    const engine::kernels::PeakLoop peak = k.peak_loop(dtype);
    m.peak_name = peak.name;
    m.peak_gops = engine::MeasurePeakGops(peak, threads);
    // At least 1 MiB, read at least 64 MiB in all (best pass), so a small model's probe times well.
    const size_t probe_bytes = std::max<size_t>(model.MatrixBytes(), size_t{1} << 20);
    const int probe_passes = static_cast<int>(std::clamp<size_t>((size_t{64} << 20) / probe_bytes, 3, 1000));
    engine::ReadBandwidthProbe probe(k, threads, probe_bytes);
    if (!s.json) {
      if (machines.empty()) {
        std::printf("model %s: %s weights %.1f MB per decode step, %s KV cache, context %d, isa %s; prefill: "
                    "%d-token prompts; decode: %d tokens from a 1-token prompt; best of %d runs\n",
                    model_path.c_str(), engine::DTypeName(dtype), weight_bytes / 1e6, engine::DTypeName(*kv_type),
                    g.max_context(),
                    engine::IsaName(model.isa()), std::min(s.prompt_tokens, g.max_context() - 1),
                    std::min(s.gen_tokens, g.max_context() - 1), s.repeat);
      }
      const std::string fma = std::string(m.peak_name) == "fp32 FMA"
                                  ? std::string()
                                  : absl::StrFormat(" (fp32 FMA %.1f GFLOP/s)", m.fma_gflops);
      std::printf("\n%d threads: read bandwidth %.1f GB/s over the weights' size (%.1f GB/s from DRAM), %s peak "
                  "%.1f G ops/s%s\n",
                  threads, probe.BestGbps(probe_passes), m.dram_gbps, m.peak_name, m.peak_gops, fma.c_str());
      std::printf("%7s %6s %14s %10s %14s %10s %15s %9s %9s\n", "threads", "batch", "prefill tok/s", "% peak",
                  "decode tok/s", "% roofline", "spread", "x batch 1",
                  absl::StrCat("x ", s.threads.front(), " thr").c_str());
    }
    for (int b : s.batches) {
      absl::StatusOr<Row> row = MeasureBatch(g, s, b, weight_bytes, probe, probe_passes, &m, rng);
      if (!row.ok()) return Fail(kExitFailure, std::string(row.status().message()));
      rows.push_back(*row);
      if (!s.json) PrintRow(*row, rows);
    }
    machines.push_back(m);
    if (!s.json) {
      std::printf("decode rooflines from %zu probes: %.1f-%.1f GB/s\n", m.probe_gbps.size(),
                  *std::min_element(m.probe_gbps.begin(), m.probe_gbps.end()),
                  *std::max_element(m.probe_gbps.begin(), m.probe_gbps.end()));
    }
  }
  if (s.json) std::printf("%s\n", json::Serialize(ToJson(model_path, isa, dtype, weight_bytes, s, machines, rows)).c_str());
  return kExitOk;
}

}  // namespace

Command BenchCommand() {
  return Command{
      .name = "bench",
      .summary = "Engine speed per thread count and batch size, as shares of the machine's measured rooflines",
      .usage = "doomscope bench --model PATH [--dtype f32|f16|bf16|q8_0] [--kv_type f32|f16|bf16] [--batch 1,8,32,64] [--threads 1,2,4] "
               "[--prompt-tokens 512] [--gen-tokens 128] [--repeat 3] [--json]",
      .flags = {"model", "dtype", "kv_type", "batch", "threads", "prompt_tokens", "gen_tokens", "repeat", "json"},
      .run = RunBench,
  };
}

}  // namespace doomscope
