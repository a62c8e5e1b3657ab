// Fragmentation metrics: `measure_fragmentation` on synthetic clusters, and
// the dense part of it — the per-super-pod × per-block-size spectrum table
// and its column sums — written as plain loops (what metrics.cpp does) and,
// when Eigen is found, as Eigen array expressions, on the same input. The
// table is the kind of dense work Eigen is made for; this measures whether
// it pays here (benchmarks/README.md).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_common.hpp"
#include "npusched/metrics.hpp"

#if NPUSCHED_HAVE_EIGEN
#include <Eigen/Core>
#endif

namespace {

using namespace npusched;

void BM_measure_fragmentation(benchmark::State& st) {
  const auto& f = bench::cluster_of(static_cast<int>(st.range(0)));
  const placement_state s(f.built);
  for (auto _ : st) {
    cluster_metrics m = measure_fragmentation(f.built, s);
    benchmark::DoNotOptimize(m);
  }
  st.counters["nodes"] = static_cast<double>(f.built.size());
}
BENCHMARK(BM_measure_fragmentation)->ArgName("nodes")->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

/// Free whole nodes per super-pod, as measured on the benchmark cluster.
std::vector<int> free_per_super_pod(int nodes) {
  const auto& f = bench::cluster_of(nodes);
  const placement_state s(f.built);
  metrics_options o;
  o.block_nodes = {1, 2, 4, 8, 16};
  std::vector<int> out;
  for (const auto& p : measure_fragmentation(f.built, s, o).super_pods) out.push_back(p.free_whole_nodes);
  return out;
}

const std::vector<int> block_sizes = {1, 2, 4, 8, 16};

void BM_spectrum_loops(benchmark::State& st) {
  const std::vector<int> free = free_per_super_pod(static_cast<int>(st.range(0)));
  std::vector<int> table(free.size() * block_sizes.size());
  std::vector<int> total(block_sizes.size());
  for (auto _ : st) {
    std::fill(total.begin(), total.end(), 0);
    for (std::size_t p = 0; p < free.size(); ++p)
      for (std::size_t b = 0; b < block_sizes.size(); ++b) {
        const int carved = free[p] / block_sizes[b];
        table[p * block_sizes.size() + b] = carved;
        total[b] += carved;
      }
    benchmark::DoNotOptimize(table.data());
    benchmark::DoNotOptimize(total.data());
  }
  st.counters["super_pods"] = static_cast<double>(free.size());
}
BENCHMARK(BM_spectrum_loops)->ArgName("nodes")->Arg(10'000)->Arg(100'000)->Unit(benchmark::kNanosecond);

#if NPUSCHED_HAVE_EIGEN
void BM_spectrum_eigen(benchmark::State& st) {
  const std::vector<int> v = free_per_super_pod(static_cast<int>(st.range(0)));
  const Eigen::ArrayXi free = Eigen::Map<const Eigen::ArrayXi>(v.data(), static_cast<Eigen::Index>(v.size()));
  const Eigen::Array<int, 1, Eigen::Dynamic> sizes =
      Eigen::Map<const Eigen::Array<int, 1, Eigen::Dynamic>>(block_sizes.data(), static_cast<Eigen::Index>(block_sizes.size()));
  Eigen::ArrayXXi table(free.size(), sizes.size());
  Eigen::Array<int, 1, Eigen::Dynamic> total(sizes.size());
  for (auto _ : st) {
    table = free.replicate(1, sizes.size()) / sizes.replicate(free.size(), 1);
    total = table.colwise().sum();
    benchmark::DoNotOptimize(table.data());
    benchmark::DoNotOptimize(total.data());
  }
  st.counters["super_pods"] = static_cast<double>(free.size());
}
BENCHMARK(BM_spectrum_eigen)->ArgName("nodes")->Arg(10'000)->Arg(100'000)->Unit(benchmark::kNanosecond);
#endif

}  // namespace

BENCHMARK_MAIN();
