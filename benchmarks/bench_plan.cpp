// `npusched::plan` of a batch of standalone pending pods (k drawn from each
// type's legal set, the synthetic mix) on a fresh placement state.

#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "npusched/plan.hpp"

namespace {

using namespace npusched;

void BM_plan(benchmark::State& st) {
  const int pods = static_cast<int>(st.range(0));
  const int nodes = static_cast<int>(st.range(1));
  const bench::fixture& f = bench::cluster_of(nodes, pods);
  std::size_t bound = 0;
  for (auto _ : st) {
    plan_result r = plan(f.built, f.spec.pending);
    bound = r.bindings.size();
    benchmark::DoNotOptimize(r);
  }
  st.SetItemsProcessed(st.iterations() * pods);  // items = pods
  st.counters["bound"] = static_cast<double>(bound);
}

BENCHMARK(BM_plan)
    ->ArgNames({"pods", "nodes"})
    ->Args({100, 1'000})
    ->Args({100, 10'000})
    ->Args({100, 100'000})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
