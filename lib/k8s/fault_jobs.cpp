// Running jobs as the fault logic sees them (docs/faults.md, "Inputs"): the
// same job rules as the plan path (gangs.cpp), plus the fault labels.

#include <algorithm>
#include <charconv>
#include <climits>

#include "objects.hpp"

namespace npusched::k8s::detail {

namespace {

std::optional<fault_scheduling> parse_fault_scheduling(std::string_view v) {
  if (v == "off") return fault_scheduling::off;
  if (v == "grace") return fault_scheduling::grace;
  if (v == "force") return fault_scheduling::force;
  if (v == "external-grace") return fault_scheduling::external_grace;
  if (v == "external-force") return fault_scheduling::external_force;
  return std::nullopt;
}

sub_healthy_strategy parse_sub_healthy_strategy(std::string_view v) {
  if (v == "graceExit") return sub_healthy_strategy::grace_exit;
  if (v == "forceExit") return sub_healthy_strategy::force_exit;
  if (v == "hotSwitch") return sub_healthy_strategy::hot_switch;
  return sub_healthy_strategy::ignore;  // `ignore`, and unknown values, as the reference does
}

/// The chips a pod's annotation names; names that do not parse or lie outside 0..31 are skipped.
chip_mask claimed_chips(const pod_object& p) {
  const std::string* real = p.annotation(real_annotation);
  const std::string* plain = p.annotation(npu_resource);
  std::string_view rest = real && !real->empty() ? std::string_view(*real) : plain ? std::string_view(*plain) : "";
  chip_mask m = 0;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    if (auto c = parse_chip_name(rest.substr(0, comma)); c && *c < max_chips_per_node) m |= chip_bit(*c);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return m;
}

bool is(const std::string* v, std::string_view want) { return v && *v == want; }

}  // namespace

fault_job make_fault_job(const std::string& name, const podgroup_object& pg, const std::vector<const pod_object*>& pods,
                         const replica_counts& replicasets, std::string* min_available_error) {
  const job_view view{&pg, &pods};
  fault_job j;
  j.name = name;
  j.owner_uid = pg.owner_uid;
  j.running = !pg.phase || *pg.phase == "Running" || *pg.phase == "Unknown";
  if (auto v = view.value("fault-scheduling", true)) {
    j.scheduling_label = *v;
    j.scheduling = parse_fault_scheduling(*v).value_or(fault_scheduling::unsupported);
  }
  j.pod_rescheduling = is(view.value("pod-rescheduling", true), "on");
  j.process_recover = is(view.value("process-recover-enable", true), "on");
  if (auto v = view.value("fault-retry-times", true))
    j.fault_retry_times = static_cast<int>(std::clamp<std::int64_t>(parse_int(*v).value_or(0), 0, INT_MAX));
  if (auto v = view.value("subHealthyStrategy", true)) j.strategy = parse_sub_healthy_strategy(*v);
  const std::string* app = view.value("app", true);
  j.pod_level_only = is(view.value("huawei.com/recover_policy_path", false), "pod") ||
                     view.value("ome.io/inferenceservice", true) != nullptr || is(app, "mindie-ms-controller") ||
                     is(app, "mindie-ms-coordinator");
  j.external_recovery = view.value("ProcessRecoverStrategy", false) != nullptr;
  if (auto sp = view.value("sp-block", false)) {
    // The plan path's reading of sp-block and of the super-pod type; an
    // unreadable value gives no logical super-nodes here (the plan path refuses the job).
    auto v = parse_sp_block(name, *sp);
    if (auto* n = std::get_if<int>(&v); n && *n > 0) j.block_nodes = *n / max_chips(view.super_pod_type());
  }
  job_spec gang;
  gang.name = name;
  derive_gang(gang, view, replicasets);
  j.min_available = gang.min_available;
  // derive_gang refuses nothing but the annotation on a fresh job.
  if (min_available_error) *min_available_error = gang.invalid ? gang.invalid->message : std::string();
  for (const pod_object* p : pods) {
    fault_pod fp;
    fp.name = p->full;
    fp.uid = p->m.uid;
    fp.node = p->node_name;
    fp.chips = claimed_chips(*p);
    fp.npus = p->npus;
    if (auto rank = rank_of(*p); std::holds_alternative<std::optional<int>>(rank))
      fp.rank = std::get<std::optional<int>>(rank);
    fp.created = p->m.created.value_or(0);
    fp.failed = p->phase == "Failed" || p->exited_nonzero;
    fp.phase_failed = p->phase == "Failed";
    fp.terminating = p->m.deleting;
    fp.fault_type_label = p->label("fault-type") ? *p->label("fault-type") : "";
    fp.worker_replica = is(p->label("training.kubeflow.org/replica-type"), "worker");
    fp.hot_switch_delete = is(p->annotation("needVolcanoOpe"), "delete");
    j.npu_job = j.npu_job || p->npus > 0;
    j.pods.push_back(std::move(fp));
  }
  return j;
}

}  // namespace npusched::k8s::detail
