#include "npusched/explain.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <variant>

#include <fmt/format.h>

#include "plan_state.hpp"
#include "topology/policy.hpp"

namespace npusched {

std::string_view to_string(suggestion_code c) noexcept {
  switch (c) {
    case suggestion_code::missing_label: return "missing_label";
    case suggestion_code::chip_recovering: return "chip_recovering";
    case suggestion_code::free_held_npus: return "free_held_npus";
    case suggestion_code::more_nodes: return "more_nodes";
    case suggestion_code::superpod_nodes: return "superpod_nodes";
    case suggestion_code::lower_sp_block: return "lower_sp_block";
    case suggestion_code::more_pods: return "more_pods";
  }
  return "";
}

namespace {

const char* plural(int n) { return n == 1 ? "" : "s"; }

suggestion new_suggestion(suggestion_code code, std::size_t job, std::optional<node_id> node = std::nullopt) {
  suggestion s;
  s.code = code;
  s.job = job;
  s.node = node;
  return s;
}

std::string chip_list(const std::vector<int>& chips) {
  std::string out;
  for (int chip : chips) out += fmt::format("{}Ascend910-{}", out.empty() ? "" : ",", chip);
  return out;
}

void give_back(placement_state& s, const workload& w, const binding& b) {
  chip_mask m = 0;
  for (int chip : b.chips) m |= chip_bit(chip);
  const pod_spec& pod = w.pods[b.pod];
  s.give_back(b.node, m, pod.npus, pod.cpu_milli, pod.memory_bytes);
}

// Recovering chips no one holds: what the node gains once they recover.
chip_mask idle_recovering(const cluster& c, const placement_state& s, node_id n) {
  return c.recovering(n) & c.inventory(n) & ~(s.used(n) | c.unhealthy(n));
}

std::vector<candidate_node> candidates(const cluster& c, const placement_state& s, const fit_request& r) {
  std::vector<candidate_node> out;
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    const node_id n{i};
    const node_eval e = evaluate_node(c, s, r, n);
    if (e.rule != node_rule::npu_short && e.rule != node_rule::topology) continue;
    candidate_node cand{n, e.rule, e.usable, e.rule == node_rule::npu_short ? std::max(0, r.npus - e.usable) : 0,
                        chips_of(c.unhealthy(n) & c.inventory(n)), chips_of(idle_recovering(c, s, n))};
    out.push_back(std::move(cand));
  }
  std::sort(out.begin(), out.end(), [](const candidate_node& a, const candidate_node& b) {
    if (a.short_by != b.short_by) return a.short_by < b.short_by;
    if (a.usable != b.usable) return a.usable > b.usable;
    return a.node < b.node;
  });
  return out;
}

pod_explanation explain_placed(const cluster& c, const workload& w, const placement_state& final,
                               const binding& b, const fit_request& r) {
  pod_explanation out;
  out.pod = b.pod;
  out.placed = true;
  out.node = b.node;
  out.score = b.score;
  placement_state before = final;
  give_back(before, w, b);
  for (const auto& [n, score] : feasible_nodes(c, before, r, &out.counts)) {
    if (n == b.node) continue;
    if (!out.runner_up || score > out.runner_up_score) {  // strict: ties keep the lower node id
      out.runner_up = n;
      out.runner_up_score = score;
    }
  }
  std::string where = fmt::format("placed on node {}", c.name(b.node));
  if (b.super_pod_rank)
    where += fmt::format(" in logical super-node {} of super-pod {} (rank {})", *b.super_pod_rank, b.super_pod_id,
                         b.rank.value_or(0));
  else if (out.runner_up)
    where += fmt::format(" (score {}; runner-up {} scores {})", b.score, c.name(*out.runner_up), out.runner_up_score);
  else
    where += fmt::format(" (score {}; the only node that can take it)", b.score);
  out.why = {reason::none, std::move(where), false};
  return out;
}

// The holders of the chips running pods keep on `n`, most chips first, then by name.
std::vector<std::pair<std::string, int>> holders_of(const cluster& c, node_id n) {
  std::map<std::string, int> by_pod;
  for (int chip : chips_of(c.in_use(n)))
    if (auto pod = c.holder(n, chip); !pod.empty()) ++by_pod[std::string(pod)];
  std::vector<std::pair<std::string, int>> out(by_pod.begin(), by_pod.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

// A suggestion that makes one pod fit on one candidate node, if any.
std::optional<suggestion> fix_on(const cluster& c, const candidate_node& cand, int k,
                                 std::size_t job) {
  const auto name = c.name(cand.node);
  if (cand.rule == node_rule::npu_short && !cand.recovering_chips.empty() &&
      cand.usable + static_cast<int>(cand.recovering_chips.size()) >= k) {
    suggestion sg = new_suggestion(suggestion_code::chip_recovering, job, cand.node);
    sg.chips = cand.recovering_chips;
    sg.count = static_cast<int>(sg.chips.size());
    sg.message = fmt::format("chip{} {} on node {} {} recovering: once recovered the node has {} free NPUs",
                             plural(sg.count), chip_list(sg.chips), name, sg.count == 1 ? "is" : "are",
                             cand.usable + sg.count);
    return sg;
  }
  // Only chips that running pods hold (not this plan's placements) are
  // offered. A wrong shape needs some chips moved; a shortage needs enough.
  const bool shape = cand.rule == node_rule::topology;
  const int need = shape ? 1 : cand.short_by;
  int freed = 0;
  suggestion sg = new_suggestion(suggestion_code::free_held_npus, job, cand.node);
  for (const auto& [pod, chips] : holders_of(c, cand.node)) {
    if (freed >= need) break;
    sg.pods.push_back(pod);
    freed += chips;
  }
  if (sg.pods.empty() || (!shape && cand.usable + freed < k)) return std::nullopt;
  sg.npus = freed;
  sg.count = static_cast<int>(sg.pods.size());
  std::string held;
  for (const auto& pod : sg.pods) held += fmt::format("{}{}", held.empty() ? "" : ", ", pod);
  sg.message = fmt::format("free {} NPU{} on node {} (held by pod{} {})", freed, plural(freed), name,
                           plural(sg.count), held);
  if (shape) sg.message += ": its free NPUs are not in the required HCCS shape";
  return sg;
}

class explainer {
 public:
  explainer(const cluster& c, const workload& w, const plan_result& p, const explain_options& opt)
      : c_(c), w_(w), p_(p), opt_(opt), final_(detail::final_state(c, w, p)) {}

  explanation run(std::span<const std::size_t> targets) {
    std::set<std::size_t> wanted;
    for (std::size_t i : targets)
      if (i < w_.pods.size()) wanted.insert(i);
    std::set<std::size_t> jobs;
    for (std::size_t i : consideration_order(w_)) {
      if (wanted.count(i) == 0) continue;
      out_.pods.push_back(explain_pod(i));
      jobs.insert(w_.pods[i].job);
    }
    for (std::size_t g = 0; g < p_.gangs.size(); ++g)
      if (jobs.count(p_.gangs[g].job) != 0) out_.gangs.push_back(g);
    for (std::size_t g = 0; g < p_.super_pod_jobs.size(); ++g)
      if (jobs.count(p_.super_pod_jobs[g].job) != 0) out_.super_pod_jobs.push_back(g);
    // Jobs in the order their first target appears.
    std::vector<std::size_t> job_order;
    for (const pod_explanation& e : out_.pods)
      if (std::find(job_order.begin(), job_order.end(), w_.pods[e.pod].job) == job_order.end())
        job_order.push_back(w_.pods[e.pod].job);
    for (std::size_t j : job_order) suggest(j);
    return std::move(out_);
  }

 private:
  pod_explanation explain_pod(std::size_t i) {
    const pod_spec& pod = w_.pods[i];
    const fit_request r = make_request(c_, w_.jobs[pod.job], pod, opt_.plan);
    for (const binding& b : p_.bindings)
      if (b.pod == i) return explain_placed(c_, w_, final_, b, r);
    pod_explanation out;
    out.pod = i;
    for (const unplaced& u : p_.unschedulable)
      if (u.pod == i) {
        out.why = u.why;
        out.counts = u.counts;
        break;
      }
    if (out.counts.nodes == 0) (void)feasible_nodes(c_, final_, r, &out.counts);
    if (r.npus > 0) {
      out.closest = candidates(c_, final_, r);
      if (out.closest.size() > opt_.closest) out.closest.resize(opt_.closest);
    }
    return out;
  }

  const gang_outcome* gang_of(std::size_t j) const {
    for (const gang_outcome& g : p_.gangs)
      if (g.job == j) return &g;
    return nullptr;
  }

  const superpod_outcome* superpod_of(std::size_t j) const {
    for (const superpod_outcome& o : p_.super_pod_jobs)
      if (o.job == j) return &o;
    return nullptr;
  }

  void add(suggestion s) { out_.suggestions.push_back(std::move(s)); }

  void suggest(std::size_t j) {
    const job_spec& job = w_.jobs[j];
    std::vector<std::size_t> unplaced_pods;
    for (const unplaced& u : p_.unschedulable)
      if (w_.pods[u.pod].job == j) unplaced_pods.push_back(u.pod);
    if (unplaced_pods.empty() || job.invalid || !job.terminating.empty()) return;
    if (const gang_outcome* g = gang_of(j); g && g->running + g->pending < g->min_available) {
      suggestion s = new_suggestion(suggestion_code::more_pods, j);
      s.count = g->min_available - g->running - g->pending;
      s.message = fmt::format("{} more pod{} in gang {} to reach min-available {}", s.count, plural(s.count),
                              job.name, g->min_available);
      add(std::move(s));
      return;
    }
    const pod_spec& first = w_.pods[unplaced_pods.front()];
    bool label_missing = false;
    for (const auto& term : first.node_selector) {
      const std::pair<std::string, std::string> one[] = {term};
      if (!c_.resolve(one).impossible) continue;
      suggestion s = new_suggestion(suggestion_code::missing_label, j);
      s.label_key = term.first;
      s.label_value = term.second;
      s.message = fmt::format("no node carries label {}={}", term.first, term.second);
      add(std::move(s));
      label_missing = true;
    }
    // No single term is missing everywhere, but no node has them all: name
    // each term without which some node would match (e.g. the model-ready
    // label on nodes of the requested accelerator type).
    const auto& terms = first.node_selector;
    const auto any_match = [&](std::span<const std::pair<std::string, std::string>> sel) {
      const selector r = c_.resolve(sel);
      for (std::uint32_t n = 0; n < c_.size(); ++n)
        if (c_.matches(node_id{n}, r)) return true;
      return false;
    };
    if (!label_missing && terms.size() > 1 && !any_match(terms)) {
      for (std::size_t t = 0; t < terms.size(); ++t) {
        std::vector<std::pair<std::string, std::string>> rest;
        for (std::size_t u = 0; u < terms.size(); ++u)
          if (u != t) rest.push_back(terms[u]);
        if (!any_match(rest)) continue;
        suggestion s = new_suggestion(suggestion_code::missing_label, j);
        s.label_key = terms[t].first;
        s.label_value = terms[t].second;
        std::string others;
        for (const auto& [k, v] : rest) others += fmt::format("{}{}={}", others.empty() ? "" : ", ", k, v);
        s.message = fmt::format("no node with {} carries label {}={}", others, terms[t].first, terms[t].second);
        add(std::move(s));
        label_missing = true;
      }
    }
    if (label_missing) return;
    for (const unplaced& u : p_.unschedulable)
      if (w_.pods[u.pod].job == j && u.why.code == reason::invalid_request) return;
    if (const superpod_outcome* o = superpod_of(j); o && !o->selection.placed) {
      suggest_superpod(j, *o);
      return;
    }
    suggest_nodes(j, unplaced_pods);
  }

  void suggest_superpod(std::size_t j, const superpod_outcome& o) {
    const job_spec& job = w_.jobs[j];
    const superpod_selection& sel = o.selection;
    const int b = o.geometry.block_nodes;
    if (job.running.empty() && sel.needed > 0) lower_sp_block(j, o);
    const int missing = std::max(0, sel.needed - sel.available);
    if (missing == 0) return;
    // Completing the blocks with the biggest leftovers first costs the fewest nodes.
    std::vector<std::pair<int, std::int32_t>> cost;  // (nodes to add, super-pod id)
    for (const superpod_offer& f : sel.offers) cost.emplace_back(b - f.free_nodes % b, f.super_pod_id);
    std::sort(cost.begin(), cost.end());
    suggestion s = new_suggestion(suggestion_code::superpod_nodes, j);
    for (int m = 0; m < missing; ++m)
      s.count += m < static_cast<int>(cost.size()) ? cost[static_cast<std::size_t>(m)].first : b;
    if (missing == 1) {
      if (!cost.empty()) s.super_pod_id = cost.front().second;
      s.message = fmt::format("{} more free node{} in one super-pod", s.count, plural(s.count));
      if (s.super_pod_id) s.message += fmt::format(" (e.g. super-pod {})", *s.super_pod_id);
    } else {
      s.message = fmt::format("{} more free node{} in super-pods, for {} more logical super-nodes of {} node{}",
                              s.count, plural(s.count), missing, b, plural(b));
    }
    add(std::move(s));
  }

  // The largest legal sp-block below the job's own that the free nodes of
  // the offers would hold whole (a hard selection succeeds exactly when
  // Σ ⌊free / B⌋ ≥ V).
  void lower_sp_block(std::size_t j, const superpod_outcome& o) {
    const job_spec& job = w_.jobs[j];
    superpod_job sj;
    sj.type = detail::superpod_type_of(job.handler);
    sj.shape = job.shape;
    for (const pod_spec& pod : w_.pods)
      if (pod.job == j) {
        sj.pod_npus.push_back(pod.npus);
        sj.exempt.push_back(pod.exempt);
      }
    const int current = job.sp_block.value_or(job.shape.total_npus);
    for (int sp = current - 1; sp > 0; --sp) {
      sj.sp_block = sp;
      const auto checked = check_superpod_job(sj, opt_.plan.super_pod);
      const auto* g = std::get_if<block_geometry>(&checked);
      if (!g) continue;
      int whole = 0;
      for (const superpod_offer& f : o.selection.offers) whole += f.free_nodes / g->block_nodes;
      if (whole < g->blocks) continue;
      suggestion s = new_suggestion(suggestion_code::lower_sp_block, j);
      s.count = sp;
      s.message = fmt::format("lower sp-block to {} ({} logical super-node{} of {} node{})", sp, g->blocks,
                              plural(g->blocks), g->block_nodes, plural(g->block_nodes));
      add(std::move(s));
      return;
    }
  }

  void suggest_nodes(std::size_t j, const std::vector<std::size_t>& unplaced_pods) {
    placement_state scratch = final_;
    std::set<node_id> used;
    std::map<int, int> short_nodes;  // NPUs per pod → pods with no node
    for (std::size_t i : unplaced_pods) {
      const pod_spec& pod = w_.pods[i];
      const fit_request r = make_request(c_, w_.jobs[j], pod, opt_.plan);
      const fit_result f = fit(c_, scratch, r);
      if (f.node) {
        chip_mask m = 0;
        for (int chip : f.chips) m |= chip_bit(chip);
        scratch.take(*f.node, m, pod.npus, pod.cpu_milli, pod.memory_bytes);
        continue;
      }
      std::optional<suggestion> fix;
      if (r.npus > 0)
        for (const candidate_node& cand : candidates(c_, scratch, r)) {
          if (used.count(cand.node) != 0) continue;
          if ((fix = fix_on(c_, cand, r.npus, j))) break;
        }
      if (fix) {
        used.insert(*fix->node);
        add(std::move(*fix));
      } else {
        ++short_nodes[pod.npus];
      }
    }
    for (const auto& [k, n] : short_nodes) {
      suggestion s = new_suggestion(suggestion_code::more_nodes, j);
      s.count = n;
      s.npus = k;
      const auto& pod = w_.pods[unplaced_pods.front()];
      s.message = k > 0 ? fmt::format("{} more free node{} with {} NPU{}", n, plural(n), k, plural(k))
                        : fmt::format("{} more node{} with {}m CPU and {} bytes of memory free", n, plural(n),
                                      pod.cpu_milli, pod.memory_bytes);
      add(std::move(s));
    }
  }

  const cluster& c_;
  const workload& w_;
  const plan_result& p_;
  const explain_options& opt_;
  placement_state final_;
  explanation out_;
};

}  // namespace

explanation explain(const cluster& c, const workload& w, const plan_result& p, std::span<const std::size_t> targets,
                    const explain_options& opt) {
  return explainer(c, w, p, opt).run(targets);
}

namespace detail {

placement_state final_state(const cluster& c, const workload& w, const plan_result& p) {
  placement_state s(c);
  for (const binding& b : p.bindings) {
    chip_mask m = 0;
    for (int chip : b.chips) m |= chip_bit(chip);
    const pod_spec& pod = w.pods[b.pod];
    s.take(b.node, m, pod.npus, pod.cpu_milli, pod.memory_bytes);
  }
  return s;
}

}  // namespace detail

}  // namespace npusched
