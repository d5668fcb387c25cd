#include "benchmarks/bfcl/data.h"

#include <array>
#include <filesystem>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "benchmarks/bfcl/prompt.h"
#include "results/json/jsonl.h"

namespace doomscope::benchmarks {
namespace {

constexpr std::array<std::string_view, 5> kDefaultCategories = {"simple_python", "multiple", "parallel",
                                                                "parallel_multiple", "irrelevance"};
constexpr std::string_view kStop = "\nUser:";

absl::Status FieldError(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("field '", std::string(field), "' ", std::string(what)));
}

absl::Status CheckFunctions(const json::Value& functions) {
  if (!functions.is_array() || functions.as_array().empty()) return FieldError("function", "must be a non-empty list");
  for (size_t i = 0; i < functions.as_array().size(); ++i) {
    const json::Value& f = functions.as_array()[i];
    const std::string where = absl::StrCat("function[", i, "]");
    if (!f.is_object()) return FieldError(where, "must be an object");
    const json::Value* name = f.Find("name");
    if (name == nullptr || !name->is_string() || name->as_string().empty()) {
      return FieldError(where + ".name", "must be a non-empty string");
    }
    const json::Value* params = f.Find("parameters");
    if (params == nullptr || !params->is_object()) return FieldError(where + ".parameters", "must be an object");
    const json::Value* props = params->Find("properties");
    if (props != nullptr && !props->is_object()) return FieldError(where + ".parameters.properties", "must be an object");
    if (props != nullptr) {
      for (const auto& [pname, pschema] : props->as_object()) {
        if (!pschema.is_object()) {
          return FieldError(absl::StrCat(where, ".parameters.properties.", pname), "must be an object");
        }
      }
    }
    if (const json::Value* req = params->Find("required"); req != nullptr) {
      if (!req->is_array()) return FieldError(where + ".parameters.required", "must be a list of strings");
      for (const json::Value& r : req->as_array()) {
        if (!r.is_string()) return FieldError(where + ".parameters.required", "must be a list of strings");
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckGroundTruth(const json::Value& gt, const json::Value& functions) {
  if (!gt.is_array()) return FieldError("ground_truth", "must be a list of calls");
  for (size_t i = 0; i < gt.as_array().size(); ++i) {
    const json::Value& call = gt.as_array()[i];
    const std::string where = absl::StrCat("ground_truth[", i, "]");
    if (!call.is_object() || call.as_object().size() != 1) {
      return FieldError(where, "must be an object with exactly one function name");
    }
    const auto& [name, params] = call.as_object().front();
    bool offered = false;
    for (const json::Value& f : functions.as_array()) offered = offered || f.Find("name")->as_string() == name;
    if (!offered) return FieldError(where, absl::StrCat("calls '", name, "', which the question does not offer"));
    if (!params.is_object()) return FieldError(absl::StrCat(where, ".", name), "must be an object of parameters");
    for (const auto& [pname, alternatives] : params.as_object()) {
      if (!alternatives.is_array()) {
        return FieldError(absl::StrCat(where, ".", name, ".", pname), "must be a list of acceptable values");
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ChatMessage>> ReadTurn(const json::Value& question) {
  if (!question.is_array() || question.as_array().empty()) {
    return FieldError("question", "must be a non-empty list of turns");
  }
  if (question.as_array().size() > 1) return FieldError("question", "has several turns; multi-turn entries are not supported");
  const json::Value& turn = question.as_array()[0];
  if (!turn.is_array() || turn.as_array().empty()) return FieldError("question[0]", "must be a non-empty list of messages");
  std::vector<ChatMessage> out;
  for (size_t i = 0; i < turn.as_array().size(); ++i) {
    const json::Value& m = turn.as_array()[i];
    const json::Value* role = m.Find("role");
    const json::Value* content = m.Find("content");
    if (role == nullptr || !role->is_string() || content == nullptr || !content->is_string()) {
      return FieldError(absl::StrCat("question[0][", i, "]"), "must have string 'role' and 'content'");
    }
    out.push_back({role->as_string(), content->as_string()});
  }
  return out;
}

struct Answer {
  json::Value ground_truth;
  int line = 0;
};

absl::StatusOr<absl::flat_hash_map<std::string, Answer>> ReadAnswers(const std::string& path) {
  absl::flat_hash_map<std::string, Answer> answers;
  absl::Status st = json::ReadJsonl(path, [&](int line, json::Value v) -> absl::Status {
    if (!v.is_object()) return absl::InvalidArgumentError("expected a JSON object");
    const json::Value* id = v.Find("id");
    if (id == nullptr || !id->is_string()) return FieldError("id", "must be a string");
    const json::Value* gt = v.Find("ground_truth");
    if (gt == nullptr) return FieldError("ground_truth", "is missing");
    if (!gt->is_array()) return FieldError("ground_truth", "must be a list of calls");
    if (!answers.try_emplace(id->as_string(), Answer{*gt, line}).second) {
      return FieldError("id", absl::StrCat("'", id->as_string(), "' appears twice"));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return answers;
}

}  // namespace

std::string BfclCategoryOfId(std::string_view id) {
  // "simple_python_12", and live items "live_parallel_0-0-0": the index is
  // digits, or digit groups joined by '-'.
  const size_t underscore = id.rfind('_');
  if (underscore == std::string_view::npos || underscore + 1 == id.size()) return std::string(id);
  bool digit_before = false;
  for (size_t i = underscore + 1; i < id.size(); ++i) {
    const bool digit = absl::ascii_isdigit(static_cast<unsigned char>(id[i]));
    if (!digit && !(id[i] == '-' && digit_before)) return std::string(id);
    digit_before = digit;
  }
  if (!digit_before) return std::string(id);
  return std::string(id.substr(0, underscore));
}

BfclCheckMode BfclModeOf(std::string_view category_view) {
  const absl::string_view category(category_view.data(), category_view.size());
  if (absl::StrContains(category, "irrelevance")) return BfclCheckMode::kIrrelevance;
  if (absl::EndsWith(category, "relevance")) return BfclCheckMode::kRelevance;
  if (absl::StrContains(category, "parallel")) return BfclCheckMode::kParallel;
  return BfclCheckMode::kSingle;
}

std::string BfclPossibleAnswerPath(const std::string& question_path) {
  const std::filesystem::path p(question_path);
  return (p.parent_path() / "possible_answer" / p.filename()).string();
}

absl::StatusOr<std::vector<BfclRecord>> ReadBfcl(const std::string& question_path) {
  std::vector<BfclRecord> records;
  std::vector<int> lines;
  absl::flat_hash_set<std::string> seen;
  absl::Status st = json::ReadJsonl(question_path, [&](int line, json::Value v) -> absl::Status {
    if (!v.is_object()) return absl::InvalidArgumentError("expected a JSON object");
    const json::Value* id = v.Find("id");
    if (id == nullptr || !id->is_string() || id->as_string().empty()) return FieldError("id", "must be a non-empty string");
    if (!seen.insert(id->as_string()).second) return FieldError("id", absl::StrCat("'", id->as_string(), "' appears twice"));
    const json::Value* question = v.Find("question");
    if (question == nullptr) return FieldError("question", "is missing");
    auto turn = ReadTurn(*question);
    if (!turn.ok()) return turn.status();
    const json::Value* functions = v.Find("function");
    if (functions == nullptr) return FieldError("function", "is missing");
    if (absl::Status fst = CheckFunctions(*functions); !fst.ok()) return fst;
    BfclRecord r;
    r.id = id->as_string();
    r.category = BfclCategoryOfId(r.id);
    r.messages = *std::move(turn);
    r.functions = *functions;
    r.ground_truth = json::Value(json::Array{});
    records.push_back(std::move(r));
    lines.push_back(line);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;

  bool need_answers = false;
  for (const BfclRecord& r : records) {
    const BfclCheckMode mode = BfclModeOf(r.category);
    need_answers = need_answers || mode == BfclCheckMode::kSingle || mode == BfclCheckMode::kParallel;
  }
  if (!need_answers) return records;
  const std::string answer_path = BfclPossibleAnswerPath(question_path);
  if (!std::filesystem::exists(answer_path)) {
    return absl::NotFoundError(absl::StrCat(question_path, ": its possible-answer file ", answer_path, " does not exist"));
  }
  auto answers = ReadAnswers(answer_path);
  if (!answers.ok()) return answers.status();
  for (size_t i = 0; i < records.size(); ++i) {
    BfclRecord& r = records[i];
    const BfclCheckMode mode = BfclModeOf(r.category);
    if (mode != BfclCheckMode::kSingle && mode != BfclCheckMode::kParallel) continue;
    auto it = answers->find(r.id);
    if (it == answers->end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(question_path, ":", lines[i], ": id '", r.id, "' has no line in ", answer_path));
    }
    if (absl::Status gst = CheckGroundTruth(it->second.ground_truth, r.functions); !gst.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(answer_path, ":", it->second.line, ": ", gst.message()));
    }
    if (it->second.ground_truth.as_array().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(answer_path, ":", it->second.line, ": field 'ground_truth' is empty for a ", r.category, " item"));
    }
    r.ground_truth = it->second.ground_truth;
  }
  return records;
}

std::span<const std::string_view> DefaultBfclCategories() { return kDefaultCategories; }

std::string BfclFileName(std::string_view category) { return absl::StrCat("BFCL_v4_", std::string(category), ".json"); }

absl::StatusOr<std::vector<TaskItem>> LoadBfclItems(const TaskConfig& cfg, const std::string& path) {
  std::vector<std::string> files;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::vector<std::string> categories(cfg.bfcl_categories().begin(), cfg.bfcl_categories().end());
    if (categories.empty()) {
      for (std::string_view c : kDefaultCategories) categories.emplace_back(c);
    }
    for (const std::string& c : categories) files.push_back((std::filesystem::path(path) / BfclFileName(c)).string());
  } else {
    if (cfg.bfcl_categories_size() > 0) {
      return absl::InvalidArgumentError(absl::StrCat("task '", cfg.name(), "': bfcl_categories needs `data` to be a folder, but ",
                                                     path, " is a file"));
    }
    files.push_back(path);
  }
  const std::string instruction = cfg.instruction().empty() ? std::string(BfclInstruction()) : cfg.instruction();
  std::vector<TaskItem> items;
  for (const std::string& file : files) {
    auto records = ReadBfcl(file);
    if (!records.ok()) return records.status();
    int taken = 0;
    for (BfclRecord& r : *records) {
      if (cfg.limit() > 0 && taken >= cfg.limit()) break;
      ++taken;
      const std::string system = BfclSystemText(instruction, r.functions);
      TaskItem item;
      item.id = r.id;
      item.prompt = BfclPlainPrompt(system, r.messages);
      item.messages = BfclChatMessages(system, r.messages);
      item.gold = std::move(r.ground_truth);
      item.tools = BfclToolDefinitions(r.functions, /*underscored_names=*/false);
      item.extra = json::Value(json::Object{{"category", json::Value(r.category)},
                                            {"functions", r.functions},
                                            {"stop", json::Value(json::Array{json::Value(kStop)})}});
      items.push_back(std::move(item));
    }
  }
  return items;
}

}  // namespace doomscope::benchmarks
