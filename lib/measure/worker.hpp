#pragma once
// The worker: runs one variant of one model in this process.
#include <filesystem>

#include "core/worker_protocol.hpp"

namespace tb::measure {

// Loads the model, applies the variant's passes, warms up, measures, saves or compares the
// outputs. Failures of the model or of a pass do not throw: they come back as
// result.failure (the stage) and result.error (one line).
WorkerResult run_variant(const WorkerJob& job);

// The hidden `__worker` subcommand: reads the job file, runs it, writes the result file
// atomically. Returns 0 when a result was written (whether the variant succeeded or not).
// With `serve`, it prepares the variant and then measures in rounds on command from the
// parent (stdin / reply descriptor, see RoundCommand in core/worker_protocol.hpp); the result
// file is written at `finish` or on a failure.
int worker_main(const std::filesystem::path& job_path, const std::filesystem::path& result_path,
                bool serve = false);

}  // namespace tb::measure
