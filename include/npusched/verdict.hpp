#pragma once
/// \file verdict.hpp
/// "Does not fit" as data: a reason code plus a human message.

#include <cstdint>
#include <string>
#include <string_view>

namespace npusched {

/// Why a pod was not placed. The string forms (`to_string`) are the stable
/// codes printed by `npusched plan`.
enum class reason : std::uint8_t {
  none,                   ///< placed
  invalid_request,        ///< the request breaks a legality rule of its topology (never fits anywhere)
  no_matching_node,       ///< no node matches the nodeSelector / accelerator type
  node_unhealthy,         ///< every matching node is unhealthy, pre-separated, not ready or cordoned
  insufficient_resources, ///< healthy matching nodes lack CPU or memory
  insufficient_npu,       ///< healthy matching nodes have too few free NPUs
  topology_mismatch,      ///< enough free NPUs somewhere, but not in the HCCS shape the request needs
  superpod_capacity,      ///< not enough whole `sp-block` blocks inside physical super-pods
  gang_incomplete,        ///< the pod fits, but its gang cannot reach min-available (or waits for a terminating member)
};

/// The stable code: `invalid_request`, `no_matching_node`, ...; `""` for none.
[[nodiscard]] std::string_view to_string(reason r) noexcept;

/// Per-node filter outcome counts for one request, in filter order. A node is
/// counted once, under the first rule that rejects it; nodes the adapter left
/// out of the cluster for broken or missing data count under `broken_data`,
/// so the fields add up to `nodes`.
struct filter_counts {
  int nodes = 0;             ///< nodes considered, the left-out ones included
  int selector = 0;          ///< nodeSelector or accelerator type does not match
  int illegal = 0;           ///< k is not a legal request for the node's own topology
  int unhealthy = 0;         ///< node health refuses new pods (or sub-healthy and the job refuses it)
  int cordoned = 0;          ///< `spec.unschedulable`
  int network_unknown = 0;   ///< distributed job, node's network health unknown
  int resources = 0;         ///< CPU or memory short
  int npu_short = 0;         ///< fewer usable free NPUs than requested (or NPU idle < k)
  int topology = 0;          ///< enough usable free NPUs, wrong HCCS shape (fragmentation)
  int feasible = 0;          ///< passed every rule
  int broken_data = 0;       ///< left out of the cluster for broken or missing device data (`fit_request::broken_data_nodes`)
  friend bool operator==(const filter_counts&, const filter_counts&) = default;
};

/// The answer for a request that was not placed.
struct verdict {
  reason code = reason::none;
  std::string message;
  /// True when preemption or defragmentation could make the request fit
  /// (the NPUs exist on some node, only taken or fragmented).
  bool resolvable = false;
  friend bool operator==(const verdict&, const verdict&) = default;
};

}  // namespace npusched
