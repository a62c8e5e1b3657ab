// Jobs: PodGroups, ReplicaSets, and the job rules read from a group's
// PodGroup and pods — handler, sp-block, gang size — shared by the plan path
// (make_job) and the fault path (fault_jobs.cpp). docs/gang.md.

#include <algorithm>
#include <charconv>
#include <climits>

#include <fmt/format.h>

#include "detail.hpp"
#include "objects.hpp"

namespace npusched::k8s::detail {

namespace {

using simdjson::dom::element;

constexpr std::string_view policy_annotation = "huawei.com/schedule_policy";
constexpr std::string_view sp_block_annotation = "sp-block";
constexpr std::string_view min_available_annotation = "huawei.com/schedule_minAvailable";

verdict invalid_request(std::string message) { return verdict{reason::invalid_request, std::move(message), false}; }

struct owner_ref {
  std::string kind, name, uid;
};

// The controller owner (`ownerReferences[].controller: true`) of an object.
std::optional<owner_ref> controller_owner(const json_view& item) {
  const auto md = opt_object(item, "metadata");
  if (!md) return std::nullopt;
  const auto refs = opt_array(*md, "ownerReferences");
  if (!refs) return std::nullopt;
  std::size_t i = 0;
  for (element e : simdjson::dom::array(refs->value)) {
    const json_view ref = element_at(*refs, e, i++);
    expect_object(ref);
    if (opt_bool(ref, "controller").value_or(false))
      return owner_ref{std::string(opt_string(ref, "kind").value_or("")), std::string(opt_string(ref, "name").value_or("")),
                       std::string(opt_string(ref, "uid").value_or(""))};
  }
  return std::nullopt;
}

}  // namespace

bool volcano_podgroup(std::string_view api_version) {
  return api_version.empty() || api_version.substr(0, 22) == "scheduling.volcano.sh/";
}

podgroup_object read_podgroup(const json_view& item) {
  podgroup_object g;
  g.m = read_meta(item, "default");
  read_job_keys(item, g.labels, g.annotations);
  if (auto spec = opt_object(item, "spec")) {
    g.min_member = opt_int(*spec, "minMember", 0, INT32_MAX);  // int32 in Volcano's API
    if (auto res = opt_object(*spec, "minResources")) {
      if (auto text = opt_quantity_text(*res, npu_resource)) {
        auto k = npu_count(*text);
        if (auto* msg = std::get_if<std::string>(&k))
          fail(key_path(res->where(), npu_resource), error_code::invalid_value,
               fmt::format("{}: an NPU amount must be a non-negative integer", *msg));
        g.min_npus = std::get<int>(k);
      }
    }
  }
  const auto owner = controller_owner(item);
  if (owner && owner->kind == "ReplicaSet") g.owner_replicaset = g.m.ns + "/" + owner->name;
  g.owner_uid = owner && !owner->uid.empty() ? owner->uid : g.m.uid;
  if (auto status = opt_object(item, "status"))
    if (auto phase = opt_string(*status, "phase")) g.phase = std::string(*phase);
  return g;
}

replicaset_object read_replicaset(const json_view& item) {
  const auto md = *opt_object(item, "metadata");
  replicaset_object r;
  r.key = std::string(opt_string(md, "namespace").value_or("default")) + "/" + std::string(*opt_string(md, "name"));
  if (auto spec = opt_object(item, "spec")) r.replicas = opt_int(*spec, "replicas", 0, INT32_MAX).value_or(1);  // the Kubernetes default
  if (r.replicas < 0) fail(item.where() + ".spec.replicas", error_code::out_of_range, "must not be negative");
  return r;
}

const std::string* job_view::value(std::string_view key, bool label) const {
  if (pg)
    if (auto v = find_pair(label ? pg->labels : pg->annotations, key)) return v;
  for (const pod_object* p : *members)
    if (auto v = label ? p->label(key) : p->annotation(key)) return v;
  return nullptr;
}

accelerator_type job_view::super_pod_type() const {
  std::optional<std::string_view> selected;
  for (const pod_object* p : *members) {
    const std::string* v = find_pair(p->node_selector, "accelerator-type");
    if (!v) continue;
    if (selected && *selected != *v) return accelerator_type::module_a3_16_super_pod;  // disagreeing selectors
    selected = *v;
  }
  return selected && parse_accelerator_type(*selected) == accelerator_type::module_a3_8_super_pod
             ? accelerator_type::module_a3_8_super_pod
             : accelerator_type::module_a3_16_super_pod;
}

std::variant<int, std::string> parse_sp_block(std::string_view job, std::string_view text) {
  int v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec == std::errc() && ptr == end && !text.empty()) return v;
  return fmt::format("job {}: annotation sp-block \"{}\" is not an integer", job, text);
}

void derive_gang(job_spec& j, const job_view& v, const replica_counts& replicasets) {
  const podgroup_object* pg = v.pg;
  if (!pg) {  // a lone pod, or a group whose PodGroup is not in the snapshot: every pending pod
    j.min_available = 0;
    return;
  }
  const std::string* annotation = v.value(min_available_annotation, false);
  std::int64_t min = pg->min_member.value_or(1);
  std::int64_t npus = pg->min_npus.value_or(0);
  if (pg->owner_replicaset && !annotation) {
    if (auto rs = replicasets.find(*pg->owner_replicaset); rs != replicasets.end()) {
      min = rs->second;
      npus *= rs->second;
    }
  }
  if (annotation) {
    const std::string& text = *annotation;
    int n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || ptr != text.data() + text.size() || n < 0) {
      if (!j.invalid)
        j.invalid = invalid_request(fmt::format(
            "job {}: annotation huawei.com/schedule_minAvailable \"{}\" is not a non-negative integer", j.name, text));
    } else if (pg->min_member.value_or(1) == 1) {
      min = n;
      npus *= n;
    }
  }
  j.min_available = static_cast<int>(std::clamp<std::int64_t>(min, 0, INT_MAX));
  j.gang_npus = static_cast<int>(std::clamp<std::int64_t>(npus, 0, INT_MAX));
}

job_spec make_job(std::string name, const std::vector<const pod_object*>& members, const podgroup_object* pg,
                  const replica_counts& replicasets) {
  job_spec j;
  j.name = std::move(name);
  j.shape.npu_tasks = 0;
  j.shape.total_npus = 0;
  std::int64_t total = 0;
  for (const pod_object* p : members) {
    if (p->m.deleting) {  // going away: its replacement counts instead
      if (j.terminating.empty()) j.terminating = p->full;
      continue;
    }
    if (p->npus > 0) ++j.shape.npu_tasks;
    total += p->npus;
  }
  j.shape.total_npus = static_cast<int>(std::min<std::int64_t>(total, INT_MAX));

  for (const pod_object* p : members) {
    if (p->npu_conflict) {
      j.invalid = invalid_request(*p->npu_conflict);
      break;
    }
  }
  const std::string label_name = j.name.empty() ? members.front()->full : j.name;
  std::map<std::string, std::string> selectors;  // accelerator-type value → first pod naming it
  for (const pod_object* p : members)
    if (auto v = find_pair(p->node_selector, "accelerator-type")) selectors.emplace(*v, p->full);
  if (selectors.size() > 1 && !j.invalid) {
    auto a = selectors.begin();
    auto b = std::next(a);
    j.invalid = invalid_request(fmt::format("pods of job {} disagree on nodeSelector accelerator-type: \"{}\" ({}) vs \"{}\" ({})",
                                            label_name, a->first, a->second, b->first, b->second));
  }
  const job_view view{pg, &members};
  // Handler as the reference picks it: schedule policy, then sp-block (the
  // super-pod type the selector names), then the selector.
  const std::optional<accelerator_type> selected =
      selectors.size() == 1 ? parse_accelerator_type(selectors.begin()->first) : std::nullopt;
  const std::string* policy = view.value(policy_annotation, false);
  const std::string* sp_block = view.value(sp_block_annotation, false);
  if (policy && parse_schedule_policy(*policy)) {
    j.handler = parse_schedule_policy(*policy);
  } else if (sp_block) {
    j.handler = view.super_pod_type();
  } else {
    j.handler = selected;
  }
  if (sp_block) {
    auto v = parse_sp_block(label_name, *sp_block);
    if (auto* n = std::get_if<int>(&v)) j.sp_block = *n;
    else if (!j.invalid) j.invalid = invalid_request(std::get<std::string>(v));
  }
  if (auto strategy = view.value("subHealthyStrategy", true)) j.refuse_sub_healthy = *strategy != "ignore";
  const std::string* affinity = view.value("super-pod-affinity", true);
  j.soft_super_pod = affinity && *affinity == "soft";
  // Inference services are namespaced: the id (or OME's service name) within the job's namespace.
  const std::string& ns = pg ? pg->m.ns : members.front()->m.ns;
  if (auto id = view.value("inferserviceid", true); id && !id->empty()) {
    j.infer_service = ns + "/" + *id;
  } else if (auto isvc = view.value("ome.io/inferenceservice", true); isvc && !isvc->empty()) {
    j.infer_service = ns + "/" + *isvc;
  }
  derive_gang(j, view, replicasets);
  for (const pod_object* p : members) {
    auto rank = rank_of(*p);
    if (auto* msg = std::get_if<std::string>(&rank)) {
      if (!j.invalid) j.invalid = invalid_request(*msg);
      continue;
    }
    if (p->node_name.empty() || p->m.deleting) continue;
    j.running.push_back(running_member{p->full, p->node_name, std::get<std::optional<int>>(rank), p->npus});
  }
  return j;
}

}  // namespace npusched::k8s::detail
