#include "targets.hpp"

namespace npusched::fuzz {

const std::vector<target>& all_targets() {
  static const std::vector<target> targets{
      {"snapshot", &snapshot},         {"plan_faults", &plan_faults}, {"device_info", &device_info},
      {"fault_list", &fault_list},     {"node_info", &node_info},     {"cluster_info", &cluster_info},
      {"switch_info", &switch_info},   {"fault_state", &fault_state}, {"init_params", &init_params},
      {"ome", &ome},                   {"live_events", &live_events},
  };
  return targets;
}

}  // namespace npusched::fuzz
