#include "npusched/fault.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <set>
#include <span>

#include <fmt/format.h>

namespace npusched {

namespace {

// The words of each enum, in enum order: the one place they are spelled.
constexpr std::array<std::string_view, 5> fault_type_names = {"NodeUnhealthy", "CardUnhealthy", "pod-failed",
                                                              "RelationFaultSeparate", "SubHealthFault"};
constexpr std::array<std::string_view, 4> deletion_mode_names = {"", "grace", "force", "annotate"};
constexpr std::array<std::string_view, 3> scope_names = {"pods", "blocks", "job"};
constexpr std::array<std::string_view, 6> node_reason_names = {"NodeUnhealthy", "NotReady", "PreSeparate",
                                                               "SubHealthy",    "Missing",  "Unknown"};
constexpr std::array<std::string_view, 5> chip_reason_names = {"Unhealthy", "Recovering", "NetworkUnhealthy",
                                                               "LinkDown", "SubHealthFault"};
constexpr std::array<std::string_view, 2> pod_action_names = {"delete", "annotate"};
constexpr std::array<std::string_view, 2> grace_mode_names = {"grace", "force"};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, E e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return i < N ? names[i] : std::string_view("?");
}

template <class E, std::size_t N>
std::optional<E> parse_name(const std::array<std::string_view, N>& names, std::string_view s) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

template <class E, std::size_t N>
bool in_range(const std::array<std::string_view, N>&, E e) noexcept {
  return static_cast<std::size_t>(e) < N;
}

// Where a pod runs, resolved once per call.
struct pod_place {
  enum class kind : std::uint8_t { pending, present, gone, unknown };
  kind where = kind::pending;
  node_id node{0};  // when present
};

// Node name → node, for the one lookup per running pod of a call: an
// open-addressing table over the cluster's names, built in O(N). A slot holds
// a short name itself, so that a lookup touches one cache line (a 100k-node
// cluster's names do not stay in the caches); longer names are compared
// through the cluster.
class node_index {
 public:
  explicit node_index(const cluster& c) : c_(c) {
    std::size_t cap = 16;
    while (cap < c.size() + c.size() / 4 + 1) cap *= 2;
    slots_.assign(cap, slot{});
    for (std::uint32_t i = 0; i < c.size(); ++i) {
      const std::string_view name = c.name(node_id{i});
      std::size_t s = hash(name) & (cap - 1);
      while (slots_[s].node != empty) s = (s + 1) & (cap - 1);
      slots_[s].node = i;
      slots_[s].length = static_cast<std::uint8_t>(std::min<std::size_t>(name.size(), 255));
      if (name.size() <= sizeof(slot::text)) std::copy(name.begin(), name.end(), slots_[s].text);
    }
  }

  std::optional<node_id> find(std::string_view name) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t s = hash(name) & mask;; s = (s + 1) & mask) {
      const slot& e = slots_[s];
      if (e.node == empty) return std::nullopt;
      if (e.length != std::min<std::size_t>(name.size(), 255)) continue;
      const bool same = name.size() <= sizeof(slot::text) ? std::string_view(e.text, name.size()) == name
                                                          : c_.name(node_id{e.node}) == name;
      if (same) return node_id{e.node};
    }
  }

  // Asks for the slot `find(name)` starts at (a hint, for the pod a few jobs ahead).
  void prefetch(std::string_view name) const { __builtin_prefetch(&slots_[hash(name) & (slots_.size() - 1)]); }

 private:
  static constexpr std::uint32_t empty = 0xffffffffu;
  struct slot {
    std::uint32_t node = empty;
    std::uint8_t length = 0;
    char text[27] = {};
  };
  static_assert(sizeof(slot) == 32);
  static std::size_t hash(std::string_view s) noexcept { return std::hash<std::string_view>{}(s); }
  const cluster& c_;
  std::vector<slot> slots_;
};

// A pod the caller deletes `force` at once, whatever the job's mode: its node
// is not Ready or is gone (no kubelet there finishes a graceful shutdown), or
// the pod is in phase Failed (nothing is left to shut down gracefully).
bool forced_at_once(const cluster& c, const fault_pod& p, const pod_place& place) {
  if (p.phase_failed) return true;
  if (place.where == pod_place::kind::gone) return true;
  return place.where == pod_place::kind::present && c.health(place.node) == node_health::not_ready;
}

// A pod's fault type, from the current state of the node and chips it uses.
// `new_pod_errors`: a round of a pod- or process-rescheduling job has
// completed, so a pod in phase Failed is a new fault even without
// fault-retry-times.
std::optional<fault_type> classify(const cluster& c, const fault_job& job, const fault_pod& p, const pod_place& place,
                                   bool new_pod_errors) {
  switch (place.where) {
    case pod_place::kind::pending: return std::nullopt;
    case pod_place::kind::unknown: return std::nullopt;  // its data is broken, not its health
    case pod_place::kind::gone: return fault_type::node_unhealthy;
    case pod_place::kind::present: break;
  }
  const node_id n = place.node;
  const node_health h = c.health(n);
  if (h == node_health::unhealthy || h == node_health::not_ready) return fault_type::node_unhealthy;
  if ((p.chips & c.unhealthy(n)) != 0) return fault_type::card_unhealthy;
  if ((job.fault_retry_times != 0 && p.failed) || (new_pod_errors && p.phase_failed)) return fault_type::pod_failed;
  if (p.fault_type_label == "Separate") return fault_type::relation_fault_separate;
  const bool sub = h == node_health::sub_healthy || p.fault_type_label == "SubHealth" ||
                   (p.chips & c.sub_healthy(n)) != 0;
  if (job.strategy == sub_healthy_strategy::ignore || !sub) return std::nullopt;
  if (job.strategy == sub_healthy_strategy::hot_switch && !p.hot_switch_delete) return std::nullopt;
  return fault_type::sub_health_fault;
}

// The reason a restart is judged by: the first hardware-ish type, else pod-failed.
fault_type restart_reason(const std::vector<fault_type>& types) {
  for (fault_type t : {fault_type::node_unhealthy, fault_type::card_unhealthy, fault_type::sub_health_fault,
                       fault_type::relation_fault_separate})
    if (std::find(types.begin(), types.end(), t) != types.end()) return t;
  return fault_type::pod_failed;
}

struct classified {
  std::vector<std::pair<std::size_t, fault_type>> faults;  // (pod index, type), pods in name order
  std::vector<fault_type> types;                           // distinct, in enum order
};

classified classify_job(const cluster& c, const fault_job& job, std::span<const pod_place> places,
                        bool new_pod_errors) {
  classified out;
  std::uint32_t seen = 0;  // fault types, as bits
  for (std::size_t i = 0; i < job.pods.size(); ++i) {
    if (job.pods[i].terminating) continue;  // already going away
    if (auto t = classify(c, job, job.pods[i], places[i], new_pod_errors)) {
      out.faults.emplace_back(i, *t);
      seen |= 1u << static_cast<unsigned>(*t);
    }
  }
  for (std::size_t t = 0; t < fault_type_names.size(); ++t)
    if (seen & (1u << t)) out.types.push_back(static_cast<fault_type>(t));
  return out;
}

fault_task_record* find_task(fault_job_record& r, std::string_view pod) {
  for (auto& t : r.tasks)
    if (t.pod == pod) return &t;
  return nullptr;
}

bool uid_present(const fault_job& job, std::string_view uid) {
  return std::any_of(job.pods.begin(), job.pods.end(), [&](const fault_pod& p) { return p.uid == uid; });
}

// A round is done when every pod it deleted is gone (its UID is not in the
// job any more). Annotations are never "done": the external platform deletes.
bool round_done(const fault_job_record& r, const fault_job& job) {
  if (!r.delete_executed || r.delete_mode == deletion_mode::annotate) return false;
  if (r.deletion_done > 0) return true;
  return std::all_of(r.tasks.begin(), r.tasks.end(),
                     [&](const fault_task_record& t) { return !t.deleted || !uid_present(job, t.uid); });
}

// Enough of the job's pods are bound (min-available, else every pod) for its
// rescheduling to be over.
bool replacements_bound(const fault_job& job) {
  int bound = 0;
  for (const auto& p : job.pods) bound += (!p.node.empty() && !p.terminating) ? 1 : 0;
  const int need = job.min_available > 0 ? job.min_available : static_cast<int>(job.pods.size());
  return bound >= need;
}

bool by_task_pod(const fault_task_record& a, const fault_task_record& b) { return a.pod < b.pod; }

class decider {
 public:
  decider(const cluster& c, const fault_state& prev, std::int64_t now, const fault_options& opt,
          const std::vector<std::string>& unknown)
      : c_(c), index_(c), prev_(prev), now_(now), opt_(opt), unknown_(unknown.begin(), unknown.end()) {
    for (std::size_t i = 0; i < prev_.jobs.size(); ++i) records_.emplace(prev_.jobs[i].job, i);
  }

  // Jobs are decided one after the other in the caller's order (each
  // decision reads only its own job and the previous state), in one pass
  // over their pods; the few jobs with output are put in name order after.
  fault_report run(const std::vector<fault_job>& jobs) {
    isolate_nodes();
    for (const auto& [node, t] : prev_.link_down)
      if (now_ - t <= opt_.link_down_seconds) out_.next.link_down[node] = t;
    std::set<std::string_view> missing;  // nodes running pods that the cluster does not have
    std::vector<pod_place> places;
    std::vector<output_group> groups;
    // Jobs live all over the heap: ask for the pods of the job 16 ahead and
    // the node slot of the job 8 ahead before they are needed.
    constexpr std::size_t pods_ahead = 16, slot_ahead = 8;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      if (j + pods_ahead < jobs.size() && !jobs[j + pods_ahead].pods.empty()) {
        const fault_pod& ahead = jobs[j + pods_ahead].pods.front();
        __builtin_prefetch(&ahead.node);              // node, chips, flags
        __builtin_prefetch(&ahead.fault_type_label);  // the labels classification reads
      }
      if (j + slot_ahead < jobs.size() && !jobs[j + slot_ahead].pods.empty())
        index_.prefetch(jobs[j + slot_ahead].pods.front().node);
      const fault_job& job = jobs[j];
      places.clear();
      for (const auto& p : job.pods) {
        places.push_back(place_of(p));
        if (places.back().where == pod_place::kind::gone || places.back().where == pod_place::kind::unknown)
          missing.insert(p.node);
      }
      const output_group before{&job, out_.actions.size(), out_.fault_jobs.size(), out_.next.jobs.size()};
      decide(job, places);
      if (out_.actions.size() != before.actions || out_.fault_jobs.size() != before.reports ||
          out_.next.jobs.size() != before.records)
        groups.push_back(before);
    }
    add_missing_nodes(missing);
    order_by_job(groups);
    return std::move(out_);
  }

 private:
  // Where one job's output starts in the report's vectors.
  struct output_group {
    const fault_job* job;
    std::size_t actions, reports, records;
  };

  // Puts the outputs in job name order (ties: the caller's order), moving
  // only the jobs that have any.
  void order_by_job(std::vector<output_group>& groups) {
    const auto by_name = [](const output_group& a, const output_group& b) { return a.job->name < b.job->name; };
    if (std::is_sorted(groups.begin(), groups.end(), by_name)) return;
    // The end of each group is where the next one (in the caller's order) starts.
    std::vector<output_group> ends(groups.begin() + (groups.empty() ? 0 : 1), groups.end());
    ends.push_back({nullptr, out_.actions.size(), out_.fault_jobs.size(), out_.next.jobs.size()});
    std::vector<std::size_t> order(groups.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return by_name(groups[a], groups[b]); });
    std::vector<fault_action> actions;
    std::vector<fault_job_report> reports;
    std::vector<fault_job_record> records;
    for (std::size_t i : order) {
      const output_group& g = groups[i];
      const output_group& e = ends[i];
      for (std::size_t k = g.actions; k < e.actions; ++k) actions.push_back(std::move(out_.actions[k]));
      for (std::size_t k = g.reports; k < e.reports; ++k) reports.push_back(std::move(out_.fault_jobs[k]));
      for (std::size_t k = g.records; k < e.records; ++k) records.push_back(std::move(out_.next.jobs[k]));
    }
    out_.actions = std::move(actions);
    out_.fault_jobs = std::move(reports);
    out_.next.jobs = std::move(records);
  }

  pod_place place_of(const fault_pod& p) const {
    if (p.node.empty()) return {};
    if (auto n = index_.find(p.node)) return {pod_place::kind::present, *n};
    return {unknown_.count(p.node) ? pod_place::kind::unknown : pod_place::kind::gone, node_id{0}};
  }

  // Isolation report: what new pods may not use.
  void isolate_nodes() {
    for (std::uint32_t i = 0; i < c_.size(); ++i) {
      const node_id n{i};
      const auto node = [&](node_unusable_reason why) { out_.unusable_nodes.push_back({std::string(c_.name(n)), why}); };
      switch (c_.health(n)) {
        case node_health::unhealthy: node(node_unusable_reason::node_unhealthy); break;
        case node_health::not_ready: node(node_unusable_reason::not_ready); break;
        case node_health::pre_separate: node(node_unusable_reason::pre_separate); break;
        case node_health::sub_healthy: node(node_unusable_reason::sub_healthy); break;
        case node_health::healthy: break;
      }
      const auto chips = [&](chip_mask m, chip_unusable_reason why) {
        if (m != 0) out_.unusable_chips_.push_back({std::string(c_.name(n)), m, why});
      };
      chips(c_.unhealthy(n), chip_unusable_reason::unhealthy);
      chips(c_.recovering(n), chip_unusable_reason::recovering);
      chips(c_.network_unhealthy(n), chip_unusable_reason::network_unhealthy);
      if (c_.link_down(n) != 0)
        if (auto it = prev_.link_down.find(std::string(c_.name(n)));
            it != prev_.link_down.end() && now_ - it->second <= opt_.link_down_seconds)
          chips(c_.link_down(n), chip_unusable_reason::link_down);
      chips(c_.sub_healthy(n), chip_unusable_reason::sub_health_fault);
    }
  }

  // Nodes running pods that the cluster no longer has (deleted, or excluded for broken data).
  void add_missing_nodes(const std::set<std::string_view>& missing) {
    const auto cluster_nodes = static_cast<std::ptrdiff_t>(out_.unusable_nodes.size());
    for (const auto m : missing)
      out_.unusable_nodes.push_back(
          {std::string(m), unknown_.count(std::string(m)) ? node_unusable_reason::unknown : node_unusable_reason::missing});
    // Both runs are in name order already (the cluster's nodes are sorted by name).
    const auto by_node = [](const unusable_node& a, const unusable_node& b) { return a.node < b.node; };
    std::inplace_merge(out_.unusable_nodes.begin(), out_.unusable_nodes.begin() + cluster_nodes,
                       out_.unusable_nodes.end(), by_node);
  }

  // The record of the job from the previous state, while it has not expired.
  const fault_job_record* live_record(const fault_job& job) const {
    if (records_.empty()) return nullptr;
    const auto [first, last] = records_.equal_range(job.name);
    for (auto it = first; it != last; ++it) {
      const fault_job_record& r = prev_.jobs[it->second];
      if (r.owner_uid != job.owner_uid) continue;
      if (now_ - r.fault_time > opt_.grace_over_time + opt_.cache_extra_seconds) return nullptr;
      return &r;
    }
    return nullptr;
  }

  void decide(const fault_job& job, std::span<const pod_place> places) {
    // Retry budget: kept while the owner is the same; created on the first fault.
    std::optional<retry_budget> budget;
    if (!prev_.retries.empty())
      if (auto it = prev_.retries.find(job.name); it != prev_.retries.end() && it->second.owner_uid == job.owner_uid)
        budget = it->second;
    const fault_job_record* previous = job.scheduling == fault_scheduling::off ? nullptr : live_record(job);
    if (!job.running) {
      // Volcano moves a restarting job's PodGroup out of Running while its
      // pods are gone: it is not judged, but its budget and round are kept.
      if (budget) out_.next.retries[job.name] = *budget;
      if (previous) out_.next.jobs.push_back(*previous);
      return;
    }
    // Once a round of a pod- or process-rescheduling job is done, and while
    // its replacements are not all bound, a Failed pod is a new fault (also
    // without fault-retry-times). A job whose rescheduling is over leaves its
    // Failed pods to its controller.
    const bool new_pod_errors = previous && (job.pod_rescheduling || job.process_recover) &&
                                round_done(*previous, job) && !replacements_bound(job);
    const classified cls = classify_job(c_, job, places, new_pod_errors);
    if (cls.faults.empty() && !previous) {
      if (budget) out_.next.retries[job.name] = *budget;
      return;
    }

    fault_job_report rep{job.name, cls.types, {}, {}, {}};
    for (const auto& [i, t] : cls.faults) rep.pods.push_back(job.pods[i].name);

    if (job.scheduling == fault_scheduling::off) {
      rep.note = "fault-scheduling is off: nothing is deleted";
      out_.fault_jobs.push_back(std::move(rep));
      if (budget) out_.next.retries[job.name] = *budget;
      return;
    }

    std::optional<fault_job_record> rec;
    if (previous) rec = *previous;
    if (!budget) budget = retry_budget{job.owner_uid, job.fault_retry_times};
    if (!rec) {
      rec = fault_job_record{job.name, job.owner_uid, now_, 0, deletion_mode::none, false, rescheduling_scope::pods, {}};
      for (const auto& p : job.pods)
        rec->tasks.push_back({p.name, p.uid, p.node, p.created, std::nullopt, false, p.rank});
    }
    // New faults are seen at once, also on a job already being rescheduled.
    bool new_fault = false;
    for (const auto& [i, t] : cls.faults) {
      const fault_pod& p = job.pods[i];
      fault_task_record* task = find_task(*rec, p.name);
      if (!task || task->uid != p.uid) {  // a pod (or a new incarnation of one) we have not recorded
        if (task) *task = {p.name, p.uid, p.node, p.created, std::nullopt, false, p.rank};
        else rec->tasks.push_back({p.name, p.uid, p.node, p.created, std::nullopt, false, p.rank});
        task = find_task(*rec, p.name);
      }
      if (!task->deleted) new_fault = true;
      task->fault = t;
      task->node = p.node;
    }
    if (!std::is_sorted(rec->tasks.begin(), rec->tasks.end(), by_task_pod))
      std::sort(rec->tasks.begin(), rec->tasks.end(), by_task_pod);
    if (new_fault && rec->delete_executed) rec->delete_executed = false;

    // Deletion completion: every pod we acted on is gone (its UID is not in the job any more).
    if (rec->deletion_done == 0 && round_done(*rec, job)) rec->deletion_done = now_;
    if (rec->deletion_done > 0 && cls.faults.empty()) {
      if (replacements_bound(job)) {  // rescheduling is over
        out_.next.retries[job.name] = *budget;
        return;
      }
      escalate(job, *rec);
    }

    if (!rec->delete_executed) act(job, places, *rec, *budget, rep);
    else force_after_grace(job, *rec);
    if (!rep.pods.empty() || !rep.note.empty()) out_.fault_jobs.push_back(std::move(rep));
    out_.next.retries[job.name] = *budget;
    out_.next.jobs.push_back(std::move(*rec));
  }

  // Pod-level rescheduling widens while replacements stay pending.
  void escalate(const fault_job& job, fault_job_record& rec) {
    if (!job.pod_rescheduling || job.pod_level_only || job.process_recover) return;
    const std::int64_t waited = now_ - rec.deletion_done;
    rescheduling_scope target = rec.scope;
    if (waited >= opt_.escalate_to_job_seconds) target = rescheduling_scope::job;
    else if (job.block_nodes > 0 && waited >= opt_.escalate_to_block_seconds)
      target = std::max(target, rescheduling_scope::blocks);
    if (target <= rec.scope) return;
    rec.scope = target;
    rec.delete_executed = false;
    rec.deletion_done = 0;
  }

  // Which knobs chose the mode and the scope of `act`, for the report.
  static std::string describe_policy(const fault_job& job, pod_action action, grace_mode mode, bool sub_health_only,
                                     bool master, bool forced) {
    std::string how;
    if (action == pod_action::annotate)
      how = fmt::format("fault-scheduling={}: the fault pods are annotated and an external platform deletes them ({})",
                        job.scheduling_label, to_string(mode));
    else if (sub_health_only)
      how = fmt::format("only sub-health faults: subHealthyStrategy chooses a {} deletion", to_string(mode));
    else if (mode == grace_mode::grace)
      how = fmt::format("fault-scheduling={}: deleted with the pod's grace period, forced after grace-over-time",
                        job.scheduling_label);
    else
      how = fmt::format("fault-scheduling={}: deleted at once (grace period 0)", job.scheduling_label);
    if (forced) how += "; pods on a node that is not Ready or gone, and Failed pods, are forced at once";
    std::string what;
    if (job.pod_level_only)
      what = "pod-level recovery (annotation huawei.com/recover_policy_path=pod or an OME service): only the fault "
             "pods are replaced, the rest of the job keeps running";
    else if (master)
      what = "the master (rank 0) pod is faulty: the whole job is rescheduled";
    else if (job.pod_rescheduling)
      what = "pod-rescheduling=on: the fault pods (and their logical super-node when the fault spreads) are replaced";
    else
      what = "no pod-level rescheduling: the whole job is rescheduled";
    return how + "; " + what;
  }

  // Which pods of the job go (docs/faults.md, by fault type and job mode).
  std::vector<std::size_t> select(const fault_job& job, const fault_job_record& rec, bool& master) const {
    // Fault pods are the recorded fault tasks still in their faulty
    // incarnation (a replacement with a new UID is not a fault pod).
    std::set<std::string> fault_pods;
    std::set<int> fault_blocks;
    for (const auto& t : rec.tasks) {
      if (!t.fault) continue;
      if (job.block_nodes > 0 && t.rank) fault_blocks.insert(*t.rank / job.block_nodes);
      if (uid_present(job, t.uid)) fault_pods.insert(t.pod);
    }
    const auto is_master = [&](const fault_pod& p) { return job.npu_job && p.rank == 0 && !p.worker_replica; };
    const bool blocks = rec.scope >= rescheduling_scope::blocks;
    master = false;
    for (const auto& p : job.pods) {
      if (fault_pods.count(p.name) && is_master(p)) master = true;
      if (blocks && job.block_nodes > 0 && is_master(p) && p.rank && fault_blocks.count(*p.rank / job.block_nodes))
        master = true;
    }
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < job.pods.size(); ++i) {
      const fault_pod& p = job.pods[i];
      if (p.terminating) continue;
      const bool is_fault = fault_pods.count(p.name) != 0;
      bool del = true;
      if (job.pod_level_only) {
        del = is_fault;
      } else if (master) {
        del = true;
      } else if (job.pod_rescheduling && rec.scope < rescheduling_scope::job && !is_fault) {
        const bool same_block =
            job.block_nodes > 0 && blocks && p.rank && fault_blocks.count(*p.rank / job.block_nodes) != 0;
        del = same_block && !job.process_recover;
      } else if (job.process_recover && !is_fault) {
        del = false;
      }
      if (del && (is_fault || !p.node.empty())) out.push_back(i);
    }
    return out;
  }

  void act(const fault_job& job, std::span<const pod_place> places, fault_job_record& rec, retry_budget& budget,
           fault_job_report& rep) {
    std::vector<fault_type> types;
    for (const auto& t : rec.tasks)
      if (t.fault && std::find(types.begin(), types.end(), *t.fault) == types.end()) types.push_back(*t.fault);
    std::sort(types.begin(), types.end());
    if (types.empty() && rec.scope == rescheduling_scope::pods) return;
    const fault_type reason = restart_reason(types);
    if (job.scheduling == fault_scheduling::unsupported) {
      rep.note = fmt::format("fault-scheduling \"{}\" is not supported: nothing is deleted", job.scheduling_label);
      return;
    }
    if (job.external_recovery) {
      rep.note = "annotation ProcessRecoverStrategy: an external platform recovers the job";
      return;
    }
    if (reason == fault_type::pod_failed && budget.remaining <= 0) {
      rep.note = fmt::format("fault-retry-times {} exhausted: the failed pods are left alone", job.fault_retry_times);
      return;
    }
    const bool sub_health_only =
        !types.empty() && std::all_of(types.begin(), types.end(), [](fault_type t) { return t == fault_type::sub_health_fault; });
    pod_action action = pod_action::delete_pod;
    grace_mode mode = grace_mode::force;
    switch (job.scheduling) {
      case fault_scheduling::external_grace: action = pod_action::annotate; mode = grace_mode::grace; break;
      case fault_scheduling::external_force: action = pod_action::annotate; mode = grace_mode::force; break;
      case fault_scheduling::grace: mode = grace_mode::grace; break;
      default: mode = grace_mode::force; break;
    }
    if (action == pod_action::delete_pod && sub_health_only)
      mode = job.strategy == sub_healthy_strategy::grace_exit ? grace_mode::grace : grace_mode::force;

    bool master = false;
    bool forced = false;
    const auto chosen = select(job, rec, master);
    for (std::size_t i : chosen) {
      const fault_pod& p = job.pods[i];
      fault_task_record* task = find_task(rec, p.name);
      std::string why;
      if (task && task->fault) why = std::string(to_string(*task->fault));
      else if (master) why = "same job (master rank faulted)";
      else if (rec.scope == rescheduling_scope::blocks) why = "same logical super-node as a fault pod";
      else why = "same job";
      if (action == pod_action::annotate && !(task && task->fault)) continue;  // external mode: fault pods only
      grace_mode m = mode;
      if (action == pod_action::delete_pod && m == grace_mode::grace && forced_at_once(c_, p, places[i])) {
        m = grace_mode::force;
        forced = true;
      }
      out_.actions.push_back({p.name, action, m, why});
      if (task) {
        task->deleted = true;
        task->uid = p.uid;
      } else {
        rec.tasks.push_back({p.name, p.uid, p.node, p.created, std::nullopt, true, p.rank});
      }
      if (task && task->fault == fault_type::relation_fault_separate && !p.node.empty())
        out_.next.link_down[p.node] = now_;
    }
    rep.policy = describe_policy(job, action, mode, sub_health_only, master, forced);
    if (!std::is_sorted(rec.tasks.begin(), rec.tasks.end(), by_task_pod))
      std::sort(rec.tasks.begin(), rec.tasks.end(), by_task_pod);
    if (action == pod_action::annotate) rec.delete_mode = deletion_mode::annotate;
    else rec.delete_mode = mode == grace_mode::grace ? deletion_mode::grace : deletion_mode::force;
    rec.delete_executed = true;
    rec.deletion_done = 0;
    rec.fault_time = now_;
    if (reason == fault_type::pod_failed) --budget.remaining;
  }

  // A grace deletion not done after grace-over-time (strict) is forced, every call.
  void force_after_grace(const fault_job& job, const fault_job_record& rec) {
    if (rec.delete_mode != deletion_mode::grace || rec.deletion_done != 0) return;
    if (now_ - rec.fault_time <= opt_.grace_over_time) return;
    for (const auto& t : rec.tasks)
      if (t.deleted && uid_present(job, t.uid))
        out_.actions.push_back({t.pod, pod_action::delete_pod, grace_mode::force, "grace-over-time exceeded"});
  }

  const cluster& c_;
  node_index index_;
  const fault_state& prev_;
  std::int64_t now_;
  const fault_options& opt_;
  std::set<std::string> unknown_;
  std::multimap<std::string_view, std::size_t> records_;  // job name → index in prev_.jobs
  fault_report out_;
};

}  // namespace

std::string_view to_string(fault_type t) noexcept { return name_of(fault_type_names, t); }
std::optional<fault_type> parse_fault_type(std::string_view s) noexcept {
  return parse_name<fault_type>(fault_type_names, s);
}
std::string_view to_string(deletion_mode m) noexcept { return name_of(deletion_mode_names, m); }
std::optional<deletion_mode> parse_deletion_mode(std::string_view s) noexcept {
  return parse_name<deletion_mode>(deletion_mode_names, s);
}
std::string_view to_string(rescheduling_scope s) noexcept { return name_of(scope_names, s); }
std::optional<rescheduling_scope> parse_rescheduling_scope(std::int64_t level) noexcept {
  if (level < 0 || level >= static_cast<std::int64_t>(scope_names.size())) return std::nullopt;
  return static_cast<rescheduling_scope>(level);
}
std::string_view to_string(node_unusable_reason r) noexcept { return name_of(node_reason_names, r); }
std::optional<node_unusable_reason> parse_node_unusable_reason(std::string_view s) noexcept {
  return parse_name<node_unusable_reason>(node_reason_names, s);
}
std::string_view to_string(chip_unusable_reason r) noexcept { return name_of(chip_reason_names, r); }
std::optional<chip_unusable_reason> parse_chip_unusable_reason(std::string_view s) noexcept {
  return parse_name<chip_unusable_reason>(chip_reason_names, s);
}
std::string_view to_string(pod_action a) noexcept { return name_of(pod_action_names, a); }
std::optional<pod_action> parse_pod_action(std::string_view s) noexcept {
  return parse_name<pod_action>(pod_action_names, s);
}
std::string_view to_string(grace_mode m) noexcept { return name_of(grace_mode_names, m); }
std::optional<grace_mode> parse_grace_mode(std::string_view s) noexcept {
  return parse_name<grace_mode>(grace_mode_names, s);
}

std::optional<error> validate_fault_state(const fault_state& s) {
  std::set<std::string> names;
  for (std::size_t j = 0; j < s.jobs.size(); ++j) {
    const auto& r = s.jobs[j];
    if (r.job.empty()) return error{fmt::format("jobs[{}].job", j), "must not be empty"};
    if (!names.insert(r.job).second) return error{fmt::format("jobs[{}].job", j), "duplicate job " + r.job, error_code::duplicate};
    if (!in_range(scope_names, r.scope))
      return error{fmt::format("jobs[{}].scope", j), fmt::format("{} is not 0, 1 or 2", static_cast<int>(r.scope))};
    if (!in_range(deletion_mode_names, r.delete_mode))
      return error{fmt::format("jobs[{}].delete_mode", j),
                   fmt::format("{} is not none, grace, force or annotate", static_cast<int>(r.delete_mode))};
    std::set<std::string> pods;
    for (std::size_t t = 0; t < r.tasks.size(); ++t) {
      if (r.tasks[t].pod.empty()) return error{fmt::format("jobs[{}].tasks[{}].pod", j, t), "must not be empty"};
      if (!pods.insert(r.tasks[t].pod).second)
        return error{fmt::format("jobs[{}].tasks[{}].pod", j, t), "duplicate pod " + r.tasks[t].pod,
                     error_code::duplicate};
    }
  }
  for (const auto& [job, b] : s.retries)
    if (b.remaining < 0) return error{fmt::format("retries[\"{}\"].remaining", job), "must not be negative",
                                          error_code::out_of_range};
  return std::nullopt;
}

fault_report decide_faults(const cluster& c, const std::vector<fault_job>& jobs, const fault_state& previous,
                           std::int64_t now, const fault_options& opt, const std::vector<std::string>& unknown_nodes) {
  fault_report r = decider(c, previous, now, opt, unknown_nodes).run(jobs);
  // Jobs are decided in name order, so the records already are (unless names repeat).
  const auto by_job = [](const fault_job_record& a, const fault_job_record& b) { return a.job < b.job; };
  if (!std::is_sorted(r.next.jobs.begin(), r.next.jobs.end(), by_job))
    std::sort(r.next.jobs.begin(), r.next.jobs.end(), by_job);
  return r;
}

std::map<std::string, std::vector<std::string>> previous_fault_nodes(const fault_state& s) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& r : s.jobs) {
    std::set<std::string> nodes;
    for (const auto& t : r.tasks)
      if (t.fault && !t.node.empty()) nodes.insert(t.node);
    if (!nodes.empty()) out[r.job].assign(nodes.begin(), nodes.end());
  }
  return out;
}

}  // namespace npusched
