#include "seeded.hpp"
#include "npusched/superpod.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace npusched {

superpod_params clamp(superpod_params p) noexcept {
  if (p.super_pod_size <= 0) p.super_pod_size = 48;
  if (p.reserve_nodes < 0) p.reserve_nodes = 2;
  if (p.reserve_nodes >= p.super_pod_size) p.reserve_nodes = p.super_pod_size > 2 ? 2 : 0;
  return p;
}

std::variant<block_geometry, std::string> check_superpod_job(const superpod_job& job, const superpod_params& params) {
  const superpod_params p = clamp(params);
  const int m = max_chips(job.type);
  const int q = job.shape.total_npus;
  const int n = job.shape.npu_tasks;
  const int s = job.sp_block.value_or(q);
  int b = 1;
  if (s <= 0) return fmt::format("sp-block {} is invalid: it must be a positive number of NPUs", s);
  if (s < m) {
    if (s != q)
      return fmt::format("sp-block {} is below the {} NPUs of a {} node, so it must equal the job's total NPUs ({})", s,
                         m, to_string(job.type), q);
  } else {
    if (s % m != 0)
      return fmt::format("sp-block {} is not a multiple of the {} NPUs of a {} node", s, m, to_string(job.type));
    b = s / m;
  }
  if (b > p.super_pod_size)
    return fmt::format("sp-block {} spans {} nodes, more than super-pod-size {}", s, b, p.super_pod_size);
  if (n == 1) {
    const bool legal_single = q == 1 || (q % 2 == 0 && q <= m);
    if (!legal_single)
      return fmt::format("a standalone super-pod job requests 1 or an even number of NPUs up to {}, not {}", m, q);
    if (q != s)
      return fmt::format("a standalone super-pod job's sp-block ({}) must equal its NPUs ({})", s, q);
    return block_geometry{1, 1};
  }
  if (q % s != 0) return fmt::format("the job's {} NPUs are not a multiple of sp-block {}", q, s);
  for (std::size_t i = 0; i < job.pod_npus.size(); ++i) {
    const int k = job.pod_npus[i];
    const bool exempt = i < job.exempt.size() && job.exempt[i];
    if (k == m || (k == 0 && exempt)) continue;
    return fmt::format(
        "every pod of a distributed super-pod job requests a whole node ({} NPUs); pod {} requests {}{}", m, i, k,
        k == 0 ? " (a 0-NPU pod needs volcano.sh/task-spec: scheduler or huawei.com/skip-ascend-plugin: enabled)"
               : "");
  }
  if (n % b != 0) return fmt::format("the job's {} NPU pods do not divide into blocks of {} nodes", n, b);
  return block_geometry{b, n / b};
}

namespace {

// Mutable view of the groups during one selection.
class selection_run {
 public:
  selection_run(std::span<const superpod_group> groups, const block_geometry& g,
                std::optional<std::uint64_t> visit_seed = std::nullopt)
      : groups_(groups), g_(g), next_(groups.size(), 0), order_(groups.size()) {
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    std::sort(order_.begin(), order_.end(),
              [&](std::size_t a, std::size_t b) { return groups_[a].super_pod_id < groups_[b].super_pod_id; });
    visit_ = order_;
    if (visit_seed) {  // the random-ties baseline: a seeded Fisher-Yates shuffle of the visiting order
      std::uint64_t x = *visit_seed;
      for (std::size_t i = visit_.size(); i > 1; --i) {
        x += detail::golden_gamma;
        std::swap(visit_[i - 1], visit_[detail::splitmix_mix(x) % i]);
      }
    }
    out_.needed = g.blocks;
    out_.blocks_by_phase.assign(5, 0);
    for (std::size_t i : order_) {
      const int free_nodes = static_cast<int>(groups_[i].nodes.size());
      out_.offers.push_back({groups_[i].super_pod_id, free_nodes, free_nodes / g.block_nodes, 0});
      out_.available += free_nodes / g.block_nodes;
    }
  }

  [[nodiscard]] int size(std::size_t gi) const {
    return static_cast<int>(groups_[gi].nodes.size()) - static_cast<int>(next_[gi]);
  }
  [[nodiscard]] int remaining() const { return g_.blocks - static_cast<int>(whole_taken_); }
  [[nodiscard]] std::int32_t id(std::size_t gi) const { return groups_[gi].super_pod_id; }
  /// The order super-pods are visited in: by id, or shuffled for the random-ties baseline.
  [[nodiscard]] const std::vector<std::size_t>& by_id() const { return visit_; }
  [[nodiscard]] int available() const { return out_.available; }

  // Takes `count` nodes of group `gi` as the next logical block.
  void take(std::size_t gi, int count, superpod_phase phase) {
    logical_block b;
    b.id = static_cast<int>(out_.blocks.size());
    b.super_pod_id = groups_[gi].super_pod_id;
    const auto first = groups_[gi].nodes.begin() + static_cast<std::ptrdiff_t>(next_[gi]);
    b.nodes.assign(first, first + count);
    next_[gi] += static_cast<std::size_t>(count);
    out_.blocks.push_back(std::move(b));
    ++out_.blocks_by_phase[static_cast<std::size_t>(phase)];
    const auto pos = std::find(order_.begin(), order_.end(), gi) - order_.begin();
    ++out_.offers[static_cast<std::size_t>(pos)].taken;
    if (count == g_.block_nodes) ++whole_taken_;
  }

  superpod_selection finish(bool placed, std::string message) {
    out_.placed = placed;
    out_.message = std::move(message);
    if (!placed) out_.blocks.clear();
    return std::move(out_);
  }

  [[nodiscard]] std::string offers_text() const {
    std::string s;
    constexpr std::size_t shown = 12;
    for (std::size_t i = 0; i < out_.offers.size() && i < shown; ++i) {
      const auto& o = out_.offers[i];
      s += fmt::format("{}super-pod {}: {} free node{} ({} block{})", i == 0 ? "" : ", ", o.super_pod_id,
                       o.free_nodes, o.free_nodes == 1 ? "" : "s", o.blocks, o.blocks == 1 ? "" : "s");
    }
    if (out_.offers.size() > shown) s += fmt::format(", and {} more super-pods", out_.offers.size() - shown);
    if (out_.offers.empty()) s = "no super-pod has a candidate node";
    return s;
  }

 private:
  std::span<const superpod_group> groups_;
  block_geometry g_;
  std::vector<std::size_t> next_;
  std::vector<std::size_t> order_;  // by id: the offers' order
  std::vector<std::size_t> visit_;
  std::size_t whole_taken_ = 0;
  superpod_selection out_;
};

}  // namespace

superpod_selection select_blocks(std::span<const superpod_group> groups, const block_geometry& g,
                                 const superpod_params& params, bool soft, std::optional<std::uint64_t> visit_seed) {
  const superpod_params p = clamp(params);
  const int b = g.block_nodes;
  const int reserve = p.reserve_nodes;
  selection_run run(groups, g, visit_seed);
  if (b <= 0 || g.blocks <= 0) return run.finish(false, "invalid block geometry");

  // Bucket table: row = leftover beyond the reserve, column = whole blocks
  // that fit while keeping the reserve. Sized for the biggest super-pod.
  int columns = p.super_pod_size / b + 1;
  for (std::size_t gi : run.by_id()) {
    const int l = run.size(gi);
    if (l - reserve >= 0) columns = std::max(columns, (l - reserve) / b + 1);
  }
  std::vector<std::vector<std::vector<std::size_t>>> cell(
      static_cast<std::size_t>(b), std::vector<std::vector<std::size_t>>(static_cast<std::size_t>(columns)));
  for (std::size_t gi : run.by_id()) {  // ascending id inside every cell
    const int l = run.size(gi);
    if (l < b && !soft) continue;
    const int e = l - reserve;
    const int row = e < 0 ? l % b : e % b;
    const int col = e < 0 ? 0 : e / b;
    cell[static_cast<std::size_t>(row)][static_cast<std::size_t>(col)].push_back(gi);
  }
  const auto at = [&](int r, int c) -> std::vector<std::size_t>& {
    return cell[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
  };
  const int needed = g.blocks;
  const int available = run.available();
  if (available < needed && !soft)
    return run.finish(false, fmt::format("needs {} block{} of {} node{} each inside one super-pod, {} available "
                                         "(capacity check before phase 1): {}",
                                         needed, needed == 1 ? "" : "s", b, b == 1 ? "" : "s", available,
                                         run.offers_text()));

  const auto drain = [&](std::vector<std::size_t>& sps, superpod_phase phase) {
    for (std::size_t gi : sps)
      while (run.remaining() > 0 && run.size(gi) - reserve >= b) run.take(gi, b, phase);
  };
  // Phase 1: super-pods whose reserve-respecting capacity does not exceed the
  // need, smallest leftover first, then smallest capacity.
  for (int r = 0; r < b; ++r)
    for (int c = 1; c < columns && c <= run.remaining(); ++c) drain(at(r, c), superpod_phase::best_fit);
  // Phase 2: the smallest super-pods bigger than the need.
  const int need_before_bigger = run.remaining();
  for (int c = need_before_bigger + 1; c < columns; ++c)
    for (int r = 0; r < b; ++r) drain(at(r, c), superpod_phase::bigger);
  // Phase 3: eat into the reserve, at most one block per super-pod per round,
  // biggest first; rounds repeat while a whole block is left anywhere.
  bool progress = true;
  while (run.remaining() > 0 && progress) {
    progress = false;
    for (int r = b - 1; r >= 0; --r)
      for (int c = 0; c < columns; ++c) {
        std::vector<std::size_t> sps = at(r, c);
        std::stable_sort(sps.begin(), sps.end(), [&](std::size_t x, std::size_t y) { return run.size(x) > run.size(y); });
        for (std::size_t gi : sps) {
          if (run.remaining() > 0 && run.size(gi) >= b) {
            run.take(gi, b, superpod_phase::reserve);
            progress = true;
          }
        }
      }
  }
  if (run.remaining() == 0) return run.finish(true, "");
  if (!soft)  // unreachable when the capacity check passed; kept as a guard
    return run.finish(false, fmt::format("needs {} blocks of {} nodes, phases 1-3 found {}: {}", needed, b,
                                         needed - run.remaining(), run.offers_text()));
  // Phase 4 (soft only): chunks of at most B nodes from the super-pods with the most free nodes.
  int need_nodes = run.remaining() * b;
  while (need_nodes > 0) {
    std::optional<std::size_t> best;
    for (std::size_t gi : run.by_id())
      if (run.size(gi) > 0 && (!best || run.size(gi) > run.size(*best))) best = gi;
    if (!best)
      return run.finish(false, fmt::format("needs {} more node{} even with super-pod-affinity soft: {}", need_nodes,
                                           need_nodes == 1 ? "" : "s", run.offers_text()));
    const int chunk = std::min({b, need_nodes, run.size(*best)});
    run.take(*best, chunk, superpod_phase::soft_filler);
    need_nodes -= chunk;
  }
  return run.finish(true, "");
}

superpod_selection select_blocks_for_service(std::span<const superpod_group> groups, const block_geometry& g,
                                             std::span<const std::int32_t> hosting_super_pods,
                                             std::optional<std::uint64_t> visit_seed, bool tightest) {
  selection_run run(groups, g, visit_seed);
  const int b = g.block_nodes;
  if (b <= 0 || g.blocks <= 0) return run.finish(false, "invalid block geometry");
  std::vector<std::int32_t> hosting(hosting_super_pods.begin(), hosting_super_pods.end());
  const auto hosts = [&](std::int32_t id) { return std::find(hosting.begin(), hosting.end(), id) != hosting.end(); };
  for (int i = 0; i < g.blocks; ++i) {
    std::optional<std::size_t> best;
    for (std::size_t gi : run.by_id()) {
      if (run.size(gi) < b) continue;
      if (!best) {
        best = gi;
        continue;
      }
      const bool h = hosts(run.id(gi)), hb = hosts(run.id(*best));
      const bool roomier = tightest ? run.size(gi) < run.size(*best) : run.size(gi) > run.size(*best);
      if (h != hb ? h : roomier) best = gi;
    }
    if (!best)
      return run.finish(false, fmt::format("inference-service placement needs {} block{} of {} node{}, found {}: {}",
                                           g.blocks, g.blocks == 1 ? "" : "s", b, b == 1 ? "" : "s", i,
                                           run.offers_text()));
    run.take(*best, b, superpod_phase::infer_service);
    if (!hosts(run.id(*best))) hosting.push_back(run.id(*best));
  }
  return run.finish(true, "");
}

std::optional<rank_slot> locate_rank(std::span<const logical_block> blocks, int rank) {
  if (rank < 0) return std::nullopt;
  std::size_t start = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::size_t n = blocks[i].nodes.size();
    if (static_cast<std::size_t>(rank) < start + n) return rank_slot{i, static_cast<std::size_t>(rank) - start};
    start += n;
  }
  return std::nullopt;
}

}  // namespace npusched
