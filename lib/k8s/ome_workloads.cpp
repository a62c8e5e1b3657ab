// expand_ome, second half: pod specs, Deployment / ReplicaSet / pods,
// LeaderWorkerSet / StatefulSets / pods, PodGroups and the identifiers
// OME's controllers would generate. Rules: docs/ome.md.

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "detail.hpp"
#include "ome_detail.hpp"
#include "digest.hpp"
#include "strategic_merge.hpp"

namespace npusched::k8s::detail {

std::string object_uid(std::string_view kind, std::string_view ns, std::string_view name) {
  const std::string h = sha256_hex(fmt::format("uid\n{}\n{}\n{}", kind, ns, name));
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4), h.substr(16, 4),
                     h.substr(20, 12));
}

std::string safe_hash(std::string_view seed, std::size_t length) {
  static constexpr std::string_view alphabet = "bcdfghjklmnpqrstvwxz2456789";  // Kubernetes' safe characters
  const auto digest = sha256(seed);
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out.push_back(alphabet[digest[i % digest.size()] % alphabet.size()]);
  return out;
}

namespace {

constexpr const char* npu_resource = "huawei.com/Ascend910";
constexpr const char* group_annotation = "scheduling.k8s.io/group-name";
constexpr const char* lws_prefix = "leaderworkerset.sigs.k8s.io/";

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

ojson owner_ref(std::string_view api, std::string_view kind, std::string_view name, std::string_view uid) {
  return ojson{{"apiVersion", api}, {"kind", kind}, {"name", name}, {"uid", uid}, {"controller", true},
               {"blockOwnerDeletion", true}};
}

ojson object_meta(std::string_view name, std::string_view ns, std::string_view kind, const ojson& labels,
                  const ojson& annotations, ojson owner) {
  ojson md = ojson::object();
  md["name"] = name;
  md["namespace"] = ns;
  md["uid"] = object_uid(kind, ns, name);
  md["labels"] = labels;
  md["annotations"] = annotations;
  md["ownerReferences"] = ojson::array({std::move(owner)});
  return md;
}

// ---------------------------------------------------------------------------
// Resources

/// A quantity in thousandths (Kubernetes' MilliValue), or nothing when it does not read.
std::optional<std::int64_t> milli(const ojson& v) {
  const std::string text = v.is_string() ? v.get<std::string>() : v.is_number() ? v.dump() : "";
  auto q = parse_quantity(text);
  if (!q) return std::nullopt;
  auto s = scale(*q, 3);
  if (!s) return std::nullopt;
  return q->negative ? -s->value : s->value;
}

std::string format_milli(std::int64_t m) {
  return m % 1000 == 0 ? std::to_string(m / 1000) : std::to_string(m) + "m";
}

/// Σ container requests of a pod spec, in thousandths, by resource name.
std::map<std::string, std::int64_t> pod_requests(const ojson& pod_spec) {
  std::map<std::string, std::int64_t> out;
  if (const ojson* cs = member(pod_spec, "containers"))
    for (const ojson& c : *cs)
      if (const ojson* res = member(c, "resources"))
        if (const ojson* req = member(*res, "requests"))
          for (const auto& [k, v] : req->items())
            if (auto m = milli(v)) out[k] += *m;
  return out;
}

int npus_of(const std::map<std::string, std::int64_t>& req) {
  auto it = req.find(npu_resource);
  return it == req.end() ? 0 : static_cast<int>(it->second / 1000);
}

ojson resources_json(const std::map<std::string, std::int64_t>& sum) {
  ojson out = ojson::object();
  for (const auto& [k, v] : sum) out[k] = format_milli(v);
  return out;
}

void add_times(std::map<std::string, std::int64_t>& into, const std::map<std::string, std::int64_t>& r, std::int64_t n) {
  for (const auto& [k, v] : r) into[k] += v * n;
}

// ---------------------------------------------------------------------------
// Pod specs

bool extension_field(std::string_view k) {
  for (std::string_view f : {"minReplicas", "maxReplicas", "scaleTarget", "scaleMetric", "labels", "annotations",
                             "minAvailable", "maxUnavailable", "deploymentStrategy", "kedaConfig", "runner", "leader",
                             "worker", "acceleratorOverride", "config", "size"})
    if (k == f) return true;
  return false;
}

ojson pod_spec_part(const ojson& part) {
  ojson out = ojson::object();
  for (const auto& [k, v] : part.items())
    if (!extension_field(k) && !v.is_null()) out[k] = v;
  return out;
}

void replace_placeholders(ojson& v, const object_ref& isvc) {
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    for (auto [from, to] : {std::pair<std::string_view, const std::string&>{"{{.Name}}", isvc.name},
                            std::pair<std::string_view, const std::string&>{"{{.Namespace}}", isvc.ns}}) {
      for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    }
    v = s;
  } else if (v.is_structured()) {
    for (auto& e : v) replace_placeholders(e, isvc);
  }
}

ojson& array_at(ojson& obj, const char* key) {
  if (!obj.contains(key) || !obj[key].is_array()) obj[key] = ojson::array();
  return obj[key];
}

bool has_named(const ojson& list, const char* key, const ojson& value) {
  return std::any_of(list.begin(), list.end(), [&](const ojson& e) { return e.is_object() && e.contains(key) && e[key] == value; });
}

void add_env(ojson& container, std::string_view name, const ojson& value) {
  ojson& env = array_at(container, "env");
  if (!has_named(env, "name", name)) env.push_back(ojson{{"name", name}, {"value", value}});
}

/// Which template a pod spec is built from, for paths and resource rules.
struct template_part {
  std::string path;      ///< `spec.decoder.leader`
  ojson base;            ///< the pod-level fields
  const ojson* runner;   ///< the runner container, or null
};

/// The pod spec of one template: runner merged into the pod's containers,
/// model volume and env, resource fill, node selector, OME's defaults.
ojson build_pod_spec(const service_context& ctx, const component_plan& c, const template_part& t) {
  ojson spec = t.base;
  const model_info& m = ctx.model;
  const bool router = c.role == ome_role::router;
  if (t.runner) {
    ojson runner = *t.runner;
    if (router)
      if (const ojson* config = member(c.merged, "config"))
        for (const auto& [k, v] : config->items()) add_env(runner, k, v.is_string() ? v : ojson(v.dump()));
    if (!router && !m.storage_path.empty()) {
      add_env(runner, "MODEL_PATH", m.storage_path);
      ojson& mounts = array_at(runner, "volumeMounts");
      if (!has_named(mounts, "mountPath", m.storage_path))
        mounts.push_back(ojson{{"name", m.name}, {"mountPath", m.storage_path}, {"readOnly", true}});
    }
    // The runtime's legacy top-level containers fill missing resource keys
    // unless the InferenceService gave the runner's resources itself.
    const ojson* own_runner = member(c.isvc_part, "runner");
    if (!router && !(own_runner && member(*own_runner, "resources")))
      if (const ojson* legacy = member(*ctx.runtime_spec, "containers"); legacy && legacy->is_array())
        for (const ojson& lc : *legacy)
          if (lc.is_object() && lc.contains("name") && runner.contains("name") && lc["name"] == runner["name"])
            if (const ojson* lres = member(lc, "resources"))
              for (const char* side : {"requests", "limits"})
                if (const ojson* from = member(*lres, side))
                  for (const auto& [k, v] : from->items())
                    if (!runner["resources"][side].contains(k)) runner["resources"][side][k] = v;
    ojson& containers = array_at(spec, "containers");
    bool matched = false;
    for (ojson& pc : containers) {
      if (!pc.is_object() || !runner.contains("name") || pc.value("name", ojson()) != runner["name"]) continue;
      ojson args = pc.contains("args") && pc["args"].is_array() ? pc["args"] : ojson::array();
      if (const ojson* ra = member(runner, "args"))
        for (const ojson& a : *ra) args.push_back(a);
      pc = strategic_merge(pc, runner);
      if (!args.empty()) pc["args"] = args;
      matched = true;
      break;
    }
    if (!matched) containers.push_back(runner);
  }
  if (!m.storage_path.empty()) {
    ojson& volumes = array_at(spec, "volumes");
    if (!has_named(volumes, "name", m.name))
      volumes.push_back(ojson{{"name", m.name}, {"hostPath", {{"path", m.storage_path}}}});
  }
  for (ojson& container : array_at(spec, "containers")) {
    replace_placeholders(container, ctx.isvc);
    if (!container.contains("imagePullPolicy")) container["imagePullPolicy"] = "IfNotPresent";
    // The API server: a resource with only a limit is requested at the limit.
    const ojson* res = member(container, "resources");
    const ojson limits = res && member(*res, "limits") ? (*res)["limits"] : ojson::object();
    for (const auto& [k, v] : limits.items())
      if (!container["resources"].contains("requests") || !container["resources"]["requests"].contains(k))
        container["resources"]["requests"][k] = v;
  }
  if (!router) {
    ojson selector = spec.contains("nodeSelector") && spec["nodeSelector"].is_object() ? spec["nodeSelector"] : ojson::object();
    const std::string ready = model_ready_label(m);
    if (!selector.contains(ready)) selector[ready] = "Ready";
    for (const ojson* layer : {member(*ctx.runtime_spec, "nodeSelector"), member(c.isvc_part, "nodeSelector")})
      if (layer)
        for (const auto& [k, v] : layer->items()) selector[k] = v;
    spec["nodeSelector"] = selector;
  }
  if (!spec.contains("dnsPolicy")) spec["dnsPolicy"] = "ClusterFirst";
  if (!spec.contains("restartPolicy")) spec["restartPolicy"] = "Always";
  if (!spec.contains("terminationGracePeriodSeconds")) spec["terminationGracePeriodSeconds"] = 30;
  if (!spec.contains("securityContext")) spec["securityContext"] = ojson::object();
  if (spec.value("schedulerName", "").empty()) spec["schedulerName"] = "default-scheduler";
  return spec;
}

/// Resource warnings of one template: requests above limits, NPUs that are not a whole node.
void check_resources(const service_context& ctx, const template_part& t, const ojson& spec) {
  const ojson& containers = spec["containers"];
  for (std::size_t i = 0; i < containers.size(); ++i) {
    const ojson* res = member(containers[i], "resources");
    const ojson* req = res ? member(*res, "requests") : nullptr;
    const ojson* lim = res ? member(*res, "limits") : nullptr;
    if (!req || !lim) continue;
    for (const auto& [k, v] : req->items()) {
      const ojson* l = member(*lim, k);
      auto r = milli(v);
      auto lm = l ? milli(*l) : std::nullopt;
      if (r && lm && *r > *lm)
        ctx.warn("requests_exceed_limits", key_path(field_path(t.path, "runner.resources.requests"), k),
                 fmt::format("merged container {} requests {} {} but limits {}: the API server rejects the pod "
                             "(set requests and limits together in the InferenceService)",
                             containers[i].value("name", ""), format_milli(*r), k, format_milli(*lm)));
    }
  }
  const int npus = npus_of(pod_requests(spec));
  if (npus != 0 && npus != 8 && npus != 16)
    ctx.warn("npu_not_whole_node", field_path(t.path, "runner.resources"),
             fmt::format("the pod requests {} {}: MindCluster places these inference pods on whole nodes only (8 on "
                         "Atlas 800I A2, 16 on A3 / SuperPoD)",
                         npus, npu_resource));
}

ojson pod_object(const ojson& md, const ojson& spec) {
  return ojson{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", md}, {"spec", spec}, {"status", {{"phase", "Pending"}}}};
}

/// Annotations OME's pod webhook adds when absent.
void pod_webhook(ojson& annotations) {
  for (const char* k : {"ome.io/enable-metric-aggregation", "ome.io/enable-prometheus-scraping"})
    if (!annotations.contains(k)) annotations[k] = "false";
}

bool volcano_pod(const service_context& ctx, const ojson& spec) {
  const auto& names = ctx.opt->volcano_scheduler_names;
  return std::find(names.begin(), names.end(), spec.value("schedulerName", "")) != names.end();
}

ojson prefixed(const ojson& annotations, std::string_view prefix) {
  ojson out = ojson::object();
  for (const auto& [k, v] : annotations.items())
    if (std::string_view(k).starts_with(prefix)) out[k] = v;
  return out;
}

/// A Volcano PodGroup. `members` is its minMember; `each` the per-member requests summed.
ojson podgroup_object(std::string_view name, std::string_view ns, ojson owner, std::int64_t min_member,
                      const std::map<std::string, std::int64_t>& min_resources, const ojson& queue_from,
                      const ojson& labels, const ojson& annotations, const ojson& pod_spec) {
  ojson md = ojson::object();
  md["name"] = name;
  md["namespace"] = ns;
  md["uid"] = object_uid("PodGroup", ns, name);
  md["labels"] = labels;
  md["annotations"] = annotations;
  md["ownerReferences"] = ojson::array({std::move(owner)});
  ojson spec = ojson::object();
  spec["minMember"] = min_member;
  spec["minResources"] = resources_json(min_resources);
  if (const ojson* q = member(queue_from, "scheduling.volcano.sh/queue-name")) spec["queue"] = *q;
  if (const ojson* p = member(pod_spec, "priorityClassName")) spec["priorityClassName"] = *p;
  return ojson{{"apiVersion", "scheduling.volcano.sh/v1beta1"}, {"kind", "PodGroup"}, {"metadata", md},
               {"spec", spec}, {"status", {{"phase", "Pending"}}}};
}

std::int64_t group_min_member(const ojson& owner_annotations) {
  const ojson* v = member(owner_annotations, "scheduling.volcano.sh/group-min-member");
  if (!v || !v->is_string()) return 1;
  std::int64_t n = 0;
  const std::string& s = v->get_ref<const std::string&>();
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  return ec == std::errc() && p == s.data() + s.size() && n > 0 ? n : 1;
}

std::string full(std::string_view ns, std::string_view name) { return fmt::format("{}/{}", ns, name); }

// ---------------------------------------------------------------------------
// RawDeployment

void build_deployment(const service_context& ctx, const component_plan& c, ome_component& out, ojson& objects) {
  const std::string& ns = ctx.isvc.ns;
  const std::string path = field_path("spec", c.key);
  template_part t{path, pod_spec_part(c.merged), member(c.merged, "runner")};
  const ojson spec = build_pod_spec(ctx, c, t);
  check_resources(ctx, t, spec);

  const std::int64_t min = member(c.merged, "minReplicas") ? c.merged["minReplicas"].get<std::int64_t>() : 1;
  const std::int64_t max = member(c.merged, "maxReplicas") ? c.merged["maxReplicas"].get<std::int64_t>() : 0;
  const bool external = c.annotations.value("ome.io/autoscalerClass", "") == "external";
  const int replicas = external ? 1 : static_cast<int>(std::max<std::int64_t>(1, min));
  out.replicas = replicas;
  out.max_replicas = external ? replicas : static_cast<int>(std::max<std::int64_t>(max, replicas));

  const std::string app = c.name.substr(0, 63);
  ojson tpl_labels = c.labels;
  tpl_labels["app"] = app;
  for (const auto& [k, v] : c.queue_labels.items()) tpl_labels[k] = v;
  ojson tpl = {{"metadata", {{"labels", tpl_labels}, {"annotations", c.annotations}}}, {"spec", spec}};

  ojson dep_md = object_meta(c.name, ns, "Deployment", c.labels, c.annotations,
                             owner_ref("ome.io/v1beta1", "InferenceService", ctx.isvc.name, ctx.uid));
  ojson strategy = member(c.merged, "deploymentStrategy") ? c.merged["deploymentStrategy"]
                                                          : ojson{{"type", "RollingUpdate"},
                                                                  {"rollingUpdate", {{"maxUnavailable", 0}, {"maxSurge", 1}}}};
  objects.push_back(ojson{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", dep_md},
                          {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", app}}}}},
                                    {"strategy", strategy}, {"template", tpl}}}});

  const std::string hash = safe_hash(dump(tpl), 10);
  const std::string rs_name = c.name + "-" + hash;
  ojson rs_labels = tpl_labels;
  rs_labels["pod-template-hash"] = hash;
  ojson rs_annotations = c.annotations;
  rs_annotations["deployment.kubernetes.io/revision"] = "1";
  ojson rs_md = object_meta(rs_name, ns, "ReplicaSet", rs_labels, rs_annotations,
                            owner_ref("apps/v1", "Deployment", c.name, dep_md["uid"].get<std::string>()));
  const std::string rs_uid = rs_md["uid"];
  ojson rs_tpl = tpl;
  rs_tpl["metadata"]["labels"]["pod-template-hash"] = hash;
  objects.push_back(ojson{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"metadata", rs_md},
                          {"spec", {{"replicas", replicas},
                                    {"selector", {{"matchLabels", {{"app", app}, {"pod-template-hash", hash}}}}},
                                    {"template", rs_tpl}}}});

  ojson pod_annotations = c.annotations;
  pod_webhook(pod_annotations);
  std::string pg_name;
  if (volcano_pod(ctx, spec)) {
    pg_name = "podgroup-" + rs_uid;
    pod_annotations[group_annotation] = pg_name;
    const std::int64_t min_member = group_min_member(rs_annotations);
    std::map<std::string, std::int64_t> res;
    add_times(res, pod_requests(spec), min_member);
    objects.push_back(podgroup_object(pg_name, ns, owner_ref("apps/v1", "ReplicaSet", rs_name, rs_uid), min_member,
                                      res, pod_annotations, ojson::object(), prefixed(pod_annotations, "volcano.sh/"),
                                      spec));
  }
  for (int i = 0; i < replicas; ++i) {
    const std::string pod = rs_name + "-" + safe_hash(fmt::format("{}/{}/{}", ns, rs_name, i), 5);
    objects.push_back(pod_object(object_meta(pod, ns, "Pod", rs_tpl["metadata"]["labels"], pod_annotations,
                                             owner_ref("apps/v1", "ReplicaSet", rs_name, rs_uid)),
                                 spec));
    out.instances.push_back(ome_instance{i, {full(ns, pod)}, pg_name.empty() ? "" : full(ns, pg_name)});
  }
  out.workload_kind = "Deployment";
  out.workload = full(ns, c.name);
  out.scheduler_name = spec.value("schedulerName", "");
  out.npus_per_pod = npus_of(pod_requests(spec));
}

// ---------------------------------------------------------------------------
// MultiNode: LeaderWorkerSet

/// The pod-affinity the LWS webhook adds for `exclusive-topology`.
ojson exclusive_affinity(const std::string& topology, const std::string& group_key) {
  const std::string key = std::string(lws_prefix) + "group-key";
  return ojson{
      {"podAffinity",
       {{"requiredDuringSchedulingIgnoredDuringExecution",
         ojson::array({{{"labelSelector",
                         {{"matchExpressions",
                           ojson::array({{{"key", key}, {"operator", "In"}, {"values", ojson::array({group_key})}}})}}},
                        {"topologyKey", topology}}})}}},
      {"podAntiAffinity",
       {{"requiredDuringSchedulingIgnoredDuringExecution",
         ojson::array({{{"labelSelector",
                         {{"matchExpressions",
                           ojson::array({{{"key", key}, {"operator", "Exists"}},
                                         {{"key", key}, {"operator", "NotIn"}, {"values", ojson::array({group_key})}}})}}},
                        {"topologyKey", topology}}})}}}};
}

void build_lws(const service_context& ctx, const component_plan& c, ome_component& out, ojson& objects) {
  const std::string& ns = ctx.isvc.ns;
  const std::string path = field_path("spec", c.key);
  const ojson* leader = member(c.merged, "leader");
  const ojson& worker = c.merged["worker"];
  template_part lt = leader ? template_part{field_path(path, "leader"), pod_spec_part(*leader), member(*leader, "runner")}
                            : template_part{path, pod_spec_part(c.merged), member(c.merged, "runner")};
  template_part wt{field_path(path, "worker"), pod_spec_part(worker), member(worker, "runner")};
  ojson leader_spec = build_pod_spec(ctx, c, lt);
  ojson worker_spec = build_pod_spec(ctx, c, wt);
  check_resources(ctx, lt, leader_spec);

  const int replicas = member(c.merged, "minReplicas") ? static_cast<int>(std::max<std::int64_t>(0, c.merged["minReplicas"].get<std::int64_t>())) : 1;
  const int size = 1 + (member(worker, "size") ? static_cast<int>(worker["size"].get<std::int64_t>()) : 0);
  if (size > 1) check_resources(ctx, wt, worker_spec);
  out.replicas = replicas;
  out.max_replicas = replicas;
  out.group_size = size;

  const std::string lws = "lws-" + (c.name.size() > 50 ? c.name.substr(c.name.size() - 50) : c.name);
  ojson leader_labels = c.labels;
  leader_labels["app"] = c.name;
  leader_labels["ray.io/node-type"] = "head";
  ojson worker_labels = c.labels;
  for (const auto& [k, v] : c.queue_labels.items()) leader_labels[k] = worker_labels[k] = v;
  ojson worker_annotations = c.annotations;
  for (const char* k : {"prometheus.io/path", "prometheus.io/port", "prometheus.io/scrape"}) worker_annotations.erase(k);
  ojson lwt = {{"size", size},
               {"restartPolicy", "RecreateGroupOnPodRestart"},
               {"leaderTemplate", {{"metadata", {{"labels", leader_labels}, {"annotations", c.annotations}}}, {"spec", leader_spec}}},
               {"workerTemplate", {{"metadata", {{"labels", worker_labels}, {"annotations", worker_annotations}}}, {"spec", worker_spec}}}};
  ojson lws_md = object_meta(lws, ns, "LeaderWorkerSet", c.labels, c.annotations,
                             owner_ref("ome.io/v1beta1", "InferenceService", ctx.isvc.name, ctx.uid));
  const std::string lws_uid = lws_md["uid"];
  objects.push_back(ojson{{"apiVersion", "leaderworkerset.x-k8s.io/v1"}, {"kind", "LeaderWorkerSet"}, {"metadata", lws_md},
                          {"spec", {{"replicas", replicas}, {"startupPolicy", "LeaderCreated"},
                                    {"leaderWorkerTemplate", lwt},
                                    {"networkConfig", {{"subdomainPolicy", "Shared"}}},
                                    {"rolloutStrategy", {{"type", "RollingUpdate"},
                                                         {"rollingUpdateConfiguration", {{"maxUnavailable", 1}, {"maxSurge", 1}}}}}}}});
  const std::string rev = safe_hash(dump(lwt), 10);
  const bool gang = ctx.opt->lws_gang_scheduling;
  const std::string topology = c.annotations.value(std::string(lws_prefix) + "exclusive-topology", "");
  if (!topology.empty())
    ctx.warn("exclusive_topology_not_enforced", key_path(field_path(path, "annotations"), std::string(lws_prefix) + "exclusive-topology"),
             fmt::format("the LeaderWorkerSet webhook gives every pod of a group pod-affinity to its group and "
                         "anti-affinity to other groups on {}; npusched's planner does not enforce pod affinity",
                         topology));
  if (!gang)
    ctx.warn("lws_gang_scheduling_off", path,
             "the LeaderWorkerSet gang provider is off: no PodGroup per instance; Volcano makes one PodGroup for all "
             "leaders and one per worker StatefulSet, each with minMember 1 (MindCluster needs the provider set to volcano)");

  auto ss_object = [&](const std::string& name, int n, ojson owner, const ojson& tpl_labels) {
    ojson labels = {{std::string(lws_prefix) + "name", lws}, {std::string(lws_prefix) + "template-revision-hash", rev}};
    ojson md = object_meta(name, ns, "StatefulSet", labels, c.annotations, std::move(owner));
    ojson o = {{"apiVersion", "apps/v1"}, {"kind", "StatefulSet"}, {"metadata", md},
               {"spec", {{"replicas", n}, {"serviceName", lws}, {"podManagementPolicy", "Parallel"},
                         {"selector", {{"matchLabels", labels}}}, {"template", {{"metadata", {{"labels", tpl_labels}}}}}}}};
    return o;
  };
  const std::string leader_ss_uid = object_uid("StatefulSet", ns, lws);
  objects.push_back(ss_object(lws, replicas, owner_ref("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", lws, lws_uid), leader_labels));
  for (int g = 0; g < replicas && size > 1; ++g) {
    const std::string lp = fmt::format("{}-{}", lws, g);
    objects.push_back(ss_object(lp, size - 1, owner_ref("v1", "Pod", lp, object_uid("Pod", ns, lp)), worker_labels));
  }

  const auto leader_req = pod_requests(leader_spec);
  const auto worker_req = pod_requests(worker_spec);
  const std::int64_t fallback_min = group_min_member(c.annotations);
  // Gang off: the Volcano controller groups pods by StatefulSet.
  const std::string leaders_pg = "podgroup-" + leader_ss_uid;
  if (!gang && volcano_pod(ctx, leader_spec) && replicas > 0) {
    std::map<std::string, std::int64_t> res;
    add_times(res, leader_req, fallback_min);
    objects.push_back(podgroup_object(leaders_pg, ns, owner_ref("apps/v1", "StatefulSet", lws, leader_ss_uid),
                                      fallback_min, res, c.annotations, ojson::object(),
                                      prefixed(c.annotations, "volcano.sh/"), leader_spec));
  }
  ojson pods = ojson::array();
  for (int g = 0; g < replicas; ++g) {
    const std::string lp = fmt::format("{}-{}", lws, g);
    const std::string group_key = sha1_hex(full(ns, lp));
    const std::string pg_name = fmt::format("{}-{}", lp, rev);
    ome_instance inst{g, {}, ""};
    if (gang) {
      std::map<std::string, std::int64_t> res;
      add_times(res, leader_req, 1);
      add_times(res, worker_req, size - 1);
      ojson labels = {{std::string(lws_prefix) + "name", lws}, {std::string(lws_prefix) + "group-index", std::to_string(g)},
                      {std::string(lws_prefix) + "template-revision-hash", rev}};
      objects.push_back(podgroup_object(pg_name, ns, owner_ref("v1", "Pod", lp, object_uid("Pod", ns, lp)), size, res,
                                        c.annotations, labels, prefixed(c.annotations, "volcano.sh/"), leader_spec));
      inst.podgroup = full(ns, pg_name);
    } else if (volcano_pod(ctx, leader_spec)) {
      inst.podgroup = full(ns, leaders_pg);
    }
    for (int w = 0; w < size; ++w) {
      const bool is_leader = w == 0;
      const std::string pod = is_leader ? lp : fmt::format("{}-{}", lp, w);
      const std::string ss = is_leader ? lws : lp;
      ojson labels = is_leader ? leader_labels : worker_labels;
      labels[std::string(lws_prefix) + "name"] = lws;
      labels[std::string(lws_prefix) + "worker-index"] = std::to_string(w);
      labels[std::string(lws_prefix) + "group-index"] = std::to_string(g);
      labels[std::string(lws_prefix) + "group-key"] = group_key;
      labels[std::string(lws_prefix) + "template-revision-hash"] = rev;
      labels["controller-revision-hash"] = ss + "-" + rev;
      labels["statefulset.kubernetes.io/pod-name"] = pod;
      labels["apps.kubernetes.io/pod-index"] = std::to_string(is_leader ? g : w);
      ojson annotations = is_leader ? c.annotations : worker_annotations;
      pod_webhook(annotations);
      annotations[std::string(lws_prefix) + "size"] = std::to_string(size);
      if (!is_leader) annotations[std::string(lws_prefix) + "leader-name"] = lp;
      ojson spec = is_leader ? leader_spec : worker_spec;
      if (gang) {
        annotations[group_annotation] = pg_name;
      } else if (volcano_pod(ctx, spec)) {
        annotations[group_annotation] = is_leader ? leaders_pg : "podgroup-" + object_uid("StatefulSet", ns, lp);
      }
      for (ojson& container : array_at(spec, "containers")) {
        add_env(container, "LWS_LEADER_ADDRESS", fmt::format("{}.{}.{}", lp, lws, ns));
        add_env(container, "LWS_GROUP_SIZE", std::to_string(size));
        add_env(container, "LWS_WORKER_INDEX", std::to_string(w));
      }
      spec["hostname"] = pod;
      spec["subdomain"] = lws;
      if (!topology.empty()) spec["affinity"] = exclusive_affinity(topology, group_key);
      ojson owner = owner_ref("apps/v1", "StatefulSet", ss, object_uid("StatefulSet", ns, ss));
      pods.push_back(pod_object(object_meta(pod, ns, "Pod", labels, annotations, std::move(owner)), spec));
      inst.pods.push_back(full(ns, pod));
    }
    if (!gang && size > 1 && volcano_pod(ctx, worker_spec)) {
      const std::string wpg = "podgroup-" + object_uid("StatefulSet", ns, lp);
      std::map<std::string, std::int64_t> res;
      add_times(res, worker_req, fallback_min);
      objects.push_back(podgroup_object(wpg, ns, owner_ref("apps/v1", "StatefulSet", lp, object_uid("StatefulSet", ns, lp)),
                                        fallback_min, res, c.annotations, ojson::object(),
                                        prefixed(c.annotations, "volcano.sh/"), worker_spec));
    }
    out.instances.push_back(std::move(inst));
  }
  for (auto& p : pods) objects.push_back(std::move(p));
  out.workload_kind = "LeaderWorkerSet";
  out.workload = full(ns, lws);
  out.scheduler_name = leader_spec.value("schedulerName", "");
  out.npus_per_pod = npus_of(leader_req);
}

}  // namespace

void build_component(const service_context& ctx, const component_plan& c, ome_component& out, ojson& objects) {
  out.role = c.role;
  out.component = c.key;
  if (c.multi_node) build_lws(ctx, c, out, objects);
  else build_deployment(ctx, c, out, objects);
}

}  // namespace npusched::k8s::detail
