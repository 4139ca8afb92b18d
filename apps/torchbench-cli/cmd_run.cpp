#include <algorithm>

#include "cli.hpp"
#include "core/run_settings.hpp"
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
            cmd.add_option("--config", o.config,
                           "Run the suite of a config file (JSON, docs/config.md): each model entry one run, all in "
                           "one report. Flags given here override the file's defaults")
                ->type_name("FILE");
            cmd.add_option("--shard", o.shard,
                           "With --config: run only entries i with i mod N = I-1 (1-based I, e.g. 2/4); merge the "
                           "shard reports with `merge`")
                ->type_name("I/N");
            cmd.add_flag("--list", o.list,
                         "Check everything, print the planned entries and variants, run nothing (the device need "
                         "not be present)");
            return [options, &cmd, timing_mode, schedule, precision, precision_option, rounds_option,
                    gates, memory_limit,
                    memory_limit_option] {
              for (const auto& [metric, texts] : *gates) {
                for (const auto& text : texts) options->gates.push_back(parse_gate_rule(metric, text));
              }
              options->schedule.mode = parse_schedule_mode(*schedule);
              if (rounds_option->count() == 0) {
                options->schedule.rounds = default_rounds(options->schedule.processes);
              }
              options->timing.mode = parse_timing_option(*timing_mode);
              if (precision_option->count() > 0) {
                options->schedule.target_precision = parse_target_precision(*precision);
              }
              if (memory_limit_option->count() > 0) {
                options->variant_memory_limit_bytes = parse_memory_limit(*memory_limit);
              }
              // What a config's defaults give way to: the flags given here (docs/config.md).
              for (const auto& setting : setting_keys()) {
                const auto* flag = cmd.get_option_no_throw(std::string(setting.flag));
                if (flag && flag->count() > 0) options->given.insert(std::string(setting.key));
              }
              return run::run_command(*options);
            };
          }};
}

}  // namespace tb::app
