#include "npusched/fit.hpp"

#include "topology_rules.hpp"

#include <algorithm>
#include <array>
#include <string>

#include <fmt/format.h>

namespace npusched {

placement_state::placement_state(const cluster& c) {
  const std::size_t n = c.size();
  used_.resize(n);
  npu_req_.resize(n);
  cpu_req_.resize(n);
  mem_req_.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    const node_id id{i};
    used_[i] = c.in_use(id);
    npu_req_[i] = c.npu_requested(id);
    cpu_req_[i] = c.cpu_requested_milli(id);
    mem_req_[i] = c.memory_requested_bytes(id);
  }
}

void placement_state::take(node_id n, chip_mask chips, int npus, std::int64_t cpu_milli, std::int64_t memory_bytes) {
  used_[n.value] |= chips;
  npu_req_[n.value] += npus;
  cpu_req_[n.value] += cpu_milli;
  mem_req_[n.value] += memory_bytes;
}

void placement_state::give_back(node_id n, chip_mask chips, int npus, std::int64_t cpu_milli,
                                std::int64_t memory_bytes) {
  used_[n.value] &= ~chips;
  npu_req_[n.value] -= npus;
  cpu_req_[n.value] -= cpu_milli;
  mem_req_[n.value] -= memory_bytes;
}

namespace {

constexpr std::size_t type_count = static_cast<std::size_t>(accelerator_type::half) + 1;
constexpr std::int64_t fault_node_penalty = 64;

// A 0-NPU pod prefers nodes without NPUs, then the most free CPU (spreading,
// as kube-scheduler's LeastAllocated does), in whole cores.
std::int64_t cpu_only_score(const cluster& c, const placement_state& s, node_id n) {
  const std::int64_t free_cores = (c.cpu_allocatable_milli(n) - s.cpu_requested_milli(n)) / 1000;
  return (c.type(n) == accelerator_type::none ? std::int64_t{1} << 40 : 0) + free_cores;
}

// What one request needs per node, computed once per call so that the
// per-node chain is plain array reads and integer compares: the type rule
// (selector / illegal / pass) by accelerator type, and the selector columns.
class evaluator {
 public:
  evaluator(const cluster& c, const placement_state& s, const fit_request& r) : c_(c), s_(s), r_(r) {
    for (std::size_t t = 0; t < type_count; ++t) {
      const auto type = static_cast<accelerator_type>(t);
      if ((r.handler && type != *r.handler) || (r.npus > 0 && type == accelerator_type::none)) {
        type_rule_[t] = node_rule::selector;
      } else if (r.npus > 0 && !is_legal_request(type, r.npus, r.job)) {
        type_rule_[t] = node_rule::illegal;
      } else {
        type_rule_[t] = node_rule::feasible;
      }
    }
    if (!r.node_selector.impossible)
      for (const auto& [key, value] : r.node_selector.terms) columns_.emplace_back(c.label_column(key).data(), value);
    network_ = r.withholds_network();
    distributed_ = r.job.distributed();
  }

  // The filter chain of fit.hpp on node `i`, first failing rule wins.
  node_eval operator()(std::uint32_t i) const {
    const node_id n{i};
    const accelerator_type t = c_.type(n);
    if (r_.node_selector.impossible || type_rule_[static_cast<std::size_t>(t)] == node_rule::selector)
      return {node_rule::selector, 0};
    if (r_.super_pod && c_.super_pod_id(n) != *r_.super_pod) return {node_rule::selector, 0};
    for (const auto& [column, value] : columns_)
      if (column[i] != value) return {node_rule::selector, 0};
    for (const taint& x : c_.hard_taints(n)) {
      const auto tolerated = [&](const toleration& tol) { return tolerates(tol, x); };
      if (std::none_of(r_.tolerations.begin(), r_.tolerations.end(), tolerated)) return {node_rule::selector, 0};
    }
    if (type_rule_[static_cast<std::size_t>(t)] == node_rule::illegal) return {node_rule::illegal, 0};
    if (!c_.schedulable(n)) return {node_rule::cordoned, 0};
    const node_health h = c_.health(n);
    const bool sub = h == node_health::sub_healthy || c_.sub_healthy(n) != 0;
    if (!admits_new_pods(h) || (sub && r_.refuse_sub_healthy)) return {node_rule::unhealthy, 0};
    if (r_.npus > 0 && network_ && network_fault_aware(t) && !c_.network_health_known(n))
      return {node_rule::network_unknown, 0};
    if (c_.cpu_allocatable_milli(n) - s_.cpu_requested_milli(n) < r_.cpu_milli ||
        c_.memory_allocatable_bytes(n) - s_.memory_requested_bytes(n) < r_.memory_bytes)
      return {node_rule::resources, 0};
    if (r_.npus == 0) return {node_rule::feasible, cpu_only_score(c_, s_, n)};
    // NPU idle below k, or more free chips than idle NPUs: the node's chip
    // accounting is not settled (a pod holds NPUs whose chips are not
    // annotated yet), so no chip can be vouched for.
    const int idle = c_.npu_allocatable(n) - s_.npu_requested(n);
    const chip_mask free = c_.inventory(n) & ~(s_.used(n) | c_.unhealthy(n) | c_.recovering(n));
    if (idle < r_.npus || chip_count(free) > idle)
      return {node_rule::npu_short, 0, std::max(0, std::min(idle, chip_count(free)))};
    const chip_mask top = usable_chips(t, free, c_.network_unhealthy(n), network_);
    const shape_fit shape = detail::judge(t, r_.npus, top, distributed_);
    if (shape == shape_fit::too_few) return {node_rule::npu_short, 0, chip_count(top)};
    if (shape == shape_fit::wrong_shape) return {node_rule::topology, 0, chip_count(top)};
    const auto score = detail::score_fitting(t, r_.npus, top, distributed_,
                                             {c_.npu_allocatable(n), chip_count(c_.unhealthy(n))});
    if (!score) return {node_rule::topology, 0, chip_count(top)};
    const bool penalised = !r_.penalised.empty() && std::binary_search(r_.penalised.begin(), r_.penalised.end(), n);
    return {node_rule::feasible, *score - (sub ? 1 : 0) - (penalised ? fault_node_penalty : 0)};
  }

 private:
  const cluster& c_;
  const placement_state& s_;
  const fit_request& r_;
  std::array<node_rule, type_count> type_rule_{};
  std::vector<std::pair<const label_id*, label_id>> columns_;
  bool network_ = false;
  bool distributed_ = false;
};

}  // namespace

void tally(filter_counts& fc, node_rule rule) noexcept {
  switch (rule) {
    case node_rule::selector: ++fc.selector; break;
    case node_rule::illegal: ++fc.illegal; break;
    case node_rule::cordoned: ++fc.cordoned; break;
    case node_rule::unhealthy: ++fc.unhealthy; break;
    case node_rule::network_unknown: ++fc.network_unknown; break;
    case node_rule::resources: ++fc.resources; break;
    case node_rule::npu_short: ++fc.npu_short; break;
    case node_rule::topology: ++fc.topology; break;
    case node_rule::feasible: ++fc.feasible; break;
  }
}

namespace {

std::string counts_message(const filter_counts& fc, const fit_request& r) {
  std::string what = r.npus > 0 ? fmt::format("{} NPU{}", r.npus, r.npus == 1 ? "" : "s")
                                : fmt::format("{}m CPU and {} bytes of memory", r.cpu_milli, r.memory_bytes);
  std::string msg = fmt::format("0/{} nodes can take {}", fc.nodes, what);
  const std::pair<int, const char*> parts[] = {
      {fc.selector, "do not match the nodeSelector, accelerator type or taints"},
      {fc.illegal, "have a topology on which the request is not legal"},
      {fc.cordoned, "are cordoned"},
      {fc.unhealthy, r.refuse_sub_healthy ? "are unhealthy, pre-separated, not ready or sub-healthy"
                                          : "are unhealthy, pre-separated or not ready"},
      {fc.network_unknown, "report no network health (refused to distributed jobs)"},
      {fc.resources, "lack CPU or memory"},
      {fc.npu_short, "have too few free NPUs"},
      {fc.topology, "have enough free NPUs but not in the required HCCS shape"},
      {fc.broken_data, "were left out for broken or missing device data"},
  };
  const char* sep = ": ";
  for (const auto& [n, text] : parts) {
    if (n == 0) continue;
    msg += fmt::format("{}{} {}", sep, n, text);
    sep = ", ";
  }
  return msg;
}

}  // namespace

node_eval evaluate_node(const cluster& c, const placement_state& s, const fit_request& r, node_id n) {
  return evaluator(c, s, r)(n.value);
}

verdict verdict_from_counts(const filter_counts& fc, const fit_request& r) {
  verdict v;
  v.message = counts_message(fc, r);
  if (fc.topology > 0) {
    v.code = reason::topology_mismatch;
    v.resolvable = true;
    v.message += " (fragmentation: preemption or defragmentation would make room)";
  } else if (fc.npu_short > 0) {
    v.code = reason::insufficient_npu;
    v.resolvable = true;
  } else if (fc.resources > 0) {
    v.code = reason::insufficient_resources;
    v.resolvable = true;
  } else if (fc.unhealthy + fc.cordoned + fc.network_unknown > 0) {
    v.code = reason::node_unhealthy;
  } else if (fc.illegal > 0) {
    v.code = reason::invalid_request;
  } else {
    v.code = reason::no_matching_node;
  }
  return v;
}

namespace {

// Runs the filter chain over every node, tallying `counts` and calling
// `on_feasible(node, score)` for each node that passes, in node id order.
// Returns false (with `why` set) when the request is illegal for its handler.
struct no_miss {
  void operator()(node_id, const node_eval&) const noexcept {}
};

template <class F, class M = no_miss>
bool for_each_feasible(const cluster& c, const placement_state& s, const fit_request& r, filter_counts& counts,
                       verdict& why, F&& on_feasible, M&& on_miss = M{}) {
  counts.broken_data = r.broken_data_nodes;
  counts.nodes = static_cast<int>(c.size()) + counts.broken_data;
  if (r.handler && r.npus > 0) {
    if (auto broken = check_request(*r.handler, r.npus, r.job)) {
      counts.illegal = static_cast<int>(c.size());
      why = {reason::invalid_request, *broken, false};
      return false;
    }
  }
  const evaluator eval(c, s, r);
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    const node_eval e = eval(i);
    tally(counts, e.rule);
    if (e.rule == node_rule::feasible) on_feasible(node_id{i}, e.score);
    else if (e.rule == node_rule::npu_short || e.rule == node_rule::topology) on_miss(node_id{i}, e);
  }
  return true;
}

// "What would make it fit", appended to the verdict of an unplaced request.
std::string make_room_hint(const cluster& c, const near_miss& m, int k) {
  if (m.rule == node_rule::topology)
    return fmt::format("; closest: node {} has {} free NPUs but not in the required HCCS shape: moving its pods "
                       "(preemption or defragmentation) would make room",
                       c.name(m.node), m.usable);
  return fmt::format("; closest: node {} has {} of the {} NPUs free, {} more would make it fit", c.name(m.node),
                     m.usable, k, k - m.usable);
}

}  // namespace

fit_result fit(const cluster& c, const placement_state& s, const fit_request& r) {
  fit_result out;
  std::int64_t best = 0;
  const bool legal = for_each_feasible(
      c, s, r, out.counts, out.why,
      [&](node_id n, std::int64_t score) {
        if (!out.node || score > best) {  // strict: ties keep the lower node id
          out.node = n;
          best = score;
        }
      },
      [&](node_id n, const node_eval& e) {
        // Prefer a wrong-shape node (the NPUs are there); else the fewest NPUs short.
        const bool better = !out.closest ||
                            (e.rule == node_rule::topology && out.closest->rule != node_rule::topology) ||
                            (e.rule == out.closest->rule && e.rule == node_rule::npu_short &&
                             e.usable > out.closest->usable);
        if (better) out.closest = near_miss{n, e.rule, e.usable};
      });
  if (!legal) return out;
  if (!out.node) {
    out.why = verdict_from_counts(out.counts, r);
    if (out.closest && out.closest->usable > 0 && r.npus > 0) out.why.message += make_room_hint(c, *out.closest, r.npus);
    return out;
  }
  out.closest.reset();
  out.score = best;
  out.chips = choose_chips(c, s, r, *out.node);
  return out;
}

std::vector<std::pair<node_id, std::int64_t>> feasible_nodes(const cluster& c, const placement_state& s,
                                                             const fit_request& r, filter_counts* counts) {
  std::vector<std::pair<node_id, std::int64_t>> out;
  filter_counts local;
  verdict why;
  (void)for_each_feasible(c, s, r, counts ? *counts : local, why,
                          [&](node_id n, std::int64_t score) { out.emplace_back(n, score); });
  return out;
}

std::vector<int> choose_chips(const cluster& c, const placement_state& s, const fit_request& r, node_id n) {
  if (r.npus == 0) return {};
  const chip_mask free = c.inventory(n) & ~(s.used(n) | c.unhealthy(n) | c.recovering(n));
  return pick_chips(c.type(n), r.npus, usable_chips(c.type(n), free, c.network_unhealthy(n), r.withholds_network()),
                    r.job.distributed());
}

}  // namespace npusched
