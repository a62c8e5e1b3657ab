#pragma once
/// \file synthetic.hpp
/// Seeded synthetic clusters and workloads, shared by tests, benchmarks, the
/// simulator and the demo. The same seed always gives the same cluster.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/plan.hpp"
#include "npusched/result.hpp"

namespace npusched {

/// One accelerator type of a synthetic cluster and its share of the nodes.
struct type_share {
  accelerator_type type = accelerator_type::module_910b_8;
  double share = 0.0;  ///< in (0, 1]; the shares of a mix sum to 1
  friend bool operator==(const type_share&, const type_share&) = default;
};

/// The default mix: 40 % Atlas 800I A2 (`module-910b-8`), 30 % Atlas 800I A3
/// (`module-a3-16`), 30 % Atlas 900 A3 SuperPoD (`module-a3-16-super-pod`).
[[nodiscard]] std::vector<type_share> default_mix();

/// Shape of a synthetic cluster.
struct synthetic_options {
  std::uint64_t seed = 1;
  int nodes = 100;                 ///< 0 .. 1,000,000
  /// Node types in generation order. Counts: each type in turn gets
  /// `min(round(nodes · share), nodes left)`, the last one the rest.
  std::vector<type_share> mix = default_mix();
  int super_pod_size = 48;         ///< nodes per physical super-pod for super-pod types (≥ 1)
  double occupancy = 0.5;          ///< expected fraction of chips held by running pods, [0, 1]
  double chip_fault_rate = 0.01;   ///< chance per chip of being unhealthy, [0, 1]
  double node_fault_rate = 0.005;  ///< chance per node of being unhealthy, [0, 1]
  int pending_pods = 0;            ///< pending pods to generate (k from each type's legal set), 0 .. 1,000,000
};

/// Checks `opt`: counts and rates in the ranges above, at least one type,
/// no type twice, no `none`, every share in (0, 1], shares summing to 1
/// (within 1e-9). Error paths: `nodes`, `mix[1].share`, `occupancy`.
[[nodiscard]] std::optional<error> validate_synthetic_options(const synthetic_options& opt);

/// Reads a mix written `type:share,type:share` (`module-910b-8:0.4,module-a3-16:0.6`),
/// accelerator types by their label value. Errors name the entry (`mix[1]`);
/// the shares are checked by `validate_synthetic_options`.
[[nodiscard]] result<std::vector<type_share>> parse_mix(std::string_view text);

/// A generated cluster: node specs (running pods appear as chip holders
/// named `default/run-<node>-<n>`) and a pending workload.
struct synthetic_cluster {
  std::vector<node_spec> nodes;
  workload pending;
};

/// The node-name prefix of type `t`: `a2-` (`module-910b-8`), `a3-`
/// (`module-a3-16`), `a2x16-` (`module-910b-16`), `m910-` (`module`),
/// `card-`, `half-`; super-pod types are named by their super-pod instead.
[[nodiscard]] std::string_view synthetic_name_prefix(accelerator_type t) noexcept;

/// Generates a cluster; deterministic in `opt` (a fixed 64-bit generator,
/// not `std::` distributions, whose output differs between library vendors).
/// Node names are the type's prefix and a per-type index (`a2-00000`,
/// `a3-00000`); nodes of super-pod types are `sp<P>-<index in the super-pod>`,
/// with consecutive super-pod ids across all super-pod types of the mix,
/// `super_pod_size` nodes each. Precondition: `validate_synthetic_options(opt)`
/// passed (out-of-range values are clamped, not trusted).
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
