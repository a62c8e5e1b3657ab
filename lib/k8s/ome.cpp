// expand_ome, first half: reading the documents, admission defaults, runtime
// and model lookup and validation, the merge, deployment modes and component
// metadata. ome_workloads.cpp builds the objects. Rules: docs/ome.md.

#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "deploy_tool_config.hpp"
#include "detail.hpp"
#include "documents.hpp"
#include "ome_detail.hpp"
#include "strategic_merge.hpp"

namespace npusched::k8s {

std::string_view to_string(ome_role r) noexcept {
  switch (r) {
    case ome_role::prefill: return "prefill";
    case ome_role::decode: return "decode";
    case ome_role::router: return "router";
  }
  return "";
}

namespace detail {

void ome_fail(std::string path, std::string message) { throw ome_failure{error{std::move(path), std::move(message)}}; }

std::string object_ref::label() const { return ns.empty() ? kind + " " + name : kind + " " + ns + "/" + name; }

std::string object_ref::at(std::string_view field) const {
  std::string s = source.empty() ? label() : source + " " + label();
  if (!field.empty()) s += fmt::format(": {}", field);
  return s;
}

const ojson* member(const ojson& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

namespace {

std::string json_type(const ojson& v) { return v.type_name(); }

/// What to do when YAML typed a value the field wants as a string.
std::string quote_hint(const ojson& v) {
  if (v.is_boolean())
    return fmt::format(" (YAML read an unquoted on/off/yes/no/true/false/y/n as a boolean: quote it, \"{}\")",
                       v.get<bool>() ? "on" : "off");
  if (v.is_number()) return fmt::format(" (quote it: \"{}\")", v.dump());
  return "";
}

[[noreturn]] void fail_type(const object_ref& ref, const std::string& path, std::string_view want, const ojson& v) {
  ome_fail(ref.at(path), fmt::format("expected {}, got {}", want, json_type(v)));
}

}  // namespace

const ojson* object_member(const object_ref& ref, const ojson& obj, std::string_view obj_path, std::string_view key) {
  const ojson* v = member(obj, key);
  if (v && !v->is_object()) fail_type(ref, field_path(obj_path, key), "an object", *v);
  return v;
}

std::optional<std::string> string_member(const object_ref& ref, const ojson& obj, std::string_view obj_path,
                                         std::string_view key) {
  const ojson* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_string())
    ome_fail(ref.at(field_path(obj_path, key)), fmt::format("expected a string, got {}{}", json_type(*v), quote_hint(*v)));
  return v->get<std::string>();
}

std::optional<std::int64_t> int_member(const object_ref& ref, const ojson& obj, std::string_view obj_path,
                                       std::string_view key) {
  const ojson* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) fail_type(ref, field_path(obj_path, key), "an integer", *v);
  return v->get<std::int64_t>();
}

std::map<std::string, std::string> string_map_member(const object_ref& ref, const ojson& obj,
                                                     std::string_view obj_path, std::string_view key) {
  std::map<std::string, std::string> out;
  const ojson* m = object_member(ref, obj, obj_path, key);
  if (!m) return out;
  const std::string base = field_path(obj_path, key);
  for (const auto& [k, v] : m->items()) {
    if (v.is_string()) {
      out.emplace(k, v.get<std::string>());
      continue;
    }
    ome_fail(ref.at(key_path(base, k)), fmt::format("expected a string, got {}{}", json_type(v), quote_hint(v)));
  }
  return out;
}

void service_context::warn(std::string code, std::string path, std::string message) const {
  warnings->push_back(ome_warning{std::move(code), isvc.label(), isvc.source, std::move(path), std::move(message)});
}

namespace {

constexpr std::string_view api_group = "ome.io/";

bool is_ome_kind(std::string_view k) {
  return k == "InferenceService" || k == "ServingRuntime" || k == "ClusterServingRuntime" || k == "BaseModel" ||
         k == "ClusterBaseModel";
}
bool cluster_scoped(std::string_view k) { return k == "ClusterServingRuntime" || k == "ClusterBaseModel" || k == "Node"; }
bool plain_kind(std::string_view k) {
  for (std::string_view p :
       {"Pod", "PodGroup", "Node", "ConfigMap", "ReplicaSet", "Deployment", "StatefulSet", "LeaderWorkerSet", "Service"})
    if (k == p) return true;
  return false;
}

struct input_object {
  object_ref ref;
  const ojson* value = nullptr;
  std::size_t order = 0;
};

/// The object's kind and name, checked. Plain objects default to `default`.
object_ref identify(const detail::document& d) {
  object_ref ref{d.source, "", "", ""};
  if (!d.value.is_object()) ome_fail(d.source, fmt::format("expected an object, got {}", json_type(d.value)));
  if (is_deploy_tool_config(d.value))
    ome_fail(d.source,
             "is a deployment-tool config; give the InferenceService, runtime and model documents it stands for");
  const ojson* kind = member(d.value, "kind");
  if (!kind) ome_fail(d.source + ": kind", "missing");
  if (!kind->is_string()) ome_fail(d.source + ": kind", fmt::format("expected a string, got {}", json_type(*kind)));
  ref.kind = kind->get<std::string>();
  if (!is_ome_kind(ref.kind) && !plain_kind(ref.kind))
    ome_fail(d.source + ": kind",
             fmt::format("unknown kind \"{}\" (expected an OME kind: InferenceService, ServingRuntime, "
                         "ClusterServingRuntime, BaseModel, ClusterBaseModel; or Pod, PodGroup, Node, ConfigMap, "
                         "ReplicaSet, Deployment, StatefulSet, LeaderWorkerSet, Service)",
                         ref.kind));
  const ojson* md = member(d.value, "metadata");
  if (!md) ome_fail(d.source + " " + ref.kind + ": metadata.name", "missing");
  if (!md->is_object())
    ome_fail(d.source + " " + ref.kind + ": metadata", fmt::format("expected an object, got {}", json_type(*md)));
  const ojson* name = member(*md, "name");
  if (!name) ome_fail(d.source + " " + ref.kind + ": metadata.name", "missing");
  if (!name->is_string() || name->get<std::string>().empty())
    ome_fail(d.source + " " + ref.kind + ": metadata.name", "expected a non-empty string");
  ref.name = name->get<std::string>();
  if (!cluster_scoped(ref.kind)) {
    const ojson* ns = member(*md, "namespace");
    if (ns && !ns->is_string())
      ome_fail(ref.at("metadata.namespace"), fmt::format("expected a string, got {}", json_type(*ns)));
    ref.ns = ns ? ns->get<std::string>() : "default";
    if (ref.ns.empty()) ref.ns = "default";
  }
  if (is_ome_kind(ref.kind)) {
    const ojson* api = member(d.value, "apiVersion");
    if (api && (!api->is_string() || !api->get<std::string>().starts_with(api_group)))
      ome_fail(ref.at("apiVersion"), fmt::format("expected {}v1beta1 for kind {}", api_group, ref.kind));
  }
  return ref;
}

struct inventory {
  std::vector<input_object> isvcs, passthrough, applied;
  std::map<std::string, input_object> runtimes, models;  // by "<kind> <ns>/<name>" / "<kind> <name>"
};

std::string key_of(const object_ref& r) { return r.label(); }

// ---------------------------------------------------------------------------
// MindCluster keys and where the decoder reads them

bool mindcluster_label_key(std::string_view k) {
  return k == "fault-scheduling" || k == "pod-rescheduling" || k == "fault-retry-times" || k == "super-pod-affinity";
}
bool mindcluster_annotation_key(std::string_view k) {
  return k == "sp-block" || k == "huawei.com/schedule_minAvailable" || k == "huawei.com/recover_policy_path" ||
         k == "huawei.com/schedule_policy";
}

void check_mindcluster_keys(const service_context& ctx, const object_ref& ref, const ojson& obj,
                            std::string_view obj_path, bool copied_to_pods, std::string_view instead) {
  for (const char* field : {"labels", "annotations"}) {
    const bool label = std::string_view(field) == "labels";
    for (const auto& [k, v] : string_map_member(ref, obj, obj_path, field)) {
      const std::string path = key_path(field_path(obj_path, field), k);
      const bool lk = mindcluster_label_key(k), ak = mindcluster_annotation_key(k);
      if (!lk && !ak) continue;
      if (!copied_to_pods) {
        ctx.warnings->push_back(ome_warning{
            "mindcluster_key_not_copied", ref.label(), ref.source, path,
            fmt::format("OME does not copy {} here to the pods; put {} \"{}\" into {} {}", field, k, v, instead,
                        lk ? "labels" : "annotations")});
      } else if (label != lk) {
        ctx.warnings->push_back(ome_warning{
            "mindcluster_key_wrong_map", ref.label(), ref.source, path,
            fmt::format("MindCluster reads {} from the pod {}, not its {}; move it to {}", k,
                        lk ? "labels" : "annotations", field, lk ? "labels" : "annotations")});
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Components

struct component_kind {
  const char* key;
  const char* config;
  ome_role role;
};
constexpr component_kind component_kinds[] = {{"engine", "engineConfig", ome_role::prefill},
                                               {"decoder", "decoderConfig", ome_role::decode},
                                               {"router", "routerConfig", ome_role::router}};

void check_component_types(const object_ref& ref, const ojson& comp, const std::string& path) {
  (void)int_member(ref, comp, path, "minReplicas");
  (void)int_member(ref, comp, path, "maxReplicas");
  (void)string_map_member(ref, comp, path, "labels");
  (void)string_map_member(ref, comp, path, "annotations");
  (void)string_map_member(ref, comp, path, "nodeSelector");
  (void)string_member(ref, comp, path, "schedulerName");
  (void)object_member(ref, comp, path, "runner");
  for (const char* part : {"leader", "worker"}) {
    if (const ojson* p = object_member(ref, comp, path, part)) {
      const std::string sub = field_path(path, part);
      (void)string_member(ref, *p, sub, "schedulerName");
      (void)string_map_member(ref, *p, sub, "nodeSelector");
      (void)object_member(ref, *p, sub, "runner");
      if (auto size = int_member(ref, *p, sub, "size"); size && *size < 0)
        ome_fail(ref.at(field_path(sub, "size")), "must not be negative");
    }
  }
  if (const ojson* c = member(comp, "containers"); c && !c->is_array())
    fail_type(ref, field_path(path, "containers"), "an array", *c);
}

/// An InferenceService runner override without `name`: OME's merge would
/// blank the container name; we keep the runtime's name and warn.
void fill_runner_names(const service_context& ctx, ojson& part, const ojson* config, const std::string& path) {
  if (!config) return;
  auto fill = [&](ojson& holder, const ojson* base_holder, const std::string& at) {
    ojson* runner = holder.is_object() && holder.contains("runner") ? &holder["runner"] : nullptr;
    if (!runner || !runner->is_object() || (runner->contains("name") && !(*runner)["name"].is_null())) return;
    const ojson* base_runner = base_holder ? member(*base_holder, "runner") : nullptr;
    const ojson* base_name = base_runner ? member(*base_runner, "name") : nullptr;
    if (!base_name || !base_name->is_string()) return;
    (*runner)["name"] = *base_name;
    ctx.warn("runner_without_name", field_path(at, "runner.name"),
             fmt::format("the runner override has no name: OME's merge would blank the runtime's container name "
                         "\"{}\" and the pod would be invalid; expanded with \"{}\" — repeat the name",
                         base_name->get<std::string>(), base_name->get<std::string>()));
  };
  fill(part, config, path);
  for (const char* sub : {"leader", "worker"})
    if (part.contains(sub) && part[sub].is_object()) fill(part[sub], member(*config, sub), field_path(path, sub));
}

void admission_defaults(ojson& isvc) {
  ojson& spec = isvc["spec"];
  ojson& md = isvc["metadata"];
  const bool engine = member(spec, "engine") != nullptr;
  const bool decoder = member(spec, "decoder") != nullptr;
  if (!member(md, "annotations")) md["annotations"] = ojson::object();
  if (!member(md["annotations"], "ome.io/deploymentMode")) {
    std::string mode = "RawDeployment";
    if (engine && decoder) {
      mode = "PDDisaggregated";
    } else if (engine) {
      const ojson& e = spec["engine"];
      const ojson* w = member(e, "worker");
      const ojson* size = w ? member(*w, "size") : nullptr;
      if (member(e, "leader") && w && size && size->is_number_integer() && size->get<std::int64_t>() > 0)
        mode = "MultiNode";
    }
    md["annotations"]["ome.io/deploymentMode"] = mode;
  }
  for (const auto& ck : component_kinds) {
    ojson* c = spec.contains(ck.key) && spec[ck.key].is_object() ? &spec[ck.key] : nullptr;
    if (!c) continue;
    if (!member(*c, "minReplicas")) (*c)["minReplicas"] = 1;
    const ojson* max = member(*c, "maxReplicas");
    if (!max || *max == 0) (*c)["maxReplicas"] = ck.role == ome_role::router ? 2 : 3;
  }
}

bool valid_mode(std::string_view m) {
  return m == "Serverless" || m == "RawDeployment" || m == "MultiNodeRayVLLM" || m == "MultiNode" ||
         m == "VirtualDeployment";
}

std::string component_mode(const component_plan& c, bool has_decoder) {
  const bool lw = member(c.merged, "leader") || member(c.merged, "worker");
  const ojson* min = member(c.merged, "minReplicas");
  const bool zero_min = min && *min == 0;
  if (c.role == ome_role::prefill) {
    std::string mode;
    if (const ojson* a = member(c.merged, "annotations"))
      if (const ojson* m = member(*a, "ome.io/deploymentMode"); m && m->is_string() && valid_mode(m->get<std::string>()))
        mode = m->get<std::string>();
    if (mode.empty()) mode = lw ? "MultiNode" : zero_min ? "Serverless" : "RawDeployment";
    if (mode == "Serverless" && has_decoder) mode = "RawDeployment";
    return mode;
  }
  if (c.role == ome_role::decode) return lw ? "MultiNode" : "RawDeployment";
  return zero_min ? "Serverless" : "RawDeployment";
}

void add_map(ojson& into, const ojson* from) {
  if (!from) return;
  for (const auto& [k, v] : from->items()) into[k] = v;
}

/// Component labels and annotations for the workload and its pods.
void component_metadata(const service_context& ctx, const ojson& isvc, component_plan& c, bool fine_tuned) {
  const ojson& md = isvc["metadata"];
  add_map(c.labels, member(md, "labels"));
  add_map(c.labels, member(c.merged, "labels"));
  const model_info& m = ctx.model;
  c.labels["ome.io/inferenceservice"] = ctx.isvc.name;
  c.labels["component"] = c.key;
  c.labels["serving-runtime"] = ctx.runtime_name;
  c.labels["fine-tuned-serving"] = fine_tuned ? "true" : "false";
  c.labels["base-model-name"] = m.name;
  c.labels["base-model-size"] = m.category;
  c.labels["base-model-type"] = "Serving";
  if (!m.vendor.empty()) c.labels["base-model-vendor"] = m.vendor;

  if (const ojson* a = member(md, "annotations"))
    for (const auto& [k, v] : a->items())
      if (k != "autoscaling.knative.dev/min-scale" && k != "autoscaling.knative.dev/max-scale" &&
          k != "internal.ome.io/storage-initializer-sourceuri" && k != "kubectl.kubernetes.io/last-applied-configuration")
        c.annotations[k] = v;
  add_map(c.annotations, member(c.merged, "annotations"));
  c.annotations["ome.io/base-model-name"] = m.name;
  if (!m.vendor.empty()) c.annotations["ome.io/base-model-vendor"] = m.vendor;
  if (!m.format.empty()) c.annotations["ome.io/base-model-format"] = m.format;
  if (!m.format_version.empty()) c.annotations["ome.io/base-model-format-version"] = m.format_version;
  c.annotations["ome.io/serving-runtime"] = ctx.runtime_name;
  for (const auto& [k, v] : m.decryption_annotations) c.annotations[k] = v;

  const ojson& a = c.annotations;
  if (const ojson* q = member(a, "ome.io/volcano-queue")) {
    c.queue_labels["volcano.sh/queue-name"] = *q;
  } else if (const ojson* d = member(a, "ome.io/dedicated-ai-cluster")) {
    if (member(a, "kueue-enabled")) {
      c.queue_labels["kueue.x-k8s.io/queue-name"] = *d;
      c.queue_labels["kueue.x-k8s.io/priority-class"] = "kueue-scheduling-high-priority";
    } else {
      c.queue_labels["volcano.sh/queue-name"] = *d;
      c.queue_labels["ray.io/priority-class-name"] = "volcano-scheduling-high-priority";
    }
  }
  if (a.contains("volcano")) c.queue_labels["ray.io/scheduler-name"] = "volcano";
}

/// The namespaced object first, then the cluster-scoped one, as OME looks them up.
const input_object* lookup(const std::map<std::string, input_object>& in, std::string_view ns_kind,
                           std::string_view cluster_kind, const std::string& ns, const std::string& name) {
  if (auto it = in.find(fmt::format("{} {}/{}", ns_kind, ns, name)); it != in.end()) return &it->second;
  if (auto it = in.find(fmt::format("{} {}", cluster_kind, name)); it != in.end()) return &it->second;
  return nullptr;
}

ome_service expand_service(const inventory& inv, const input_object& o, const ome_options& opt,
                           std::vector<ome_warning>& warnings, ojson& objects) {
  ojson isvc = *o.value;
  service_context ctx;
  ctx.isvc = o.ref;
  ctx.opt = &opt;
  ctx.warnings = &warnings;
  const object_ref& ref = o.ref;
  const ojson* spec_p = object_member(ref, isvc, "", "spec");
  if (!spec_p) ome_fail(ref.at("spec"), "missing");
  (void)string_map_member(ref, isvc["metadata"], "metadata", "labels");
  (void)string_map_member(ref, isvc["metadata"], "metadata", "annotations");
  ctx.uid = string_member(ref, isvc["metadata"], "metadata", "uid").value_or(object_uid(ref.kind, ref.ns, ref.name));

  ome_service svc;
  svc.namespace_name = ref.ns;
  svc.name = ref.name;
  svc.source = ref.source;

  const ojson* model_ref = object_member(ref, *spec_p, "spec", "model");
  if (!model_ref) ome_fail(ref.at("spec.model"), "missing: the model reference is required");
  const auto model_name = string_member(ref, *model_ref, "spec.model", "name");
  if (!model_name || model_name->empty()) ome_fail(ref.at("spec.model.name"), "missing: the model reference is required");
  const ojson* runtime_ref = object_member(ref, *spec_p, "spec", "runtime");
  const auto runtime_name = runtime_ref ? string_member(ref, *runtime_ref, "spec.runtime", "name") : std::nullopt;
  if (!runtime_name || runtime_name->empty())
    ome_fail(ref.at("spec.runtime.name"),
             "missing: name the serving runtime (automatic runtime selection is not expanded)");
  for (const auto& ck : component_kinds)
    if (const ojson* c = object_member(ref, *spec_p, "spec", ck.key)) check_component_types(ref, *c, field_path("spec", ck.key));
  if (!member(*spec_p, "engine"))
    ome_fail(ref.at("spec.engine"), "missing: the engine component is required (give at least engine: {})");

  const input_object* rt = lookup(inv.runtimes, "ServingRuntime", "ClusterServingRuntime", ref.ns, *runtime_name);
  if (!rt)
    ome_fail(ref.at("spec.runtime.name"),
             fmt::format("no ServingRuntime {}/{} or ClusterServingRuntime {} among the inputs", ref.ns, *runtime_name,
                         *runtime_name));
  const ojson* rt_spec = object_member(rt->ref, *rt->value, "", "spec");
  static const ojson empty = ojson::object();
  if (!rt_spec) rt_spec = &empty;
  ctx.runtime_spec = rt_spec;
  ctx.runtime_name = rt->ref.name;
  svc.runtime = rt->ref.kind == "ClusterServingRuntime" ? "ClusterServingRuntime/" + rt->ref.name
                                                        : "ServingRuntime/" + rt->ref.ns + "/" + rt->ref.name;

  const input_object* mo = lookup(inv.models, "BaseModel", "ClusterBaseModel", ref.ns, *model_name);
  if (mo) {
    ctx.model = read_model(mo->ref, *mo->value);
  } else {
    ctx.model.name = *model_name;
    ctx.warn("model_not_found", "spec.model.name",
             fmt::format("no BaseModel {}/{} or ClusterBaseModel {} among the inputs: expanded as a ClusterBaseModel "
                         "without vendor, format or storage path, category SMALL",
                         ref.ns, *model_name, *model_name));
  }
  svc.model = ctx.model.kind == "ClusterBaseModel" ? "ClusterBaseModel/" + ctx.model.name
                                                   : "BaseModel/" + ctx.model.ns + "/" + ctx.model.name;

  // Runtime-level places OME does not copy to pods.
  const std::string instead = "the component's (spec.engine/decoder/router in the InferenceService, or the runtime's "
                              "engineConfig/decoderConfig/routerConfig)";
  check_mindcluster_keys(ctx, rt->ref, (*rt->value)["metadata"], "metadata", false, instead);
  check_mindcluster_keys(ctx, rt->ref, *rt_spec, "spec", false, instead);
  check_mindcluster_keys(ctx, ref, isvc["metadata"], "metadata", true, "");

  if (auto why = runtime_refusal(rt->ref, *rt_spec, ctx.model, mo != nullptr)) {
    ctx.warn("runtime_incompatible", "spec.runtime.name",
             fmt::format("OME would refuse this service (RuntimeValidationError): {}; nothing is expanded", *why));
    return svc;
  }

  if (opt.admission_defaults) admission_defaults(isvc);
  const ojson& spec = isvc["spec"];
  if (const ojson* mode = member(isvc["metadata"], "annotations") ? member(isvc["metadata"]["annotations"], "ome.io/deploymentMode") : nullptr;
      mode && mode->is_string() && (*mode == "Serverless" || *mode == "VirtualDeployment"))
    ome_fail(ref.at("metadata.annotations[\"ome.io/deploymentMode\"]"),
             fmt::format("deployment mode {} is not supported (only RawDeployment and MultiNode are expanded)",
                         mode->get<std::string>()));
  const bool fine_tuned = member(*model_ref, "fineTunedWeights") && !(*model_ref)["fineTunedWeights"].empty();

  std::vector<component_plan> plans;
  for (const auto& ck : component_kinds) {
    const ojson* config = object_member(rt->ref, *rt_spec, "spec", ck.config);
    if (config) check_component_types(rt->ref, *config, field_path("spec", ck.config));
    const std::string path = field_path("spec", ck.key);
    if (!member(spec, ck.key)) {
      if (config)
        ctx.warn("component_not_opted_in", path,
                 fmt::format("{} has {}, but the InferenceService has no {}: OME creates no {}", rt->ref.label(),
                             ck.config, ck.key, ck.key));
      continue;
    }
    component_plan c;
    c.key = ck.key;
    c.role = ck.role;
    c.name = ref.name + "-" + ck.key;
    c.isvc_part = spec[ck.key];
    fill_runner_names(ctx, c.isvc_part, config, path);
    c.merged = config ? strategic_merge(*config, c.isvc_part) : c.isvc_part;
    if (config) check_mindcluster_keys(ctx, rt->ref, *config, field_path("spec", ck.config), true, "");
    check_mindcluster_keys(ctx, ref, c.isvc_part, path, true, "");
    plans.push_back(std::move(c));
  }
  const bool has_decoder = std::any_of(plans.begin(), plans.end(), [](auto& c) { return c.role == ome_role::decode; });
  for (component_plan& c : plans) {
    const std::string mode = component_mode(c, has_decoder);
    const std::string path = field_path("spec", c.key);
    if (mode != "RawDeployment" && mode != "MultiNode")
      ome_fail(ref.at(path), fmt::format("the {} would be deployed as {}, which is not supported (only RawDeployment "
                                         "and MultiNode are expanded){}",
                                         c.key, mode, mode == "Serverless" ? "; set minReplicas to 1 or more" : ""));
    c.multi_node = mode == "MultiNode";
    if (c.multi_node && !member(c.merged, "worker"))
      ome_fail(ref.at(field_path(path, "worker")),
               "missing: a MultiNode component with a leader needs a worker section (OME builds no LeaderWorkerSet "
               "without one)");
    component_metadata(ctx, isvc, c, fine_tuned);
    if (c.multi_node)
      if (const ojson* v = member(c.annotations, "huawei.com/schedule_minAvailable"))
        ctx.warn("min_available_on_lws", key_path(field_path(path, "annotations"), "huawei.com/schedule_minAvailable"),
                 fmt::format("huawei.com/schedule_minAvailable \"{}\" on a LeaderWorkerSet component: MindCluster "
                             "ignores it when the group has more than one pod and, with one pod per group, a value "
                             "above 1 makes the group unschedulable; remove it",
                             v->is_string() ? v->get<std::string>() : v->dump()));
    ome_component out;
    build_component(ctx, c, out, objects);
    svc.components.push_back(std::move(out));
  }
  return svc;
}

void read_inputs(const std::vector<source_document>& inputs, std::vector<detail::document>& docs, inventory& inv) {
  for (const source_document& in : inputs) {
    auto r = read_documents(in);
    if (!r) throw ome_failure{r.err()};
    for (auto& d : *r) docs.push_back(std::move(d));
  }
  std::map<std::string, std::string> seen;  // key → source
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const object_ref ref = identify(docs[i]);
    auto [it, fresh] = seen.emplace(key_of(ref), ref.source);
    if (!fresh) ome_fail(ref.at("metadata.name"), fmt::format("duplicate {} (also {})", ref.label(), it->second));
    input_object o{ref, &docs[i].value, i};
    if (ref.kind == "InferenceService") inv.isvcs.push_back(o);
    else if (ref.kind == "ServingRuntime" || ref.kind == "ClusterServingRuntime") inv.runtimes.emplace(key_of(ref), o);
    else if (ref.kind == "BaseModel" || ref.kind == "ClusterBaseModel") inv.models.emplace(key_of(ref), o);
    if (is_ome_kind(ref.kind)) inv.applied.push_back(o);
    else inv.passthrough.push_back(o);
  }
}

void read_context(std::string_view text, std::vector<detail::document>& docs, inventory& inv) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
  auto r = read_documents(source_document{"context", std::string(text)});
  if (!r) throw ome_failure{r.err()};
  const std::size_t first = docs.size();
  for (auto& d : *r) docs.push_back(std::move(d));
  for (std::size_t i = first; i < docs.size(); ++i) {
    const ojson& v = docs[i].value;
    const ojson* kind = member(v, "kind");
    if (!kind || !kind->is_string() || !is_ome_kind(kind->get<std::string>()) || *kind == "InferenceService") continue;
    const object_ref ref = identify(docs[i]);
    auto& into = ref.kind == "BaseModel" || ref.kind == "ClusterBaseModel" ? inv.models : inv.runtimes;
    into.emplace(key_of(ref), input_object{ref, &docs[i].value, i});  // the inputs' own objects win
  }
}

/// `a.yaml[2]` before `a.yaml[10]`: runs of digits compare as numbers.
bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      std::string_view x = a.substr(i, ie - i), y = b.substr(j, je - j);
      while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
      while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

ome_expansion expand(const std::vector<source_document>& inputs, std::string_view context, const ome_options& opt) {
  // The inventory points into these: each is filled completely before it is indexed.
  std::vector<detail::document> docs;
  inventory inv;
  read_inputs(inputs, docs, inv);
  std::vector<detail::document> context_docs;
  read_context(context, context_docs, inv);

  std::sort(inv.isvcs.begin(), inv.isvcs.end(), [](const input_object& a, const input_object& b) {
    return std::tie(a.ref.ns, a.ref.name) < std::tie(b.ref.ns, b.ref.name);
  });
  ome_expansion e;
  ojson objects = ojson::array();
  for (const input_object& o : inv.isvcs) e.services.push_back(expand_service(inv, o, opt, e.warnings, objects));
  for (const input_object& o : inv.passthrough) objects.push_back(*o.value);
  ojson applied = ojson::array();
  for (const input_object& o : inv.applied) applied.push_back(*o.value);
  e.applied_json = dump(applied);
  e.objects_json = dump(objects);
  std::stable_sort(e.warnings.begin(), e.warnings.end(), [](const ome_warning& a, const ome_warning& b) {
    if (a.source != b.source) return natural_less(a.source, b.source);
    return a.path < b.path;
  });
  return e;
}

}  // namespace
}  // namespace detail

result<ome_expansion> expand_ome(const std::vector<source_document>& inputs, std::string_view context_list_json,
                                 const ome_options& opt) {
  try {
    return detail::expand(inputs, context_list_json, opt);
  } catch (const detail::ome_failure& f) {
    return f.err;
  }
}

}  // namespace npusched::k8s
