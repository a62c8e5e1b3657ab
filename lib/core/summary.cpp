// The cluster summary of a plan (include/npusched/summary.hpp).

#include "npusched/summary.hpp"

#include <algorithm>
#include <array>

#include "npusched/fit.hpp"

namespace npusched {

bool takes_new_pods(const cluster& c, node_id n) noexcept {
  return c.schedulable(n) && admits_new_pods(c.health(n));
}

int free_npus(const cluster& c, const placement_state& s, node_id n) noexcept {
  if (!takes_new_pods(c, n)) return 0;
  const chip_mask free = c.inventory(n) & ~(s.used(n) | c.unhealthy(n) | c.recovering(n));
  const int idle = c.npu_allocatable(n) - s.npu_requested(n);
  return std::max(0, std::min(idle, chip_count(free)));
}

cluster_summary summarize(const cluster& c, const workload& w, const plan_result& r) {
  const placement_state before(c);
  placement_state after(c);
  for (const binding& b : r.bindings) {
    if (b.pod >= w.pods.size() || b.node.value >= c.size()) continue;
    const pod_spec& p = w.pods[b.pod];
    chip_mask chips = 0;
    for (int chip : b.chips) chips |= chip_bit(chip);
    after.take(b.node, chips, p.npus, p.cpu_milli, p.memory_bytes);
  }

  constexpr std::size_t type_count = static_cast<std::size_t>(accelerator_type::half) + 1;
  std::array<type_summary, type_count> by_type{};
  for (std::size_t i = 0; i < c.size(); ++i) {
    const node_id n{static_cast<std::uint32_t>(i)};
    type_summary& t = by_type[static_cast<std::size_t>(c.type(n))];
    ++t.nodes;
    t.npus += chip_count(c.inventory(n));
    if (takes_new_pods(c, n))
      ++t.usable_nodes;
    else
      t.unusable.emplace_back(c.name(n));  // node ids are in name order
    t.free_npus_before += free_npus(c, before, n);
    t.free_npus_after += free_npus(c, after, n);
  }

  cluster_summary out;
  for (std::size_t i = 0; i < type_count; ++i) {
    if (by_type[i].nodes == 0) continue;
    type_summary& t = by_type[i];
    out.total.nodes += t.nodes;
    out.total.usable_nodes += t.usable_nodes;
    out.total.npus += t.npus;
    out.total.free_npus_before += t.free_npus_before;
    out.total.free_npus_after += t.free_npus_after;
    by_type[i].type = static_cast<accelerator_type>(i);
    out.types.push_back(std::move(by_type[i]));
  }
  for (std::size_t i = 0; i < c.size(); ++i)
    if (!takes_new_pods(c, node_id{static_cast<std::uint32_t>(i)}))
      out.total.unusable.emplace_back(c.name(node_id{static_cast<std::uint32_t>(i)}));
  out.pending = static_cast<int>(w.pods.size());
  out.placed = static_cast<int>(r.bindings.size());
  out.unplaced = static_cast<int>(r.unschedulable.size());
  return out;
}

}  // namespace npusched
