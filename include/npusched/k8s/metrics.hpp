#pragma once
/// \file metrics.hpp
/// Fragmentation metrics of a Kubernetes List (`npusched metrics`): the
/// core's `measure_fragmentation` over the decoded cluster, with the block
/// and request sizes in use read from the snapshot (docs/metrics.md).

#include <string>
#include <string_view>
#include <vector>

#include "npusched/k8s/decoded_snapshot.hpp"
#include "npusched/metrics.hpp"
#include "npusched/result.hpp"

namespace npusched::k8s {

struct metrics_json_options {
  std::string scheduler_name = "volcano";
  /// Block sizes (nodes per logical super-node); empty → the sizes in use.
  std::vector<int> block_nodes;
  /// Pod sizes (NPUs) every type is judged against, where legal; empty →
  /// the sizes in use per type.
  std::vector<int> request_sizes;
  /// Judge every type against all its legal power-of-two sizes instead of
  /// the sizes in use (`request_sizes` must then be empty).
  bool legal_sizes = false;
};

/// The sizes in use in `snap`: block sizes of the super-pod jobs (pending, as
/// the plan validates them, and running), and per type the NPU counts of the
/// running pods holding its chips and of the pending pods aimed at it, kept
/// where legal for a standalone pod of the type. Types or blocks with none
/// are left to the core's defaults.
[[nodiscard]] metrics_options metrics_in_use(const snapshot& snap);

/// The metrics of the List as compact JSON:
/// `{"types":[...],"super_pods":[...],"spectrum":[...],"block_nodes":[...],"request_sizes":{...}}`.
[[nodiscard]] result<std::string> metrics_json(std::string_view snapshot_json, const metrics_json_options& opt);

}  // namespace npusched::k8s
