#include "benchmarks/gsm8k/data.h"

#include <array>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "benchmarks/gsm8k/extract.h"
#include "results/json/jsonl.h"

namespace doomscope::benchmarks {
namespace {

constexpr std::array<std::string_view, 8> kDefaultExemplars = {
    "gsm8k-3", "gsm8k-117", "gsm8k-134", "gsm8k-305",
    "gsm8k-462", "gsm8k-544", "gsm8k-579", "gsm8k-776"};

// What lm-evaluation-harness stops GSM8K generations at: the start of the next
// question a base model invents after answering.
constexpr std::string_view kStop = "\nQuestion:";

absl::StatusOr<std::string> RequiredString(const json::Value& v, std::string_view field) {
  const json::Value* f = v.Find(field);
  if (f == nullptr) return absl::InvalidArgumentError(absl::StrCat("missing field '", std::string(field), "'"));
  if (!f->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("field '", std::string(field), "' must be a string, got ",
                                                   json::KindName(f->kind())));
  }
  return f->as_string();
}

std::string PlainPrompt(std::string_view instruction, const std::vector<const Gsm8kRecord*>& shots,
                        const Gsm8kRecord& item) {
  std::string out;
  if (!instruction.empty()) absl::StrAppend(&out, std::string(instruction), "\n\n");
  for (const Gsm8kRecord* shot : shots) {
    absl::StrAppend(&out, "Question: ", shot->question, "\nAnswer: ", Gsm8kExemplarAnswer(shot->solution),
                    "\n\n");
  }
  absl::StrAppend(&out, "Question: ", item.question, "\nAnswer:");
  return out;
}

std::vector<ChatMessage> ChatPrompt(std::string_view instruction,
                                    const std::vector<const Gsm8kRecord*>& shots, const Gsm8kRecord& item) {
  std::vector<ChatMessage> out;
  if (!instruction.empty()) out.push_back({"system", std::string(instruction)});
  for (const Gsm8kRecord* shot : shots) {
    out.push_back({"user", shot->question});
    out.push_back({"assistant", Gsm8kExemplarAnswer(shot->solution)});
  }
  out.push_back({"user", item.question});
  return out;
}

}  // namespace

absl::StatusOr<std::vector<Gsm8kRecord>> ReadGsm8k(const std::string& path) {
  std::vector<Gsm8kRecord> records;
  absl::Status st = json::ReadJsonl(path, [&](int line, json::Value v) -> absl::Status {
    if (!v.is_object()) return absl::InvalidArgumentError("expected a JSON object");
    Gsm8kRecord r;
    r.line = line - 1;
    auto question = RequiredString(v, "question");
    if (!question.ok()) return question.status();
    auto solution = RequiredString(v, "answer");
    if (!solution.ok()) return solution.status();
    r.question = *std::move(question);
    r.solution = *std::move(solution);
    std::optional<std::string> answer = Gsm8kReferenceAnswer(r.solution);
    if (!answer) return absl::InvalidArgumentError("field 'answer' has no '#### <number>' final answer");
    r.answer = *std::move(answer);
    records.push_back(std::move(r));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return records;
}

std::string Gsm8kItemId(int line) { return absl::StrCat("gsm8k-", line); }

std::span<const std::string_view> DefaultGsm8kExemplarIds() { return kDefaultExemplars; }

std::string_view Gsm8kInstruction() {
  return "Solve the math word problem step by step. End with a sentence of the form "
         "\"The answer is N.\", where N is the final number.";
}

std::string Gsm8kExemplarAnswer(std::string_view solution) {
  std::string text;
  // Drop calculator annotations "<<...>>".
  for (size_t i = 0; i < solution.size();) {
    if (solution.substr(i, 2) == "<<") {
      const size_t close = solution.find(">>", i + 2);
      if (close != std::string_view::npos) {
        i = close + 2;
        continue;
      }
    }
    text.push_back(solution[i++]);
  }
  const size_t marker = text.rfind("####");
  if (marker == std::string::npos) return text;
  std::string body(absl::StripTrailingAsciiWhitespace(text.substr(0, marker)));
  std::string answer(absl::StripAsciiWhitespace(text.substr(marker + 4)));
  if (!body.empty()) body.push_back('\n');
  return absl::StrCat(body, "The answer is ", answer, ".");
}

absl::StatusOr<std::vector<TaskItem>> LoadGsm8kItems(const TaskConfig& cfg, const std::string& path) {
  auto records = ReadGsm8k(path);
  if (!records.ok()) return records.status();
  if (cfg.shots() < 0) return absl::InvalidArgumentError(absl::StrCat("task '", cfg.name(), "': shots must be >= 0"));

  std::vector<std::string> exemplar_ids;
  if (cfg.exemplar_ids_size() > 0) {
    exemplar_ids.assign(cfg.exemplar_ids().begin(), cfg.exemplar_ids().end());
  } else {
    for (std::string_view id : kDefaultExemplars) exemplar_ids.emplace_back(id);
  }
  if (cfg.shots() > static_cast<int>(exemplar_ids.size())) {
    return absl::InvalidArgumentError(absl::StrCat("task '", cfg.name(), "': shots = ", cfg.shots(), " but only ",
                                                   exemplar_ids.size(), " exemplar ids"));
  }
  absl::flat_hash_map<std::string, const Gsm8kRecord*> by_id;
  for (const Gsm8kRecord& r : *records) by_id[Gsm8kItemId(r.line)] = &r;
  absl::flat_hash_set<std::string> excluded;
  std::vector<const Gsm8kRecord*> shots;
  for (const std::string& id : exemplar_ids) {
    auto it = by_id.find(id);
    if (it == by_id.end()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": exemplar id '", id, "' is not an item of this file"));
    }
    if (!excluded.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat("task '", cfg.name(), "': exemplar id '", id, "' listed twice"));
    }
    if (static_cast<int>(shots.size()) < cfg.shots()) shots.push_back(it->second);
  }

  const std::string instruction = cfg.instruction().empty() ? std::string(Gsm8kInstruction()) : cfg.instruction();
  std::vector<TaskItem> items;
  for (const Gsm8kRecord& r : *records) {
    std::string id = Gsm8kItemId(r.line);
    if (excluded.contains(id)) continue;
    if (cfg.limit() > 0 && static_cast<int>(items.size()) >= cfg.limit()) break;
    TaskItem item;
    item.id = std::move(id);
    item.prompt = PlainPrompt(instruction, shots, r);
    item.messages = ChatPrompt(instruction, shots, r);
    item.gold = json::Value(json::Object{{"answer", json::Value(r.answer)}, {"solution", json::Value(r.solution)}});
    item.extra = json::Value(json::Object{{"question", json::Value(r.question)},
                                          {"stop", json::Value(json::Array{json::Value(kStop)})}});
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace doomscope::benchmarks
