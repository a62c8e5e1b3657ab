// The ConfigMaps the adapter reads: the scheduler's init-params and
// MindCluster's per-node device-info, NodeD and switch reports in both the
// device plugin's and ClusterD's forms (docs/kubernetes.md). Each is parsed
// once, when the ConfigMap is read, JSON inside strings included.

#include <fmt/format.h>

#include "detail.hpp"
#include "objects.hpp"

namespace npusched::k8s::detail {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::string_view device_plugin_prefix = "mindx-dl-deviceinfo-";
constexpr std::string_view clusterd_prefix = "cluster-info-device-";
constexpr std::string_view noded_prefix = "mindx-dl-nodeinfo-";
constexpr std::string_view switch_prefix = "mindx-dl-switchinfo-";
constexpr std::string_view clusterd_node_cm = "cluster-info-node-cm";
constexpr std::string_view clusterd_switch_prefix = "cluster-info-switch-";
constexpr std::string_view scheduler_conf_key = "volcano-scheduler.conf";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

status_or_problem read_switch_cfg(std::string_view text, simdjson::dom::parser& inner) {
  auto doc = parse_inner(inner, text);
  if (!doc || doc->type() != element_type::OBJECT) return std::string("SwitchInfoCfg is not a JSON object");
  return read_status_record(*doc, *doc, true, std::nullopt);
}

status_or_problem read_noded(std::string_view text, const std::optional<std::string_view>& update_time,
                             simdjson::dom::parser& inner) {
  std::optional<std::int64_t> time = 0;
  if (update_time) time = parse_rfc3339(*update_time);
  if (!time) return fmt::format("updateTime \"{}\" is not an RFC 3339 time", *update_time);
  auto doc = parse_inner(inner, text);
  if (!doc || doc->type() != element_type::OBJECT) return std::string("NodeInfo is not a JSON object");
  element info;
  if (doc->at_key("NodeInfo").get(info) != simdjson::SUCCESS || info.type() != element_type::OBJECT)
    return std::string("NodeInfo has no NodeInfo object");
  return read_status_record(info, *doc, false, time);
}

}  // namespace

configmap_kind classify_configmap(std::string_view ns, std::string_view name) {
  if (ns == "volcano-system" && name == "volcano-scheduler-configmap") return configmap_kind::scheduler;
  if (ns == "kube-system" && starts_with(name, device_plugin_prefix) && name.size() > device_plugin_prefix.size())
    return configmap_kind::device_plugin;
  if (ns != "mindx-dl") return configmap_kind::other;
  if (starts_with(name, clusterd_prefix)) return configmap_kind::clusterd_device;
  if (starts_with(name, noded_prefix) && name.size() > noded_prefix.size()) return configmap_kind::noded;
  if (name == clusterd_node_cm) return configmap_kind::clusterd_node;
  if (starts_with(name, clusterd_switch_prefix)) return configmap_kind::clusterd_switch;
  return configmap_kind::other;
}

std::string configmap_object::source() const {
  return (kind == configmap_kind::device_plugin ? "kube-system/" : kind == configmap_kind::scheduler ? "volcano-system/"
                                                                                                      : "mindx-dl/") +
         name;
}

configmap_object read_configmap(const json_view& item, configmap_kind kind, std::string_view name,
                                simdjson::dom::parser& inner) {
  configmap_object cm;
  cm.kind = kind;
  cm.name = std::string(name);
  // Only the keys read are kept; every value must be a string all the same.
  std::optional<std::string_view> conf, device_cfg, switch_cfg, node_info, update_time, shard;
  std::optional<json_view> data = member(item, "data");
  if (data) {
    for_each_string(*data, [&](std::string_view k, std::string_view v, const json_view&) {
      switch (kind) {
        case configmap_kind::scheduler:
          if (k == scheduler_conf_key) conf = v;
          break;
        case configmap_kind::device_plugin:
          if (k == "DeviceInfoCfg") device_cfg = v;
          else if (k == "SwitchInfoCfg") switch_cfg = v;
          break;
        case configmap_kind::noded:
          if (k == "NodeInfo") node_info = v;
          else if (k == "updateTime") update_time = v;
          break;
        default:
          if (k == name) shard = v;  // ClusterD shards: the data key is the ConfigMap name
      }
    });
  }
  switch (kind) {
    case configmap_kind::scheduler:
      cm.params = conf ? read_init_params(*conf, key_path(data->where(), scheduler_conf_key)) : init_params{};
      cm.params->present = true;
      break;
    case configmap_kind::device_plugin:
      cm.node = std::string(name.substr(device_plugin_prefix.size()));
      if (device_cfg) cm.device = read_device_plugin_record(*device_cfg, inner);
      if (switch_cfg) cm.status = read_switch_cfg(*switch_cfg, inner);
      break;
    case configmap_kind::noded:
      cm.node = std::string(name.substr(noded_prefix.size()));
      if (node_info) cm.status = read_noded(*node_info, update_time, inner);
      break;
    case configmap_kind::clusterd_device:
    case configmap_kind::clusterd_node:
    case configmap_kind::clusterd_switch: {
      if (!shard || shard->empty()) break;  // stale shards are rewritten as ""
      const std::string shard_path = key_path(data->where(), name);
      auto doc = parse_inner(inner, *shard);
      if (!doc) fail(shard_path, error_code::malformed_document, "not valid JSON");
      simdjson::dom::object entries;
      if (doc->get(entries) != simdjson::SUCCESS)
        fail(shard_path, error_code::wrong_type, fmt::format("expected a JSON object, got {}", type_name(*doc)));
      const std::string_view prefix = kind == configmap_kind::clusterd_device ? device_plugin_prefix
                                      : kind == configmap_kind::clusterd_node ? noded_prefix
                                                                              : switch_prefix;
      for (auto [key, value] : entries) {
        if (!starts_with(key, prefix) || key.size() == prefix.size()) continue;
        std::string node(key.substr(prefix.size()));
        if (kind == configmap_kind::clusterd_device)
          cm.device_entries.emplace_back(std::move(node), read_clusterd_record(value));
        else
          cm.status_entries.emplace_back(std::move(node), read_status_record(value, value,
                                                                             kind == configmap_kind::clusterd_switch,
                                                                             std::nullopt));
      }
      break;
    }
    case configmap_kind::other: break;
  }
  return cm;
}

}  // namespace npusched::k8s::detail
