// The BFCL prompt: the offered functions as JSON schema and the instruction to
// answer with a Python-style call list, or to say so when no function fits.
#ifndef DOOMSCOPE_BENCHMARKS_BFCL_PROMPT_H_
#define DOOMSCOPE_BENCHMARKS_BFCL_PROMPT_H_

#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/benchmark.h"
#include "results/json/json.h"

namespace doomscope::benchmarks {

// A BFCL parameter schema with BFCL's Python-flavoured type names turned into
// JSON Schema: dict -> object, float -> number, tuple -> array, any -> no type;
// properties and items converted recursively, other keys kept.
json::Value BfclSchemaToJsonSchema(const json::Value& schema);

// The functions as JSON-schema descriptions, and as the tool definitions of a
// chat with native tool calling. `underscored_names` writes dotted names with
// underscores, as function-calling APIs that forbid dots need (BFCL's handlers
// do the same; the answer is then checked against the underscored name).
json::Value BfclFunctionsAsJsonSchema(const json::Value& functions);
std::vector<ToolDefinition> BfclToolDefinitions(const json::Value& functions, bool underscored_names);

// The default instruction; "{functions}" is replaced by the function list (an
// instruction without the placeholder gets the list appended).
std::string_view BfclInstruction();

// The system text (instruction with the functions filled in).
std::string BfclSystemText(std::string_view instruction, const json::Value& functions);

// Plain-completion prompt and chat messages for one question.
std::string BfclPlainPrompt(std::string_view system_text, const std::vector<ChatMessage>& turn);
std::vector<ChatMessage> BfclChatMessages(std::string_view system_text, const std::vector<ChatMessage>& turn);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_BFCL_PROMPT_H_
