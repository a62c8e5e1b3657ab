// A consumer of the installed library: plans a synthetic cluster through the
// Kubernetes adapter and checks that the pods were placed.
#include <cstdio>
#include <string>

#include <npusched/k8s/snapshot.hpp>
#include <npusched/plan.hpp>
#include <npusched/synthetic.hpp>

int main() {
  npusched::synthetic_options opt;
  opt.nodes = 20;
  opt.pending_pods = 5;
  opt.occupancy = 0.0;
  opt.node_fault_rate = 0.0;
  const auto sc = npusched::generate_cluster(opt);
  const std::string json = npusched::k8s::encode_snapshot(sc.nodes, sc.pending);
  auto snap = npusched::k8s::decode_snapshot(json);
  if (!snap.ok()) {
    std::fprintf(stderr, "decode failed: %s\n", snap.err().what().c_str());
    return 1;
  }
  const auto result = npusched::plan(snap->cluster, snap->workload);
  std::printf("%zu bound, %zu unschedulable\n", result.bindings.size(), result.unschedulable.size());
  return result.bindings.size() == 5 ? 0 : 1;
}
