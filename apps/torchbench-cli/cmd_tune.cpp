#include "cli.hpp"
#include "tune/tune_command.hpp"

namespace tb::app {

Subcommand tune_subcommand() {
  return {"tune", "Search the pass catalogue for the fastest variant of a model within accuracy, latency and memory limits",
          [](CLI::App& cmd) -> std::function<int()> {
            auto options = std::make_shared<tune::TuneOptions>();
            auto& o = *options;
            cmd.add_option("model", o.model,
                           "TorchScript file (.pt) or builtin:NAME[:key=value,...]; default: the first built-in")
                ->type_name("MODEL");
            cmd.add_option("--input", o.inputs, "Input spec, one per model input (as for run)")->type_name("SPEC");
            cmd.add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
            cmd.add_option("--seed", o.seed, "Seed for built-in weights, generated inputs and round orders")
                ->capture_default_str();
            cmd.add_option("--space", o.space,
                           "KEY=V1,V2,... replaces a dimension, KEY+=V,... extends it (repeatable). KEY is grad, "
                           "graph or precision (values: passes joined with '+', or none) or a pass name (threads=1,2; "
                           "on/off for a pass without a value), e.g. --space precision=fp32,int8-dynamic")
                ->type_name("KEY=VALUES");
            cmd.add_option("--fixed", o.fixed,
                           "PASS[,PASS...] in every candidate; replaces the dimensions that choose among it "
                           "(repeatable), e.g. --fixed threads=4")
                ->type_name("PASSES");
            cmd.add_option("--baseline", o.baseline,
                           "The reference every batch measures (accuracy and ratios); default: inference-mode")
                ->type_name("PASSES");
            cmd.add_option("--objective", o.objective, "latency-p50, latency-p99 or throughput (items/s)")
                ->capture_default_str();
            auto gates = std::make_shared<std::vector<std::pair<GateMetric, std::vector<std::string>>>>();
            for (const auto metric : {GateMetric::max_abs_err, GateMetric::max_rel_err, GateMetric::min_cosine}) {
              gates->push_back({metric, {}});
            }
            cmd.add_option("--max-abs-err", (*gates)[0].second, "Constraint: max |candidate - baseline| output error")
                ->type_name("LIMIT");
            cmd.add_option("--max-rel-err", (*gates)[1].second, "Constraint: max relative output error")
                ->type_name("LIMIT");
            cmd.add_option("--min-cosine", (*gates)[2].second, "Constraint: min cosine similarity of the outputs")
                ->type_name("LIMIT");
            cmd.add_option("--latency-budget", o.latency_budget, "Constraint: p99 latency per call, e.g. 20ms")
                ->type_name("DURATION");
            cmd.add_option("--memory-budget", o.memory_budget,
                           "Constraint: peak RSS of a candidate's worker, e.g. 2G (also its memory limit)")
                ->type_name("SIZE");
            cmd.add_option("--budget", o.budget, "Time for the whole search, e.g. 10m, 90s, 1h; the plan is sized to it")
                ->capture_default_str()
                ->type_name("DURATION");
            cmd.add_option("--strategy", o.strategy,
                           "halving: successive halving (measure all briefly, keep the best 1/eta, measure longer); "
                           "grid: every candidate as long as the others")
                ->capture_default_str();
            cmd.add_option("--eta", o.eta, "Keep the best 1/eta of each rung; at most eta finalists")->capture_default_str();
            cmd.add_option("--workers", o.workers,
                           "Candidates measured together in one batch (each a live worker holding the model), "
                           "besides the baseline")
                ->capture_default_str();
            cmd.add_option("--final-processes", o.final_processes,
                           "Worker processes per finalist in the final comparison")
                ->capture_default_str();
            cmd.add_option("--alpha", o.alpha, "Significance level of the finalists' paired comparison")
                ->capture_default_str()
                ->type_name("P");
            cmd.add_option("--threshold", o.threshold,
                           "Smallest difference between finalists that matters; the winner must beat the runner-up "
                           "by half of it, significantly, or they are tied")
                ->capture_default_str()
                ->type_name("PCT");
            cmd.add_option("--warmup-iters", o.timing.warmup_iters, "Warm-up iterations of each worker")
                ->capture_default_str();
            cmd.add_option("--warmup-time", o.timing.warmup_seconds, "Warm-up seconds of each worker")
                ->capture_default_str();
            cmd.add_option("--variant-timeout", o.variant_timeout_seconds,
                           "Kill a candidate's worker after this many busy seconds (recorded as failed)")
                ->type_name("SECONDS");
            cmd.add_flag("--list", o.list, "Print the search space and its candidates, then exit");
            cmd.add_option("-o,--output", o.output, "Write the JSON report to FILE ('-' for stdout)")->type_name("FILE");
            cmd.add_option("--save-config", o.save_config,
                           "Write the winner and the baseline as a config file for run --config")
                ->type_name("FILE");
            cmd.add_flag("-q,--quiet", o.quiet, "No progress lines on stderr");
            return [options, gates] {
              for (const auto& [metric, texts] : *gates) {
                for (const auto& text : texts) options->accuracy.push_back(parse_gate_rule(metric, text));
              }
              return tune::tune_command(*options);
            };
          }};
}

}  // namespace tb::app
