// Nodes: reading a Node object (with its baseDeviceInfos annotation, parsed
// once) and the node decision that joins it with its MindCluster reports and
// bound pods. The rules are in docs/kubernetes.md; comments say why.

#include <algorithm>
#include <climits>
#include <limits>
#include <unordered_set>

#include <fmt/format.h>

#include "detail.hpp"
#include "objects.hpp"

namespace npusched::k8s::detail {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::string_view soft_share_label = "huawei.com/scheduler.chip1softsharedev.enable";
/// Holder of chips the device plugin reports as taken when no bound pod claims them.
constexpr std::string_view device_plugin_holder = "(device-plugin)";

/// The `baseDeviceInfos` annotation: chip entries and the first problem that
/// does not depend on the node's accelerator type.
base_device_infos read_base_infos(std::string_view text, simdjson::dom::parser& inner) {
  base_device_infos out;
  auto problem = [&](std::string reason, std::string message) {
    out.problem = node_problem{std::move(reason), std::move(message)};
    return out;
  };
  auto doc = parse_inner(inner, text);
  simdjson::dom::object obj;
  if (!doc) {
    // A chip listed twice is a reason of its own: the checked parse refuses
    // any repeated key, so look for the first one met a second time.
    simdjson::dom::object raw;
    if (inner.parse(text.data(), text.size(), true).get(raw) == simdjson::SUCCESS) {
      std::unordered_set<std::string_view> keys;
      for (auto f : raw)
        if (!keys.insert(f.key).second)
          return problem("duplicate_chip", fmt::format("baseDeviceInfos lists \"{}\" more than once", f.key));
    }
  }
  if (!doc || doc->get(obj) != simdjson::SUCCESS)
    return problem("bad_device_info", "the baseDeviceInfos annotation is not a JSON object");
  chip_mask taken = 0;
  // Entries in key order, so the problem reported is the one of the
  // smallest offending key whatever the document order.
  std::vector<std::pair<std::string_view, element>> fields;
  for (auto f : obj) fields.emplace_back(f.key, f.value);
  std::sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, value] : fields) {
    if (std::count(name.begin(), name.end(), '-') >= 2) continue;  // vNPU template entries
    auto chip = parse_chip_name(name);
    if (!chip)
      return problem("bad_chip_name", fmt::format("baseDeviceInfos entry \"{}\" is not a chip name Ascend910-N", name));
    base_device_infos::entry e{std::string(name), *chip, {}};
    if (*chip >= max_chips_per_node) {  // out of range for every type: judged with the type
      out.entries.push_back(std::move(e));
      return out;
    }
    if ((taken & chip_bit(*chip)) != 0) {
      out.entries.push_back(std::move(e));  // the range check on this entry comes first
      out.problem = node_problem{"duplicate_chip", fmt::format("baseDeviceInfos names chip {} twice (\"{}\")", *chip, name)};
      out.entries.back().chip = -1 - *chip;  // marks the repeat: only its range is judged
      return out;
    }
    if (value.type() != element_type::OBJECT) {
      out.entries.push_back(std::move(e));
      out.entries.back().chip = -1 - *chip;
      out.problem = node_problem{"bad_device_info", fmt::format("baseDeviceInfos entry \"{}\" is not an object", name)};
      return out;
    }
    element ip, sd;
    if (value.at_key("IP").get(ip) == simdjson::SUCCESS && ip.type() != element_type::NULL_VALUE) {
      std::string_view s;
      if (ip.get(s) != simdjson::SUCCESS) {
        out.entries.push_back(std::move(e));
        out.entries.back().chip = -1 - *chip;
        out.problem = node_problem{"bad_device_info", fmt::format("baseDeviceInfos entry \"{}\": IP is not a string", name)};
        return out;
      }
      e.device.ip = std::string(s);
    }
    if (value.at_key("SuperDeviceID").get(sd) == simdjson::SUCCESS && sd.type() != element_type::NULL_VALUE) {
      std::uint64_t v = 0;
      const bool integer = sd.type() == element_type::INT64 || sd.type() == element_type::UINT64;
      if (!integer || sd.get(v) != simdjson::SUCCESS || v > UINT32_MAX) {
        out.entries.push_back(std::move(e));
        out.entries.back().chip = -1 - *chip;
        out.problem = node_problem{"bad_device_info",
                                   fmt::format("baseDeviceInfos entry \"{}\": SuperDeviceID is not a uint32", name)};
        return out;
      }
      e.device.super_device_id = static_cast<std::uint32_t>(v);
    }
    taken |= chip_bit(*chip);
    out.entries.push_back(std::move(e));
  }
  return out;
}

/// The inventory and device data, judged against the node's type.
std::optional<node_problem> check_inventory(const base_device_infos& b, std::string_view label, node_spec& s,
                                            node_extra& x) {
  const int max = max_chips(s.type);
  for (const auto& e : b.entries) {
    const int chip = e.chip < 0 ? -1 - e.chip : e.chip;
    if (chip >= max)
      return node_problem{"chip_out_of_range", fmt::format("baseDeviceInfos entry \"{}\" is out of range for {} (0..{})",
                                                           e.name, label, max - 1)};
    if (e.chip < 0) break;  // the entry the type-independent problem is about
    s.inventory |= chip_bit(chip);
    x.devices.emplace(chip, e.device);
  }
  if (b.problem) return b.problem;
  x.device_count = static_cast<int>(x.devices.size());
  return std::nullopt;
}

node_health health_of(const node_object& n) {
  node_health h = node_health::healthy;
  if (const auto& s = n.health_annotation) {
    if (*s == "UnHealthy") h = node_health::unhealthy;
    else if (*s == "PreSeparate") h = node_health::pre_separate;
    else if (*s == "SubHealthy") h = node_health::sub_healthy;
  }
  if (n.ready != "True") h = node_health::not_ready;
  return h;
}

/// Self-maintained free list: the chips held are those the bound pods' annotations name.
std::optional<node_problem> read_holders(const std::vector<const pod_object*>& bound, node_spec& s) {
  std::map<int, const pod_object*> claimed;
  for (const pod_object* p : bound) {
    std::string_view key;
    auto list = pod_chips(*p, &key);
    if (list.bad)
      return node_problem{"bad_device_info",
                          fmt::format("pod {} annotation {}: \"{}\" is not a chip name", p->full, key, *list.bad)};
    std::sort(list.chips.begin(), list.chips.end());
    list.chips.erase(std::unique(list.chips.begin(), list.chips.end()), list.chips.end());
    for (int c : list.chips) {
      if (c >= max_chips_per_node || (s.inventory & chip_bit(c)) == 0) continue;  // not ours to judge
      auto [it, fresh] = claimed.emplace(c, p);
      if (!fresh)
        return node_problem{"chip_conflict", fmt::format("chip {} is claimed by pods {} and {}", chip_name(c),
                                                         it->second->full, p->full)};
    }
  }
  for (const auto& [c, p] : claimed) s.in_use.push_back(chip_holder{c, p->full});
  return std::nullopt;
}

/// The device plugin's free list taken verbatim: every other healthy chip is
/// held, by the first bound pod whose annotation names it, else by `(device-plugin)`.
std::optional<node_problem> read_holders_verbatim(const device_record& r, const std::vector<const pod_object*>& bound,
                                                  node_spec& s) {
  const std::string main_key(npu_resource);
  if (!find_pair(r.device_list, main_key))
    return node_problem{"bad_device_info", fmt::format("DeviceList has no \"{}\" free list (init-params "
                                                       "self-maintain-available-card is false)", main_key)};
  auto free = list_mask(r, main_key, s.inventory);
  if (auto* msg = std::get_if<std::string>(&free)) return node_problem{"bad_device_info", *msg};
  const chip_mask held = s.inventory & ~(std::get<chip_mask>(free) | s.unhealthy | s.recovering);
  std::map<int, std::string> names;
  for (const pod_object* p : bound)
    for (int c : pod_chips(*p).chips) names.emplace(c, p->full);
  for (int c : chips_of(held)) {
    auto nm = names.find(c);
    s.in_use.push_back(chip_holder{c, nm != names.end() ? nm->second : std::string(device_plugin_holder)});
  }
  return std::nullopt;
}

}  // namespace

node_object read_node(const json_view& item, simdjson::dom::parser& inner) {
  node_object n;
  n.m = read_meta(item, "");
  const auto md = *opt_object(item, "metadata");
  n.labels = opt_string_map(md, "labels");
  if (auto ann = member(md, "annotations")) {
    for_each_string(*ann, [&](std::string_view k, std::string_view v, const json_view&) {
      if (k == "NodeHealthyStatus") n.health_annotation = std::string(v);
      else if (k == "baseDeviceInfos") n.base_infos = read_base_infos(v, inner);
    });
  }
  if (auto spec = opt_object(item, "spec")) {
    n.unschedulable = opt_bool(*spec, "unschedulable").value_or(false);
    if (auto arr = opt_array(*spec, "taints")) {
      std::size_t i = 0;
      for (element e : simdjson::dom::array(arr->value)) {
        const json_view t = element_at(*arr, e, i++);
        expect_object(t);
        n.taints.push_back(taint{std::string(opt_string(t, "key").value_or("")),
                                 std::string(opt_string(t, "value").value_or("")),
                                 std::string(opt_string(t, "effect").value_or(""))});
      }
    }
  }
  if (auto status = opt_object(item, "status")) {
    if (auto cap = opt_object(*status, "capacity")) n.npu_capacity = opt_quantity_text(*cap, npu_resource);
    if (auto alloc = opt_object(*status, "allocatable")) {
      n.npu_allocatable = opt_quantity_text(*alloc, npu_resource);
      n.cpu_milli = opt_scaled_quantity(*alloc, "cpu", 3).value_or(0);
      n.memory_bytes = opt_scaled_quantity(*alloc, "memory", 0).value_or(0);
    }
    if (auto conds = opt_array(*status, "conditions")) {
      std::size_t i = 0;
      for (element e : simdjson::dom::array(conds->value)) {
        const json_view c = element_at(*conds, e, i++);
        expect_object(c);
        if (opt_string(c, "type") == "Ready" && !n.ready) n.ready = std::string(opt_string(c, "status").value_or(""));
      }
    }
    if (auto addrs = opt_array(*status, "addresses")) {
      std::size_t i = 0;
      for (element e : simdjson::dom::array(addrs->value)) {
        const json_view a = element_at(*addrs, e, i++);
        expect_object(a);
        if (opt_string(a, "type") == "InternalIP" && n.internal_ip.empty())
          n.internal_ip = std::string(opt_string(a, "address").value_or(""));
      }
    }
  }
  return n;
}

std::variant<decoded_node, excluded_node> decode_node(const node_object& n, const node_inputs& in,
                                                      std::vector<untrusted_record>& untrusted) {
  decoded_node out;
  node_spec& s = out.spec;
  s.name = n.m.name;
  s.labels = n.labels;
  // Worst wins: the Node's own annotation and Ready condition, NodeD, the switch.
  s.health = std::max({health_of(n), reported_health(n.m.name, false, in, untrusted),
                       reported_health(n.m.name, true, in, untrusted)});
  s.schedulable = !n.unschedulable;
  s.taints = n.taints;
  s.cpu_allocatable_milli = n.cpu_milli;
  s.memory_allocatable_bytes = n.memory_bytes;
  out.extra.internal_ip = n.internal_ip;
  auto excluded = [&](node_problem p) -> std::variant<decoded_node, excluded_node> {
    return excluded_node{n.m.name, std::move(p.reason), std::move(p.message)};
  };

  std::int64_t npu_requested = 0;
  for (const pod_object* p : in.bound) {
    npu_requested = add_saturating(npu_requested, p->npus);
    s.cpu_requested_milli = add_saturating(s.cpu_requested_milli, p->cpu_milli);
    s.memory_requested_bytes = add_saturating(s.memory_requested_bytes, p->memory_bytes);
  }
  s.npu_requested = static_cast<int>(std::min<std::int64_t>(npu_requested, INT_MAX));

  const std::string* label = find_pair(n.labels, "accelerator-type");
  const bool has_npu_data = n.npu_capacity || n.npu_allocatable || n.base_infos;
  if (!label && !has_npu_data) {
    s.type = accelerator_type::none;  // a CPU node: a candidate for 0-NPU pods only
  } else {
    if (!label)
      return excluded({"missing_accelerator_type",
                       "the node reports NPUs (huawei.com/Ascend910 capacity or baseDeviceInfos) but has no "
                       "accelerator-type label"});
    auto type = parse_accelerator_type(*label);
    if (!type)
      return excluded({"unknown_accelerator_type",
                       fmt::format("accelerator-type \"{}\" is not a supported topology", *label)});
    s.type = *type;

    const int max = max_chips(s.type);
    for (auto [field, text] : {std::pair{"capacity", &n.npu_capacity}, std::pair{"allocatable", &n.npu_allocatable}}) {
      if (!*text) continue;
      auto k = npu_count(**text);
      if (auto* msg = std::get_if<std::string>(&k))
        return excluded({"bad_npu_count", fmt::format("status.{}[\"{}\"]: {}", field, npu_resource, *msg)});
      if (std::get<int>(k) > max)
        return excluded({"bad_npu_count", fmt::format("status.{}[\"{}\"] {} exceeds the {} chips of a {} node", field,
                                                      npu_resource, std::get<int>(k), max, *label)});
      if (std::string_view(field) == "allocatable") s.npu_allocatable = std::get<int>(k);
    }

    if (!n.base_infos) return excluded({"no_device_info", "the node has no baseDeviceInfos annotation"});
    if (auto p = check_inventory(*n.base_infos, *label, s, out.extra)) return excluded(std::move(*p));

    auto chosen = choose_record(n.m.name, in, untrusted);
    if (auto* e = std::get_if<excluded_node>(&chosen)) return *e;
    const device_record& r = std::get<device_record>(chosen);
    if (auto p = read_device_lists(r, s)) return excluded(std::move(*p));

    const std::string* soft_share = find_pair(n.labels, soft_share_label);
    const bool self_maintain = in.params->self_maintain_available_card && !(soft_share && *soft_share == "true");
    if (auto p = self_maintain ? read_holders(in.bound, s) : read_holders_verbatim(r, in.bound, s))
      return excluded(std::move(*p));
  }

  if (auto e = validate_node(s)) return excluded({"invalid_node", e->what()});
  return out;
}

}  // namespace npusched::k8s::detail
