// Building the model: `build_cluster` (validation, name sort, label interning)
// and the synthetic generator itself, at 1k / 10k / 100k nodes.

#include <benchmark/benchmark.h>

#include <vector>

#include "bench_common.hpp"

namespace {

using namespace npusched;

void BM_build_cluster(benchmark::State& st) {
  const int nodes = static_cast<int>(st.range(0));
  const std::vector<node_spec> specs = generate_cluster(bench::options(nodes)).nodes;
  for (auto _ : st) {
    st.PauseTiming();
    std::vector<node_spec> copy = specs;  // build_cluster consumes its input
    st.ResumeTiming();
    result<cluster> c = build_cluster(std::move(copy));
    benchmark::DoNotOptimize(c);
  }
  st.SetItemsProcessed(st.iterations() * nodes);  // items = nodes
}

void BM_generate_cluster(benchmark::State& st) {
  const int nodes = static_cast<int>(st.range(0));
  for (auto _ : st) {
    synthetic_cluster sc = generate_cluster(bench::options(nodes));
    benchmark::DoNotOptimize(sc);
  }
  st.SetItemsProcessed(st.iterations() * nodes);  // items = nodes
}

BENCHMARK(BM_build_cluster)->ArgName("nodes")->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_generate_cluster)->ArgName("nodes")->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
