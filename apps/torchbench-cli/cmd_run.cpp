#include "cli.hpp"
#include "run/run_command.hpp"

namespace tb::app {

Subcommand run_subcommand() {
  return {"run", "Benchmark a model under several variants (pass lists), one worker process each",
          [](CLI::App& cmd) -> std::function<int()> {
            auto options = std::make_shared<run::RunOptions>();
            auto& o = *options;
            auto model = std::make_shared<std::string>();
            auto* model_option = cmd.add_option("model", *model,
                           "TorchScript file (.pt) or builtin:NAME[:key=value,...]; default: the first built-in "
                           "(see `models`)");
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
            cmd.add_option("--variant-timeout", o.variant_timeout_seconds,
                           "Kill a variant's worker after this many seconds (recorded as failed)")
                ->type_name("SECONDS");
            cmd.add_option("-o,--output", o.output, "Write the JSON report to FILE ('-' for stdout)")
                ->type_name("FILE");
            cmd.add_flag("-q,--quiet", o.quiet, "No progress lines on stderr");
            return [options, model, model_option] {
              if (model_option->count() > 0) options->model = *model;
              return run::run_command(*options);
            };
          }};
}

}  // namespace tb::app
