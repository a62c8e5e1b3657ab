#include "npusched/fit.hpp"

#include <array>
#include <string>

#include <Eigen/Core>
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

bool sub_healthy_node(const cluster& c, node_id n) {
  return c.health(n) == node_health::sub_healthy || c.sub_healthy(n) != 0;
}

// Legality of the request on every accelerator type, computed once per fit.
std::array<bool, type_count> legal_by_type(const fit_request& r) {
  std::array<bool, type_count> legal{};
  for (std::size_t t = 0; t < type_count; ++t) {
    const auto type = static_cast<accelerator_type>(t);
    legal[t] = r.npus == 0 || is_legal_request(type, r.npus, r.job);
  }
  return legal;
}

// A 0-NPU pod prefers nodes without NPUs, then the most free CPU (spreading,
// as kube-scheduler's LeastAllocated does), in whole cores.
std::int64_t cpu_only_score(const cluster& c, const placement_state& s, node_id n) {
  const std::int64_t free_cores = (c.cpu_allocatable_milli(n) - s.cpu_requested_milli(n)) / 1000;
  return (c.type(n) == accelerator_type::none ? std::int64_t{1} << 40 : 0) + free_cores;
}

// The NPU-specific rules after the cheap filters: usable chips, shape, score.
node_eval npu_stage(const cluster& c, const placement_state& s, const fit_request& r, node_id n) {
  if (r.npus == 0) return {node_rule::feasible, cpu_only_score(c, s, n)};
  const accelerator_type t = c.type(n);
  const chip_mask free = c.inventory(n) & ~(s.used(n) | c.unhealthy(n) | c.recovering(n));
  const bool distributed = r.job.distributed();
  const chip_mask top = usable_chips(t, free, c.network_unhealthy(n), r.withholds_network());
  const shape_fit shape = judge(t, r.npus, top, distributed);
  if (shape == shape_fit::too_few) return {node_rule::npu_short, 0};
  if (shape == shape_fit::wrong_shape) return {node_rule::topology, 0};
  const auto score = node_score(t, r.npus, top, distributed,
                                {c.npu_allocatable(n), chip_count(c.unhealthy(n))});
  if (!score) return {node_rule::topology, 0};
  return {node_rule::feasible, *score - (sub_healthy_node(c, n) ? 1 : 0)};
}

bool refuses_health(const cluster& c, const fit_request& r, node_id n) {
  const node_health h = c.health(n);
  if (h == node_health::pre_separate || h == node_health::unhealthy || h == node_health::not_ready) return true;
  return r.refuse_sub_healthy && sub_healthy_node(c, n);
}

// NPU idle (allocatable − requested) below k, or more free chips than idle
// NPUs: the chip accounting of the node is not settled (a pod holds NPUs
// whose chips are not annotated yet), so no chip can be trusted to be free.
bool npu_idle_short(const cluster& c, const placement_state& s, const fit_request& r, node_id n) {
  if (r.npus == 0) return false;
  const int idle = c.npu_allocatable(n) - s.npu_requested(n);
  const chip_mask free = c.inventory(n) & ~(s.used(n) | c.unhealthy(n) | c.recovering(n));
  return idle < r.npus || chip_count(free) > idle;
}

void count(filter_counts& fc, node_rule rule) {
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

using int_array = Eigen::Array<std::int32_t, Eigen::Dynamic, 1>;
template <class T>
using const_column = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

template <class T>
const_column<T> column(std::span<const T> v) {
  return const_column<T>(v.data(), static_cast<Eigen::Index>(v.size()));
}

// One-byte enums viewed as their underlying bytes (unsigned char may alias anything).
template <class E>
int_array enum_column(std::span<const E> v) {
  static_assert(sizeof(E) == 1);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(v.data());
  return const_column<std::uint8_t>(bytes, static_cast<Eigen::Index>(v.size())).template cast<std::int32_t>();
}

// The cheap rules for every node at once, as dense column operations: the
// returned array holds, per node, the first rule that rejects it, or
// `npu_short + 1` (= topology) when the node goes on to the per-node NPU stage.
// Rules are applied from last to first so that the earliest failing one wins.
int_array stage_codes(const cluster& c, const placement_state& s, const fit_request& r,
                      const std::array<bool, type_count>& legal) {
  const auto n = static_cast<Eigen::Index>(c.size());
  const auto code = [](node_rule rule) { return static_cast<std::int32_t>(rule); };
  int_array stage = int_array::Constant(n, code(node_rule::topology));
  const int_array types = enum_column(c.types());
  if (r.npus > 0) {
    const auto npu_idle =
        column(c.npu_allocatables()) - column(s.npu_requested_all());
    stage = (npu_idle < r.npus).select(code(node_rule::npu_short), stage);
  }
  const auto cpu_free = column(c.cpu_allocatables()) - column(s.cpu_requested_all());
  const auto mem_free = column(c.memory_allocatables()) - column(s.memory_requested_all());
  stage = (cpu_free < r.cpu_milli || mem_free < r.memory_bytes).select(code(node_rule::resources), stage);
  const int_array health = enum_column(c.healths());
  stage = (health >= static_cast<std::int32_t>(node_health::pre_separate)).select(code(node_rule::unhealthy), stage);
  stage = (column(c.schedulables()) == 0).select(code(node_rule::cordoned), stage);
  Eigen::Array<bool, Eigen::Dynamic, 1> type_ok = Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(n, false);
  for (std::size_t t = 0; t < type_count; ++t)
    if (legal[t]) type_ok = type_ok || (types == static_cast<std::int32_t>(t));
  stage = (!type_ok).select(code(node_rule::illegal), stage);
  if (r.npus > 0) stage = (types == static_cast<std::int32_t>(accelerator_type::none)).select(code(node_rule::selector), stage);
  if (r.handler) stage = (types != static_cast<std::int32_t>(*r.handler)).select(code(node_rule::selector), stage);
  if (r.super_pod) stage = (column(c.super_pod_ids()) != *r.super_pod).select(code(node_rule::selector), stage);
  if (r.node_selector.impossible) {
    stage.setConstant(code(node_rule::selector));
  } else {
    for (const auto& [key, value] : r.node_selector.terms)
      stage = (column(c.label_column(key)) != value).select(code(node_rule::selector), stage);
  }
  return stage;
}

std::string counts_message(const filter_counts& fc, const fit_request& r) {
  std::string what = r.npus > 0 ? fmt::format("{} NPU{}", r.npus, r.npus == 1 ? "" : "s")
                                : fmt::format("{}m CPU and {} bytes of memory", r.cpu_milli, r.memory_bytes);
  std::string msg = fmt::format("0/{} nodes can take {}", fc.nodes, what);
  const std::pair<int, const char*> parts[] = {
      {fc.selector, "do not match the nodeSelector or accelerator type"},
      {fc.illegal, "have a topology on which the request is not legal"},
      {fc.cordoned, "are cordoned"},
      {fc.unhealthy, r.refuse_sub_healthy ? "are unhealthy, pre-separated, not ready or sub-healthy"
                                          : "are unhealthy, pre-separated or not ready"},
      {fc.network_unknown, "report no network health (refused to distributed jobs)"},
      {fc.resources, "lack CPU or memory"},
      {fc.npu_short, "have too few free NPUs"},
      {fc.topology, "have enough free NPUs but not in the required HCCS shape"},
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
  const accelerator_type t = c.type(n);
  if (r.node_selector.impossible || !c.matches(n, r.node_selector)) return {node_rule::selector, 0};
  if (r.handler && t != *r.handler) return {node_rule::selector, 0};
  if (r.super_pod && c.super_pod_id(n) != *r.super_pod) return {node_rule::selector, 0};
  if (r.npus > 0 && t == accelerator_type::none) return {node_rule::selector, 0};
  if (r.npus > 0 && !is_legal_request(t, r.npus, r.job)) return {node_rule::illegal, 0};
  if (!c.schedulable(n)) return {node_rule::cordoned, 0};
  if (refuses_health(c, r, n)) return {node_rule::unhealthy, 0};
  if (r.npus > 0 && r.withholds_network() && network_fault_aware(t) && !c.network_health_known(n))
    return {node_rule::network_unknown, 0};
  if (c.cpu_allocatable_milli(n) - s.cpu_requested_milli(n) < r.cpu_milli ||
      c.memory_allocatable_bytes(n) - s.memory_requested_bytes(n) < r.memory_bytes)
    return {node_rule::resources, 0};
  if (npu_idle_short(c, s, r, n)) return {node_rule::npu_short, 0};
  return npu_stage(c, s, r, n);
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
template <class F>
bool for_each_feasible(const cluster& c, const placement_state& s, const fit_request& r, filter_counts& counts,
                       verdict& why, F&& on_feasible) {
  counts.nodes = static_cast<int>(c.size());
  if (r.handler && r.npus > 0) {
    if (auto broken = check_request(*r.handler, r.npus, r.job)) {
      counts.illegal = counts.nodes;
      why = {reason::invalid_request, *broken, false};
      return false;
    }
  }
  const auto legal = legal_by_type(r);
  const int_array stage = stage_codes(c, s, r, legal);
  const auto topology_code = static_cast<std::int32_t>(node_rule::topology);
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    const auto code = stage(static_cast<Eigen::Index>(i));
    if (code != topology_code) {
      count(counts, static_cast<node_rule>(code));
      continue;
    }
    // Cheap rules passed: the ones that need per-node branching.
    const node_id n{i};
    node_rule rule = node_rule::feasible;
    if (refuses_health(c, r, n)) {
      rule = node_rule::unhealthy;
    } else if (r.npus > 0 && r.withholds_network() && network_fault_aware(c.type(n)) && !c.network_health_known(n)) {
      rule = node_rule::network_unknown;
    } else if (npu_idle_short(c, s, r, n)) {
      rule = node_rule::npu_short;
    }
    if (rule != node_rule::feasible) {
      count(counts, rule);
      continue;
    }
    const node_eval e = npu_stage(c, s, r, n);
    count(counts, e.rule);
    if (e.rule == node_rule::feasible) on_feasible(n, e.score);
  }
  return true;
}

}  // namespace

fit_result fit(const cluster& c, const placement_state& s, const fit_request& r) {
  fit_result out;
  std::int64_t best = 0;
  const bool legal = for_each_feasible(c, s, r, out.counts, out.why, [&](node_id n, std::int64_t score) {
    if (!out.node || score > best) {  // strict: ties keep the lower node id
      out.node = n;
      best = score;
    }
  });
  if (!legal) return out;
  if (!out.node) {
    out.why = verdict_from_counts(out.counts, r);
    return out;
  }
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
