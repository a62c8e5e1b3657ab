// The what-if sections of the plan output (docs/ome.md, "Planning a service").

#include "encode_services.hpp"

#include <algorithm>
#include <map>
#include <string>

#include <fmt/format.h>

#include "detail.hpp"

namespace npusched::k8s::detail {

namespace {

using ojson = nlohmann::ordered_json;

/// Where each pending pod went (or why not), by pod name.
struct pod_outcomes {
  std::map<std::string, const binding*, std::less<>> placed;
  std::map<std::string, const unplaced*, std::less<>> refused;

  pod_outcomes(const snapshot& snap, const plan_result& plan) {
    for (const binding& b : plan.bindings)
      if (b.pod < snap.workload.pods.size()) placed.emplace(snap.workload.pods[b.pod].name, &b);
    for (const unplaced& u : plan.unschedulable)
      if (u.pod < snap.workload.pods.size()) refused.emplace(snap.workload.pods[u.pod].name, &u);
  }
};

ojson optional_int(const std::optional<int>& v) { return v ? ojson(*v) : ojson(nullptr); }

/// One pod of an instance. Sets `why` to the first reason it was not placed.
ojson pod_json(const snapshot& snap, const pod_outcomes& out, const ome_component& c, const std::string& pod,
               std::string& why_code, std::string& why_message) {
  ojson entry = ojson::object();
  entry["pod"] = pod;
  if (auto it = out.placed.find(pod); it != out.placed.end()) {
    const binding& b = *it->second;
    ojson chips = ojson::array();
    for (int chip : b.chips) chips.push_back(chip_name(chip));
    entry["placed"] = true;
    entry["node"] = b.node.value < snap.cluster.size() ? std::string(snap.cluster.name(b.node)) : std::string();
    entry["chips"] = std::move(chips);
    entry["super_pod_id"] = b.super_pod_rank ? ojson(b.super_pod_id) : ojson(nullptr);
    entry["logical_super_node"] = optional_int(b.super_pod_rank);
    entry["rank"] = optional_int(b.rank);
    return entry;
  }
  std::string code, message;
  if (auto it = out.refused.find(pod); it != out.refused.end()) {
    code = std::string(to_string(it->second->why.code));
    message = it->second->why.message;
  } else {
    // Not among the pending pods this plan was asked about.
    code = "other_scheduler";
    message = fmt::format("spec.schedulerName is \"{}\": another scheduler places this pod", c.scheduler_name);
  }
  entry["placed"] = false;
  entry["reason"] = code;
  entry["message"] = message;
  if (why_code.empty()) {
    why_code = std::move(code);
    why_message = std::move(message);
  }
  return entry;
}

/// The role fields every output of a component shares.
ojson component_head(const ome_component& c) {
  ojson entry = ojson::object();
  entry["role"] = std::string(to_string(c.role));
  entry["component"] = c.component;
  entry["workload_kind"] = c.workload_kind;
  entry["workload"] = c.workload;
  entry["scheduler_name"] = c.scheduler_name;
  entry["replicas"] = c.replicas;
  entry["max_replicas"] = c.max_replicas;
  entry["group_size"] = c.group_size;
  entry["npus_per_pod"] = c.npus_per_pod;
  return entry;
}

ojson service_head(const ome_service& s) {
  ojson entry = ojson::object();
  entry["service"] = s.namespace_name + "/" + s.name;
  entry["runtime"] = s.runtime;
  entry["model"] = s.model;
  entry["source"] = s.source;
  return entry;
}

ojson component_json(const snapshot& snap, const pod_outcomes& out, const ome_component& c, bool& all_admitted) {
  ojson instances = ojson::array();
  int admitted_count = 0;
  for (const ome_instance& inst : c.instances) {
    std::string code, message;
    ojson pods = ojson::array();
    for (const std::string& pod : inst.pods) pods.push_back(pod_json(snap, out, c, pod, code, message));
    const bool admitted = code.empty() && !inst.pods.empty();
    admitted_count += admitted ? 1 : 0;
    // An instance another scheduler places is not this plan's to admit.
    const bool ours = std::any_of(inst.pods.begin(), inst.pods.end(), [&](const std::string& pod) {
      return out.placed.count(pod) != 0 || out.refused.count(pod) != 0;
    });
    if (ours && !admitted) all_admitted = false;
    ojson entry = ojson::object();
    entry["index"] = inst.index;
    entry["podgroup"] = inst.podgroup;
    entry["admitted"] = admitted;
    entry["pods"] = std::move(pods);
    entry["reason"] = code;
    entry["message"] = message;
    instances.push_back(std::move(entry));
  }
  ojson entry = component_head(c);
  entry["admitted_instances"] = admitted_count;
  entry["instances"] = std::move(instances);
  return entry;
}

}  // namespace

ojson warnings_json(const std::vector<ome_warning>& warnings) {
  ojson out = ojson::array();
  for (const ome_warning& w : warnings)
    out.push_back(ojson{{"code", w.code}, {"object", w.object}, {"source", w.source}, {"path", w.path},
                        {"message", w.message}});
  return out;
}

ojson inference_services_json(const snapshot& snap, const plan_result& plan, const ome_expansion& what_if) {
  const pod_outcomes out(snap, plan);
  ojson services = ojson::array();
  for (const ome_service& s : what_if.services) {
    bool admitted = true;
    ojson roles = ojson::array();
    for (const ome_component& c : s.components) roles.push_back(component_json(snap, out, c, admitted));
    ojson entry = service_head(s);
    entry["admitted"] = admitted && !s.components.empty();
    entry["roles"] = std::move(roles);
    services.push_back(std::move(entry));
  }
  return services;
}

}  // namespace npusched::k8s::detail

namespace npusched::k8s {

std::string encode_expansion(const ome_expansion& e) {
  using detail::ojson;
  ojson services = ojson::array();
  for (const ome_service& s : e.services) {
    ojson roles = ojson::array();
    for (const ome_component& c : s.components) {
      ojson instances = ojson::array();
      for (const ome_instance& inst : c.instances)
        instances.push_back(ojson{{"index", inst.index}, {"podgroup", inst.podgroup}, {"pods", inst.pods}});
      ojson role = detail::component_head(c);
      role["instances"] = std::move(instances);
      roles.push_back(std::move(role));
    }
    ojson entry = detail::service_head(s);
    entry["roles"] = std::move(roles);
    services.push_back(std::move(entry));
  }
  ojson out = ojson::object();
  out["services"] = std::move(services);
  out["warnings"] = detail::warnings_json(e.warnings);
  // Both are JSON arrays written by the expander itself.
  out["applied"] = ojson::parse(e.applied_json.empty() ? "[]" : e.applied_json);
  out["objects"] = ojson::parse(e.objects_json.empty() ? "[]" : e.objects_json);
  return out.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace npusched::k8s
