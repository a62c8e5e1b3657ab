// decide_faults over a whole synthetic cluster: every running pod of the
// generator is its own running job with fault-scheduling force, and the
// cluster's unhealthy nodes and chips (0.5 % / 1 %) make some of them fault
// jobs. One iteration = one call (isolation report, classification, actions).

#include <benchmark/benchmark.h>

#include <map>

#include "bench_common.hpp"
#include "npusched/fault.hpp"

namespace npusched::bench {
namespace {

std::vector<fault_job> running_jobs(const synthetic_cluster& sc) {
  std::map<std::string, fault_job> jobs;
  for (const auto& n : sc.nodes)
    for (const auto& h : n.in_use) {
      fault_job& j = jobs[h.pod];
      if (j.pods.empty()) {
        j.name = h.pod;
        j.owner_uid = h.pod;
        j.scheduling = fault_scheduling::force;
        j.npu_job = true;
        fault_pod p;
        p.name = h.pod;
        p.uid = h.pod + "-uid";
        p.node = n.name;
        j.pods.push_back(std::move(p));
      }
      j.pods[0].chips |= chip_bit(h.chip);
      ++j.pods[0].npus;
    }
  std::vector<fault_job> out;
  for (auto& [name, j] : jobs) out.push_back(std::move(j));
  return out;
}

void BM_decide_faults(benchmark::State& state) {
  const fixture& f = cluster_of(static_cast<int>(state.range(0)));
  const std::vector<fault_job> jobs = running_jobs(f.spec);
  std::size_t actions = 0;
  for (auto _ : state) {
    const fault_report r = decide_faults(f.built, jobs, {}, 1700000000);
    actions = r.actions.size();
    benchmark::DoNotOptimize(r.actions.data());
  }
  state.counters["jobs"] = static_cast<double>(jobs.size());
  state.counters["actions"] = static_cast<double>(actions);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(f.built.size()));
}
BENCHMARK(BM_decide_faults)->ArgName("nodes")->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace npusched::bench

BENCHMARK_MAIN();
