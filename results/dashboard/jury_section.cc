#include "results/dashboard/jury_section.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "results/dashboard/html_escape.h"

namespace doomscope::results {
namespace {

std::string Number(const json::Value* v) {
  return v == nullptr || !v->is_number() ? std::string("–") : absl::StrFormat("%.3f", v->as_double());
}

std::string Int(const json::Value* v) { return v == nullptr || !v->is_number() ? "–" : absl::StrCat(v->as_int()); }

std::string Text(const json::Value* v) { return v == nullptr || !v->is_string() ? "" : HtmlEscape(v->as_string()); }

}  // namespace

void RenderJurySection(const json::Value& report, const JuryCoverage& coverage, std::string* out) {
  if (!report.is_object()) return;
  *out += "<section id=\"jury\"><h2>Jury</h2>";
  if (const std::string note = JuryCoverageNote(coverage); !note.empty()) {
    absl::StrAppend(out, "<div class=\"ds-warn\" id=\"ds-jury-stale\">", HtmlEscape(note), "</div>");
  }
  absl::StrAppend(out, "<p class=\"ds-note\">", Text(report.Find("aggregate")),
                  " of the judges' votes (quorum ", Int(report.Find("quorum")), "): ", Int(report.Find("scored")),
                  " of ", Int(report.Find("samples")), " samples scored, ", Int(report.Find("below_quorum")),
                  " below quorum. Krippendorff's alpha (interval) across judges: ",
                  Number(report.Find("alpha_interval")), ".</p>");
  *out +=
      "<table class=\"ds-table\"><thead><tr><th>judge</th><th>kind</th><th>votes</th><th>abstentions</th>"
      "<th>missing</th><th>mean score</th><th>alpha vs task score</th><th>r vs task score</th></tr></thead><tbody>";
  if (const json::Value* judges = report.Find("judges"); judges != nullptr && judges->is_array()) {
    for (const json::Value& j : judges->as_array()) {
      const json::Value* agreement = j.Find("task_agreement");
      const bool has = agreement != nullptr && agreement->is_object();
      absl::StrAppend(out, "<tr><td>", Text(j.Find("name")), "</td><td>", Text(j.Find("kind")), "</td><td>",
                      Int(j.Find("votes")), "</td><td>", Int(j.Find("abstentions")), "</td><td>",
                      Int(j.Find("missing")), "</td><td>", Number(j.Find("mean_score")), "</td><td>",
                      Number(has ? agreement->Find("alpha") : nullptr), "</td><td>",
                      Number(has ? agreement->Find("pearson") : nullptr), "</td></tr>");
    }
  }
  *out += "</tbody></table>";
  if (const json::Value* rows = report.Find("by_checkpoint"); rows != nullptr && rows->is_array()) {
    *out += "<table class=\"ds-table\"><thead><tr><th>checkpoint</th><th>scored</th><th>mean aggregate</th></tr>"
            "</thead><tbody>";
    for (const json::Value& r : rows->as_array()) {
      absl::StrAppend(out, "<tr><td>", Text(r.Find("checkpoint")), "</td><td>", Int(r.Find("scored")), "</td><td>",
                      Number(r.Find("mean_aggregate")), "</td></tr>");
    }
    *out += "</tbody></table>";
  }
  *out += "</section>";
}

}  // namespace doomscope::results
