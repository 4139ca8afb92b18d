#include <algorithm>

#include "cli.hpp"
#include "core/device_timing.hpp"
#include "run/run_command.hpp"
#include "util/errors.hpp"
#include "util/strings.hpp"

namespace tb::app {

Subcommand run_subcommand() {
  return {"run", "Benchmark a model under several variants (pass lists), one worker process each",
          [](CLI::App& cmd) -> std::function<int()> {
            auto options = std::make_shared<run::RunOptions>();
            auto& o = *options;
            cmd.add_option("model", o.models,
                           "TorchScript file (.pt) or builtin:NAME[:key=value,...]; default: the first built-in "
                           "(see `models`). Several models run interleaved in one run, each with every variant "
                           "(compare them with compare --a-model/--b-model)")
                ->type_name("MODEL...");
            cmd.add_option("--input", o.inputs,
                           "Input spec, one per model input: 1x3x224x224:float32, 8x128:int64[0,30522)")
                ->type_name("SPEC");
            std::string defaults;
            for (const auto& v : run::default_variants()) defaults += " " + v;
            cmd.add_option("--variant", o.variants,
                           "NAME=PASS[,PASS...], repeatable; PASS is name or name=value (see `passes`). "
                           "Default:" + defaults)
                ->type_name("NAME=PASSES");
            cmd.add_option("--sweep", o.sweeps, "KEY=V1,V2,... expands every variant over the values (cartesian)")
                ->type_name("KEY=VALUES");
            cmd.add_option("--baseline", o.baseline, "Reference variant for speedup and accuracy (default: the first)");
            cmd.add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
            cmd.add_option("--seed", o.seed, "Seed for built-in weights and generated inputs")->capture_default_str();
            cmd.add_option("--warmup-iters", o.timing.warmup_iters, "Minimum warm-up iterations")->capture_default_str();
            cmd.add_option("--warmup-time", o.timing.warmup_seconds, "Minimum warm-up time in seconds")
                ->capture_default_str();
            cmd.add_option("--min-iters", o.timing.min_iters, "Minimum measured iterations")->capture_default_str();
            cmd.add_option("--min-time", o.timing.min_seconds, "Minimum measured time in seconds")->capture_default_str();
            cmd.add_option("--max-time", o.timing.max_seconds,
                           "Stop measuring (and warming up) after this many seconds")
                ->capture_default_str();
            cmd.add_option("--max-iters", o.timing.max_iters, "Stop measuring after this many iterations")
                ->capture_default_str();
            auto timing_mode = std::make_shared<std::string>("latency");
            cmd.add_option("--timing", *timing_mode,
                           "Device timing mode: latency (wait for every call) or throughput (keep the queue "
                           "full; per-call device events read after each batch). The CPU is always latency")
                ->capture_default_str();
            cmd.add_flag("--include-transfers", o.timing.include_transfers,
                         "GPU: inputs start in pinned host memory; each timed call copies them to the device and "
                         "its outputs back, timed apart (h2d, compute, d2h); samples stay the compute time");
            auto schedule = std::make_shared<std::string>("interleaved");
            cmd.add_option("--schedule", *schedule,
                           "interleaved: every variant's worker stays alive and they measure in rounds, in a "
                           "seeded random order per round; sequential: one variant after the other")
                ->capture_default_str();
            auto* rounds_option =
                cmd.add_option("--rounds", o.schedule.rounds, "Rounds the measurement limits are spread over")
                    ->capture_default_str();
            cmd.add_option("--processes", o.schedule.processes,
                           "Worker processes per variant, one after the other, each measuring an equal share of "
                           "the rounds; with 2 or more, compare judges process-to-process spread too (--rounds "
                           "left out: 4 rounds per process)")
                ->capture_default_str();
            auto precision = std::make_shared<std::string>();
            auto* precision_option =
                cmd.add_option("--target-precision", *precision,
                               "Adaptive stopping: measure each variant until the 95% CI of its median is within "
                               "±P (e.g. 1%), its minimums are met, or a maximum is reached")
                    ->type_name("P%");
            auto gates = std::make_shared<std::vector<std::pair<GateMetric, std::vector<std::string>>>>();
            for (const auto metric : {GateMetric::max_abs_err, GateMetric::max_rel_err, GateMetric::min_cosine}) {
              gates->push_back({metric, {}});
            }
            cmd.add_option("--max-abs-err", (*gates)[0].second,
                           "Accuracy gate: max |variant - baseline| output error; LIMIT for every variant or "
                           "VARIANT=LIMIT (repeatable). A broken gate makes the exit code 1")
                ->type_name("[VARIANT=]LIMIT");
            cmd.add_option("--max-rel-err", (*gates)[1].second, "Accuracy gate: max relative output error")
                ->type_name("[VARIANT=]LIMIT");
            cmd.add_option("--min-cosine", (*gates)[2].second, "Accuracy gate: min cosine similarity of the outputs")
                ->type_name("[VARIANT=]LIMIT");
            cmd.add_option("--variant-timeout", o.variant_timeout_seconds,
                           "Kill a variant's worker after this many seconds (recorded as failed)")
                ->type_name("SECONDS");
            auto memory_limit = std::make_shared<std::string>();
            auto* memory_limit_option =
                cmd.add_option("--variant-memory-limit", *memory_limit,
                               "Memory limit of each variant's worker (RLIMIT_DATA), e.g. 2G or 512M: a variant "
                               "that needs more fails with 'out of memory', the others go on")
                    ->type_name("SIZE");
            cmd.add_option("-o,--output", o.output, "Write the JSON report to FILE ('-' for stdout)")
                ->type_name("FILE");
            cmd.add_flag("-q,--quiet", o.quiet, "No progress lines on stderr");
            return [options, timing_mode, schedule, precision, precision_option, rounds_option,
                    gates, memory_limit,
                    memory_limit_option] {
              for (const auto& [metric, texts] : *gates) {
                for (const auto& text : texts) options->gates.push_back(parse_gate_rule(metric, text));
              }
              options->schedule.mode = parse_schedule_mode(*schedule);
              if (rounds_option->count() == 0) {
                options->schedule.rounds = default_rounds(options->schedule.processes);
              }
              const auto mode = parse_timing_mode(*timing_mode);
              if (!mode) {
                throw UsageError("--timing takes latency or throughput (got '" + *timing_mode + "'" +
                                 did_you_mean(*timing_mode, std::vector<std::string_view>{"latency", "throughput"}) +
                                 ")");
              }
              options->timing.mode = *mode;
              if (precision_option->count() > 0) {
                const auto value = parse_percent(*precision);
                if (!value) {
                  throw UsageError("--target-precision needs a percentage such as 1% (got '" + *precision + "')");
                }
                options->schedule.target_precision = *value;
              }
              if (memory_limit_option->count() > 0) {
                options->variant_memory_limit_bytes = parse_byte_size(*memory_limit);
                if (!options->variant_memory_limit_bytes) {
                  throw UsageError("--variant-memory-limit needs a size such as 2G or 512M (got '" + *memory_limit +
                                   "')");
                }
              }
              return run::run_command(*options);
            };
          }};
}

}  // namespace tb::app
