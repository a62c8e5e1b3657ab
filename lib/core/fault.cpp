#include "npusched/fault.hpp"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

namespace npusched {

namespace {

constexpr std::array<std::string_view, 5> fault_type_names = {"NodeUnhealthy", "CardUnhealthy", "pod-failed",
                                                              "RelationFaultSeparate", "SubHealthFault"};

// A pod's fault type, from the current state of the node and chips it uses.
std::optional<fault_type> classify(const cluster& c, const fault_job& job, const fault_pod& p,
                                   const std::set<std::string>& unknown) {
  if (p.node.empty()) return std::nullopt;
  const auto n = c.find(p.node);
  if (!n) {
    if (unknown.count(p.node) != 0) return std::nullopt;  // its data is broken, not its health
    return fault_type::node_unhealthy;                     // gone
  }
  const node_health h = c.health(*n);
  if (h == node_health::unhealthy || h == node_health::not_ready) return fault_type::node_unhealthy;
  if ((p.chips & c.unhealthy(*n)) != 0) return fault_type::card_unhealthy;
  if (job.fault_retry_times != 0 && p.failed) return fault_type::pod_failed;
  if (p.fault_type_label == "Separate") return fault_type::relation_fault_separate;
  const bool sub = c.health(*n) == node_health::sub_healthy || p.fault_type_label == "SubHealth" ||
                   (p.chips & c.sub_healthy(*n)) != 0;
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

classified classify_job(const cluster& c, const fault_job& job, const std::set<std::string>& unknown) {
  classified out;
  std::set<fault_type> types;
  for (std::size_t i = 0; i < job.pods.size(); ++i) {
    if (job.pods[i].terminating) continue;  // already going away
    if (auto t = classify(c, job, job.pods[i], unknown)) {
      out.faults.emplace_back(i, *t);
      types.insert(*t);
    }
  }
  out.types.assign(types.begin(), types.end());
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

class decider {
 public:
  decider(const cluster& c, const fault_state& prev, std::int64_t now, const fault_options& opt,
          const std::vector<std::string>& unknown)
      : c_(c), prev_(prev), now_(now), opt_(opt), unknown_(unknown.begin(), unknown.end()) {}

  fault_report run(const std::vector<fault_job>& jobs_in) {
    std::vector<const fault_job*> jobs;
    for (const auto& j : jobs_in) jobs.push_back(&j);
    std::sort(jobs.begin(), jobs.end(), [](const fault_job* a, const fault_job* b) { return a->name < b->name; });
    isolate(jobs);
    for (const auto& [node, t] : prev_.link_down)
      if (now_ - t <= opt_.link_down_seconds) out_.next.link_down[node] = t;
    for (const fault_job* j : jobs) decide(*j);
    return std::move(out_);
  }

 private:
  // Isolation report: what new pods may not use.
  void isolate(const std::vector<const fault_job*>& jobs) {
    for (std::uint32_t i = 0; i < c_.size(); ++i) {
      const node_id n{i};
      const std::string name(c_.name(n));
      switch (c_.health(n)) {
        case node_health::unhealthy: out_.unusable_nodes.push_back({name, "NodeUnhealthy"}); break;
        case node_health::not_ready: out_.unusable_nodes.push_back({name, "NotReady"}); break;
        case node_health::pre_separate: out_.unusable_nodes.push_back({name, "PreSeparate"}); break;
        case node_health::sub_healthy: out_.unusable_nodes.push_back({name, "SubHealthy"}); break;
        case node_health::healthy: break;
      }
      const auto chips = [&](chip_mask m, const char* why) {
        if (m != 0) out_.unusable_chips_.push_back({name, m, why});
      };
      chips(c_.unhealthy(n), "Unhealthy");
      chips(c_.recovering(n), "Recovering");
      chips(c_.network_unhealthy(n), "NetworkUnhealthy");
      if (auto it = prev_.link_down.find(name); it != prev_.link_down.end() && now_ - it->second <= opt_.link_down_seconds)
        chips(c_.link_down(n), "LinkDown");
      chips(c_.sub_healthy(n), "SubHealthFault");
    }
    // Nodes running pods that the cluster no longer has (deleted, or excluded for broken data).
    std::set<std::string> missing;
    for (const fault_job* j : jobs)
      for (const auto& p : j->pods)
        if (!p.node.empty() && !c_.find(p.node)) missing.insert(p.node);
    for (const auto& m : missing) out_.unusable_nodes.push_back({m, unknown_.count(m) ? "Unknown" : "Missing"});
    std::sort(out_.unusable_nodes.begin(), out_.unusable_nodes.end(),
              [](const unusable_node& a, const unusable_node& b) { return a.node < b.node; });
  }

  const fault_job_record* previous_record(const fault_job& job) const {
    for (const auto& r : prev_.jobs)
      if (r.job == job.name && r.owner_uid == job.owner_uid) return &r;
    return nullptr;
  }

  void decide(const fault_job& job) {
    if (!job.running) return;
    const classified cls = classify_job(c_, job, unknown_);
    // Retry budget: kept while the owner is the same; created on the first fault.
    std::optional<retry_budget> budget;
    if (auto it = prev_.retries.find(job.name); it != prev_.retries.end() && it->second.owner_uid == job.owner_uid)
      budget = it->second;

    fault_job_report rep{job.name, cls.types, {}, {}, {}};
    for (const auto& [i, t] : cls.faults) rep.pods.push_back(job.pods[i].name);

    if (job.scheduling == fault_scheduling::off) {
      if (!cls.faults.empty()) {
        rep.note = "fault-scheduling is off: nothing is deleted";
        out_.fault_jobs.push_back(std::move(rep));
      }
      if (budget) out_.next.retries[job.name] = *budget;
      return;
    }

    std::optional<fault_job_record> rec;
    if (const auto* p = previous_record(job); p && now_ - p->fault_time <= opt_.grace_over_time + opt_.cache_extra_seconds)
      rec = *p;
    if (cls.faults.empty() && !rec) {
      if (budget) out_.next.retries[job.name] = *budget;
      return;
    }
    if (!budget) budget = retry_budget{job.owner_uid, job.fault_retry_times};
    if (!rec) {
      rec = fault_job_record{job.name, job.owner_uid, now_, 0, "", false, 0, {}};
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
    std::sort(rec->tasks.begin(), rec->tasks.end(),
              [](const fault_task_record& a, const fault_task_record& b) { return a.pod < b.pod; });
    if (new_fault && rec->delete_executed) rec->delete_executed = false;

    // Deletion completion: every pod we acted on is gone (its UID is not in the job any more).
    if (rec->delete_executed && rec->deletion_done == 0 && rec->delete_mode != "annotate") {
      const bool gone = std::all_of(rec->tasks.begin(), rec->tasks.end(), [&](const fault_task_record& t) {
        return !t.deleted || !uid_present(job, t.uid);
      });
      if (gone) rec->deletion_done = now_;
    }
    if (rec->deletion_done > 0 && cls.faults.empty()) {
      int bound = 0;
      for (const auto& p : job.pods) bound += (!p.node.empty() && !p.terminating) ? 1 : 0;
      const int need = job.min_available > 0 ? job.min_available : static_cast<int>(job.pods.size());
      if (bound >= need) {  // replacements are bound: rescheduling is over
        out_.next.retries[job.name] = *budget;
        return;
      }
      escalate(job, *rec);
    }

    if (!rec->delete_executed) act(job, cls, *rec, *budget, rep);
    else force_after_grace(job, *rec);
    if (!rep.pods.empty() || !rep.note.empty()) out_.fault_jobs.push_back(std::move(rep));
    out_.next.retries[job.name] = *budget;
    out_.next.jobs.push_back(std::move(*rec));
  }

  // Pod-level rescheduling widens while replacements stay pending.
  void escalate(const fault_job& job, fault_job_record& rec) {
    if (!job.pod_rescheduling || job.pod_level_only || job.process_recover) return;
    const std::int64_t waited = now_ - rec.deletion_done;
    int target = rec.scope;
    if (waited >= opt_.escalate_to_job_seconds) target = 2;
    else if (job.block_nodes > 0 && waited >= opt_.escalate_to_block_seconds) target = std::max(target, 1);
    if (target <= rec.scope) return;
    rec.scope = target;
    rec.delete_executed = false;
    rec.deletion_done = 0;
  }

  // Which knobs chose the mode and the scope of `act`, for the report.
  static std::string describe_policy(const fault_job& job, const std::string& action, const std::string& mode,
                                     bool sub_health_only, bool master) {
    std::string how;
    if (action == "annotate")
      how = fmt::format("fault-scheduling={}: the fault pods are annotated and an external platform deletes them ({})",
                        job.scheduling_label, mode);
    else if (sub_health_only)
      how = fmt::format("only sub-health faults: subHealthyStrategy chooses a {} deletion", mode);
    else if (mode == "grace")
      how = fmt::format("fault-scheduling={}: deleted with the pod's grace period, forced after grace-over-time",
                        job.scheduling_label);
    else
      how = fmt::format("fault-scheduling={}: deleted at once (grace period 0)", job.scheduling_label);
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
    master = false;
    for (const auto& p : job.pods) {
      if (fault_pods.count(p.name) && is_master(p)) master = true;
      if (rec.scope >= 1 && job.block_nodes > 0 && is_master(p) && p.rank && fault_blocks.count(*p.rank / job.block_nodes))
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
      } else if (job.pod_rescheduling && rec.scope < 2 && !is_fault) {
        const bool same_block = job.block_nodes > 0 && rec.scope >= 1 && p.rank &&
                                fault_blocks.count(*p.rank / job.block_nodes) != 0;
        del = same_block && !job.process_recover;
      } else if (job.process_recover && !is_fault) {
        del = false;
      }
      if (del && (is_fault || !p.node.empty())) out.push_back(i);
    }
    return out;
  }

  void act(const fault_job& job, const classified& cls, fault_job_record& rec, retry_budget& budget,
           fault_job_report& rep) {
    std::vector<fault_type> types;
    for (const auto& t : rec.tasks)
      if (t.fault && std::find(types.begin(), types.end(), *t.fault) == types.end()) types.push_back(*t.fault);
    std::sort(types.begin(), types.end());
    if (types.empty() && rec.scope == 0) return;
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
    std::string action = "delete", mode;
    switch (job.scheduling) {
      case fault_scheduling::external_grace: action = "annotate"; mode = "grace"; break;
      case fault_scheduling::external_force: action = "annotate"; mode = "force"; break;
      case fault_scheduling::grace: mode = "grace"; break;
      default: mode = "force"; break;
    }
    if (action == "delete" && sub_health_only)
      mode = job.strategy == sub_healthy_strategy::grace_exit ? "grace" : "force";

    bool master = false;
    const auto chosen = select(job, rec, master);
    rep.policy = describe_policy(job, action, mode, sub_health_only, master);
    std::set<std::string> fault_pods;
    for (const auto& [i, t] : cls.faults) fault_pods.insert(job.pods[i].name);
    for (std::size_t i : chosen) {
      const fault_pod& p = job.pods[i];
      fault_task_record* task = find_task(rec, p.name);
      std::string why;
      if (task && task->fault) why = std::string(to_string(*task->fault));
      else if (master) why = "same job (master rank faulted)";
      else if (rec.scope == 1) why = "same logical super-node as a fault pod";
      else why = "same job";
      if (action == "annotate" && !(task && task->fault)) continue;  // external mode: fault pods only
      out_.actions.push_back({p.name, action, mode, why});
      if (task) {
        task->deleted = true;
        task->uid = p.uid;
      } else {
        rec.tasks.push_back({p.name, p.uid, p.node, p.created, std::nullopt, true, p.rank});
      }
      if (task && task->fault == fault_type::relation_fault_separate && !p.node.empty())
        out_.next.link_down[p.node] = now_;
    }
    std::sort(rec.tasks.begin(), rec.tasks.end(),
              [](const fault_task_record& a, const fault_task_record& b) { return a.pod < b.pod; });
    rec.delete_mode = action == "annotate" ? "annotate" : mode;
    rec.delete_executed = true;
    rec.deletion_done = 0;
    rec.fault_time = now_;
    if (reason == fault_type::pod_failed) --budget.remaining;
  }

  // A grace deletion not done after grace-over-time (strict) is forced, every call.
  void force_after_grace(const fault_job& job, const fault_job_record& rec) {
    if (rec.delete_mode != "grace" || rec.deletion_done != 0) return;
    if (now_ - rec.fault_time <= opt_.grace_over_time) return;
    for (const auto& t : rec.tasks)
      if (t.deleted && uid_present(job, t.uid))
        out_.actions.push_back({t.pod, "delete", "force", "grace-over-time exceeded"});
  }

  const cluster& c_;
  const fault_state& prev_;
  std::int64_t now_;
  const fault_options& opt_;
  std::set<std::string> unknown_;
  fault_report out_;
};

}  // namespace

std::string_view to_string(fault_type t) noexcept { return fault_type_names[static_cast<std::size_t>(t)]; }

std::optional<fault_type> parse_fault_type(std::string_view s) noexcept {
  for (std::size_t i = 0; i < fault_type_names.size(); ++i)
    if (fault_type_names[i] == s) return static_cast<fault_type>(i);
  return std::nullopt;
}

std::optional<error> validate_fault_state(const fault_state& s) {
  std::set<std::string> names;
  for (std::size_t j = 0; j < s.jobs.size(); ++j) {
    const auto& r = s.jobs[j];
    if (r.job.empty()) return error{fmt::format("jobs[{}].job", j), "must not be empty"};
    if (!names.insert(r.job).second) return error{fmt::format("jobs[{}].job", j), "duplicate job " + r.job};
    if (r.scope < 0 || r.scope > 2) return error{fmt::format("jobs[{}].scope", j), fmt::format("{} is not 0, 1 or 2", r.scope)};
    if (!r.delete_mode.empty() && r.delete_mode != "grace" && r.delete_mode != "force" && r.delete_mode != "annotate")
      return error{fmt::format("jobs[{}].delete_mode", j), fmt::format("\"{}\" is not grace, force or annotate", r.delete_mode)};
    std::set<std::string> pods;
    for (std::size_t t = 0; t < r.tasks.size(); ++t) {
      if (r.tasks[t].pod.empty()) return error{fmt::format("jobs[{}].tasks[{}].pod", j, t), "must not be empty"};
      if (!pods.insert(r.tasks[t].pod).second)
        return error{fmt::format("jobs[{}].tasks[{}].pod", j, t), "duplicate pod " + r.tasks[t].pod};
    }
  }
  for (const auto& [job, b] : s.retries)
    if (b.remaining < 0) return error{fmt::format("retries[\"{}\"].remaining", job), "must not be negative"};
  return std::nullopt;
}

fault_report decide_faults(const cluster& c, const std::vector<fault_job>& jobs, const fault_state& previous,
                           std::int64_t now, const fault_options& opt, const std::vector<std::string>& unknown_nodes) {
  fault_report r = decider(c, previous, now, opt, unknown_nodes).run(jobs);
  std::sort(r.next.jobs.begin(), r.next.jobs.end(),
            [](const fault_job_record& a, const fault_job_record& b) { return a.job < b.job; });
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
