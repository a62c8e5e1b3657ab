// Quick start for C++ users: build a two-node cluster, ask where two pods go.
// This file is compiled and run by CTest, so the README snippet stays true.
#include <cstdio>
#include <string>

#include <npusched/cluster.hpp>
#include <npusched/plan.hpp>

int main() {
  using namespace npusched;
  std::vector<node_spec> nodes(2);
  nodes[0].name = "a2-0";
  nodes[0].type = accelerator_type::module_910b_8;
  nodes[0].inventory = first_chips(8);
  nodes[0].in_use = {{0, "serving/old-0"}, {1, "serving/old-0"}};  // chips 0 and 1 busy
  nodes[0].npu_requested = 2;
  nodes[1] = nodes[0];
  nodes[1].name = "a2-1";
  nodes[1].in_use.clear();
  nodes[1].npu_requested = 0;
  for (auto& n : nodes) {
    n.cpu_allocatable_milli = 192000;
    n.memory_allocatable_bytes = std::int64_t{1} << 40;
  }
  auto built = build_cluster(nodes);
  if (!built.ok()) {
    std::fprintf(stderr, "%s\n", built.err().what().c_str());
    return 2;
  }

  // Two standalone pods (each its own job) asking for Atlas 800 A2 nodes.
  workload w;
  for (int npus : {8, 2}) {
    job_spec job;
    job.shape = {1, npus};                          // one NPU pod, `npus` NPUs in all
    job.handler = accelerator_type::module_910b_8;  // its accelerator-type nodeSelector
    w.jobs.push_back(job);
  }
  w.pods.resize(2);
  w.pods[0].name = "serving/big-0";
  w.pods[0].job = 0;
  w.pods[0].npus = 8;
  w.pods[0].created = 1;
  w.pods[1].name = "serving/small-0";
  w.pods[1].job = 1;
  w.pods[1].npus = 2;
  w.pods[1].created = 2;

  const plan_result r = plan(*built, w);
  for (const auto& b : r.bindings) {
    std::string chips;
    for (int c : b.chips) chips += (chips.empty() ? "" : ",") + std::to_string(c);
    std::printf("%s -> %s chips %s\n", w.pods[b.pod].name.c_str(), std::string(built->name(b.node)).c_str(),
                chips.c_str());
  }
  for (const auto& u : r.unschedulable)
    std::printf("%s not placed: %s: %s\n", w.pods[u.pod].name.c_str(), std::string(to_string(u.why.code)).c_str(),
                u.why.message.c_str());
  return 0;
}
