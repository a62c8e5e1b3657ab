// Targets on one ConfigMap payload each: the fuzzer writes the payload, the
// target puts it into the seed cluster in the ConfigMap that carries it and
// runs the List through the pipeline. Where the payload carries a CheckCode,
// one mode computes the right one (with the same Go encoding the reader
// verifies with), so the fuzzer gets past the check to the record's content.

#include <string>

#include "digest.hpp"
#include "go_json.hpp"
#include "harness.hpp"
#include "targets.hpp"

namespace npusched::fuzz {

using namespace npusched::k8s;
using namespace npusched::k8s::test;

namespace {

json configmap(const std::string& ns, const std::string& name, json data) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", std::move(data)}};
}

}  // namespace

// Mode even: the bytes are the `DeviceInfo` object and the CheckCode is
// computed; odd: the bytes are the whole `DeviceInfoCfg` text.
void device_info(std::string_view input) {
  const auto [mode, rest] = split_mode(input);
  std::string cfg(rest);
  if (mode % 2 == 0) {
    const std::string code = detail::sha256_hex(detail::go_device_info(rest).value_or(""));
    cfg = "{\"DeviceInfo\":" + std::string(rest) + ",\"SuperPodID\":7,\"ServerIndex\":2,\"CheckCode\":\"" + code +
          "\"}";
  }
  run_pipeline(seed_list_with(configmap("kube-system", "mindx-dl-deviceinfo-n0", {{"DeviceInfoCfg", utf8(cfg)}})));
}

// The `huawei.com/Ascend910-Fault` list (JSON inside the DeviceList string)
// of a device-info record whose CheckCode matches.
void fault_list(std::string_view input) {
  json devices = device_list();
  devices["huawei.com/Ascend910-Fault"] = utf8(input);
  run_pipeline(seed_list_with(device_plugin_cm("n0", device_info_cfg(devices))));
}

// Mode 0: the bytes are NodeD's `NodeInfo` object and the CheckCode is
// computed; 1: the whole `NodeInfo` data value; 2: ClusterD's
// `cluster-info-node-cm` shard.
void node_info(std::string_view input) {
  const auto [mode, rest] = split_mode(input);
  switch (mode % 3) {
    case 0: {
      const std::string code = detail::sha256_hex(detail::go_node_info(rest).value_or(""));
      const std::string doc = "{\"NodeInfo\":" + std::string(rest) + ",\"CheckCode\":\"" + code + "\"}";
      run_pipeline(seed_list_with(configmap("mindx-dl", "mindx-dl-nodeinfo-n0", {{"NodeInfo", utf8(doc)}})));
      break;
    }
    case 1:
      run_pipeline(seed_list_with(configmap("mindx-dl", "mindx-dl-nodeinfo-n0",
                                            {{"NodeInfo", utf8(rest)}, {"updateTime", "2024-01-01T00:00:00Z"}})));
      break;
    default:
      run_pipeline(
          seed_list_with(configmap("mindx-dl", "cluster-info-node-cm", {{"cluster-info-node-cm", utf8(rest)}})));
  }
}

// ClusterD's device shard `cluster-info-device-0` (node → device record).
void cluster_info(std::string_view input) {
  run_pipeline(
      seed_list_with(configmap("mindx-dl", "cluster-info-device-0", {{"cluster-info-device-0", utf8(input)}})));
}

// Mode even: the device plugin's `SwitchInfoCfg` beside a valid
// `DeviceInfoCfg`; odd: ClusterD's switch shard `cluster-info-switch-0`.
void switch_info(std::string_view input) {
  const auto [mode, rest] = split_mode(input);
  if (mode % 2 == 0) {
    json cm = device_plugin_cm("n0");
    cm["data"]["SwitchInfoCfg"] = utf8(rest);
    run_pipeline(seed_list_with(cm));
  } else {
    run_pipeline(
        seed_list_with(configmap("mindx-dl", "cluster-info-switch-0", {{"cluster-info-switch-0", utf8(rest)}})));
  }
}

// The scheduler's `volcano-scheduler.conf` (YAML).
void init_params(std::string_view input) { run_pipeline(seed_list_with(scheduler_cm(utf8(input)))); }

}  // namespace npusched::fuzz
