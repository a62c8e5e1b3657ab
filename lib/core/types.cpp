#include "npusched/types.hpp"

#include "npusched/verdict.hpp"
#include "topology/policy.hpp"

namespace npusched {

using detail::all_policies;
using detail::policy;

std::optional<accelerator_type> parse_accelerator_type(std::string_view label) {
  if (label.empty()) return std::nullopt;
  for (const auto* p : all_policies())
    if (p->label == label) return p->type;
  for (const auto* p : all_policies())
    if (p->label_is_substring && label.find(p->label) != std::string_view::npos) return p->type;
  return std::nullopt;
}

// `chip2-node8` maps to module-a3-16 as in the reference; since a handler only
// matches nodes of its own type, it can never over-fill an 8-die node.
std::optional<accelerator_type> parse_schedule_policy(std::string_view value) {
  for (const auto* p : all_policies())
    for (std::string_view name : p->schedule_policies)
      if (name == value) return p->type;
  return std::nullopt;
}

std::string_view to_string(accelerator_type t) noexcept { return policy(t).label; }

int max_chips(accelerator_type t) noexcept { return policy(t).max_chips; }
bool network_fault_aware(accelerator_type t) noexcept { return policy(t).network_fault_aware; }
bool is_super_pod_type(accelerator_type t) noexcept { return policy(t).super_pod; }
bool is_a3_type(accelerator_type t) noexcept { return policy(t).die_pairs; }

std::string_view to_string(node_health h) noexcept {
  switch (h) {
    case node_health::healthy: return "Healthy";
    case node_health::sub_healthy: return "SubHealthy";
    case node_health::pre_separate: return "PreSeparate";
    case node_health::unhealthy: return "UnHealthy";
    case node_health::not_ready: return "NotReady";
  }
  return "";
}

std::string_view to_string(reason r) noexcept {
  switch (r) {
    case reason::none: return "";
    case reason::invalid_request: return "invalid_request";
    case reason::no_matching_node: return "no_matching_node";
    case reason::node_unhealthy: return "node_unhealthy";
    case reason::insufficient_resources: return "insufficient_resources";
    case reason::insufficient_npu: return "insufficient_npu";
    case reason::topology_mismatch: return "topology_mismatch";
    case reason::superpod_capacity: return "superpod_capacity";
    case reason::gang_incomplete: return "gang_incomplete";
  }
  return "";
}

std::vector<int> chips_of(chip_mask m) {
  std::vector<int> out;
  out.reserve(static_cast<std::size_t>(chip_count(m)));
  while (m != 0) {
    out.push_back(std::countr_zero(m));
    m &= m - 1;
  }
  return out;
}

}  // namespace npusched
