// Device-info records (the device plugin's and ClusterD's forms), which one
// a node uses, and what its DeviceList says about the chips
// (docs/kubernetes.md, "Device information").

#include <algorithm>
#include <climits>
#include <limits>

#include <fmt/format.h>

#include "go_json.hpp"
#include "objects.hpp"

namespace npusched::k8s::detail {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

/// The L1 link-down fault code (docs/faults.md, "Inputs").
constexpr std::string_view link_down_code = "81078603";

std::optional<std::string> read_int32(element obj, const char* key, std::int32_t& out) {
  element v;
  if (obj.at_key(key).get(v) != simdjson::SUCCESS || v.type() == element_type::NULL_VALUE) return std::nullopt;
  if (v.type() == element_type::UINT64) return fmt::format("{} is out of the int32 range", key);
  if (v.type() != element_type::INT64) return fmt::format("{} is not an integer", key);
  const std::int64_t i = std::int64_t(v);
  if (i < INT32_MIN || i > INT32_MAX) return fmt::format("{} is out of the int32 range", key);
  out = static_cast<std::int32_t>(i);
  return std::nullopt;
}

/// Reads `DeviceList` and `UpdateTime` from `inner`, the position fields from `outer`.
record_or_problem read_record(element inner, element outer) {
  device_record r;
  element list;
  if (inner.at_key("DeviceList").get(list) == simdjson::SUCCESS && list.type() != element_type::NULL_VALUE) {
    simdjson::dom::object obj;
    if (list.get(obj) != simdjson::SUCCESS) return std::string("DeviceList is not an object");
    for (auto f : obj) {
      std::string_view v;
      if (f.value.get(v) != simdjson::SUCCESS) return fmt::format("DeviceList[\"{}\"] is not a string", f.key);
      r.device_list.emplace_back(f.key, v);
    }
    // Sorted; a repeated key keeps its last value (as Go's decoder does).
    std::stable_sort(r.device_list.begin(), r.device_list.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    string_pairs unique;
    for (std::size_t i = 0; i < r.device_list.size(); ++i)
      if (i + 1 == r.device_list.size() || r.device_list[i + 1].first != r.device_list[i].first)
        unique.push_back(std::move(r.device_list[i]));
    r.device_list = std::move(unique);
  }
  element t;
  if (inner.at_key("UpdateTime").get(t) == simdjson::SUCCESS && t.type() != element_type::NULL_VALUE) {
    if (t.type() == element_type::UINT64) return std::string("UpdateTime is out of range");
    if (t.type() != element_type::INT64) return std::string("UpdateTime is not an integer");
    r.update_time = std::int64_t(t);
  }
  if (auto e = read_int32(outer, "SuperPodID", r.super_pod_id)) return *e;
  if (auto e = read_int32(outer, "RackID", r.rack_id)) return *e;
  if (auto e = read_int32(outer, "ServerIndex", r.server_index)) return *e;
  return r;
}

record_or_problem with_check_code(record_or_problem r, element holder, element payload) {
  if (!std::holds_alternative<device_record>(r)) return r;
  auto c = check_code(holder, go_device_info(payload));
  if (!c) return r;
  if (c->unreadable) return std::move(c->message);
  return distrusted{std::move(c->message)};
}

/// Chips the `-Fault` JSON marks: sub-healthy (fault_handling `SubHealthFault`)
/// and L1 link-down (fault code 81078603 at fault_level or fault_handling `NotHandleFault`).
struct fault_masks {
  chip_mask sub_healthy = 0;
  chip_mask link_down = 0;
};
std::variant<fault_masks, std::string> read_fault_masks(const device_record& r, const std::string& key,
                                                        chip_mask inventory) {
  const std::string* text = find_pair(r.device_list, key);
  if (!text || text->empty()) return fault_masks{};
  simdjson::dom::parser parser;
  element faults;
  simdjson::dom::array arr;
  if (parser.parse(*text).get(faults) != simdjson::SUCCESS || faults.get(arr) != simdjson::SUCCESS)
    return fmt::format("DeviceList[\"{}\"] is not a JSON array", key);
  fault_masks m;
  std::size_t i = 0;
  for (element f : arr) {
    if (f.type() != element_type::OBJECT) return fmt::format("DeviceList[\"{}\"][{}] is not an object", key, i);
    std::string_view handling, level, codes_text;  // absent or null → ""
    for (auto [member, out] : {std::pair{"fault_handling", &handling}, std::pair{"fault_level", &level},
                               std::pair{"fault_code", &codes_text}}) {
      element v;
      if (f.at_key(member).get(v) != simdjson::SUCCESS || v.type() == element_type::NULL_VALUE) continue;
      if (v.get(*out) != simdjson::SUCCESS)
        return fmt::format("DeviceList[\"{}\"][{}].{} is not a string", key, i, member);
    }
    const bool sub_healthy = handling == "SubHealthFault";
    bool link_down = false;
    if (level == "NotHandleFault" || handling == "NotHandleFault") {
      std::string_view codes = codes_text;
      while (!codes.empty() && !link_down) {
        const std::size_t comma = codes.find(',');
        link_down = codes.substr(0, comma) == link_down_code;
        codes = comma == std::string_view::npos ? std::string_view() : codes.substr(comma + 1);
      }
    }
    if (sub_healthy || link_down) {
      element n;
      std::string_view name;
      if (f.at_key("npu_name").get(n) != simdjson::SUCCESS || n.get(name) != simdjson::SUCCESS)
        return fmt::format("DeviceList[\"{}\"][{}].npu_name is not a string", key, i);
      auto chip = parse_chip_name(name);
      if (!chip) return fmt::format("DeviceList[\"{}\"][{}].npu_name: \"{}\" is not a chip name", key, i, name);
      if (*chip < max_chips_per_node && (inventory & chip_bit(*chip)) != 0) {
        if (sub_healthy) m.sub_healthy |= chip_bit(*chip);
        if (link_down) m.link_down |= chip_bit(*chip);
      }
    }
    ++i;
  }
  return m;
}

}  // namespace

record_or_problem read_device_plugin_record(std::string_view text, simdjson::dom::parser& inner) {
  auto doc = parse_inner(inner, text);
  if (!doc) return std::string("DeviceInfoCfg is not valid JSON");
  if (doc->type() != element_type::OBJECT) return std::string("DeviceInfoCfg is not a JSON object");
  element info;
  if (doc->at_key("DeviceInfo").get(info) != simdjson::SUCCESS || info.type() == element_type::NULL_VALUE)
    return std::string("DeviceInfoCfg has no DeviceInfo");
  if (info.type() != element_type::OBJECT) return std::string("DeviceInfo is not an object");
  return with_check_code(read_record(info, *doc), *doc, info);
}

record_or_problem read_clusterd_record(element entry) {
  // ClusterD writes no CheckCode here; one that is present is verified all the same.
  if (entry.type() != element_type::OBJECT) return std::string("the record is not a JSON object");
  return with_check_code(read_record(entry, entry), entry, entry);
}

std::variant<chip_mask, std::string> list_mask(const device_record& r, const std::string& key, chip_mask inventory) {
  const std::string* text = find_pair(r.device_list, key);
  if (!text) return chip_mask{0};
  auto list = parse_chip_list(*text);
  if (list.bad) return fmt::format("DeviceList[\"{}\"]: \"{}\" is not a chip name", key, *list.bad);
  chip_mask m = 0;
  for (int c : list.chips)
    if (c < max_chips_per_node && (inventory & chip_bit(c)) != 0) m |= chip_bit(c);
  return m;
}

std::optional<node_problem> read_device_lists(const device_record& r, node_spec& s) {
  s.super_pod_id = r.super_pod_id;
  s.rack_id = r.rack_id;
  s.server_index = r.server_index;
  const std::string main_key(npu_resource);
  const std::pair<const char*, chip_mask*> lists[] = {
      {"-Unhealthy", &s.unhealthy}, {"-Recovering", &s.recovering}, {"-NetworkUnhealthy", &s.network_unhealthy}};
  for (const auto& [suffix, out] : lists) {
    auto m = list_mask(r, main_key + suffix, s.inventory);
    if (auto* msg = std::get_if<std::string>(&m)) return node_problem{"bad_device_info", *msg};
    *out = std::get<chip_mask>(m);
  }
  s.network_health_known = find_pair(r.device_list, main_key + "-NetworkUnhealthy") != nullptr;
  auto faults = read_fault_masks(r, main_key + "-Fault", s.inventory);
  if (auto* msg = std::get_if<std::string>(&faults)) return node_problem{"bad_device_info", *msg};
  s.sub_healthy = std::get<fault_masks>(faults).sub_healthy;
  s.link_down = std::get<fault_masks>(faults).link_down;
  return std::nullopt;
}

std::variant<device_record, excluded_node> choose_record(const std::string& node, const node_inputs& in,
                                                         std::vector<untrusted_record>& untrusted) {
  struct candidate {
    std::string source;
    const record_or_problem* r;
  };
  auto report = [&](const candidate& c) {
    if (auto* d = std::get_if<distrusted>(c.r)) untrusted.push_back(untrusted_record{node, "device-info", c.source, d->message});
  };
  auto read_dp = [&]() -> std::optional<candidate> {
    if (!in.device_plugin || !in.device_plugin->device) return std::nullopt;
    candidate c{in.device_plugin->source(), &*in.device_plugin->device};
    report(c);
    return c;
  };
  auto read_cd = [&]() -> std::optional<candidate> {
    // A node in two shards (a stale shard not yet emptied): the newer record, ties → first shard.
    // An unreadable entry wins (fail closed); a distrusted one only when there is nothing else.
    std::optional<candidate> best;
    for (const auto& [shard, r] : in.clusterd) {
      candidate c{"mindx-dl/" + *shard, r};
      report(c);
      bool take = false;
      if (!best) take = true;
      else if (std::holds_alternative<distrusted>(*c.r)) take = false;
      else if (std::holds_alternative<distrusted>(*best->r)) take = true;
      else if (std::holds_alternative<std::string>(*best->r)) take = false;
      else if (std::holds_alternative<std::string>(*c.r)) take = true;
      else take = std::get<device_record>(*c.r).update_time > std::get<device_record>(*best->r).update_time;
      if (take) best = std::move(c);
    }
    return best;
  };
  auto is_distrusted = [](const std::optional<candidate>& c) { return c && std::holds_alternative<distrusted>(*c->r); };
  auto excluded = [&](std::string reason, std::string message) {
    return excluded_node{node, std::move(reason), std::move(message)};
  };
  auto unreadable = [&](const candidate& c) {
    return excluded("bad_device_info",
                    fmt::format("device-info record in {} is unreadable: {}", c.source, std::get<std::string>(*c.r)));
  };
  auto untrusted_only = [&](const std::string& sources) {
    return excluded("untrusted_device_info",
                    fmt::format("the device-info record in {} fails its CheckCode and no other source has a "
                                "trusted, readable record",
                                sources));
  };
  const init_params& p = *in.params;
  if (p.use_cluster_info_manager_set) {
    std::optional<candidate> chosen = p.use_cluster_info_manager ? read_cd() : read_dp();
    if (!chosen) {
      if (p.use_cluster_info_manager)
        return excluded("no_device_info",
                        fmt::format("no mindx-dl-deviceinfo-{} entry in any mindx-dl/cluster-info-device-* "
                                    "ConfigMap (init-params useClusterInfoManager is on)",
                                    node));
      return excluded("no_device_info", fmt::format("no ConfigMap kube-system/mindx-dl-deviceinfo-{} with "
                                                    "DeviceInfoCfg (init-params useClusterInfoManager is false)",
                                                    node));
    }
    if (is_distrusted(chosen)) {
      // The other source is read only now, as a fallback.
      auto other = p.use_cluster_info_manager ? read_dp() : read_cd();
      if (other && std::holds_alternative<device_record>(*other->r)) return std::get<device_record>(*other->r);
      return untrusted_only(chosen->source);
    }
    if (std::holds_alternative<std::string>(*chosen->r)) return unreadable(*chosen);
    return std::get<device_record>(*chosen->r);
  }
  auto dp = read_dp();
  auto cd = read_cd();
  if (!dp && !cd)
    return excluded("no_device_info",
                    fmt::format("no device-info record: neither ConfigMap kube-system/mindx-dl-deviceinfo-{0} "
                                "nor an entry mindx-dl-deviceinfo-{0} in mindx-dl/cluster-info-device-*",
                                node));
  if (is_distrusted(dp) || is_distrusted(cd)) {
    std::string sources;
    for (const auto* c : {&dp, &cd})
      if (is_distrusted(*c)) sources += (sources.empty() ? "" : " and ") + (*c)->source;
    if (is_distrusted(dp)) dp.reset();
    if (is_distrusted(cd)) cd.reset();
    if (!dp && !cd) return untrusted_only(sources);
  }
  // Fail closed: an unreadable record might be the newer one.
  if (dp && std::holds_alternative<std::string>(*dp->r)) return unreadable(*dp);
  if (cd && std::holds_alternative<std::string>(*cd->r)) return unreadable(*cd);
  if (cd && (!dp || std::get<device_record>(*cd->r).update_time >= std::get<device_record>(*dp->r).update_time))
    return std::get<device_record>(*cd->r);
  return std::get<device_record>(*dp->r);
}

}  // namespace npusched::k8s::detail
