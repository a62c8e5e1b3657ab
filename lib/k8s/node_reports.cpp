// NodeD and switch reports: the node health they give (docs/faults.md, "Inputs").

#include <fmt/format.h>

#include "go_json.hpp"
#include "objects.hpp"

namespace npusched::k8s::detail {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

node_health status_health(std::string_view status, bool switch_shape) {
  if (status == "UnHealthy") return node_health::unhealthy;
  if (status == "SubHealthy") return node_health::sub_healthy;
  if (status == "PreSeparate" && !switch_shape) return node_health::pre_separate;
  return node_health::healthy;
}

}  // namespace

status_or_problem read_status_record(element payload, element holder, bool switch_shape,
                                     std::optional<std::int64_t> time) {
  if (payload.type() != element_type::OBJECT) return std::string("the record is not a JSON object");
  auto encoded = switch_shape ? go_switch_info(payload) : go_node_info(payload);
  if (!encoded) return std::string("a member has the wrong JSON type");
  status_record r;
  element s;
  std::string_view status;
  if (payload.at_key("NodeStatus").get(s) == simdjson::SUCCESS && s.get(status) == simdjson::SUCCESS)
    r.status = std::string(status);
  if (time) {
    r.update_time = *time;
  } else if (element t; payload.at_key("UpdateTime").get(t) == simdjson::SUCCESS &&
                        t.type() != element_type::NULL_VALUE) {
    if (t.type() != element_type::INT64) return std::string("UpdateTime is not an int64");
    r.update_time = std::int64_t(t);
  }
  if (auto c = check_code(holder, encoded)) {
    if (c->unreadable) return std::move(c->message);
    return distrusted{std::move(c->message)};
  }
  return r;
}

node_health reported_health(const std::string& node, bool switch_shape, const node_inputs& in,
                            std::vector<untrusted_record>& untrusted) {
  const std::string kind = switch_shape ? "switch-info" : "node-info";
  node_health h = node_health::healthy;
  const status_record* dp = nullptr;
  const status_record* cd = nullptr;
  auto take = [&](const status_record*& best, const status_or_problem& r, const std::string& source) {
    if (auto* rec = std::get_if<status_record>(&r)) {
      if (!best || rec->update_time > best->update_time) best = rec;
      return;
    }
    std::string message = std::holds_alternative<std::string>(r) ? "unreadable: " + std::get<std::string>(r)
                                                                  : std::get<distrusted>(r).message;
    untrusted.push_back(untrusted_record{node, kind, source, std::move(message)});
    h = std::max(h, node_health::pre_separate);
  };
  const init_params& p = *in.params;
  if (!p.use_cluster_info_manager_set || !p.use_cluster_info_manager) {
    const configmap_object* cm = switch_shape ? in.device_plugin : in.noded;
    if (cm && cm->status) take(dp, *cm->status, cm->source());
  }
  if (!p.use_cluster_info_manager_set || p.use_cluster_info_manager) {
    for (const auto& [shard, r] : switch_shape ? in.clusterd_switch : in.clusterd_node)
      take(cd, *r, "mindx-dl/" + *shard);
  }
  const status_record* chosen = cd && (!dp || cd->update_time >= dp->update_time) ? cd : dp;
  if (chosen) h = std::max(h, status_health(chosen->status, switch_shape));
  return h;
}

}  // namespace npusched::k8s::detail
