// Single-pod fit over every node: filter, score and chip choice
// (`npusched::fit`), on the synthetic mix at 1k / 10k / 100k nodes.

#include <benchmark/benchmark.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench_common.hpp"
#include "npusched/fit.hpp"

namespace {

using namespace npusched;

fit_request request(const cluster& c, int k, std::optional<accelerator_type> handler) {
  fit_request r;
  r.npus = k;
  r.job = job_shape{1, k};
  r.handler = handler;
  r.cpu_milli = 8'000;
  r.memory_bytes = std::int64_t{64} << 30;
  if (handler) {
    const std::vector<std::pair<std::string, std::string>> sel{{"accelerator-type", std::string(to_string(*handler))}};
    r.node_selector = c.resolve(sel);
  }
  return r;
}

void run(benchmark::State& st, std::optional<accelerator_type> handler) {
  const int k = static_cast<int>(st.range(0));
  const int nodes = static_cast<int>(st.range(1));
  const bench::fixture& f = bench::cluster_of(nodes);
  const placement_state state(f.built);
  const fit_request r = request(f.built, k, handler);
  int placed = 0;
  for (auto _ : st) {
    fit_result res = fit(f.built, state, r);
    placed += res.node.has_value() ? 1 : 0;
    benchmark::DoNotOptimize(res);
  }
  st.SetItemsProcessed(st.iterations());  // items = pods
  st.counters["nodes_per_s"] =
      benchmark::Counter(static_cast<double>(st.iterations()) * nodes, benchmark::Counter::kIsRate);
  st.counters["placed"] = placed > 0 ? 1 : 0;
}

// No accelerator-type selector: every node is judged by its own topology, so
// every node goes through the whole filter chain (the worst case).
void BM_fit_any_type(benchmark::State& st) { run(st, std::nullopt); }
// `accelerator-type: module-a3-16` selector: 70 % of the nodes are refused at
// the first filter; the A3 nodes get the die-pair rules.
void BM_fit_a3_selector(benchmark::State& st) { run(st, accelerator_type::module_a3_16); }

void sizes(benchmark::internal::Benchmark* b) {
  for (const int nodes : {1'000, 10'000, 100'000})
    for (const int k : {1, 2, 8, 16}) b->Args({k, nodes});
  b->ArgNames({"k", "nodes"})->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_fit_any_type)->Apply(sizes);
BENCHMARK(BM_fit_a3_selector)->Apply(sizes);

}  // namespace

BENCHMARK_MAIN();
