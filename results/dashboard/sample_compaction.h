// What the sample browser shows of each sample, and how it stays small.
//
// Locating the loop in the raw text. The detectors measure the tail loop in
// their own units: normalized code points at the character level, generated
// token ids at the token level. The browser marks it in the raw output text:
//  - character level: the whitespace folding of detectors/normalize.h is
//    replayed with a map from each normalized code point to its raw byte
//    offset; the map is trusted only if it reproduces findings.n_units, and
//    then onset_units / period_units map exactly ("exact_chars");
//  - token level (no tokenizer at report time), or when the replay does not
//    reproduce n_units: the unit text (tail.unit_preview) is searched for in
//    the output, comparing only non-whitespace code points so whitespace drift
//    between copies does not matter; the periodic stretch around its last
//    occurrence is grown in both directions and the onset is the first copy
//    in phase with the unit ("unit_search"). A truncated preview (units over
//    200 characters) anchors the search and the period is taken from the
//    distance between its occurrences.
//
// Compaction. A looped output is stored as the text before the onset, one
// copy of the unit and the number of copies; long prompts, prefixes and
// outputs keep their head and tail with the count of characters left out.
// Text is kept only for a bounded number of samples per (checkpoint, task,
// sampling) cell, chosen round-robin over verdict classes in sample-id order
// so every kind of sample is represented; the others keep metadata only.
#ifndef DOOMSCOPE_RESULTS_DASHBOARD_SAMPLE_COMPACTION_H_
#define DOOMSCOPE_RESULTS_DASHBOARD_SAMPLE_COMPACTION_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "results/json/json.h"
#include "results/proto/record.pb.h"

namespace doomscope::results {

enum class LoopMapping { kNone, kExactChars, kUnitSearch };
std::string_view LoopMappingName(LoopMapping mapping);

struct LoopSpan {
  LoopMapping mapping = LoopMapping::kNone;
  size_t onset = 0;     // byte offset in the raw text where the repeated tail begins
  size_t unit_end = 0;  // byte offset just past the first copy of the unit
};

// Where the tail loop described by `findings` lies in `text` (the record's
// raw output). mapping == kNone when findings.tail is not periodic or the
// unit cannot be found.
LoopSpan LocateTailLoop(std::string_view text, const DetectorFindings& findings);

// One class per sample for filtering, first match wins.
enum class VerdictClass {
  kDoomLoop,        // capped and the tail is periodic (the headline)
  kRecoveredLoop,   // a qualifying internal run, but the output ended by itself
  kTailLoop,        // periodic tail without the cap
  kNearLoop,        // D4 only
  kToolCallRepeat,
  kUnclosedThink,
  kNgramLoop,       // pipis 30-gram test only
  kCapNoLoop,       // hit the cap with no repetition signal
  kClean,
};
inline constexpr int kNumVerdictClasses = 9;
std::string_view VerdictClassName(VerdictClass v);
VerdictClass ClassifyVerdict(const DetectorFindings& findings);

// Names as the dashboard and the API print them ("text", ...); finish
// reasons are the generations leaf's FinishReasonName, stage names
// stage_report.h's StageName.
std::string_view UnitKindName(int unit_kind);

struct CompactionLimits {
  size_t max_prompt_bytes = 1500;
  size_t max_prefix_bytes = 1600;  // output text before the loop onset
  size_t max_unit_bytes = 1200;
  size_t max_output_bytes = 3000;  // outputs without a located loop
  int text_samples_per_cell = 24;
  int max_text_samples = 3000;     // across all cells; lowers the per-cell count
};

// The text object of one sample: prompt and output, the looped output as
// {pre, unit, copies}. Strings are valid UTF-8; a cut keeps head and tail
// ("X_head", "X_omit" = bytes left out, "X_tail").
json::Value CompactSampleText(const SampleRecord& record, const CompactionLimits& limits);

// For each record, whether its text is kept (see the file comment).
std::vector<bool> SelectTextSamples(const std::vector<SampleRecord>& records,
                                    const CompactionLimits& limits);

// The sample browser's data: string tables, one compact row per record
// (columns named in "cols") and the kept text objects.
json::Value BuildSampleBlob(const std::vector<SampleRecord>& records,
                            const CompactionLimits& limits);

// One sample as the JSON API returns it: ids, verdict, full prompt and text,
// the located loop span, the findings and the score (protobuf field names).
json::Value SampleToApiJson(const SampleRecord& record);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_DASHBOARD_SAMPLE_COMPACTION_H_
