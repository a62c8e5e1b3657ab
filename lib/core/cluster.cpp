#include "npusched/cluster.hpp"

#include <algorithm>
#include <array>
#include <numeric>

#include <fmt/format.h>

namespace npusched {

namespace {

std::string mask_list(chip_mask m) {
  std::string out;
  for (int c : chips_of(m)) out += (out.empty() ? "" : ",") + std::to_string(c);
  return out;
}

std::optional<error> check_mask(std::string_view field, chip_mask m, chip_mask inventory, const node_spec& n) {
  if ((m & ~inventory) == 0) return std::nullopt;
  return error{std::string(field), fmt::format("chips {} are not in the inventory of node {}",
                                               mask_list(m & ~inventory), n.name)};
}

// Index of `s` in the sorted vector `v`, if present.
std::optional<std::size_t> index_of(const std::vector<std::string>& v, std::string_view s) {
  auto it = std::lower_bound(v.begin(), v.end(), s);
  if (it == v.end() || *it != s) return std::nullopt;
  return static_cast<std::size_t>(it - v.begin());
}

}  // namespace

bool tolerates(const toleration& t, const taint& x) noexcept {
  if (!t.effect.empty() && t.effect != x.effect) return false;
  if (t.op == "Exists") return t.key.empty() || t.key == x.key;
  return t.key == x.key && t.value == x.value;
}

std::optional<error> validate_node(const node_spec& n) {
  if (n.name.empty()) return error{"name", "must not be empty"};
  const int max = max_chips(n.type);
  const chip_mask allowed = first_chips(max);
  if ((n.inventory & ~allowed) != 0) {
    if (max == 0)
      return error{"inventory", fmt::format("node {} has no accelerator-type but lists chips {}", n.name,
                                            mask_list(n.inventory))};
    return error{"inventory", fmt::format("chips {} are out of range for {} (0..{})", mask_list(n.inventory & ~allowed),
                                          to_string(n.type), max - 1)};
  }
  if (auto e = check_mask("unhealthy", n.unhealthy, n.inventory, n)) return e;
  if (auto e = check_mask("recovering", n.recovering, n.inventory, n)) return e;
  if (auto e = check_mask("network_unhealthy", n.network_unhealthy, n.inventory, n)) return e;
  if (auto e = check_mask("sub_healthy", n.sub_healthy, n.inventory, n)) return e;
  if (auto e = check_mask("link_down", n.link_down, n.inventory, n)) return e;
  chip_mask held = 0;
  for (std::size_t i = 0; i < n.in_use.size(); ++i) {
    const int chip = n.in_use[i].chip;
    const std::string field = fmt::format("in_use[{}].chip", i);
    if (chip < 0 || chip >= max || (n.inventory & chip_bit(chip)) == 0)
      return error{field, fmt::format("chip {} is not in the inventory of node {}", chip, n.name)};
    if ((held & chip_bit(chip)) != 0)
      return error{field, fmt::format("chip {} of node {} is held twice", chip, n.name)};
    held |= chip_bit(chip);
  }
  if (n.npu_allocatable > max)
    return error{"npu_allocatable", fmt::format("{} exceeds the {} chips of a {} node", n.npu_allocatable, max,
                                                to_string(n.type))};
  if (n.npu_requested < 0) return error{"npu_requested", fmt::format("{} is negative", n.npu_requested)};
  if (n.cpu_allocatable_milli < 0) return error{"cpu_allocatable_milli", "is negative"};
  if (n.memory_allocatable_bytes < 0) return error{"memory_allocatable_bytes", "is negative"};
  if (n.cpu_requested_milli < 0) return error{"cpu_requested_milli", "is negative"};
  if (n.memory_requested_bytes < 0) return error{"memory_requested_bytes", "is negative"};
  for (std::size_t i = 0; i < n.labels.size(); ++i)
    if (n.labels[i].first.empty()) return error{fmt::format("labels[{}]", i), "empty label key"};
  for (std::size_t i = 0; i < n.taints.size(); ++i) {
    const auto& t = n.taints[i];
    if (t.key.empty()) return error{fmt::format("taints[{}].key", i), "must not be empty"};
    if (t.effect != "NoSchedule" && t.effect != "PreferNoSchedule" && t.effect != "NoExecute")
      return error{fmt::format("taints[{}].effect", i),
                   fmt::format("\"{}\" is not NoSchedule, PreferNoSchedule or NoExecute", t.effect)};
  }
  return std::nullopt;
}

label_id cluster::intern_key(const std::string& key) {
  auto [it, fresh] = key_ids_.emplace(key, static_cast<label_id>(key_ids_.size()));
  if (fresh) {
    label_columns_.emplace_back(names_.size(), label_id{0});
    key_uses_.push_back(0);
  }
  return it->second;
}

label_id cluster::intern_value(const std::string& value) {
  auto [it, fresh] = value_ids_.emplace(value, static_cast<label_id>(label_values_.size() + 1));
  if (fresh) {
    label_values_.push_back(value);
    value_uses_.push_back(0);
  }
  return it->second;
}

// Writes `n` into the columns at `id` (they exist); `n` is moved from.
void cluster::set_node(std::size_t id, node_spec& n) {
  types_[id] = n.type;
  health_[id] = n.health;
  schedulable_[id] = n.schedulable ? 1 : 0;
  super_pod_[id] = n.super_pod_id < 0 ? -1 : n.super_pod_id;
  rack_[id] = n.rack_id;
  server_index_[id] = n.server_index;
  inventory_[id] = n.inventory;
  unhealthy_[id] = n.unhealthy;
  recovering_[id] = n.recovering;
  net_unhealthy_[id] = n.network_unhealthy;
  sub_healthy_[id] = n.sub_healthy;
  link_down_[id] = n.link_down;
  net_known_[id] = n.network_health_known ? 1 : 0;
  std::sort(n.in_use.begin(), n.in_use.end(), [](const chip_holder& a, const chip_holder& b) { return a.chip < b.chip; });
  chip_mask held = 0;
  auto& holders = holders_[id];
  holders.clear();
  holders.reserve(n.in_use.size());
  for (auto& h : n.in_use) {
    held |= chip_bit(h.chip);
    holders.emplace_back(h.chip, std::move(h.pod));
  }
  in_use_[id] = held;
  auto& taints = taints_[id];
  taints.clear();
  for (auto& t : n.taints)
    if (t.effect != "PreferNoSchedule") taints.push_back(std::move(t));
  npu_alloc_[id] = n.npu_allocatable < 0 ? chip_count(n.inventory & ~n.unhealthy) : n.npu_allocatable;
  npu_req_[id] = n.npu_requested;
  cpu_alloc_[id] = n.cpu_allocatable_milli;
  mem_alloc_[id] = n.memory_allocatable_bytes;
  cpu_req_[id] = n.cpu_requested_milli;
  mem_req_[id] = n.memory_requested_bytes;
  for (std::size_t key = 0; key < label_columns_.size(); ++key) {
    label_id& v = label_columns_[key][id];
    if (v == 0) continue;
    --key_uses_[key];
    --value_uses_[v - 1];
    v = 0;
  }
  for (const auto& [k, v] : n.labels) {
    const label_id key = intern_key(k);
    const label_id value = intern_value(v);
    label_id& slot = label_columns_[key][id];
    if (slot != 0) {  // a repeated key: the last value counts
      --key_uses_[key];
      --value_uses_[slot - 1];
    }
    slot = value;
    ++key_uses_[key];
    ++value_uses_[value - 1];
  }
}

// The filter loop's columns in type order (see `type_ordered_columns`).
void cluster::build_type_order() {
  const std::size_t count = names_.size();
  type_ordered_columns& bt = by_type_;
  bt = type_ordered_columns{};
  for (accelerator_type t : types_) ++bt.type_begin[static_cast<std::size_t>(t) + 1];
  for (std::size_t t = 1; t < bt.type_begin.size(); ++t) bt.type_begin[t] += bt.type_begin[t - 1];
  std::array<std::uint32_t, accelerator_type_count> next{};
  std::copy(bt.type_begin.begin(), bt.type_begin.end() - 1, next.begin());
  type_position_.resize(count);
  bt.node.resize(count);
  for (std::uint32_t id = 0; id < count; ++id) {
    const std::uint32_t p = next[static_cast<std::size_t>(types_[id])]++;
    type_position_[id] = p;
    bt.node[p] = node_id{id};
  }
  bt.facts.resize(count);
  bt.givable.resize(count);
  bt.network_unhealthy.resize(count);
  bt.unhealthy_count.resize(count);
  bt.npu_allocatable.resize(count);
  for (std::uint32_t id = 0; id < count; ++id) set_type_columns(id);
}

// Copies node `id`'s filter facts into its type-order position.
void cluster::set_type_columns(std::uint32_t id) {
  type_ordered_columns& bt = by_type_;
  const std::uint32_t p = type_position_[id];
  bt.facts[p] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(health_[id]) |
                                          (schedulable_[id] != 0 ? 0 : filter_fact::cordoned) |
                                          (sub_healthy_[id] != 0 ? filter_fact::sub_healthy_chips : 0) |
                                          (net_known_[id] != 0 ? 0 : filter_fact::network_unknown) |
                                          (!taints_[id].empty() ? filter_fact::hard_taints : 0));
  bt.givable[p] = inventory_[id] & ~(unhealthy_[id] | recovering_[id]);
  bt.network_unhealthy[p] = net_unhealthy_[id];
  bt.unhealthy_count[p] = static_cast<std::uint8_t>(chip_count(unhealthy_[id]));
  bt.npu_allocatable[p] = npu_alloc_[id];
}

result<cluster> build_cluster(std::vector<node_spec> nodes) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (auto e = validate_node(nodes[i])) return error{fmt::format("nodes[{}].{}", i, e->path), e->message};
  }
  std::vector<std::size_t> order(nodes.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return nodes[a].name < nodes[b].name; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (nodes[order[i]].name == nodes[order[i - 1]].name)
      return error{fmt::format("nodes[{}].name", std::max(order[i], order[i - 1])),
                   fmt::format("duplicate node name {}", nodes[order[i]].name)};
  }

  cluster c;
  const std::size_t count = nodes.size();
  c.names_.reserve(count);
  for (std::size_t id = 0; id < count; ++id) c.names_.push_back(nodes[order[id]].name);
  c.types_.resize(count);
  c.health_.resize(count);
  c.schedulable_.resize(count);
  c.super_pod_.resize(count);
  c.rack_.resize(count);
  c.server_index_.resize(count);
  for (auto* m : {&c.inventory_, &c.unhealthy_, &c.recovering_, &c.net_unhealthy_, &c.sub_healthy_, &c.link_down_,
                  &c.in_use_})
    m->resize(count);
  c.net_known_.resize(count);
  c.npu_alloc_.resize(count);
  c.npu_req_.resize(count);
  for (auto* v : {&c.cpu_alloc_, &c.mem_alloc_, &c.cpu_req_, &c.mem_req_}) v->resize(count);
  c.holders_.resize(count);
  c.taints_.resize(count);
  for (std::size_t id = 0; id < count; ++id) c.set_node(id, nodes[order[id]]);
  c.build_type_order();
  return c;
}

std::optional<error> cluster::update_node(node_id n, node_spec spec) {
  if (n.value >= names_.size()) return error{"", fmt::format("node id {} is out of range", n.value)};
  if (spec.name != names_[n.value])
    return error{"name", fmt::format("{} is not the name of node {} ({})", spec.name, n.value, names_[n.value])};
  if (auto e = validate_node(spec)) return e;
  const accelerator_type before = types_[n.value];
  set_node(n.value, spec);
  if (types_[n.value] != before) build_type_order();  // the node moves in the type order: O(nodes)
  else set_type_columns(n.value);
  return std::nullopt;
}

std::optional<node_id> cluster::find(std::string_view name) const {
  auto i = index_of(names_, name);
  if (!i) return std::nullopt;
  return node_id{static_cast<std::uint32_t>(*i)};
}

std::string_view cluster::holder(node_id n, int chip) const {
  const auto& holders = holders_[n.value];
  auto it = std::lower_bound(holders.begin(), holders.end(), chip, [](const auto& h, int c) { return h.first < c; });
  if (it == holders.end() || it->first != chip) return {};
  return it->second;
}

std::optional<std::string_view> cluster::label(node_id n, std::string_view key) const {
  auto k = key_ids_.find(key);
  if (k == key_ids_.end()) return std::nullopt;
  const label_id v = label_columns_[k->second][n.value];
  if (v == 0) return std::nullopt;
  return std::string_view(label_values_[v - 1]);
}

selector cluster::resolve(std::span<const std::pair<std::string, std::string>> node_selector) const {
  selector s;
  for (const auto& [key, value] : node_selector) {
    auto k = key_ids_.find(key);
    auto v = value_ids_.find(value);
    if (k == key_ids_.end() || v == value_ids_.end() || key_uses_[k->second] == 0 ||
        value_uses_[v->second - 1] == 0) {
      s.impossible = true;
      s.terms.clear();
      return s;
    }
    s.terms.emplace_back(k->second, v->second);
  }
  return s;
}

}  // namespace npusched
