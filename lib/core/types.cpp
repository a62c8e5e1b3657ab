#include "npusched/types.hpp"

#include <array>
#include <utility>

#include "npusched/verdict.hpp"

namespace npusched {

namespace {

struct named_type {
  std::string_view name;
  accelerator_type type;
};

constexpr std::array<named_type, 7> label_names{{
    {"module", accelerator_type::module_910_x8},
    {"module-910b-8", accelerator_type::module_910b_8},
    {"module-910b-16", accelerator_type::module_910b_16},
    {"module-a3-16", accelerator_type::module_a3_16},
    {"module-a3-16-super-pod", accelerator_type::module_a3_16_super_pod},
    {"module-a3-8-super-pod", accelerator_type::module_a3_8_super_pod},
    {"half", accelerator_type::half},
}};

// `huawei.com/schedule_policy` values of the handlers npusched supports.
// `chip2-node8` maps to module-a3-16 as in the reference; since a handler only
// matches nodes of its own type, it can never over-fill an 8-die node.
constexpr std::array<named_type, 9> policy_names{{
    {"chip8-node8", accelerator_type::module_910b_8},
    {"chip8-node16", accelerator_type::module_910b_16},
    {"chip2-node16", accelerator_type::module_a3_16},
    {"chip2-node8", accelerator_type::module_a3_16},
    {"module-a3-16", accelerator_type::module_a3_16},
    {"chip2-node16-sp", accelerator_type::module_a3_16_super_pod},
    {"chip2-node8-sp", accelerator_type::module_a3_8_super_pod},
    {"chip1-node2", accelerator_type::card},
    {"chip4-node4", accelerator_type::half},
}};

}  // namespace

std::optional<accelerator_type> parse_accelerator_type(std::string_view label) {
  for (const auto& [name, type] : label_names)
    if (name == label) return type;
  if (label.find("card") != std::string_view::npos) return accelerator_type::card;
  return std::nullopt;
}

std::optional<accelerator_type> parse_schedule_policy(std::string_view policy) {
  for (const auto& [name, type] : policy_names)
    if (name == policy) return type;
  if (policy == "module") return accelerator_type::module_910_x8;
  return std::nullopt;
}

std::string_view to_string(accelerator_type t) noexcept {
  switch (t) {
    case accelerator_type::none: return "";
    case accelerator_type::card: return "card";
    default:
      for (const auto& [name, type] : label_names)
        if (type == t) return name;
  }
  return "";
}

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
