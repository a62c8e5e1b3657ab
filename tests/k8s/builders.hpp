#pragma once
// Builders for the Kubernetes objects the adapter tests feed to decode_snapshot.
// Every builder returns a plain nlohmann::json that a test may edit before
// wrapping it in a List with `list(...)`.

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "npusched/k8s/snapshot.hpp"
#include "digest.hpp"
#include "go_json.hpp"

namespace npusched::k8s::test {

using json = nlohmann::json;

inline std::string chip(int i) { return "Ascend910-" + std::to_string(i); }

/// `baseDeviceInfos` with chips [0, n): IP 10.0.0.<i>, SuperDeviceID 100 + i.
inline std::string base_infos(int n) {
  json infos = json::object();
  for (int i = 0; i < n; ++i) infos[chip(i)] = {{"IP", "10.0.0." + std::to_string(i)}, {"SuperDeviceID", 100 + i}};
  return infos.dump();
}

/// A Ready NPU node with `chips` chips, 64 CPUs and 256Gi of memory.
inline json npu_node(const std::string& name, const std::string& type = "module-910b-8", int chips = 8) {
  const std::string n = std::to_string(chips);
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels", {{"accelerator-type", type}, {"kubernetes.io/hostname", name}}},
            {"annotations", {{"baseDeviceInfos", base_infos(chips)}}}}},
          {"spec", json::object()},
          {"status",
           {{"capacity", {{"cpu", "64"}, {"memory", "256Gi"}, {"huawei.com/Ascend910", n}}},
            {"allocatable", {{"cpu", "64"}, {"memory", "256Gi"}, {"huawei.com/Ascend910", n}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
            {"addresses", json::array({{{"type", "Hostname"}, {"address", name}},
                                       {{"type", "InternalIP"}, {"address", "192.168.0.10"}},
                                       {{"type", "InternalIP"}, {"address", "192.168.0.11"}}})}}}};
}

/// A Ready node without NPUs.
inline json cpu_node(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
          {"status",
           {{"allocatable", {{"cpu", "16"}, {"memory", "64Gi"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
}

/// A device-info record's DeviceList with every list empty (NetworkUnhealthy present).
inline json device_list(const std::string& free = "") {
  return {{"huawei.com/Ascend910", free},
          {"huawei.com/Ascend910-Unhealthy", ""},
          {"huawei.com/Ascend910-Recovering", ""},
          {"huawei.com/Ascend910-NetworkUnhealthy", ""}};
}

/// A ClusterD record (the value of one entry of a cluster-info-device shard).
inline json clusterd_record(const std::string& node, json list = device_list(), std::int64_t update_time = 1000) {
  return {{"DeviceList", std::move(list)},
          {"UpdateTime", update_time},
          {"CmName", "mindx-dl-deviceinfo-" + node},
          {"SuperPodID", 3},
          {"RackID", 1},
          {"ServerIndex", 5}};
}

/// A ClusterD shard holding `records` (node name → record).
inline json clusterd_cm(const std::vector<std::pair<std::string, json>>& records,
                        const std::string& name = "cluster-info-device-0") {
  json entries = json::object();
  for (const auto& [node, rec] : records) entries["mindx-dl-deviceinfo-" + node] = rec;
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "mindx-dl"}}},
          {"data", {{name, entries.dump()}}}};
}

/// `hex(sha256(Go encoding of DeviceInfo))`, the CheckCode the device plugin writes.
inline std::string device_info_check_code(const json& device_info) {
  return detail::sha256_hex(detail::go_device_info(device_info.dump()).value_or(""));
}

/// The device plugin's `DeviceInfoCfg` document, with a matching CheckCode.
inline json device_info_cfg(json list = device_list(), std::int64_t update_time = 1000) {
  json info = {{"DeviceList", std::move(list)}, {"UpdateTime", update_time}};
  const std::string code = device_info_check_code(info);
  return {{"DeviceInfo", std::move(info)}, {"SuperPodID", 7}, {"ServerIndex", 2}, {"CheckCode", code}};
}

/// `kube-system/mindx-dl-deviceinfo-<node>` with `cfg` as DeviceInfoCfg.
inline json device_plugin_cm(const std::string& node, const json& cfg = device_info_cfg()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "mindx-dl-deviceinfo-" + node}, {"namespace", "kube-system"}}},
          {"data", {{"DeviceInfoCfg", cfg.dump()}}}};
}

// ---------------------------------------------------------------------------
// Fault inputs: NodeD, switch and fault records (docs/kubernetes.md "Fault inputs")

/// A NodeD `NodeInfo` object: one CPU fault entry unless `faults` is false.
inline json node_info(const std::string& status, bool faults = true) {
  json list = json::array();
  if (faults)
    list.push_back(
        {{"DeviceType", "CPU"}, {"DeviceId", 1}, {"FaultCode", {"00000011"}}, {"FaultLevel", "SeparateFault"}});
  return {{"FaultDevList", list}, {"NodeStatus", status}};
}

/// `hex(sha256(Go encoding of NodeInfo))`, the CheckCode NodeD writes.
inline std::string node_info_check_code(const json& info) {
  return detail::sha256_hex(detail::go_node_info(info.dump()).value_or(""));
}

/// Device-plugin mode NodeD ConfigMap `mindx-dl/mindx-dl-nodeinfo-<node>`: `NodeInfo`
/// with a matching CheckCode (or `check_code` when given) and `updateTime` (omitted when empty).
inline json noded_cm(const std::string& node, const json& info, const std::string& update_time = "",
                     const std::optional<std::string>& check_code = std::nullopt) {
  json doc = {{"NodeInfo", info}, {"CheckCode", check_code.value_or(node_info_check_code(info))}};
  json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "mindx-dl-nodeinfo-" + node}, {"namespace", "mindx-dl"}}},
             {"data", {{"NodeInfo", doc.dump()}}}};
  if (!update_time.empty()) cm["data"]["updateTime"] = update_time;
  return cm;
}

/// A ClusterD node entry (value of `mindx-dl-nodeinfo-<node>` in cluster-info-node-cm).
inline json clusterd_node_record(const std::string& node, const std::string& status, std::int64_t update_time = 1000) {
  json r = node_info(status);
  r["CmName"] = "mindx-dl-nodeinfo-" + node;
  r["UpdateTime"] = update_time;
  return r;
}

/// `mindx-dl/cluster-info-node-cm` holding `records` (node → entry).
inline json clusterd_node_cm(const std::vector<std::pair<std::string, json>>& records) {
  json entries = json::object();
  for (const auto& [node, rec] : records) entries["mindx-dl-nodeinfo-" + node] = rec;
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "cluster-info-node-cm"}, {"namespace", "mindx-dl"}}},
          {"data", {{"cluster-info-node-cm", entries.dump()}}}};
}

/// A switch record (`SwitchInfoCfg`, or a cluster-info-switch entry).
inline json switch_record(const std::string& status, std::int64_t update_time = 1000) {
  return {{"FaultCode", {"000001c1"}},
          {"FaultLevel", status == "Healthy" ? "NotHandle" : "Separate"},
          {"UpdateTime", update_time},
          {"NodeStatus", status},
          {"FaultTimeAndLevelMap", {{"000001c1", {{"fault_time", 1722845555}, {"fault_level", "Separate"}}}}}};
}

/// `mindx-dl/cluster-info-switch-<x>` holding `records` (node → entry).
inline json clusterd_switch_cm(const std::vector<std::pair<std::string, json>>& records,
                               const std::string& name = "cluster-info-switch-0") {
  json entries = json::object();
  for (const auto& [node, rec] : records) entries["mindx-dl-switchinfo-" + node] = rec;
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "mindx-dl"}}},
          {"data", {{name, entries.dump()}}}};
}

/// One `-Fault` entry for `chip` with the given level, handling and comma list of codes.
inline json fault_entry(int chip_id, const std::string& level, const std::string& handling, const std::string& codes) {
  return {{"fault_type", "CardNetworkUnhealthy"},
          {"npu_name", chip(chip_id)},
          {"large_model_fault_level", level},
          {"fault_level", level},
          {"fault_handling", handling},
          {"fault_code", codes},
          {"fault_time_and_level_map", json::object()}};
}

/// A Volcano PodGroup with `status.phase` (omitted when empty).
inline json podgroup_in_phase(const std::string& ns, const std::string& name, const std::string& phase) {
  json pg = {{"apiVersion", "scheduling.volcano.sh/v1beta1"},
             {"kind", "PodGroup"},
             {"metadata",
              {{"name", name},
               {"namespace", ns},
               {"uid", "pg-uid-" + name},
               {"labels", json::object()},
               {"annotations", json::object()}}},
             {"spec", {{"minMember", 1}}}};
  if (!phase.empty()) pg["status"] = {{"phase", phase}};
  return pg;
}

/// The Volcano scheduler ConfigMap with `conf` as `volcano-scheduler.conf`.
inline json scheduler_cm(const std::string& conf) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "volcano-scheduler-configmap"}, {"namespace", "volcano-system"}}},
          {"data", {{"volcano-scheduler.conf", conf}}}};
}

/// init-params arguments as YAML.
inline std::string init_params_yaml(const std::vector<std::pair<std::string, std::string>>& args) {
  std::string y = "actions: \"enqueue, allocate, backfill\"\nconfigurations:\n  - name: other\n    arguments: {}\n"
                  "  - name: init-params\n    arguments:\n";
  for (const auto& [k, v] : args) y += "      " + k + ": \"" + v + "\"\n";
  return y;
}

/// A pending pod for the `volcano` scheduler requesting `npus` NPUs.
inline json pending_pod(const std::string& ns, const std::string& name, int npus, const std::string& group = "") {
  json requests = {{"cpu", "1"}, {"memory", "1Gi"}};
  json limits = json::object();
  if (npus > 0) {
    requests["huawei.com/Ascend910"] = std::to_string(npus);
    limits["huawei.com/Ascend910"] = std::to_string(npus);
  }
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", name},
                {"namespace", ns},
                {"uid", "uid-" + name},
                {"creationTimestamp", "2024-01-01T00:00:00Z"},
                {"annotations", json::object()},
                {"labels", json::object()}}},
              {"spec",
               {{"schedulerName", "volcano"},
                {"containers", json::array({{{"name", "main"},
                                             {"resources", {{"requests", requests}, {"limits", limits}}}}})}}},
              {"status", {{"phase", "Pending"}}}};
  if (!group.empty()) pod["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = group;
  return pod;
}

/// A running pod bound to `node` holding `chips` (annotation huawei.com/Ascend910).
inline json running_pod(const std::string& ns, const std::string& name, const std::string& node,
                        const std::string& chips, int npus) {
  json pod = pending_pod(ns, name, npus);
  pod["spec"]["nodeName"] = node;
  pod["status"]["phase"] = "Running";
  pod["metadata"]["annotations"]["huawei.com/Ascend910"] = chips;
  return pod;
}

inline json podgroup(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "scheduling.volcano.sh/v1beta1"},
          {"kind", "PodGroup"},
          {"metadata",
           {{"name", name}, {"namespace", ns}, {"labels", json::object()}, {"annotations", json::object()}}},
          {"spec", {{"minMember", 1}}}};
}

// `per_pod[i]` idle module-a3-16-super-pod nodes in super-pod i, with one
// ClusterD record each.
inline std::vector<json> superpod_cluster(const std::vector<int>& per_pod) {
  std::vector<json> items;
  std::vector<std::pair<std::string, json>> records;
  for (std::size_t p = 0; p < per_pod.size(); ++p)
    for (int i = 0; i < per_pod[p]; ++i) {
      const std::string name = "sp" + std::to_string(p) + "-" + std::to_string(i);
      items.push_back(npu_node(name, "module-a3-16-super-pod", 16));
      json rec = clusterd_record(name);
      rec["SuperPodID"] = static_cast<int>(p);
      rec["ServerIndex"] = i;
      records.emplace_back(name, rec);
    }
  items.push_back(clusterd_cm(records));
  return items;
}

inline json list(std::vector<json> items) {
  return {{"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(items)}, {"metadata", {{"resourceVersion", ""}}}};
}

/// Decodes and fails the test on error.
inline snapshot decode_ok(const json& doc, const decode_options& opt = {}) {
  auto r = decode_snapshot(doc.dump(), opt);
  if (!r) ADD_FAILURE() << "decode failed: " << r.err().what();
  return r ? std::move(*r) : snapshot{};
}

/// Every field of a decoded snapshot as text, for whole-model comparisons
/// (`extras`: also the adapter's per-node and per-pod data).
inline std::string describe(const snapshot& s, bool extras = true) {
  std::ostringstream o;
  const cluster& c = s.cluster;
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    const node_id n{i};
    o << "node " << c.name(n) << " type=" << to_string(c.type(n)) << " health=" << to_string(c.health(n))
      << " sched=" << c.schedulable(n) << " sp=" << c.super_pod_id(n) << " rack=" << c.rack_id(n)
      << " idx=" << c.server_index(n) << " inv=" << c.inventory(n) << " unh=" << c.unhealthy(n)
      << " rec=" << c.recovering(n) << " net=" << c.network_unhealthy(n) << " sub=" << c.sub_healthy(n)
      << " netknown=" << c.network_health_known(n) << " used=" << c.in_use(n) << " alloc=" << c.npu_allocatable(n)
      << " req=" << c.npu_requested(n) << " cpu=" << c.cpu_allocatable_milli(n) << "/" << c.cpu_requested_milli(n)
      << " mem=" << c.memory_allocatable_bytes(n) << "/" << c.memory_requested_bytes(n) << " holders=";
    for (int chip : chips_of(c.in_use(n))) o << chip << ":" << c.holder(n, chip) << ",";
    if (extras && i < s.nodes.size()) o << " ip=" << s.nodes[i].internal_ip << " devices=" << s.nodes[i].device_count;
    o << "\n";
  }
  for (const auto& e : s.excluded_nodes) o << "excluded " << e.node << " " << e.reason << " " << e.message << "\n";
  for (const auto& j : s.workload.jobs) {
    o << "job " << j.name << " tasks=" << j.shape.npu_tasks << " total=" << j.shape.total_npus
      << " handler=" << (j.handler ? std::string(to_string(*j.handler)) + "." : std::string("-"))
      << " refuse=" << j.refuse_sub_healthy;
    if (j.invalid) o << " invalid=" << to_string(j.invalid->code) << ":" << j.invalid->message;
    o << "\n";
  }
  for (std::size_t i = 0; i < s.workload.pods.size(); ++i) {
    const pod_spec& p = s.workload.pods[i];
    o << "pod " << p.name << " job=" << p.job << " npus=" << p.npus << " cpu=" << p.cpu_milli
      << " mem=" << p.memory_bytes << " prio=" << p.priority << " created=" << p.created << " sel=";
    for (const auto& [k, v] : p.node_selector) o << k << "=" << v << ",";
    if (extras && i < s.pods.size())
      o << " extra=" << s.pods[i].namespace_name << "|" << s.pods[i].name << "|" << s.pods[i].uid << "|"
        << s.pods[i].group << "|" << s.pods[i].operator_pod;
    o << "\n";
  }
  const init_params& p = s.params;
  o << "params present=" << p.present << " cim=" << p.use_cluster_info_manager << "/"
    << p.use_cluster_info_manager_set << " self=" << p.self_maintain_available_card << " size=" << p.super_pod_size
    << " reserve=" << p.reserve_nodes << " grace=" << p.grace_over_time << "\n";
  return o.str();
}

inline std::string read_data_file(const std::string& relative) {
  std::ifstream in(std::string(NPUSCHED_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace npusched::k8s::test
