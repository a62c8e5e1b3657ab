/// \file metrics.cpp
/// Fragmentation metrics (docs/metrics.md). Every rule a metric needs — which
/// nodes take pods, which chips are free, which shapes are legal, which chips
/// a pod gets — is read from the functions the plan itself uses
/// (`takes_new_pods`, `free_npus`, `judge`, `pick_chips`), never restated.

#include "npusched/metrics.hpp"

#include <algorithm>
#include <map>

#include "npusched/summary.hpp"
#include "npusched/topology.hpp"

namespace npusched {
namespace {

/// Free usable chips of a node that takes new pods, and its idle NPUs.
struct node_free {
  chip_mask chips = 0;
  int idle = 0;
};

node_free free_of(const cluster& c, const placement_state& s, node_id n) {
  if (!takes_new_pods(c, n)) return {};
  return {c.inventory(n) & ~(s.used(n) | c.unhealthy(n) | c.recovering(n)),
          c.npu_allocatable(n) - s.npu_requested(n)};
}

/// Whether a standalone pod of every chip of the node's type fits now.
bool whole_node_free(accelerator_type t, const node_free& f) {
  const int all = max_chips(t);
  return f.idle >= all && judge(t, all, f.chips, false) == shape_fit::fits;
}

/// Packs pods of `sizes` (largest first) onto the free chips with the chips
/// the scheduler picks; returns how many pods of each size went on, and
/// leaves in `f` what is left.
std::vector<int> pack(accelerator_type t, node_free& f, const std::vector<int>& sizes) {
  std::vector<int> pods(sizes.size(), 0);
  for (std::size_t i = sizes.size(); i-- > 0;) {
    const int k = sizes[i];
    while (f.idle >= k && judge(t, k, f.chips, false) == shape_fit::fits) {
      for (const int chip : pick_chips(t, k, f.chips, false)) f.chips &= ~chip_bit(chip);
      f.idle -= k;
      ++pods[i];
    }
  }
  return pods;
}

/// The most of `nodes` a sum of `sizes` (each used any number of times) covers.
int coverable(int nodes, const std::vector<int>& sizes) {
  std::vector<bool> reach(static_cast<std::size_t>(nodes) + 1, false);
  reach[0] = true;
  int best = 0;
  for (int v = 1; v <= nodes; ++v) {
    for (const int b : sizes)
      if (b <= v && reach[static_cast<std::size_t>(v - b)]) {
        reach[static_cast<std::size_t>(v)] = true;
        break;
      }
    if (reach[static_cast<std::size_t>(v)]) best = v;
  }
  return best;
}

int ppm(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return 0;
  return static_cast<int>(1'000'000 - (part * 1'000'000) / whole);
}

}  // namespace

cluster_metrics measure_fragmentation(const cluster& c, const placement_state& s, const metrics_options& opt) {
  cluster_metrics out;

  // Request sizes per type present.
  std::map<accelerator_type, std::vector<int>> sizes_of;
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    const accelerator_type t = c.type(node_id{i});
    if (t != accelerator_type::none && !sizes_of.count(t)) sizes_of[t] = power_of_two_sizes(t, false);
  }
  for (const auto& r : opt.request_sizes) {
    auto it = sizes_of.find(r.type);
    if (it == sizes_of.end()) continue;
    std::vector<int> v = r.sizes;
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    it->second = v;
  }
  for (const auto& [t, v] : sizes_of) out.request_sizes.push_back({t, v});

  // Super-pods: the free whole nodes of each, and the block sizes.
  std::map<std::int32_t, superpod_metrics> pods;
  int largest_pod = 0;
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    const node_id n{i};
    if (!is_super_pod_type(c.type(n)) || c.super_pod_id(n) < 0) continue;
    superpod_metrics& p = pods[c.super_pod_id(n)];
    p.super_pod_id = c.super_pod_id(n);
    p.type = c.type(n);
    ++p.nodes;
    largest_pod = std::max(largest_pod, p.nodes);
  }
  std::vector<int> blocks = opt.block_nodes;
  if (blocks.empty())
    for (int b = 1; b <= 16; b *= 2)
      if (b == 1 || b <= largest_pod) blocks.push_back(b);
  std::sort(blocks.begin(), blocks.end());
  blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
  out.block_nodes = blocks;

  std::map<accelerator_type, type_metrics> types;
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    const node_id n{i};
    const accelerator_type t = c.type(n);
    if (t == accelerator_type::none) continue;
    type_metrics& m = types[t];
    m.type = t;
    ++m.nodes;
    if (!takes_new_pods(c, n)) continue;
    ++m.usable_nodes;
    m.free_npus += free_npus(c, s, n);
    node_free f = free_of(c, s, n);
    const bool whole = whole_node_free(t, f);
    m.free_whole_nodes += whole ? 1 : 0;
    const std::vector<int>& sizes = sizes_of[t];
    const std::vector<int> packed = pack(t, f, sizes);
    m.stranded_npus += std::max(0, std::min(f.idle, chip_count(f.chips)));
    if (!is_super_pod_type(t) && !sizes.empty()) m.largest_gang_npus += packed.back() * sizes.back();
    if (whole && is_super_pod_type(t) && c.super_pod_id(n) >= 0) {
      superpod_metrics& p = pods[c.super_pod_id(n)];
      ++p.free_whole_nodes;
      if (c.health(n) == node_health::healthy) ++p.repair_headroom;
    }
  }

  std::vector<block_count> total;
  for (const int b : blocks) total.push_back({b, 0});
  for (auto& [id, p] : pods) {
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const int carved = p.free_whole_nodes / blocks[i];
      p.spectrum.push_back({blocks[i], carved});
      total[i].blocks += carved;
    }
    p.stranded_nodes = p.free_whole_nodes - coverable(p.free_whole_nodes, blocks);
    type_metrics& m = types[p.type];
    m.stranded_nodes += p.stranded_nodes;
    if (!blocks.empty()) m.largest_gang_npus += (p.free_whole_nodes / blocks.back()) * blocks.back() * max_chips(p.type);
    out.super_pods.push_back(p);
  }
  out.spectrum = total;
  for (auto& [t, m] : types) {
    m.fragmentation_ppm = ppm(m.largest_gang_npus, m.free_npus);
    out.types.push_back(m);
  }
  return out;
}

}  // namespace npusched
