#include "benchmarks/benchmark.h"

namespace doomscope::benchmarks {

GenerationInput Benchmark::BuildRequest(const TaskConfig&, const TaskItem& item) const {
  GenerationInput input;
  input.prompt = item.prompt;
  input.prompt_tokens = item.prompt_tokens;
  input.chat.messages = item.messages;
  input.chat.tools = item.tools;
  return input;
}

void Benchmark::ZeroLooped(const TaskItem&, eval::ScoreResult*) const {}

std::unique_ptr<eval::MetricsAccumulator> Benchmark::NewMetrics(const TaskConfig&) const { return nullptr; }

}  // namespace doomscope::benchmarks
