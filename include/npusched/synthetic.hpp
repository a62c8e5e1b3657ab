#pragma once
/// \file synthetic.hpp
/// Seeded synthetic clusters and workloads, shared by tests, benchmarks, the
/// simulator and the demo. The same seed always gives the same cluster.

#include <cstdint>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/plan.hpp"

namespace npusched {

/// Shape of a synthetic cluster. Fractions are of the node count; the
/// remainder after A2 and A3 are SuperPoD nodes.
struct synthetic_options {
  std::uint64_t seed = 1;
  int nodes = 100;                 ///< 1 .. 1,000,000
  double a2_fraction = 0.4;        ///< `module-910b-8` nodes (Atlas 800I A2)
  double a3_fraction = 0.3;        ///< `module-a3-16` nodes (Atlas 800I A3)
  int super_pod_size = 48;         ///< nodes per physical super-pod for SuperPoD nodes
  double occupancy = 0.5;          ///< expected fraction of chips held by running pods
  double chip_fault_rate = 0.01;   ///< chance per chip of being unhealthy
  double node_fault_rate = 0.005;  ///< chance per node of being unhealthy
  int pending_pods = 0;            ///< pending pods to generate (k from each type's legal set)
};

/// A generated cluster: node specs (running pods appear as chip holders
/// named `default/run-<node>-<n>`) and a pending workload.
struct synthetic_cluster {
  std::vector<node_spec> nodes;
  workload pending;
};

/// Generates a cluster; deterministic in `opt` (a fixed 64-bit generator,
/// not `std::` distributions, whose output differs between library vendors).
/// Node names are `a2-00000`, `a3-00000`, `sp<P>-00000`; SuperPoD nodes get
/// consecutive super-pod ids, `super_pod_size` nodes each.
[[nodiscard]] synthetic_cluster generate_cluster(const synthetic_options& opt);

/// The built-in demo: a few Atlas 800I A2 (`module-910b-8`) and Atlas 800I A3
/// (`module-a3-16`) nodes with some chips in use and one unhealthy node, and a
/// handful of pending pods of different sizes, some of which cannot fit.
[[nodiscard]] synthetic_cluster demo_cluster();

/// The label OME's model agent puts on a node where a ClusterBaseModel is
/// downloaded, for the serving demo's model `llama-3-2-1b-instruct`.
inline constexpr const char* serving_demo_model_label = "models.ome.io/clusterbasemodel.llama-3-2-1b-instruct";

/// The serving demo (`npusched demo`): four Atlas 800I A2 nodes
/// (`a2-node-1..4`, one of them half used by another workload), an Atlas 900
/// A3 SuperPoD of two physical super-pods of eight nodes each
/// (`sp0-node-1..8`, `sp1-node-1..8`; two nodes of super-pod 0 run a
/// training job) and two CPU-only nodes (`cpu-node-1..2`). Every NPU node
/// carries the model-ready label `serving_demo_model_label: Ready`. No
/// pending pods: the demo adds OME services to it as what-if documents.
[[nodiscard]] synthetic_cluster serving_demo_cluster();

}  // namespace npusched
