#include "npusched/cluster.hpp"

#include <algorithm>
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

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
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
  c.holder_begin_.reserve(count + 1);
  c.taint_begin_.reserve(count + 1);

  std::vector<std::string> keys, values;
  for (const auto& n : nodes)
    for (const auto& [k, v] : n.labels) {
      keys.push_back(k);
      values.push_back(v);
    }
  sort_unique(keys);
  sort_unique(values);
  c.label_keys_ = std::move(keys);
  c.label_values_ = std::move(values);
  c.label_columns_.assign(c.label_keys_.size(), std::vector<label_id>(count, 0));

  for (std::size_t id = 0; id < count; ++id) {
    node_spec& n = nodes[order[id]];
    c.names_.push_back(std::move(n.name));
    c.types_.push_back(n.type);
    c.health_.push_back(n.health);
    c.schedulable_.push_back(n.schedulable ? 1 : 0);
    c.super_pod_.push_back(n.super_pod_id < 0 ? -1 : n.super_pod_id);
    c.rack_.push_back(n.rack_id);
    c.server_index_.push_back(n.server_index);
    c.inventory_.push_back(n.inventory);
    c.unhealthy_.push_back(n.unhealthy);
    c.recovering_.push_back(n.recovering);
    c.net_unhealthy_.push_back(n.network_unhealthy);
    c.sub_healthy_.push_back(n.sub_healthy);
    c.link_down_.push_back(n.link_down);
    c.net_known_.push_back(n.network_health_known ? 1 : 0);
    chip_mask held = 0;
    c.holder_begin_.push_back(static_cast<std::uint32_t>(c.holders_.size()));
    std::sort(n.in_use.begin(), n.in_use.end(), [](const chip_holder& a, const chip_holder& b) { return a.chip < b.chip; });
    for (auto& h : n.in_use) {
      held |= chip_bit(h.chip);
      c.holders_.emplace_back(h.chip, std::move(h.pod));
    }
    c.in_use_.push_back(held);
    c.taint_begin_.push_back(static_cast<std::uint32_t>(c.taints_.size()));
    for (auto& t : n.taints)
      if (t.effect != "PreferNoSchedule") c.taints_.push_back(std::move(t));
    c.npu_alloc_.push_back(n.npu_allocatable < 0 ? chip_count(n.inventory & ~n.unhealthy) : n.npu_allocatable);
    c.npu_req_.push_back(n.npu_requested);
    c.cpu_alloc_.push_back(n.cpu_allocatable_milli);
    c.mem_alloc_.push_back(n.memory_allocatable_bytes);
    c.cpu_req_.push_back(n.cpu_requested_milli);
    c.mem_req_.push_back(n.memory_requested_bytes);
    for (const auto& [k, v] : n.labels) {
      const auto key = *index_of(c.label_keys_, k);
      c.label_columns_[key][id] = static_cast<label_id>(*index_of(c.label_values_, v) + 1);
    }
  }
  c.holder_begin_.push_back(static_cast<std::uint32_t>(c.holders_.size()));
  c.taint_begin_.push_back(static_cast<std::uint32_t>(c.taints_.size()));
  // The filter loop's columns in type order.
  type_ordered_columns& bt = c.by_type_;
  for (accelerator_type t : c.types_) ++bt.type_begin[static_cast<std::size_t>(t) + 1];
  for (std::size_t t = 1; t < bt.type_begin.size(); ++t) bt.type_begin[t] += bt.type_begin[t - 1];
  std::array<std::uint32_t, accelerator_type_count> next{};
  std::copy(bt.type_begin.begin(), bt.type_begin.end() - 1, next.begin());
  c.type_position_.resize(count);
  bt.node.resize(count);
  for (std::uint32_t id = 0; id < count; ++id) {
    const std::uint32_t p = next[static_cast<std::size_t>(c.types_[id])]++;
    c.type_position_[id] = p;
    bt.node[p] = node_id{id};
  }
  bt.facts.resize(count);
  bt.givable.resize(count);
  bt.network_unhealthy.resize(count);
  bt.unhealthy_count.resize(count);
  bt.npu_allocatable.resize(count);
  for (std::uint32_t p = 0; p < count; ++p) {
    const std::uint32_t id = bt.node[p].value;
    const bool hard_taints = c.taint_begin_[id + 1] != c.taint_begin_[id];
    bt.facts[p] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(c.health_[id]) |
                                            (c.schedulable_[id] != 0 ? 0 : filter_fact::cordoned) |
                                            (c.sub_healthy_[id] != 0 ? filter_fact::sub_healthy_chips : 0) |
                                            (c.net_known_[id] != 0 ? 0 : filter_fact::network_unknown) |
                                            (hard_taints ? filter_fact::hard_taints : 0));
    bt.givable[p] = c.inventory_[id] & ~(c.unhealthy_[id] | c.recovering_[id]);
    bt.network_unhealthy[p] = c.net_unhealthy_[id];
    bt.unhealthy_count[p] = static_cast<std::uint8_t>(chip_count(c.unhealthy_[id]));
    bt.npu_allocatable[p] = c.npu_alloc_[id];
  }
  return c;
}

std::optional<node_id> cluster::find(std::string_view name) const {
  auto i = index_of(names_, name);
  if (!i) return std::nullopt;
  return node_id{static_cast<std::uint32_t>(*i)};
}

std::string_view cluster::holder(node_id n, int chip) const {
  const auto first = holders_.begin() + holder_begin_[n.value];
  const auto last = holders_.begin() + holder_begin_[n.value + 1];
  auto it = std::lower_bound(first, last, chip, [](const auto& h, int c) { return h.first < c; });
  if (it == last || it->first != chip) return {};
  return it->second;
}

std::optional<std::string_view> cluster::label(node_id n, std::string_view key) const {
  auto k = index_of(label_keys_, key);
  if (!k) return std::nullopt;
  const label_id v = label_columns_[*k][n.value];
  if (v == 0) return std::nullopt;
  return std::string_view(label_values_[v - 1]);
}

selector cluster::resolve(std::span<const std::pair<std::string, std::string>> node_selector) const {
  selector s;
  for (const auto& [key, value] : node_selector) {
    auto k = index_of(label_keys_, key);
    auto v = index_of(label_values_, value);
    if (!k || !v) {
      s.impossible = true;
      s.terms.clear();
      return s;
    }
    s.terms.emplace_back(static_cast<label_id>(*k), static_cast<label_id>(*v + 1));
  }
  return s;
}

}  // namespace npusched
