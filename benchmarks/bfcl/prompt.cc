#include "benchmarks/bfcl/prompt.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace doomscope::benchmarks {
namespace {

std::string_view MapType(std::string_view bfcl_type) {
  if (bfcl_type == "dict") return "object";
  if (bfcl_type == "float") return "number";
  if (bfcl_type == "tuple") return "array";
  return bfcl_type;
}

std::string RoleLabel(const std::string& role) {
  if (role == "user") return "User";
  if (role == "assistant") return "Assistant";
  if (role == "system") return "System";
  return role;
}

}  // namespace

json::Value BfclSchemaToJsonSchema(const json::Value& schema) {
  if (!schema.is_object()) return schema;
  json::Value out{json::Object{}};
  for (const auto& [key, value] : schema.as_object()) {
    if (key == "type" && value.is_string()) {
      if (value.as_string() == "any") continue;  // JSON Schema's "any" is no type at all
      out.Set(key, json::Value(std::string(MapType(value.as_string()))));
    } else if (key == "properties" && value.is_object()) {
      json::Value props{json::Object{}};
      for (const auto& [name, sub] : value.as_object()) props.Set(name, BfclSchemaToJsonSchema(sub));
      out.Set(key, std::move(props));
    } else if (key == "items") {
      out.Set(key, BfclSchemaToJsonSchema(value));
    } else {
      out.Set(key, value);
    }
  }
  return out;
}

json::Value BfclFunctionsAsJsonSchema(const json::Value& functions) {
  json::Array out;
  for (const json::Value& f : functions.as_array()) {
    json::Value g{json::Object{}};
    for (const auto& [key, value] : f.as_object()) {
      g.Set(key, key == "parameters" ? BfclSchemaToJsonSchema(value) : value);
    }
    out.push_back(std::move(g));
  }
  return json::Value(std::move(out));
}

std::vector<ToolDefinition> BfclToolDefinitions(const json::Value& functions, bool underscored_names) {
  std::vector<ToolDefinition> tools;
  const json::Value schema = BfclFunctionsAsJsonSchema(functions);
  for (const json::Value& f : schema.as_array()) {
    ToolDefinition tool;
    if (const json::Value* name = f.Find("name"); name != nullptr && name->is_string()) tool.name = name->as_string();
    if (underscored_names) tool.name = absl::StrReplaceAll(tool.name, {{".", "_"}});
    if (const json::Value* d = f.Find("description"); d != nullptr && d->is_string()) tool.description = d->as_string();
    if (const json::Value* p = f.Find("parameters"); p != nullptr) tool.parameters = *p;
    tools.push_back(std::move(tool));
  }
  return tools;
}

std::string_view BfclInstruction() {
  return "You are an expert at composing function calls. You are given a question and a set of functions. "
         "Based on the question, make one or more function calls to achieve its purpose.\n"
         "If none of the functions can be used, say so and call nothing. If the question lacks parameters that a "
         "function requires, say so too.\n"
         "If you call functions, reply with only the calls, in the format "
         "[func_name1(param_name1=value1, param_name2=value2), func_name2(param_name=value)], and no other text.\n"
         "\n"
         "The functions you can call, in JSON format:\n"
         "{functions}";
}

std::string BfclSystemText(std::string_view instruction, const json::Value& functions) {
  std::string list = "[\n";
  const json::Value schema = BfclFunctionsAsJsonSchema(functions);
  for (size_t i = 0; i < schema.as_array().size(); ++i) {
    absl::StrAppend(&list, json::Serialize(schema.as_array()[i]), i + 1 < schema.as_array().size() ? ",\n" : "\n");
  }
  list += "]";
  const absl::string_view text(instruction.data(), instruction.size());
  if (!absl::StrContains(text, "{functions}")) return absl::StrCat(text, "\n\n", list);
  return absl::StrReplaceAll(text, {{"{functions}", list}});
}

std::string BfclPlainPrompt(std::string_view system_text, const std::vector<ChatMessage>& turn) {
  std::string out(system_text);
  out += "\n\n";
  for (const ChatMessage& m : turn) absl::StrAppend(&out, RoleLabel(m.role), ": ", m.content, "\n");
  out += "Assistant:";
  return out;
}

std::vector<ChatMessage> BfclChatMessages(std::string_view system_text, const std::vector<ChatMessage>& turn) {
  std::vector<ChatMessage> out;
  out.push_back({"system", std::string(system_text)});
  for (const ChatMessage& m : turn) out.push_back(m);
  return out;
}

}  // namespace doomscope::benchmarks
