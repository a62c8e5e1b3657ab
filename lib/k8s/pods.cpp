// Pods: reading one Pod object, and the per-pod rules the job readers share
// (claimed chips, rank, exemption, service role).

#include <climits>
#include <limits>

#include <fmt/format.h>

#include "detail.hpp"
#include "objects.hpp"

namespace npusched::k8s::detail {

namespace {

using simdjson::dom::element;

constexpr std::string_view statefulset_pod_label = "statefulset.kubernetes.io/pod-name";
constexpr std::string_view lws_worker_index_label = "leaderworkerset.sigs.k8s.io/worker-index";

/// The labels and annotations of pods and PodGroups that some job rule reads
/// (gangs.cpp, fault_jobs.cpp, this file). Anything else is not kept.
constexpr std::string_view job_labels[] = {
    "subHealthyStrategy", "super-pod-affinity", "inferserviceid", "ome.io/inferenceservice", "component",
    "fault-scheduling", "pod-rescheduling", "process-recover-enable", "fault-retry-times", "app", "fault-type",
    "training.kubeflow.org/replica-type", operator_label, statefulset_pod_label, lws_worker_index_label,
};
constexpr std::string_view job_annotations[] = {
    group_annotation, real_annotation, npu_resource, rank_annotation, "huawei.com/schedule_policy", "sp-block",
    "huawei.com/schedule_minAvailable", "volcano.sh/task-spec", "huawei.com/skip-ascend-plugin",
    "huawei.com/recover_policy_path", "ProcessRecoverStrategy", "needVolcanoOpe",
};

/// A decimal int in [0, INT_MAX], nothing otherwise.
std::optional<int> parse_rank(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v;
}

}  // namespace

bool job_label_key(std::string_view key) {
  for (std::string_view k : job_labels)
    if (k == key) return true;
  return false;
}

bool job_annotation_key(std::string_view key) {
  for (std::string_view k : job_annotations)
    if (k == key) return true;
  return false;
}

/// The kept labels and annotations of a pod or PodGroup's metadata.
void read_job_keys(const json_view& item, string_pairs& labels, string_pairs& annotations) {
  const auto md = *opt_object(item, "metadata");
  for (auto [key, out, keep] : {std::tuple{"labels", &labels, &job_label_key},
                                std::tuple{"annotations", &annotations, &job_annotation_key}}) {
    auto m = member(md, key);
    if (!m) continue;
    // Copies of the bindings: clang before 16 cannot capture structured bindings.
    for_each_string(*m, [&, dest = out, wanted = keep](std::string_view k, std::string_view v, const json_view&) {
      if (wanted(k)) dest->emplace_back(k, v);
    });
    std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < out->size(); ++i)
      if ((*out)[i].first == (*out)[i - 1].first)
        fail(key_path(m->where(), (*out)[i].first), error_code::duplicate, "the key is given twice");
  }
}

pod_object read_pod(const json_view& item) {
  pod_object p;
  // kubectl always prints the namespace; a hand-written pod without one is in `default`.
  p.m = read_meta(item, "default");
  read_job_keys(item, p.labels, p.annotations);
  p.full = p.m.ns + "/" + p.m.name;
  if (auto g = p.annotation(group_annotation); g && !g->empty()) p.group = p.m.ns + "/" + *g;
  if (auto status = opt_object(item, "status")) {
    p.phase = std::string(opt_string(*status, "phase").value_or(""));
    if (auto cs = opt_array(*status, "containerStatuses")) {
      std::size_t i = 0;
      for (element e : simdjson::dom::array(cs->value)) {
        const json_view c = element_at(*cs, e, i++);
        expect_object(c);
        auto last = opt_object(c, "lastState");
        auto terminated = last ? opt_object(*last, "terminated") : std::nullopt;
        if (terminated && opt_int(*terminated, "exitCode", INT32_MIN, INT32_MAX).value_or(0) != 0) p.exited_nonzero = true;
      }
    }
  }
  auto spec = opt_object(item, "spec");
  if (!spec) return p;
  p.scheduler = std::string(opt_string(*spec, "schedulerName").value_or(""));
  p.node_name = std::string(opt_string(*spec, "nodeName").value_or(""));
  p.node_selector = opt_string_map(*spec, "nodeSelector");
  if (auto arr = opt_array(*spec, "tolerations")) {
    std::size_t i = 0;
    for (element e : simdjson::dom::array(arr->value)) {
      const json_view t = element_at(*arr, e, i++);
      expect_object(t);
      const std::string_view op = opt_string(t, "operator").value_or("");
      p.tolerations.push_back(toleration{std::string(opt_string(t, "key").value_or("")),
                                         op.empty() ? "Equal" : std::string(op),
                                         std::string(opt_string(t, "value").value_or("")),
                                         std::string(opt_string(t, "effect").value_or(""))});
    }
  }
  if (auto prio = opt_int(*spec, "priority", INT32_MIN, INT32_MAX)) p.priority = static_cast<std::int32_t>(*prio);
  std::int64_t npus = 0;
  if (auto containers = opt_array(*spec, "containers")) {
    std::size_t i = 0;
    for (element e : simdjson::dom::array(containers->value)) {
      const json_view c = element_at(*containers, e, i++);
      expect_object(c);
      if (auto env = opt_array(c, "env")) {
        // Every entry is checked, so a wrong-typed name or value is an error wherever it is.
        std::size_t k = 0;
        for (element v : simdjson::dom::array(env->value)) {
          const json_view entry = element_at(*env, v, k++);
          expect_object(entry);
          const auto name = opt_string(entry, "name");
          if (!name) fail(field_path(entry.where(), "name"), error_code::missing_field, "missing");
          const auto value = opt_string(entry, "value");
          if (*name == "VC_TASK_INDEX" && value && !p.task_index) p.task_index = std::string(*value);
        }
      }
      auto res = opt_object(c, "resources");
      if (!res) continue;
      auto requests = opt_object(*res, "requests");
      auto limits = opt_object(*res, "limits");
      // Kubernetes: a request defaults to the limit when only the limit is set.
      auto pick = [&](std::string_view key, int scale_exp10) -> std::int64_t {
        std::optional<std::int64_t> r, l;
        if (requests) r = opt_scaled_quantity(*requests, key, scale_exp10);
        if (limits) l = opt_scaled_quantity(*limits, key, scale_exp10);
        return r ? *r : l.value_or(0);
      };
      p.cpu_milli = add_saturating(p.cpu_milli, pick("cpu", 3));
      p.memory_bytes = add_saturating(p.memory_bytes, pick("memory", 0));
      std::optional<int> r, l;
      for (auto [obj, out] : {std::pair{&requests, &r}, std::pair{&limits, &l}}) {
        if (!*obj) continue;
        auto text = opt_quantity_text(**obj, npu_resource);
        if (!text) continue;
        auto k = npu_count(*text);
        if (auto* msg = std::get_if<std::string>(&k))
          fail(key_path((*obj)->where(), npu_resource), error_code::invalid_value,
               fmt::format("{}: an NPU request must be a non-negative integer", *msg));
        *out = std::get<int>(k);
      }
      if (r && l && *r != *l && !p.npu_conflict) {
        const std::string where = c.where();
        p.npu_conflict = fmt::format("pod {}: {}.resources requests {} {} but limits {}", p.full,
                                     where.substr(where.find(".spec.") + 1), *r, npu_resource, *l);
      }
      npus += r ? *r : l.value_or(0);
      if (npus > INT_MAX) fail(c.where() + ".resources", error_code::out_of_range, "the pod's NPU total is out of range");
    }
  }
  p.npus = static_cast<int>(npus);
  return p;
}

chip_list pod_chips(const pod_object& p, std::string_view* key) {
  if (auto real = p.annotation(real_annotation); real && !real->empty()) {
    if (key) *key = real_annotation;
    return parse_chip_list(*real);
  }
  if (key) *key = npu_resource;
  const std::string* v = p.annotation(npu_resource);
  return parse_chip_list(v ? *v : std::string_view());
}

std::variant<std::optional<int>, std::string> rank_of(const pod_object& p) {
  if (auto v = p.annotation(rank_annotation)) {
    if (auto r = parse_rank(*v)) return std::optional<int>(*r);
    return fmt::format("pod {}: annotation {} \"{}\" is not a non-negative integer", p.full, rank_annotation, *v);
  }
  if (auto v = p.label(lws_worker_index_label))
    if (auto r = parse_rank(*v)) return std::optional<int>(*r);
  if (auto v = p.label(statefulset_pod_label)) {
    const auto dash = v->rfind('-');
    if (dash != std::string::npos)
      if (auto r = parse_rank(std::string_view(*v).substr(dash + 1))) return std::optional<int>(*r);
  }
  if (p.task_index)
    if (auto r = parse_rank(*p.task_index)) return std::optional<int>(*r);
  return std::optional<int>();
}

pod_spec pod_request(const pod_object& p, std::size_t job) {
  pod_spec s;
  s.name = p.full;
  s.job = job;
  s.npus = p.npus;
  s.cpu_milli = p.cpu_milli;
  s.memory_bytes = p.memory_bytes;
  s.node_selector = p.node_selector;
  s.tolerations = p.tolerations;
  s.priority = p.priority;
  s.created = p.m.created.value_or(0);
  if (auto rank = rank_of(p); std::holds_alternative<std::optional<int>>(rank))
    s.rank = std::get<std::optional<int>>(rank);  // an unparsable rank made the job invalid
  s.exempt = exempt_pod(p);
  return s;
}

bool exempt_pod(const pod_object& p) {
  const std::string* spec = p.annotation("volcano.sh/task-spec");
  const std::string* skip = p.annotation("huawei.com/skip-ascend-plugin");
  return (spec && *spec == "scheduler") || (skip && *skip == "enabled");
}

std::optional<pod_role> role_of(const pod_object& p) {
  const std::string* service = p.label("ome.io/inferenceservice");
  const std::string* component = p.label("component");
  if (!service && !component) return std::nullopt;
  pod_role r{service ? *service : std::string(), service_role::none};
  if (component && *component == "engine") r.role = service_role::prefill;
  else if (component && *component == "decoder") r.role = service_role::decode;
  else if (component && *component == "router") r.role = service_role::router;
  return r;
}

}  // namespace npusched::k8s::detail
