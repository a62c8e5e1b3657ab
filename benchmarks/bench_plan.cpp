// `npusched::plan` of a batch of standalone pending pods (k drawn from each
// type's legal set, the synthetic mix) on a fresh placement state, and of a
// batch of super-pod gangs on a SuperPoD cluster.

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

// 50 SGLang-shaped super-pod gangs (4 whole nodes each, sp-block 32: two
// logical super-nodes) on an all-SuperPoD cluster (super-pods of 48 nodes).
workload superpod_gangs(int jobs) {
  workload w;
  for (int j = 0; j < jobs; ++j) {
    job_spec js;
    js.name = "serving/decode-" + std::to_string(j);
    js.shape = {4, 64};
    js.handler = accelerator_type::module_a3_16_super_pod;
    js.sp_block = 32;
    w.jobs.push_back(js);
    for (int r = 0; r < 4; ++r) {
      pod_spec p;
      p.name = js.name + "-" + std::to_string(r);
      p.job = w.jobs.size() - 1;
      p.npus = 16;
      p.rank = r;
      p.created = j;
      w.pods.push_back(p);
    }
  }
  return w;
}

void BM_plan_superpod_gangs(benchmark::State& st) {
  const int nodes = static_cast<int>(st.range(0));
  synthetic_options o = bench::options(nodes);
  o.mix = {{accelerator_type::module_a3_16_super_pod, 1.0}};
  const cluster c = build_cluster(generate_cluster(o).nodes).value();
  const workload w = superpod_gangs(50);
  std::size_t bound = 0;
  for (auto _ : st) {
    plan_result r = plan(c, w);
    bound = r.bindings.size();
    benchmark::DoNotOptimize(r);
  }
  st.SetItemsProcessed(st.iterations() * 50);  // items = gangs
  st.counters["bound_pods"] = static_cast<double>(bound);
}

BENCHMARK(BM_plan_superpod_gangs)->ArgName("nodes")->Arg(1'000)->Arg(10'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
