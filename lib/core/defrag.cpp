// Defragmentation advice (docs/defrag.md): `plan` is the oracle — a set of
// running jobs works when, with their chips given back, the plan admits the
// gang and then places every pod of them again.

#include "npusched/defrag.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "plan_state.hpp"

namespace npusched {

std::string_view to_string(defrag_status s) noexcept {
  switch (s) {
    case defrag_status::fits: return "fits";
    case defrag_status::not_applicable: return "not_applicable";
    case defrag_status::advised: return "advised";
    case defrag_status::no_destination: return "no_destination";
    case defrag_status::capacity: return "capacity";
    case defrag_status::search_limit: return "search_limit";
  }
  return "";
}

namespace {

const char* plural(std::size_t n) { return n == 1 ? "" : "s"; }

// A running job that may move, as the search sees it.
struct unit {
  std::size_t index = 0;  // into `running`
  std::string name;
  std::size_t pods = 0;
  int npus = 0;
  std::vector<chip_mask> held;  // per pod: the chips it holds
  // How close its best candidate node is to fitting (smaller is closer).
  std::tuple<int, int, std::uint32_t> closeness{0, 0, 0};
};

// What one what-if plan found.
struct trial_result {
  bool fits = false;       // the gang is admitted
  bool placed_all = false; // and every pod of the moved jobs is placed again
  plan_result target;
  plan_result moved;
  workload moved_work;
  std::vector<std::pair<std::size_t, std::size_t>> moved_pods;  // moved_work pod → (unit, pod of its job)
};

class advisor {
 public:
  advisor(const cluster& c, const workload& w, const plan_result& p, std::size_t job,
          std::span<const running_job> running, const defrag_options& opt)
      : c_(c), w_(w), p_(p), job_(job), running_(running), opt_(opt), final_(detail::final_state(c, w, p)) {}

  defrag_advice run();

 private:
  [[nodiscard]] std::string job_name() const;
  [[nodiscard]] std::optional<std::string> not_applicable() const;
  void build_target();
  void collect_units();
  trial_result trial(const std::vector<std::size_t>& set, bool place_moved);
  [[nodiscard]] bool out_of_trials() const { return static_cast<std::size_t>(trials_) >= opt_.max_trials; }
  defrag_advice finish(defrag_status status, const std::vector<std::size_t>& set);

  const cluster& c_;
  const workload& w_;
  const plan_result& p_;
  std::size_t job_;
  std::span<const running_job> running_;
  const defrag_options& opt_;
  placement_state final_;
  // The gang's pending pods as job 0 (first in `pods`), then the waiting jobs
  // the plan considers before it and did not admit: they get the first pick.
  workload target_;
  std::vector<std::size_t> target_pods_;  // target_.pods[i] is w_.pods[target_pods_[i]], the gang's only
  std::vector<unit> units_;
  int trials_ = 0;
};

std::string advisor::job_name() const {
  if (!w_.jobs[job_].name.empty()) return w_.jobs[job_].name;
  return target_pods_.empty() ? std::string() : w_.pods[target_pods_.front()].name;
}

std::optional<std::string> advisor::not_applicable() const {
  const job_spec& j = w_.jobs[job_];
  if (j.invalid) return fmt::format("the request is invalid: {}", j.invalid->message);
  if (!j.terminating.empty()) return fmt::format("it waits for its member {} to terminate", j.terminating);
  const auto members = static_cast<int>(j.running.size() + target_pods_.size());
  if (j.min_available > members)
    return fmt::format("the gang has {} pod{} of the {} it needs", members, plural(members), j.min_available);
  // The plan's own judgement: its verdict says whether taken or fragmented
  // room is what is missing.
  const auto gang = std::find_if(p_.gangs.begin(), p_.gangs.end(), [&](const gang_outcome& g) { return g.job == job_; });
  if (gang != p_.gangs.end() && !gang->why.resolvable)
    return fmt::format("no moving makes room: {}", gang->why.message);
  return std::nullopt;
}

void advisor::build_target() {
  target_.jobs.push_back(w_.jobs[job_]);
  for (std::size_t i = 0; i < w_.pods.size(); ++i) {
    if (w_.pods[i].job != job_) continue;
    target_pods_.push_back(i);
    target_.pods.push_back(w_.pods[i]);
    target_.pods.back().job = 0;
  }
  std::vector<bool> admitted(w_.jobs.size(), false);
  for (const gang_outcome& g : p_.gangs)
    if (g.job < admitted.size()) admitted[g.job] = g.admitted;
  std::vector<std::size_t> index(w_.jobs.size(), SIZE_MAX);  // w_ job → target_ job
  for (std::size_t i : consideration_order(w_)) {
    const std::size_t j = w_.pods[i].job;
    if (j == job_) break;  // only the jobs before it
    if (admitted[j]) continue;
    if (index[j] == SIZE_MAX) {
      index[j] = target_.jobs.size();
      target_.jobs.push_back(w_.jobs[j]);
    }
    target_.pods.push_back(w_.pods[i]);
    target_.pods.back().job = index[j];
  }
}

// The candidates: running jobs (not the gang itself) with a pod holding chips,
// or using CPU or memory, on a node the gang's pods are refused by occupancy only.
void advisor::collect_units() {
  const job_spec& j = target_.jobs.front();
  const bool blocks = j.sp_block.has_value() || (j.handler && is_super_pod_type(*j.handler));
  // One request per distinct pod shape of the gang.
  std::vector<fit_request> requests;
  std::vector<int> sizes;
  for (std::size_t i = 0; i < target_pods_.size(); ++i) {
    const pod_spec& pod = target_.pods[i];
    if (std::find(sizes.begin(), sizes.end(), pod.npus) != sizes.end()) continue;
    sizes.push_back(pod.npus);
    requests.push_back(make_request(c_, j, pod, opt_.plan));
  }
  // node id → (short by, rule rank); feasible nodes per super-pod.
  std::map<std::uint32_t, std::pair<int, int>> blocked;
  std::map<std::int32_t, int> feasible_in;
  for (std::uint32_t i = 0; i < c_.size(); ++i) {
    const node_id n{i};
    bool feasible = false;
    for (std::size_t r = 0; r < requests.size(); ++r) {
      const node_eval e = evaluate_node(c_, final_, requests[r], n);
      if (e.rule == node_rule::feasible) feasible = true;
      if (e.rule != node_rule::npu_short && e.rule != node_rule::topology && e.rule != node_rule::resources) continue;
      const int short_by = e.rule == node_rule::resources ? sizes[r] : std::max(0, sizes[r] - e.usable);
      auto [it, fresh] = blocked.try_emplace(i, short_by, 0);
      if (!fresh) it->second.first = std::min(it->second.first, short_by);
    }
    if (feasible && blocks) ++feasible_in[c_.super_pod_id(n)];
  }
  for (std::size_t u = 0; u < running_.size(); ++u) {
    const running_job& r = running_[u];
    const std::string name = r.job.name.empty() && !r.pods.empty() ? r.pods.front().name : r.job.name;
    if (name.empty() || name == job_name() || r.pods.size() != r.nodes.size() || !r.job.terminating.empty()) continue;
    unit x;
    x.index = u;
    x.name = name;
    x.pods = r.pods.size();
    bool candidate = false;
    bool first = true;
    for (std::size_t i = 0; i < r.pods.size(); ++i) {
      const node_id n = r.nodes[i];
      chip_mask held = 0;
      if (n.value < c_.size())
        for (int chip : chips_of(c_.in_use(n)))
          if (c_.holder(n, chip) == r.pods[i].name) held |= chip_bit(chip);
      x.held.push_back(held);
      x.npus += r.pods[i].npus;
      auto it = n.value < c_.size() ? blocked.find(n.value) : blocked.end();
      if (it == blocked.end()) continue;
      candidate = true;
      const int block_rank = blocks ? -feasible_in[c_.super_pod_id(n)] : 0;
      const auto closeness = std::tuple{block_rank, it->second.first, n.value};
      if (first || closeness < x.closeness) x.closeness = closeness;
      first = false;
    }
    // A pod on a node outside the cluster cannot be given back.
    const bool known = std::all_of(r.nodes.begin(), r.nodes.end(), [&](node_id n) { return n.value < c_.size(); });
    if (candidate && known) units_.push_back(std::move(x));
  }
}

trial_result advisor::trial(const std::vector<std::size_t>& set, bool place_moved) {
  ++trials_;
  trial_result out;
  placement_state s = final_;
  for (std::size_t u : set) {
    const unit& x = units_[u];
    const running_job& r = running_[x.index];
    for (std::size_t i = 0; i < r.pods.size(); ++i)
      s.give_back(r.nodes[i], x.held[i], r.pods[i].npus, r.pods[i].cpu_milli, r.pods[i].memory_bytes);
  }
  out.target = plan(c_, target_, s, opt_.plan);
  const auto gang = std::find_if(out.target.gangs.begin(), out.target.gangs.end(),
                                 [](const gang_outcome& g) { return g.job == 0; });
  const auto placed = std::count_if(out.target.bindings.begin(), out.target.bindings.end(),
                                    [&](const binding& b) { return b.pod < target_pods_.size(); });
  out.fits = gang != out.target.gangs.end() && gang->admitted && static_cast<std::size_t>(placed) == target_pods_.size();
  if (!out.fits || !place_moved) return out;
  for (std::size_t u : set) {
    const running_job& r = running_[units_[u].index];
    const std::size_t job = out.moved_work.jobs.size();
    out.moved_work.jobs.push_back(r.job);
    for (std::size_t i = 0; i < r.pods.size(); ++i) {
      out.moved_work.pods.push_back(r.pods[i]);
      out.moved_work.pods.back().job = job;
      out.moved_pods.emplace_back(u, i);
    }
  }
  out.moved = plan(c_, out.moved_work, s, opt_.plan);
  out.placed_all = out.moved.bindings.size() == out.moved_work.pods.size();
  return out;
}

defrag_advice advisor::finish(defrag_status status, const std::vector<std::size_t>& set) {
  defrag_advice a;
  a.job = job_;
  a.status = status;
  if (status == defrag_status::advised || status == defrag_status::no_destination) {
    const trial_result t = trial(set, true);
    for (const binding& b : t.target.bindings) {
      if (b.pod >= target_pods_.size()) continue;  // a job considered before the gang
      binding out = b;
      out.pod = target_pods_[b.pod];
      a.placements.push_back(std::move(out));
    }
    std::map<std::size_t, const binding*> placed;  // moved_work pod → its binding
    for (const binding& b : t.moved.bindings) placed[b.pod] = &b;
    std::size_t pods = 0;
    int npus = 0;
    for (std::size_t i = 0; i < t.moved_pods.size(); ++i) {
      const auto [u, k] = t.moved_pods[i];
      const unit& x = units_[u];
      const running_job& r = running_[x.index];
      pod_move m;
      m.pod = r.pods[k].name;
      m.job = x.name;
      m.from = r.nodes[k];
      m.from_chips = chips_of(x.held[k]);
      if (auto it = placed.find(i); it != placed.end()) {
        m.to = it->second->node;
        m.to_chips = it->second->chips;
        m.super_pod_rank = it->second->super_pod_rank;
        if (m.super_pod_rank) m.super_pod_id = it->second->super_pod_id;
      }
      a.moves.push_back(std::move(m));
    }
    for (std::size_t u : set) {
      a.moved_jobs.push_back(units_[u].name);
      pods += units_[u].pods;
      npus += units_[u].npus;
    }
    std::sort(a.moved_jobs.begin(), a.moved_jobs.end());
    std::sort(a.moves.begin(), a.moves.end(), [](const pod_move& x, const pod_move& y) { return x.pod < y.pod; });
    std::string names;
    for (const std::string& n : a.moved_jobs) names += (names.empty() ? "" : ", ") + n;
    a.message = status == defrag_status::advised
                    ? fmt::format("moving {} running job{} ({} pod{}, {} NPUs) makes room for {}: {}", set.size(),
                                  plural(set.size()), pods, plural(pods), npus, job_name(), names)
                    : fmt::format("moving {} ({} pod{}) would make room for {}, but not every moved pod has a "
                                  "destination",
                                  names, pods, plural(pods), job_name());
  }
  if (status == defrag_status::search_limit)
    a.message = fmt::format("the search for {} stopped after {} what-if plans (max_trials) without an answer",
                            job_name(), trials_);
  a.trials = trials_;
  return a;
}

defrag_advice advisor::run() {
  build_target();
  defrag_advice a;
  a.job = job_;
  const auto gang = std::find_if(p_.gangs.begin(), p_.gangs.end(), [&](const gang_outcome& g) { return g.job == job_; });
  if (target_pods_.empty() || (gang != p_.gangs.end() && gang->admitted)) {
    a.status = defrag_status::fits;
    a.message = fmt::format("{} is admitted by the plan: nothing to move", job_name());
    return a;
  }
  if (auto why = not_applicable()) {
    a.status = defrag_status::not_applicable;
    a.message = std::move(*why);
    return a;
  }
  collect_units();
  // Single jobs first, smallest first: the smallest one that works is a true minimum.
  std::vector<std::size_t> order(units_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto small_first = [&](std::size_t x, std::size_t y) {
    const unit &a1 = units_[x], &b1 = units_[y];
    return std::tie(a1.pods, a1.npus, a1.closeness, a1.name) < std::tie(b1.pods, b1.npus, b1.closeness, b1.name);
  };
  std::sort(order.begin(), order.end(), small_first);
  std::optional<std::vector<std::size_t>> stranded;  // a set that makes room but leaves pods without a node
  for (std::size_t u : order) {
    if (out_of_trials()) return finish(defrag_status::search_limit, {});
    const trial_result t = trial({u}, true);
    if (t.fits && t.placed_all) return finish(defrag_status::advised, {u});
    if (t.fits && !stranded) stranded = std::vector<std::size_t>{u};
  }
  // Grow: the closest jobs first, by doubling prefixes, then the shortest
  // prefix that works by bisection.
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const unit &a1 = units_[x], &b1 = units_[y];
    return std::tie(a1.closeness, a1.pods, a1.npus, a1.name) < std::tie(b1.closeness, b1.pods, b1.npus, b1.name);
  });
  const auto prefix = [&](std::size_t n) { return std::vector<std::size_t>(order.begin(), order.begin() + n); };
  std::size_t lo = 1, hi = 0;  // prefixes up to lo do not fit; hi fits (0 = none found)
  for (std::size_t n = 2; order.size() > 1; n = std::min(n * 2, order.size())) {
    if (out_of_trials()) return finish(defrag_status::search_limit, {});
    if (trial(prefix(n), false).fits) {
      hi = n;
      break;
    }
    lo = n;
    if (n == order.size()) break;
  }
  if (hi == 0) {
    if (stranded) return finish(defrag_status::no_destination, *stranded);
    defrag_advice none;
    none.job = job_;
    none.status = defrag_status::capacity;
    none.message =
        units_.empty()
            ? fmt::format("no running job holds room on a node {} could use: it needs more capacity", job_name())
            : fmt::format("{} does not fit even with all {} running job{} on the nodes it could use moved away: "
                          "it needs more capacity",
                          job_name(), units_.size(), plural(units_.size()));
    none.trials = trials_;
    return none;
  }
  while (hi - lo > 1) {
    if (out_of_trials()) return finish(defrag_status::search_limit, {});
    const std::size_t mid = lo + (hi - lo) / 2;
    if (trial(prefix(mid), false).fits) hi = mid;
    else lo = mid;
  }
  // Prune: drop every job the gang fits without, largest first.
  std::vector<std::size_t> set = prefix(hi);
  std::vector<std::size_t> by_size = set;
  std::sort(by_size.begin(), by_size.end(), [&](std::size_t x, std::size_t y) { return small_first(y, x); });
  for (std::size_t u : by_size) {
    if (out_of_trials()) return finish(defrag_status::search_limit, {});
    std::vector<std::size_t> without;
    for (std::size_t v : set)
      if (v != u) without.push_back(v);
    if (trial(without, false).fits) set = std::move(without);
  }
  const trial_result t = trial(set, true);
  return finish(t.placed_all ? defrag_status::advised : defrag_status::no_destination, set);
}

}  // namespace

defrag_advice advise_defrag(const cluster& c, const workload& w, const plan_result& p, std::size_t job,
                            std::span<const running_job> running, const defrag_options& opt) {
  return advisor(c, w, p, job, running, opt).run();
}

}  // namespace npusched
