// explain_json: the `npusched explain` pipeline and its JSON form (docs/explain.md).

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "detail.hpp"
#include "npusched/defrag.hpp"
#include "npusched/explain.hpp"
#include "npusched/k8s/explain.hpp"
#include "plan_parts.hpp"

namespace npusched::k8s {

namespace {

using detail::ojson;

const char* kind_name(explain_kind k) {
  switch (k) {
    case explain_kind::pod: return "pod";
    case explain_kind::group: return "group";
    case explain_kind::service: return "service";
  }
  return "";
}

// The target's pending pods, by index.
std::vector<std::size_t> pending_pods(const snapshot& s, const explain_target& t) {
  const std::string full = t.namespace_name + "/" + t.name;
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < s.workload.pods.size(); ++i) {
    const pod_spec& p = s.workload.pods[i];
    const bool hit = t.kind == explain_kind::pod     ? p.name == full
                     : t.kind == explain_kind::group ? i < s.pods.size() && s.pods[i].group == full
                                                     : s.workload.jobs[p.job].infer_service == full;
    if (hit) out.push_back(i);
  }
  return out;
}

// Bound pods of the target (pod or PodGroup), by pod name: members of
// PodGroups with bound pods, and holders of chips.
ojson running_pods(const snapshot& s, const explain_target& t) {
  const std::string full = t.namespace_name + "/" + t.name;
  std::vector<std::pair<std::string, std::string>> found;
  if (t.kind == explain_kind::pod)
    for (std::uint32_t i = 0; i < s.cluster.size(); ++i)
      for (int chip : chips_of(s.cluster.in_use(node_id{i})))
        if (s.cluster.holder(node_id{i}, chip) == full) found.emplace_back(full, std::string(s.cluster.name(node_id{i})));
  for (const fault_job& job : s.fault_jobs)
    for (const fault_pod& p : job.pods)
      if (!p.node.empty() && (t.kind == explain_kind::pod ? p.name == full : job.name == full))
        found.emplace_back(p.name, p.node);
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  ojson out = ojson::array();
  for (const auto& [pod, node] : found) out.push_back(ojson{{"pod", pod}, {"node", node}});
  return out;
}

ojson chip_names(const std::vector<int>& chips) {
  ojson out = ojson::array();
  for (int c : chips) out.push_back(detail::chip_name(c));
  return out;
}

ojson excluded_json(const filter_counts& f) {
  return ojson{{"selector", f.selector},       {"illegal", f.illegal},
               {"cordoned", f.cordoned},       {"unhealthy", f.unhealthy},
               {"network_unknown", f.network_unknown}, {"resources", f.resources},
               {"npu_short", f.npu_short},     {"topology", f.topology},
               {"broken_data", f.broken_data}, {"feasible", f.feasible},
               {"total", f.nodes}};
}

ojson pod_json(const snapshot& s, const pod_explanation& e) {
  const cluster& c = s.cluster;
  ojson out = ojson::object();
  out["pod"] = s.workload.pods[e.pod].name;
  out["group"] = e.pod < s.pods.size() ? s.pods[e.pod].group : std::string();
  out["placed"] = e.placed;
  if (e.placed) {
    out["node"] = std::string(c.name(*e.node));
    out["score"] = e.score;
    out["runner_up"] = e.runner_up ? ojson{{"node", std::string(c.name(*e.runner_up))}, {"score", e.runner_up_score}}
                                   : ojson(nullptr);
  }
  out["reason"] = std::string(to_string(e.why.code));
  out["message"] = e.why.message;
  out["excluded"] = excluded_json(e.counts);
  ojson closest = ojson::array();
  for (const candidate_node& n : e.closest)
    closest.push_back(ojson{{"node", std::string(c.name(n.node))},
                            {"usable", n.usable},
                            {"short_by", n.short_by},
                            {"wrong_shape", n.rule == node_rule::topology},
                            {"unhealthy_chips", chip_names(n.unhealthy_chips)},
                            {"recovering_chips", chip_names(n.recovering_chips)}});
  out["closest"] = std::move(closest);
  return out;
}

ojson suggestion_json(const snapshot& s, const suggestion& x) {
  ojson out = ojson::object();
  out["code"] = std::string(to_string(x.code));
  out["message"] = x.message;
  std::string group = s.workload.jobs[x.job].name;
  if (group.empty())
    for (std::size_t i = 0; i < s.workload.pods.size() && group.empty(); ++i)
      if (s.workload.pods[i].job == x.job) group = s.workload.pods[i].name;
  out["group"] = group;
  out["node"] = x.node ? ojson(std::string(s.cluster.name(*x.node))) : ojson(nullptr);
  out["count"] = x.count;
  out["npus"] = x.npus;
  out["chips"] = chip_names(x.chips);
  out["pods"] = x.pods;
  out["label_key"] = x.label_key;
  out["label_value"] = x.label_value;
  out["super_pod_id"] = x.super_pod_id ? ojson(*x.super_pod_id) : ojson(nullptr);
  return out;
}

ojson defrag_json(const snapshot& s, const defrag_advice& a) {
  const cluster& c = s.cluster;
  ojson out = ojson::object();
  const job_spec& job = s.workload.jobs[a.job];
  std::string group = job.name;
  for (std::size_t i = 0; i < s.workload.pods.size() && group.empty(); ++i)
    if (s.workload.pods[i].job == a.job) group = s.workload.pods[i].name;
  out["group"] = group;
  out["status"] = std::string(to_string(a.status));
  out["message"] = a.message;
  out["moved_jobs"] = a.moved_jobs;
  ojson moves = ojson::array();
  for (const pod_move& m : a.moves)
    moves.push_back(ojson{{"pod", m.pod},
                          {"job", m.job},
                          {"from", std::string(c.name(m.from))},
                          {"from_chips", chip_names(m.from_chips)},
                          {"to", m.to ? ojson(std::string(c.name(*m.to))) : ojson(nullptr)},
                          {"to_chips", chip_names(m.to_chips)},
                          {"super_pod_rank", m.super_pod_rank ? ojson(*m.super_pod_rank) : ojson(nullptr)},
                          {"super_pod_id", m.super_pod_rank ? ojson(m.super_pod_id) : ojson(nullptr)}});
  out["moves"] = std::move(moves);
  ojson placements = ojson::array();
  for (const binding& b : a.placements)
    placements.push_back(ojson{{"pod", s.workload.pods[b.pod].name},
                               {"node", std::string(c.name(b.node))},
                               {"chips", chip_names(b.chips)}});
  out["placements"] = std::move(placements);
  out["trials"] = a.trials;
  return out;
}

}  // namespace

result<explain_target> parse_explain_target(std::string_view kind, std::string_view namespaced_name) {
  explain_target t;
  if (kind == "pod") t.kind = explain_kind::pod;
  else if (kind == "group") t.kind = explain_kind::group;
  else if (kind == "service") t.kind = explain_kind::service;
  else return error{"target", fmt::format("kind \"{}\" is not pod, group or service", kind)};
  const auto slash = namespaced_name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == namespaced_name.size() ||
      namespaced_name.find('/', slash + 1) != std::string_view::npos)
    return error{"target", fmt::format("{} \"{}\" is not NAMESPACE/NAME", kind, namespaced_name)};
  t.namespace_name = std::string(namespaced_name.substr(0, slash));
  t.name = std::string(namespaced_name.substr(slash + 1));
  return t;
}

result<std::string> explain_json(std::string_view snapshot_json, const explain_json_options& opt) {
  auto in = prepare_snapshot(snapshot_json, opt.input, true);
  if (!in.ok()) return in.err();
  return explain_snapshot(in->snap, in->options, opt.target, opt.input.scheduler_name, in->snap.running_jobs);
}

result<std::string> explain_snapshot(const snapshot& s, const plan_options& options, const explain_target& t,
                                     std::string_view scheduler_name, std::span<const running_job> movable) {
  const auto targets = pending_pods(s, t);
  ojson target = ojson{{"kind", kind_name(t.kind)}, {"namespace", t.namespace_name}, {"name", t.name}};
  ojson running = t.kind == explain_kind::service ? ojson::array() : running_pods(s, t);
  if (targets.empty() && running.empty())
    return error{"target", fmt::format("{} {}/{} has no pending pod (scheduler {}) and none running in the snapshot",
                                       kind_name(t.kind), t.namespace_name, t.name, scheduler_name)};
  target["status"] = targets.empty() ? "running" : "pending";
  target["running"] = std::move(running);

  const plan_result placed = plan(s.cluster, s.workload, options);
  explain_options eopt;
  eopt.plan = options;
  const explanation e = explain(s.cluster, s.workload, placed, targets, eopt);

  ojson pods = ojson::array();
  for (const pod_explanation& p : e.pods) pods.push_back(pod_json(s, p));
  ojson suggestions = ojson::array();
  for (const suggestion& x : e.suggestions) suggestions.push_back(suggestion_json(s, x));
  ojson out = ojson::object();
  out["target"] = std::move(target);
  out["pods"] = std::move(pods);
  out["gangs"] = detail::gangs_json(s, placed, e.gangs);
  out["super_pod_jobs"] = detail::super_pod_jobs_json(s, placed, e.super_pod_jobs);
  out["suggestions"] = std::move(suggestions);
  ojson defrag = ojson::array();
  defrag_options dopt;
  dopt.plan = options;
  for (std::size_t g : e.gangs)
    if (!placed.gangs[g].admitted)
      defrag.push_back(defrag_json(s, advise_defrag(s.cluster, s.workload, placed, placed.gangs[g].job, movable, dopt)));
  out["defrag"] = std::move(defrag);
  return detail::dump(out);
}

}  // namespace npusched::k8s
