#pragma once
// The aligned result table printed on the terminal after a run.
#include <string>
#include <vector>

#include "report/report.hpp"

namespace tb::report {

// Columns: variant, median ms ± stddev, CV, p99, items/s, speedup vs baseline, max abs err,
// cosine, status; failed variants show their error on the next line.
// Failed variants show no numbers; measurement warnings are listed under the table.
std::string render_table(const std::vector<VariantOutcome>& outcomes, const TimingOptions& timing,
                         const ScheduleOptions& schedule = {});

}  // namespace tb::report
