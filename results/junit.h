// JUnit XML for the gate, so CI systems show one test case per cell.
#ifndef DOOMSCOPE_RESULTS_JUNIT_H_
#define DOOMSCOPE_RESULTS_JUNIT_H_

#include <string>
#include <string_view>

#include "results/gate.h"

namespace doomscope::results {

// Escapes &, <, >, " and '; drops control characters XML 1.0 forbids.
std::string XmlEscape(std::string_view s);

// <testsuites><testsuite name="doomscope gate" tests= failures= errors= skipped=>
// with a <testcase classname="CHECKPOINT" name="TASK/SAMPLING"> per cell: a
// regression is a <failure>, an error an <error>, inconclusive <skipped>.
std::string GateToJUnit(const GateReport& report);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_JUNIT_H_
