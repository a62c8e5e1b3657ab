#include "seeded.hpp"
#include "npusched/fit.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "topology/policy.hpp"

namespace npusched {

placement_state::placement_state(const cluster& c) {
  const std::size_t n = c.size();
  used_.resize(n);
  npu_req_.resize(n);
  cpu_req_.resize(n);
  mem_req_.resize(n);
  auto order = std::make_shared<cluster_order>();
  order->position.resize(n);
  order->givable = c.by_type().givable;
  free_.chips.resize(n);
  free_.chip_count.resize(n);
  free_.npus.resize(n);
  free_.cpu_milli.resize(n);
  free_.memory_bytes.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    const node_id id{i};
    used_[i] = c.in_use(id);
    npu_req_[i] = c.npu_requested(id);
    cpu_req_[i] = c.cpu_requested_milli(id);
    mem_req_[i] = c.memory_requested_bytes(id);
    const std::uint32_t p = c.type_position(id);
    order->position[i] = p;
    free_.chips[p] = order->givable[p] & ~used_[i];
    free_.chip_count[p] = static_cast<std::uint8_t>(chip_count(free_.chips[p]));
    free_.npus[p] = c.npu_allocatable(id) - npu_req_[i];
    free_.cpu_milli[p] = c.cpu_allocatable_milli(id) - cpu_req_[i];
    free_.memory_bytes[p] = c.memory_allocatable_bytes(id) - mem_req_[i];
  }
  order_ = std::move(order);
}

void placement_state::take(node_id n, chip_mask chips, int npus, std::int64_t cpu_milli, std::int64_t memory_bytes) {
  used_[n.value] |= chips;
  npu_req_[n.value] += npus;
  cpu_req_[n.value] += cpu_milli;
  mem_req_[n.value] += memory_bytes;
  const std::uint32_t p = order_->position[n.value];
  free_.chips[p] &= ~chips;
  free_.chip_count[p] = static_cast<std::uint8_t>(chip_count(free_.chips[p]));
  free_.npus[p] -= npus;
  free_.cpu_milli[p] -= cpu_milli;
  free_.memory_bytes[p] -= memory_bytes;
}

void placement_state::give_back(node_id n, chip_mask chips, int npus, std::int64_t cpu_milli,
                                std::int64_t memory_bytes) {
  used_[n.value] &= ~chips;
  npu_req_[n.value] -= npus;
  cpu_req_[n.value] -= cpu_milli;
  mem_req_[n.value] -= memory_bytes;
  const std::uint32_t p = order_->position[n.value];
  free_.chips[p] |= chips & order_->givable[p];
  free_.chip_count[p] = static_cast<std::uint8_t>(chip_count(free_.chips[p]));
  free_.npus[p] += npus;
  free_.cpu_milli[p] += cpu_milli;
  free_.memory_bytes[p] += memory_bytes;
}

namespace {

constexpr int fault_node_penalty = 64;

// A 0-NPU pod prefers nodes without NPUs, then the most free CPU (spreading,
// as kube-scheduler's LeastAllocated does), in whole cores.
std::int64_t cpu_only_score(const cluster& c, const placement_state& s, node_id n) {
  const std::int64_t free_cores = (c.cpu_allocatable_milli(n) - s.cpu_requested_milli(n)) / 1000;
  return (c.type(n) == accelerator_type::none ? std::int64_t{1} << 40 : 0) + free_cores;
}

// Nodes of one type are evaluated in batches of this many (the batch's
// scratch arrays live on the stack and stay in L1).
constexpr std::size_t batch_size = 256;

// The bit of a rule in a failure mask (the first failing rule is the lowest set bit).
constexpr unsigned bit(node_rule rule) noexcept { return 1u << static_cast<unsigned>(rule); }
constexpr unsigned sub_healthy_bit = 1u << 7;  // in evaluator::fact_bits_: the node is sub-healthy

// One batch's answers, by position in the batch.
struct batch_answers {
  std::array<node_rule, batch_size> rule;
  std::array<std::int64_t, batch_size> score;
  std::array<int, batch_size> usable;
};

// What one request needs per node, computed once per call, and the filter
// chain of fit.hpp over a batch of nodes of one accelerator type. Every rule
// before the HCCS shape is a handful of loads and compares evaluated without
// branching (the first failing rule is the lowest set bit of the failures;
// the type's own bits are the same for the whole batch). The nodes that
// reach the shape stage go to their type's batch function of the policy
// table: one indirect call per batch, the type's rules inlined inside it.
class evaluator {
 public:
  evaluator(const cluster& c, const placement_state& s, const fit_request& r) : c_(c), s_(s), r_(r) {
    const bool network = r.withholds_network();
    for (std::size_t t = 0; t < accelerator_type_count; ++t) {
      const auto type = static_cast<accelerator_type>(t);
      const auto& p = detail::policy(type);
      policies_[t] = &p;
      const bool selector_refuses = r.node_selector.impossible || (r.handler && type != *r.handler) ||
                                    (r.npus > 0 && type == accelerator_type::none);
      const bool illegal = r.npus > 0 && !is_legal_request(type, r.npus, r.job);
      const bool withholds = network && p.network_fault_aware;
      type_bits_[t] = static_cast<std::uint8_t>((selector_refuses ? bit(node_rule::selector) : 0) |
                                                (illegal ? bit(node_rule::illegal) : 0) |
                                                (r.npus > 0 && withholds ? bit(node_rule::network_unknown) : 0));
      withheld_[t] = withholds ? ~chip_mask{0} : chip_mask{0};
    }
    for (std::size_t f = 0; f < fact_bits_.size(); ++f) {
      const auto h = static_cast<node_health>(f & filter_fact::health_bits);
      const bool sub = h == node_health::sub_healthy || (f & filter_fact::sub_healthy_chips) != 0;
      const bool refused = !admits_new_pods(h) || (sub && r.refuse_sub_healthy);
      fact_bits_[f] = static_cast<std::uint8_t>(((f & filter_fact::cordoned) != 0 ? bit(node_rule::cordoned) : 0) |
                                                (refused ? bit(node_rule::unhealthy) : 0) |
                                                ((f & filter_fact::network_unknown) != 0
                                                     ? bit(node_rule::network_unknown)
                                                     : 0) |
                                                (sub ? sub_healthy_bit : 0));
    }
    if (!r.node_selector.impossible)
      for (const auto& [key, value] : r.node_selector.terms) columns_.emplace_back(c.label_column(key).data(), value);
  }

  // Whether every node of type `t` is refused by the type rule alone
  // (selector or accelerator type), before anything per node.
  [[nodiscard]] bool refuses_type(accelerator_type t) const noexcept {
    return (type_bits_[static_cast<std::size_t>(t)] & bit(node_rule::selector)) != 0;
  }

  // The filter chain on the nodes at type positions [begin, begin + n) (see
  // type_ordered_columns), all of type `t`, n ≤ batch_size.
  void run(accelerator_type t, std::size_t begin, std::size_t n, batch_answers& out) const {
    const auto ti = static_cast<std::size_t>(t);
    const type_ordered_columns& bt = c_.by_type();
    const placement_state::free_columns& fr = s_.free_by_type();
    const node_id* ids = bt.node.data() + begin;
    const std::uint8_t* facts = bt.facts.data() + begin;
    const chip_mask* net_unhealthy = bt.network_unhealthy.data() + begin;
    const chip_mask* free_chips = fr.chips.data() + begin;
    const std::uint8_t* free_counts = fr.chip_count.data() + begin;
    const int* npu_idle = fr.npus.data() + begin;
    const std::int64_t* cpu_free = fr.cpu_milli.data() + begin;
    const std::int64_t* mem_free = fr.memory_bytes.data() + begin;
    const auto super_pod = c_.super_pod_ids();
    const int k = r_.npus;
    const std::int64_t cpu = r_.cpu_milli, memory = r_.memory_bytes;
    // Locals, not reads through r_ or this: the stores below could alias them.
    const std::optional<std::int32_t> want_super_pod = r_.super_pod;
    const bool any_column = !columns_.empty();
    const unsigned tb = type_bits_[ti];
    const unsigned type_failed = tb & (bit(node_rule::selector) | bit(node_rule::illegal));
    const unsigned network_check = tb & bit(node_rule::network_unknown);
    const chip_mask withheld = withheld_[ti];
    constexpr unsigned fact_rules = bit(node_rule::cordoned) | bit(node_rule::unhealthy);

    std::array<chip_mask, batch_size> top;
    std::array<std::uint8_t, batch_size> top_count;
    std::array<int, batch_size> adjust;
    std::array<std::uint16_t, batch_size> staged;
    std::size_t staged_count = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint8_t f = facts[j];
      const unsigned fb = fact_bits_[f];
      bool selector = false;
      if (want_super_pod) selector |= super_pod[ids[j].value] != *want_super_pod;
      if (any_column)
        for (const auto& [column, value] : columns_) selector |= column[ids[j].value] != value;
      if ((f & filter_fact::hard_taints) != 0) selector |= !tolerated(ids[j]);
      const bool resources = (cpu_free[j] < cpu) | (mem_free[j] < memory);
      // NPU idle below k, or more free chips than idle NPUs: the node's chip
      // accounting is not settled (a pod holds NPUs whose chips are not
      // annotated yet), so no chip can be vouched for.
      const int idle = npu_idle[j];
      const int free_count = free_counts[j];
      const bool npu_short = (k > 0) & ((idle < k) | (free_count > idle));
      const unsigned failed = type_failed | (fb & fact_rules) | (fb & network_check) | unsigned{selector} |
                              unsigned{resources} << 5 | unsigned{npu_short} << 6;
      // Bit 7 (node_rule::topology) stands for "reaches the shape stage".
      const auto rule = static_cast<node_rule>(std::countr_zero(failed | bit(node_rule::topology)));
      out.rule[j] = rule;
      out.usable[j] = std::max(0, std::min(idle, free_count));
      top[j] = free_chips[j] & ~(net_unhealthy[j] & withheld);
      top_count[j] = withheld != 0 ? static_cast<std::uint8_t>(chip_count(top[j])) : free_counts[j];
      adjust[j] = (fb & sub_healthy_bit) != 0 ? 1 : 0;  // a sub-healthy node scores one less
      staged[staged_count] = static_cast<std::uint16_t>(j);
      staged_count += rule == node_rule::topology ? 1 : 0;
    }
    if (staged_count == 0) return;

    if (k == 0) {  // a pod without NPUs has no shape stage
      for (std::size_t q = 0; q < staged_count; ++q) {
        const std::size_t j = staged[q];
        out.rule[j] = node_rule::feasible;
        out.score[j] = cpu_only_score(c_, s_, ids[j]);
      }
      return;
    }
    if (!r_.penalised.empty())  // a fault job's previous fault nodes score 64 less
      for (std::size_t q = 0; q < staged_count; ++q) {
        const std::size_t j = staged[q];
        if (std::binary_search(r_.penalised.begin(), r_.penalised.end(), ids[j])) adjust[j] += fault_node_penalty;
      }
    policies_[ti]->shape_stage({.k = k,
                                .distributed = r_.job.distributed(),
                                .nodes = staged.data(),
                                .count = staged_count,
                                .top = top.data(),
                                .top_count = top_count.data(),
                                .allocatable = bt.npu_allocatable.data() + begin,
                                .unhealthy_count = bt.unhealthy_count.data() + begin,
                                .adjust = adjust.data(),
                                .rule = out.rule.data(),
                                .score = out.score.data(),
                                .usable = out.usable.data()});
  }

  // One node's answer (the same chain as a batch of one).
  node_eval operator()(node_id n) const {
    const accelerator_type t = c_.type(n);
    if (refuses_type(t)) return {node_rule::selector, 0, 0};
    batch_answers out;
    run(t, c_.type_position(n), 1, out);
    return finish(out, 0);
  }

  // The answer at batch position j, as a node_eval.
  static node_eval finish(const batch_answers& out, std::size_t j) {
    const node_rule rule = out.rule[j];
    if (rule == node_rule::feasible) return {rule, out.score[j], 0};
    if (rule == node_rule::npu_short || rule == node_rule::topology) return {rule, 0, out.usable[j]};
    return {rule, 0, 0};
  }

 private:
  // Every hard taint of `n` is tolerated by the pod.
  bool tolerated(node_id n) const {
    for (const taint& x : c_.hard_taints(n)) {
      const auto tolerates_x = [&](const toleration& tol) { return tolerates(tol, x); };
      if (std::none_of(r_.tolerations.begin(), r_.tolerations.end(), tolerates_x)) return false;
    }
    return true;
  }

  const cluster& c_;
  const placement_state& s_;
  const fit_request& r_;
  std::array<const detail::topology_policy*, accelerator_type_count> policies_{};
  // Per accelerator type: the selector, illegal and network-check bits (by node_rule).
  std::array<std::uint8_t, accelerator_type_count> type_bits_{};
  // Per filter_fact byte: the cordoned, unhealthy and network-unknown bits, and sub_healthy_bit.
  std::array<std::uint8_t, 128> fact_bits_{};
  std::array<chip_mask, accelerator_type_count> withheld_{};
  std::vector<std::pair<const label_id*, label_id>> columns_;
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
  return evaluator(c, s, r)(n);
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
// `on_feasible(node, score)` for each node that passes and `on_miss(node,
// eval)` for each that got as far as the NPU stage. Nodes are visited type
// by type (ascending id inside a type), so the callbacks must not depend on
// the visiting order. Returns false (with `why` set) when the request is
// illegal for its handler.
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
  // Four interleaved tallies: consecutive nodes with the same rule would
  // otherwise wait on each other's increment of one counter.
  std::array<std::array<int, static_cast<std::size_t>(node_rule::feasible) + 1>, 4> by_rule{};
  batch_answers out;
  for (std::size_t ti = 0; ti < accelerator_type_count; ++ti) {
    const auto t = static_cast<accelerator_type>(ti);
    const std::size_t first = c.by_type().type_begin[ti], last = c.by_type().type_begin[ti + 1];
    if (eval.refuses_type(t)) {
      by_rule[0][static_cast<std::size_t>(node_rule::selector)] += static_cast<int>(last - first);
      continue;
    }
    for (std::size_t begin = first; begin < last; begin += batch_size) {
      const std::size_t n = std::min(batch_size, last - begin);
      const node_id* ids = c.by_type().node.data() + begin;
      eval.run(t, begin, n, out);
      for (std::size_t j = 0; j < n; ++j) {
        const node_rule rule = out.rule[j];
        ++by_rule[j % 4][static_cast<std::size_t>(rule)];
        if (rule == node_rule::feasible) on_feasible(ids[j], out.score[j]);
        else if (rule == node_rule::npu_short || rule == node_rule::topology) on_miss(ids[j], evaluator::finish(out, j));
      }
    }
  }
  const auto of = [&](node_rule rule) {
    const auto i = static_cast<std::size_t>(rule);
    return by_rule[0][i] + by_rule[1][i] + by_rule[2][i] + by_rule[3][i];
  };
  counts.selector += of(node_rule::selector);
  counts.illegal += of(node_rule::illegal);
  counts.cordoned += of(node_rule::cordoned);
  counts.unhealthy += of(node_rule::unhealthy);
  counts.network_unknown += of(node_rule::network_unknown);
  counts.resources += of(node_rule::resources);
  counts.npu_short += of(node_rule::npu_short);
  counts.topology += of(node_rule::topology);
  counts.feasible += of(node_rule::feasible);
  return true;
}

/// The tie-break key of `node_choice::random_ties`: splitmix64 of the seed
/// and the node id, the same on every platform.
std::uint64_t tie_key(std::uint64_t seed, std::uint32_t node) noexcept {
  return detail::splitmix_mix(seed + detail::golden_gamma * (std::uint64_t{node} + 1));
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

std::string_view to_string(node_choice c) noexcept {
  switch (c) {
    case node_choice::best_score: return "npusched";
    case node_choice::first_fit: return "first-fit";
    case node_choice::random_ties: return "random-ties";
    case node_choice::block_fit: return "block-fit";
  }
  return "npusched";
}

std::optional<node_choice> parse_node_choice(std::string_view s) noexcept {
  for (const node_choice c :
       {node_choice::best_score, node_choice::first_fit, node_choice::random_ties, node_choice::block_fit})
    if (to_string(c) == s) return c;
  return std::nullopt;
}

namespace {

/// `fit` for one node choice, fixed at compile time so the default choice's
/// loop carries no per-node dispatch.
template <node_choice Choice>
fit_result fit_with(const cluster& c, const placement_state& s, const fit_request& r) {
  fit_result out;
  // The best so far in locals (no node yet: the lowest score and an id above
  // every node, so the first feasible node always wins).
  std::int64_t best = std::numeric_limits<std::int64_t>::min();
  std::uint32_t best_node = std::numeric_limits<std::uint32_t>::max();
  std::uint64_t best_key = 0;
  std::optional<near_miss> closest;
  const bool legal = for_each_feasible(
      c, s, r, out.counts, out.why,
      [&](node_id n, std::int64_t score) {
        if constexpr (Choice == node_choice::best_score) {
          if (score > best || (score == best && n.value < best_node)) {  // ties: the lower node id
            best_node = n.value;
            best = score;
          }
        } else if constexpr (Choice == node_choice::first_fit) {
          if (n.value < best_node) {
            best_node = n.value;
            best = score;
          }
        } else {
          const std::uint64_t key = tie_key(r.tie_seed, n.value);
          if (score > best || (score == best && key < best_key)) {
            best_node = n.value;
            best = score;
            best_key = key;
          }
        }
      },
      [&](node_id n, const node_eval& e) {
        // Prefer a wrong-shape node (the NPUs are there; the lowest id); else
        // the fewest NPUs short (ties: the lowest id).
        const near_miss* m = closest ? &*closest : nullptr;
        const bool better =
            !m || (e.rule == node_rule::topology && m->rule != node_rule::topology) ||
            (e.rule == node_rule::topology && m->rule == node_rule::topology && n < m->node) ||
            (e.rule == node_rule::npu_short && m->rule == node_rule::npu_short &&
             (e.usable > m->usable || (e.usable == m->usable && n < m->node)));
        if (better) closest = near_miss{n, e.rule, e.usable};
      });
  if (!legal) return out;
  if (out.counts.feasible == 0) {
    out.closest = closest;
    out.why = verdict_from_counts(out.counts, r);
    if (out.closest && out.closest->usable > 0 && r.npus > 0) out.why.message += make_room_hint(c, *out.closest, r.npus);
    return out;
  }
  out.node = node_id{best_node};
  out.score = best;
  out.chips = choose_chips(c, s, r, *out.node);
  return out;
}

}  // namespace

fit_result fit(const cluster& c, const placement_state& s, const fit_request& r) {
  switch (r.choice) {
    case node_choice::first_fit: return fit_with<node_choice::first_fit>(c, s, r);
    case node_choice::random_ties: return fit_with<node_choice::random_ties>(c, s, r);
    case node_choice::best_score:
    case node_choice::block_fit: break;  // the same node choice; only super-pod blocks differ
  }
  return fit_with<node_choice::best_score>(c, s, r);
}

std::vector<std::pair<node_id, std::int64_t>> feasible_nodes(const cluster& c, const placement_state& s,
                                                             const fit_request& r, filter_counts* counts) {
  std::vector<std::pair<node_id, std::int64_t>> out;
  filter_counts local;
  verdict why;
  // Each type's nodes come in ascending id; merge the runs into id order.
  std::vector<std::size_t> runs;
  (void)for_each_feasible(c, s, r, counts ? *counts : local, why, [&](node_id n, std::int64_t score) {
    if (!out.empty() && n < out.back().first) runs.push_back(out.size());
    out.emplace_back(n, score);
  });
  const auto by_id = [](const auto& a, const auto& b) { return a.first < b.first; };
  for (std::size_t run : runs)
    std::inplace_merge(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(run), out.end(), by_id);
  return out;
}

std::vector<int> choose_chips(const cluster& c, const placement_state& s, const fit_request& r, node_id n) {
  if (r.npus == 0) return {};
  const chip_mask free = c.inventory(n) & ~(s.used(n) | c.unhealthy(n) | c.recovering(n));
  return pick_chips(c.type(n), r.npus, usable_chips(c.type(n), free, c.network_unhealthy(n), r.withholds_network()),
                    r.job.distributed());
}

}  // namespace npusched
