// Error classes a scorer puts on a sample (ScoreResult.error_class). An empty
// class means the sample is correct (GSM8K, BFCL); WNUT-17 always names its
// parse class, because a valid answer can still miss entities (its score is F1).
#ifndef DOOMSCOPE_EVAL_ERROR_CLASSES_H_
#define DOOMSCOPE_EVAL_ERROR_CLASSES_H_

#include <string_view>

namespace doomscope::eval::error_class {

// Every task: the detectors' verdict was doom_loop and loop_scores_zero is on.
inline constexpr std::string_view kDoomLoop = "doom_loop";

// GSM8K.
inline constexpr std::string_view kNoAnswer = "no_answer";        // no number found by the scoring extraction
inline constexpr std::string_view kWrongAnswer = "wrong_answer";

// WNUT-17 (always set).
inline constexpr std::string_view kValid = "valid";               // exactly the six keys, lists of strings
inline constexpr std::string_view kInvalidJson = "invalid_json";  // no object, or one that does not parse
inline constexpr std::string_view kWrongSchema = "wrong_schema";  // parses, but keys or value types differ
inline constexpr std::string_view kEmpty = "empty";               // blank output (also BFCL)

// BFCL.
inline constexpr std::string_view kParseError = "parse_error";            // a call attempt that does not decode
inline constexpr std::string_view kAbstained = "abstained";               // no call where calls were expected
inline constexpr std::string_view kUnexpectedCall = "unexpected_call";    // irrelevance: called a function
inline constexpr std::string_view kWrongCount = "wrong_count";
inline constexpr std::string_view kWrongFunction = "wrong_function";
inline constexpr std::string_view kPositionalArgument = "positional_argument";
inline constexpr std::string_view kMissingParameter = "missing_parameter";
inline constexpr std::string_view kUnknownParameter = "unknown_parameter";
inline constexpr std::string_view kWrongType = "wrong_type";
inline constexpr std::string_view kWrongValue = "wrong_value";

}  // namespace doomscope::eval::error_class

#endif  // DOOMSCOPE_EVAL_ERROR_CLASSES_H_
