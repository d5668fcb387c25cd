#include "results/junit.h"

#include "absl/strings/str_cat.h"

namespace doomscope::results {

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') break;  // not allowed in XML 1.0
        out += ch;
    }
  }
  return out;
}

std::string GateToJUnit(const GateReport& report) {
  int failures = 0, errors = 0, skipped = 0;
  for (const GateCell& c : report.cells) {
    failures += c.verdict == GateVerdict::kRegression;
    errors += c.verdict == GateVerdict::kError;
    skipped += c.verdict == GateVerdict::kInconclusive;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  absl::StrAppend(&out, "<testsuites name=\"doomscope\" tests=\"", report.cells.size(), "\" failures=\"", failures,
                  "\" errors=\"", errors, "\">\n");
  absl::StrAppend(&out, "  <testsuite name=\"doomscope gate\" tests=\"", report.cells.size(), "\" failures=\"",
                  failures, "\" errors=\"", errors, "\" skipped=\"", skipped, "\">\n");
  for (const GateCell& c : report.cells) {
    absl::StrAppend(&out, "    <testcase classname=\"", XmlEscape(c.key.checkpoint), "\" name=\"",
                    XmlEscape(absl::StrCat(c.key.task, "/", c.key.sampling)), "\"");
    const std::string msg = XmlEscape(c.reason);
    switch (c.verdict) {
      case GateVerdict::kPass:
        out += "/>\n";
        continue;
      case GateVerdict::kRegression:
        absl::StrAppend(&out, ">\n      <failure message=\"", msg, "\" type=\"regression\">", msg,
                        "</failure>\n");
        break;
      case GateVerdict::kError:
        absl::StrAppend(&out, ">\n      <error message=\"", msg, "\" type=\"error\">", msg, "</error>\n");
        break;
      case GateVerdict::kInconclusive:
        absl::StrAppend(&out, ">\n      <skipped message=\"", msg, "\"/>\n");
        break;
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace doomscope::results
