#include "seeded.hpp"
#include "npusched/plan.hpp"
#include "npusched/summary.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "topology/policy.hpp"

namespace npusched {

std::optional<error> validate_workload(const workload& w) {
  for (std::size_t j = 0; j < w.jobs.size(); ++j) {
    const auto& job = w.jobs[j];
    if (job.shape.npu_tasks < 0)
      return error{fmt::format("jobs[{}].shape.npu_tasks", j), fmt::format("{} is negative", job.shape.npu_tasks)};
    if (job.shape.total_npus < 0)
      return error{fmt::format("jobs[{}].shape.total_npus", j), fmt::format("{} is negative", job.shape.total_npus)};
  }
  std::unordered_set<std::string_view> names;
  for (std::size_t i = 0; i < w.pods.size(); ++i) {
    const auto& p = w.pods[i];
    if (p.name.empty()) return error{fmt::format("pods[{}].name", i), "must not be empty"};
    if (!names.insert(p.name).second)
      return error{fmt::format("pods[{}].name", i), fmt::format("duplicate pod name {}", p.name)};
    if (p.job >= w.jobs.size())
      return error{fmt::format("pods[{}].job", i), fmt::format("{} is not a job index (have {})", p.job, w.jobs.size())};
    if (p.npus < 0) return error{fmt::format("pods[{}].npus", i), fmt::format("{} is negative", p.npus)};
    if (p.cpu_milli < 0) return error{fmt::format("pods[{}].cpu_milli", i), "is negative"};
    if (p.memory_bytes < 0) return error{fmt::format("pods[{}].memory_bytes", i), "is negative"};
    const auto& shape = w.jobs[p.job].shape;
    if (p.npus > 0 && (shape.npu_tasks < 1 || shape.total_npus < p.npus))
      return error{fmt::format("jobs[{}].shape", p.job),
                   fmt::format("pod {} requests {} NPUs but the job counts {} NPU pods and {} NPUs", p.name, p.npus,
                               shape.npu_tasks, shape.total_npus)};
  }
  return std::nullopt;
}

namespace {

// Pending pods of every job, each list in rank-then-name order.
std::vector<std::vector<std::size_t>> pods_by_job(const workload& w) {
  std::vector<std::vector<std::size_t>> by_job(w.jobs.size());
  for (std::size_t i = 0; i < w.pods.size(); ++i) by_job[w.pods[i].job].push_back(i);
  for (auto& pods : by_job)
    std::sort(pods.begin(), pods.end(), [&](std::size_t a, std::size_t b) {
      const auto& pa = w.pods[a];
      const auto& pb = w.pods[b];
      if (pa.rank.has_value() != pb.rank.has_value()) return pa.rank.has_value();
      if (pa.rank && *pa.rank != *pb.rank) return *pa.rank < *pb.rank;
      return pa.name < pb.name;
    });
  return by_job;
}

// Jobs with pending pods, in consideration order.
std::vector<std::size_t> job_order(const workload& w, const std::vector<std::vector<std::size_t>>& by_job) {
  struct key {
    std::int32_t priority;
    bool fragile;
    std::int64_t created;
    std::string_view name;
  };
  std::vector<key> keys(w.jobs.size());
  std::vector<std::size_t> jobs;
  for (std::size_t j = 0; j < w.jobs.size(); ++j) {
    if (by_job[j].empty()) continue;
    jobs.push_back(j);
    // Fragile: fewer members running than the gang needs (a new job, or one
    // that lost members) — it goes before jobs that only want extra pods.
    const job_spec& job = w.jobs[j];
    const bool fragile = job.min_available == 0 || static_cast<int>(job.running.size()) < job.min_available;
    key k{w.pods[by_job[j][0]].priority, fragile, w.pods[by_job[j][0]].created, job.name};
    for (std::size_t i : by_job[j]) {
      k.priority = std::max(k.priority, w.pods[i].priority);
      k.created = std::min(k.created, w.pods[i].created);
    }
    if (k.name.empty()) k.name = w.pods[by_job[j][0]].name;
    keys[j] = k;
  }
  std::sort(jobs.begin(), jobs.end(), [&](std::size_t a, std::size_t b) {
    if (keys[a].priority != keys[b].priority) return keys[a].priority > keys[b].priority;
    if (keys[a].fragile != keys[b].fragile) return keys[a].fragile;
    if (keys[a].created != keys[b].created) return keys[a].created < keys[b].created;
    if (keys[a].name != keys[b].name) return keys[a].name < keys[b].name;
    return a < b;
  });
  return jobs;
}

bool is_superpod_job(const job_spec& j) { return j.sp_block.has_value() || (j.handler && is_super_pod_type(*j.handler)); }

// Where a super-pod job's pod went, beyond node and chips.
struct block_place {
  std::optional<int> logical;
  std::int32_t super_pod_id = -1;
  std::optional<int> rank;
};

class planner {
 public:
  planner(const cluster& c, const workload& w, placement_state& s, const plan_options& opt)
      : c_(c), w_(w), s_(s), opt_(opt) {
    // NPUs a new pod could get anywhere: free chips of schedulable, usable nodes.
    for (std::uint32_t i = 0; i < c_.size(); ++i) free_npus_ += free_npus(c_, s_, node_id{i});
    for (const auto& job : w_.jobs) {
      if (job.infer_service.empty()) continue;
      for (const auto& m : job.running)
        if (auto n = c_.find(m.node); n && c_.super_pod_id(*n) >= 0)
          hosting_[job.infer_service].insert(c_.super_pod_id(*n));
    }
  }

  plan_result run() {
    const auto by_job = pods_by_job(w_);
    for (std::size_t j : job_order(w_, by_job)) {
      const job_spec& job = w_.jobs[j];
      const auto& pods = by_job[j];
      gang_outcome g;
      g.job = j;
      g.running = static_cast<int>(job.running.size());
      g.pending = static_cast<int>(pods.size());
      g.min_available = job.min_available > 0 ? job.min_available : g.running + g.pending;
      const std::size_t first_binding = out_.bindings.size();
      if (job.invalid) {
        g.why = *job.invalid;
        refuse(pods, g.why);
      } else if (!job.terminating.empty()) {
        g.why = {reason::gang_incomplete,
                 fmt::format("waits for its terminating member {} to be gone", job.terminating), true};
        refuse(pods, g.why);
      } else if (g.running + g.pending < g.min_available) {
        g.why = {reason::gang_incomplete,
                 fmt::format("gang {} has {} pod{} ({} running, {} pending), fewer than its min-available {}",
                             job.name.empty() ? w_.pods[pods.front()].name : job.name, g.running + g.pending,
                             g.running + g.pending == 1 ? "" : "s", g.running, g.pending, g.min_available),
                 false};
        refuse(pods, g.why);
      } else if (auto hopeless = enqueue_check(job, pods, g)) {
        g.why = *hopeless;
        refuse(pods, g.why);
      } else if (is_superpod_job(job)) {
        place_superpod_job(j, pods);
      } else {
        place_gang(j, pods, g);
      }
      g.placed = static_cast<int>(out_.bindings.size() - first_binding);
      g.admitted = g.placed > 0 || (g.why.code == reason::none && g.placed + g.running >= g.min_available);
      if (!g.admitted && g.why.code == reason::none) g.why = first_verdict_of(pods);
      out_.gangs.push_back(std::move(g));
    }
    return std::move(out_);
  }

 private:
  fit_request request_for(const pod_spec& pod, const job_spec& job) const { return make_request(c_, job, pod, opt_); }

  /// The random-ties baseline visits super-pods in an order seeded by the
  /// caller's seed and the job's name; npusched's policy by id.
  std::optional<std::uint64_t> visit_seed(const job_spec& job) const {
    if (opt_.choice != node_choice::random_ties) return std::nullopt;
    return detail::name_seed(opt_.tie_seed, job.name);
  }

  void commit(std::size_t pod, node_id n, std::vector<int> chips, std::int64_t score, const block_place& where = block_place{}) {
    const pod_spec& p = w_.pods[pod];
    chip_mask m = 0;
    for (int chip : chips) m |= chip_bit(chip);
    s_.take(n, m, p.npus, p.cpu_milli, p.memory_bytes);
    free_npus_ -= chip_count(m);
    binding extra;
    extra.super_pod_rank = where.logical;
    extra.super_pod_id = where.super_pod_id;
    extra.rank = where.rank;
    extra.pod = pod;
    extra.node = n;
    extra.chips = std::move(chips);
    extra.distributed = p.npus > 0 && w_.jobs[p.job].shape.distributed();
    extra.score = score;
    out_.bindings.push_back(std::move(extra));
  }

  // Undoes every binding from index `first` on (a job that could not be placed whole).
  void roll_back(std::size_t first) {
    for (std::size_t b = first; b < out_.bindings.size(); ++b) {
      const binding& x = out_.bindings[b];
      const pod_spec& p = w_.pods[x.pod];
      chip_mask m = 0;
      for (int chip : x.chips) m |= chip_bit(chip);
      s_.give_back(x.node, m, p.npus, p.cpu_milli, p.memory_bytes);
      free_npus_ += chip_count(m);
    }
    out_.bindings.resize(first);
  }

  void refuse(const std::vector<std::size_t>& pods, const verdict& v) {
    for (std::size_t i : pods) out_.unschedulable.push_back({i, v, {}});
  }

  // The reference's enqueue check, in O(pods of the job): when even the
  // smallest requests that the gang must still place exceed every free NPU
  // of the cluster, the gang is hopeless without trying a node.
  std::optional<verdict> enqueue_check(const job_spec& job, const std::vector<std::size_t>& pods,
                                       const gang_outcome& g) const {
    const int must = std::max(0, g.min_available - g.running);
    if (must == 0) return std::nullopt;
    std::vector<int> npus;
    for (std::size_t i : pods) npus.push_back(w_.pods[i].npus);
    std::sort(npus.begin(), npus.end());
    std::int64_t need = 0;
    for (int k = 0; k < must && k < static_cast<int>(npus.size()); ++k) need += npus[static_cast<std::size_t>(k)];
    if (need <= free_npus_) return std::nullopt;
    return verdict{reason::insufficient_npu,
                   fmt::format("enqueue check: gang {} needs at least {} NPUs for {} more pod{} to reach "
                               "min-available {}, the cluster has {} free",
                               job.name.empty() ? w_.pods[pods.front()].name : job.name, need, must,
                               must == 1 ? "" : "s", g.min_available, free_npus_),
                   true};
  }

  // Places the pods of a gang; keeps them only when running + placed reaches
  // min-available, else gives everything back and reports every pod.
  void place_gang(std::size_t j, const std::vector<std::size_t>& pods, gang_outcome& g) {
    const std::size_t first_binding = out_.bindings.size();
    const std::size_t first_unplaced = out_.unschedulable.size();
    for (std::size_t i : pods) place_single(i);
    const int placed = static_cast<int>(out_.bindings.size() - first_binding);
    if (g.running + placed >= g.min_available) return;
    // A gang of one pod: its own verdict says it all.
    if (pods.size() == 1 && placed == 0) return;
    const verdict blocking = out_.unschedulable[first_unplaced].why;
    const std::string blocking_pod = w_.pods[out_.unschedulable[first_unplaced].pod].name;
    roll_back(first_binding);
    out_.unschedulable.resize(first_unplaced);
    const job_spec& job = w_.jobs[j];
    g.why = {reason::gang_incomplete,
             fmt::format("gang {} could place {} of the {} more pod{} it needs (min-available {}, {} running); "
                         "first blocking: {}: {}: {}",
                         job.name.empty() ? w_.pods[pods.front()].name : job.name, placed,
                         g.min_available - g.running, g.min_available - g.running == 1 ? "" : "s", g.min_available,
                         g.running, blocking_pod, to_string(blocking.code), blocking.message),
             blocking.resolvable};
    refuse(pods, g.why);
  }

  // The verdict of the first of `pods` reported unschedulable.
  verdict first_verdict_of(const std::vector<std::size_t>& pods) const {
    for (const unplaced& u : out_.unschedulable)
      if (std::find(pods.begin(), pods.end(), u.pod) != pods.end()) return u.why;
    return {};
  }

  void place_single(std::size_t i) {
    const pod_spec& pod = w_.pods[i];
    fit_result f = fit(c_, s_, request_for(pod, w_.jobs[pod.job]));
    if (!f.node) {
      out_.unschedulable.push_back({i, std::move(f.why), f.counts});
      return;
    }
    commit(i, *f.node, std::move(f.chips), f.score);
  }

  // Candidate nodes of the request grouped by physical super-pod, each group
  // ordered healthy before sub-healthy, then by name; nodes outside any
  // super-pod are left out (fail closed).
  std::vector<superpod_group> groups_for(const fit_request& r, filter_counts& counts, bool least_idle_only) const {
    auto feasible = feasible_nodes(c_, s_, r, &counts);
    std::erase_if(feasible, [&](const auto& f) { return c_.super_pod_id(f.first) < 0; });
    if (least_idle_only && !feasible.empty()) {
      // Standalone super-pod jobs binpack: only the nodes with the fewest idle NPUs.
      const auto idle = [&](node_id n) { return c_.npu_allocatable(n) - s_.npu_requested(n); };
      int least = idle(feasible.front().first);
      for (const auto& f : feasible) least = std::min(least, idle(f.first));
      std::erase_if(feasible, [&](const auto& f) { return idle(f.first) != least; });
    }
    // Preference inside a super-pod: healthy, then sub-healthy, then the job's
    // previous fault nodes (last resort), each by name.
    std::map<std::int32_t, superpod_group> by_id;
    for (int tier = 0; tier < 4; ++tier)
      for (const auto& [n, score] : feasible) {
        const bool is_sub = c_.health(n) == node_health::sub_healthy || c_.sub_healthy(n) != 0;
        const bool avoid = std::binary_search(r.penalised.begin(), r.penalised.end(), n);
        if ((avoid ? 2 : 0) + (is_sub ? 1 : 0) != tier) continue;
        auto& g = by_id[c_.super_pod_id(n)];
        g.super_pod_id = c_.super_pod_id(n);
        g.nodes.push_back(n);
        g.sub_healthy.push_back(is_sub);
      }
    std::vector<superpod_group> groups;
    for (auto& [id, g] : by_id) groups.push_back(std::move(g));
    return groups;
  }

  // Ranks for the job's pending NPU pods: explicit ranks kept, the others get
  // the lowest ranks not used by running or pending members, in pod order.
  std::optional<std::string> assign_ranks(const job_spec& job, const std::vector<std::size_t>& npu_pods,
                                          std::vector<int>& ranks) const {
    const int n = job.shape.npu_tasks;
    std::set<int> used;
    for (const auto& m : job.running)
      if (m.rank && m.npus > 0) used.insert(*m.rank);
    ranks.assign(npu_pods.size(), -1);
    for (std::size_t i = 0; i < npu_pods.size(); ++i) {
      const auto& rank = w_.pods[npu_pods[i]].rank;
      if (!rank) continue;
      if (*rank < 0 || *rank >= n)
        return fmt::format("pod {} has rank {} outside 0..{}", w_.pods[npu_pods[i]].name, *rank, n - 1);
      if (!used.insert(*rank).second)
        return fmt::format("rank {} of pod {} is used by another pod of the job", *rank, w_.pods[npu_pods[i]].name);
      ranks[i] = *rank;
    }
    int next = 0;
    for (int& r : ranks) {
      if (r >= 0) continue;
      while (used.count(next) != 0) ++next;
      r = next;
      used.insert(next);
    }
    return std::nullopt;
  }

  void place_superpod_job(std::size_t j, const std::vector<std::size_t>& pods) {
    const job_spec& job = w_.jobs[j];
    const accelerator_type type = detail::superpod_type_of(job.handler);
    superpod_job sj;
    sj.type = type;
    sj.shape = job.shape;
    sj.sp_block = job.sp_block;
    std::vector<std::size_t> npu_pods, other_pods;
    for (std::size_t i : pods) {
      sj.pod_npus.push_back(w_.pods[i].npus);
      sj.exempt.push_back(w_.pods[i].exempt);
      (w_.pods[i].npus > 0 ? npu_pods : other_pods).push_back(i);
    }
    const auto checked = check_superpod_job(sj, opt_.super_pod);
    if (const auto* broken = std::get_if<std::string>(&checked)) {
      refuse(pods, {reason::invalid_request, *broken, false});
      return;
    }
    const block_geometry g = std::get<block_geometry>(checked);
    std::vector<int> ranks;
    if (auto broken = assign_ranks(job, npu_pods, ranks)) {
      refuse(pods, {reason::invalid_request, *broken, false});
      return;
    }
    const std::size_t first_binding = out_.bindings.size();
    const std::size_t first_unplaced = out_.unschedulable.size();
    bool ok = npu_pods.empty() || place_blocks(j, type, g, npu_pods, ranks);
    for (std::size_t i : other_pods) {
      if (!ok) break;
      fit_result f = fit(c_, s_, request_for(w_.pods[i], job));
      if (!f.node) {
        out_.unschedulable.push_back({i, std::move(f.why), f.counts});
        ok = false;
        break;
      }
      commit(i, *f.node, std::move(f.chips), f.score);
    }
    if (ok) return;
    // All or nothing: give everything back and report every pod.
    roll_back(first_binding);
    std::vector<unplaced> why(out_.unschedulable.begin() + static_cast<std::ptrdiff_t>(first_unplaced),
                              out_.unschedulable.end());
    out_.unschedulable.resize(first_unplaced);
    const verdict first = why.empty() ? verdict{reason::superpod_capacity, "the job could not be placed whole", true}
                                      : why.front().why;
    for (std::size_t i : pods) {
      auto it = std::find_if(why.begin(), why.end(), [&](const unplaced& u) { return u.pod == i; });
      out_.unschedulable.push_back(it != why.end() ? *it : unplaced{i, first, {}});
    }
  }

  // Places the NPU pods of a super-pod job in blocks; false (with verdicts
  // recorded for the blocking pods) when it cannot be done whole.
  bool place_blocks(std::size_t j, accelerator_type type, const block_geometry& g,
                    const std::vector<std::size_t>& npu_pods, const std::vector<int>& ranks) {
    const job_spec& job = w_.jobs[j];
    const bool standalone = job.shape.npu_tasks == 1;
    fit_request r = request_for(w_.pods[npu_pods.front()], job);
    r.handler = type;
    r.network_sensitive = g.blocks > 1;  // RoCE is used only between logical super-nodes

    // Blocks that already have running members stay in their physical super-pod.
    std::map<int, std::int32_t> pinned;  // block index → super-pod id
    for (const auto& m : job.running) {
      const auto n = c_.find(m.node);
      if (!m.rank || m.npus == 0 || !n || c_.super_pod_id(*n) < 0) continue;
      pinned.emplace(*m.rank / g.block_nodes, c_.super_pod_id(*n));
    }

    // Pods of pinned blocks: one by one inside their super-pod.
    std::vector<std::size_t> free_pods;
    std::vector<int> free_ranks;
    for (std::size_t i = 0; i < npu_pods.size(); ++i) {
      const int block = ranks[i] / g.block_nodes;
      auto pin = pinned.find(block);
      if (pin == pinned.end()) {
        free_pods.push_back(npu_pods[i]);
        free_ranks.push_back(ranks[i]);
        continue;
      }
      fit_request pr = r;
      pr.super_pod = pin->second;
      fit_result f = fit(c_, s_, pr);
      if (!f.node) {
        verdict v = f.why;
        v.message = fmt::format("rank {} belongs to logical super-node {} whose running members are in super-pod {}: {}",
                                ranks[i], block, pin->second, v.message);
        out_.unschedulable.push_back({npu_pods[i], std::move(v), f.counts});
        return false;
      }
      commit(npu_pods[i], *f.node, std::move(f.chips), f.score,
             block_place{block, pin->second, ranks[i]});
    }
    if (free_pods.empty()) return true;

    // Whole blocks still to find: fresh jobs, or blocks none of whose members run.
    const block_geometry need{standalone ? 1 : g.block_nodes,
                              standalone ? 1 : static_cast<int>(free_pods.size()) / g.block_nodes};
    filter_counts counts;
    const auto groups = groups_for(r, counts, standalone);
    superpod_outcome outcome{j, need, {}};
    if (free_pods.size() % static_cast<std::size_t>(need.block_nodes) != 0) {
      outcome.selection.message = fmt::format("{} pending pods do not fill whole logical super-nodes of {} nodes",
                                              free_pods.size(), need.block_nodes);
    } else if (!job.infer_service.empty()) {
      std::vector<std::int32_t> hosting(hosting_[job.infer_service].begin(), hosting_[job.infer_service].end());
      outcome.selection =
          select_blocks_for_service(groups, need, hosting, visit_seed(job), opt_.choice == node_choice::block_fit);
    } else {
      outcome.selection = select_blocks(groups, need, opt_.super_pod, job.soft_super_pod, visit_seed(job));
    }
    if (!outcome.selection.placed) {
      std::string message = outcome.selection.message;
      if (groups.empty())
        message += fmt::format(" (nodes that can take {} NPUs of this job: {})", r.npus,
                               verdict_from_counts(counts, r).message);
      verdict v{reason::superpod_capacity, std::move(message), true};
      for (std::size_t i : free_pods) out_.unschedulable.push_back({i, v, counts});
      out_.super_pod_jobs.push_back(std::move(outcome));
      return false;
    }
    // Rank r of the free pods → r-th node of the cumulative block order, by
    // ascending rank; logical ids continue after the pinned blocks.
    std::vector<std::size_t> order(free_pods.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return free_ranks[a] < free_ranks[b]; });
    const auto& blocks = outcome.selection.blocks;
    for (std::size_t pos = 0; pos < order.size(); ++pos) {
      const auto slot = locate_rank(blocks, static_cast<int>(pos));
      const std::size_t i = order[pos];
      const logical_block& b = blocks[slot->block];
      const node_id n = b.nodes[slot->slot];
      fit_request pr = r;
      pr.npus = w_.pods[free_pods[i]].npus;
      const int logical = pinned.empty() ? b.id : free_ranks[i] / g.block_nodes;
      commit(free_pods[i], n, choose_chips(c_, s_, pr, n), 0,
             block_place{logical, b.super_pod_id, free_ranks[i]});
      if (!job.infer_service.empty()) hosting_[job.infer_service].insert(b.super_pod_id);
    }
    out_.super_pod_jobs.push_back(std::move(outcome));
    return true;
  }

  const cluster& c_;
  const workload& w_;
  placement_state& s_;
  const plan_options& opt_;
  plan_result out_;
  std::map<std::string, std::set<std::int32_t>> hosting_;  // infer service → super-pods hosting it
  std::int64_t free_npus_ = 0;  // upper bound of NPUs still placeable, for the enqueue check
};

}  // namespace

fit_request make_request(const cluster& c, const job_spec& job, const pod_spec& pod, const plan_options& opt) {
  fit_request r;
  r.broken_data_nodes = std::max(0, opt.broken_data_nodes);
  r.npus = pod.npus;
  r.job = job.shape;
  r.handler = job.handler;
  r.node_selector = c.resolve(pod.node_selector);
  r.tolerations = pod.tolerations;
  r.cpu_milli = pod.cpu_milli;
  r.memory_bytes = pod.memory_bytes;
  r.refuse_sub_healthy = job.refuse_sub_healthy;
  for (const auto& name : job.avoid_nodes)
    if (auto n = c.find(name)) r.penalised.push_back(*n);
  if (auto it = opt.avoid_nodes.find(job.name); it != opt.avoid_nodes.end() && !job.name.empty())
    for (const auto& name : it->second)
      if (auto n = c.find(name)) r.penalised.push_back(*n);
  std::sort(r.penalised.begin(), r.penalised.end());
  r.penalised.erase(std::unique(r.penalised.begin(), r.penalised.end()), r.penalised.end());
  r.choice = opt.choice;
  if (opt.choice == node_choice::random_ties) r.tie_seed = detail::name_seed(opt.tie_seed, pod.name);
  return r;
}

std::vector<std::size_t> consideration_order(const workload& w) {
  const auto by_job = pods_by_job(w);
  std::vector<std::size_t> order;
  order.reserve(w.pods.size());
  for (std::size_t j : job_order(w, by_job)) order.insert(order.end(), by_job[j].begin(), by_job[j].end());
  return order;
}

plan_result plan(const cluster& c, const workload& w, placement_state& state, const plan_options& opt) {
  return planner(c, w, state, opt).run();
}

plan_result plan(const cluster& c, const workload& w, const plan_options& opt) {
  placement_state state(c);
  return plan(c, w, state, opt);
}

}  // namespace npusched
