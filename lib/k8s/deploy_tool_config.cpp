// inference_service_from_deploy_config: the deployment tool's short config →
// the OME InferenceService it generates. The rules and the choices made where
// the tool is silent are in docs/deploy-tool.md; comments here say why.

#include "deploy_tool_config.hpp"

#include <array>
#include <climits>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "detail.hpp"

namespace npusched::k8s::detail {

namespace {

using ojson = nlohmann::ordered_json;
using string_pairs = std::vector<std::pair<std::string, std::string>>;

constexpr const char* npu_resource = "huawei.com/Ascend910";
constexpr const char* gang_scheduler = "volcano";

// Config errors travel as an exception inside this file only.
struct config_failure {
  error err;
};

/// The config's fields, read with error paths `<object>: <field>`.
class config_reader {
 public:
  explicit config_reader(std::string object) : object_(std::move(object)) {}

  [[noreturn]] void fail(std::string_view field, std::string message) const {
    throw config_failure{error{field.empty() ? object_ : object_ + ": " + std::string(field), std::move(message)}};
  }
  [[noreturn]] void fail_type(std::string_view field, const ojson& v, std::string_view want) const {
    fail(field, fmt::format("expected {}, got {}", want, v.type_name()));
  }

  /// Rejects keys outside `accepted`, listing the accepted ones.
  void check_keys(const ojson& obj, std::string_view path, std::initializer_list<std::string_view> accepted) const {
    for (const auto& [key, value] : obj.items()) {
      bool known = false;
      for (std::string_view a : accepted) known = known || a == key;
      if (!known) fail(field_path(path, key), fmt::format("unknown key; accepted: {}", fmt::join(accepted, ", ")));
    }
  }

  /// The member, or nullptr when absent or null (the tool treats both alike).
  static const ojson* member(const ojson& obj, std::string_view key) {
    auto it = obj.find(std::string(key));
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }

  const ojson* object(const ojson& obj, std::string_view path, std::string_view key) const {
    const ojson* v = member(obj, key);
    if (v && !v->is_object()) fail_type(field_path(path, key), *v, "an object");
    return v;
  }

  std::optional<std::string> string(const ojson& obj, std::string_view path, std::string_view key) const {
    const ojson* v = member(obj, key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail_type(field_path(path, key), *v, "a string");
    if (v->get_ref<const std::string&>().empty()) fail(field_path(path, key), "must not be empty");
    return v->get<std::string>();
  }

  /// An integer field, `fallback` when absent; at least `min`.
  int integer(const ojson& obj, std::string_view path, std::string_view key, int fallback, int min) const {
    const ojson* v = member(obj, key);
    if (!v) return fallback;
    const std::string field = field_path(path, key);
    if (!v->is_number_integer()) fail_type(field, *v, "an integer");
    if (v->is_number_unsigned() ? v->get<std::uint64_t>() > INT_MAX : v->get<std::int64_t>() > INT_MAX)
      fail(field, fmt::format("{} is out of range", v->dump()));
    const auto n = v->get<std::int64_t>();
    if (n < min) fail(field, fmt::format("{} is less than {}", n, min));
    return static_cast<int>(n);
  }

  /// A map of strings (labels, env vars); integer values are taken in decimal.
  string_pairs string_map(const ojson& obj, std::string_view path, std::string_view key) const {
    string_pairs out;
    const ojson* m = object(obj, path, key);
    if (!m) return out;
    const std::string base = field_path(path, key);
    for (const auto& [k, v] : m->items()) {
      if (v.is_string())
        out.emplace_back(k, v.get<std::string>());
      else if (v.is_number_integer())
        out.emplace_back(k, v.dump());
      else
        fail_type(key_path(base, k), v, "a string");
    }
    return out;
  }

 private:
  std::string object_;
};

ojson to_object(const string_pairs& pairs) {
  ojson out = ojson::object();
  for (const auto& [k, v] : pairs) out[k] = v;
  return out;
}

/// One OME component the config may hold.
struct component_rule {
  std::string_view key;            ///< in the config and in the InferenceService spec
  std::string_view runtime_field;  ///< the runtime's spec field
  bool npus;                       ///< engine and decoder: NPU pods, gang-scheduled
};

constexpr std::array<component_rule, 3> component_rules{{
    {"engine", "engineConfig", true},
    {"decoder", "decoderConfig", true},
    {"router", "routerConfig", false},
}};

/// Whole-node NPU requests MindCluster supports for inference pods.
constexpr std::array<int, 2> whole_node_npus{8, 16};

/// What the generation needs besides the config: the runtime and where warnings go.
struct generation {
  const ojson* runtime = nullptr;
  std::string runtime_object;  ///< `ClusterServingRuntime <name>` for messages
  ome_warning base;            ///< object and source filled in
  std::vector<ome_warning> warnings;
  bool runner_emitted = false;

  void warn(std::string code, std::string path, std::string message) {
    ome_warning w = base;
    w.code = std::move(code);
    w.path = std::move(path);
    w.message = std::move(message);
    warnings.push_back(std::move(w));
  }
};

/// The runtime's runner container name at `spec.<config>[.<part>].runner.name`.
std::optional<std::string> runtime_runner_name(const ojson& runtime, std::string_view config, std::string_view part) {
  const ojson* at = &runtime;
  const std::array<std::string_view, 5> steps{"spec", config, part, "runner", "name"};
  for (std::string_view step : steps) {
    if (step.empty()) continue;
    if (!at->is_object()) return std::nullopt;
    auto it = at->find(std::string(step));
    if (it == at->end()) return std::nullopt;
    at = &*it;
  }
  if (!at->is_string() || at->get_ref<const std::string&>().empty()) return std::nullopt;
  return at->get<std::string>();
}

/// A runner override: the runtime's container name repeated, then the config's fields.
ojson runner(generation& g, const component_rule& rule, std::string_view part, std::string_view path,
             const std::optional<std::string>& image, const string_pairs& env, int npus) {
  g.runner_emitted = true;
  ojson r = ojson::object();
  if (g.runtime) {
    const std::string where = part.empty() ? fmt::format("spec.{}.runner.name", rule.runtime_field)
                                           : fmt::format("spec.{}.{}.runner.name", rule.runtime_field, part);
    if (auto name = runtime_runner_name(*g.runtime, rule.runtime_field, part))
      r["name"] = *name;
    else
      g.warn("runner_name_unknown", std::string(path),
             fmt::format("{} has no {}: the generated {} runner has no container name, and OME's merge leaves the "
                         "container unnamed",
                         g.runtime_object, where, part.empty() ? std::string(rule.key) : std::string(part)));
  }
  if (image) r["image"] = *image;
  if (!env.empty()) {
    ojson list = ojson::array();
    for (const auto& [k, v] : env) list.push_back(ojson{{"name", k}, {"value", v}});
    r["env"] = std::move(list);
  }
  if (npus > 0) {
    r["resources"] = ojson{{"requests", ojson{{npu_resource, npus}}}, {"limits", ojson{{npu_resource, npus}}}};
  }
  return r;
}

/// The env entries: env_vars in config order, then DP_SIZE / TP_SIZE / PP_SIZE
/// unless env_vars already names them (the user's value wins).
string_pairs runner_env(const config_reader& rd, const ojson& c, const std::string& path) {
  string_pairs env = rd.string_map(c, path, "env_vars");
  constexpr std::array<std::pair<std::string_view, std::string_view>, 3> sizes{
      {{"dp_size", "DP_SIZE"}, {"tp_size", "TP_SIZE"}, {"pp_size", "PP_SIZE"}}};
  for (const auto& [key, var] : sizes) {
    const int size = rd.integer(c, path, key, 1, 1);
    bool named = false;
    for (const auto& [k, v] : env) named = named || k == var;
    if (!named) env.emplace_back(std::string(var), std::to_string(size));
  }
  return env;
}

ojson component(const config_reader& rd, generation& g, const component_rule& rule, const ojson& c,
                const std::string& path) {
  if (rule.npus)
    rd.check_keys(c, path, {"min_replicas", "max_replicas", "pod_num", "image", "npu_num", "labels", "annotations",
                            "node_selector", "env_vars", "dp_size", "tp_size", "pp_size"});
  else
    rd.check_keys(c, path, {"min_replicas", "max_replicas", "image", "labels", "annotations", "node_selector"});

  ojson out = ojson::object();
  const int min_replicas = rd.integer(c, path, "min_replicas", 1, 1);
  const int max_replicas = rd.integer(c, path, "max_replicas", 1, 1);
  if (max_replicas < min_replicas)
    rd.fail(field_path(path, config_reader::member(c, "max_replicas") ? "max_replicas" : "min_replicas"),
            fmt::format("max_replicas {} is less than min_replicas {}{}", max_replicas, min_replicas,
                        config_reader::member(c, "max_replicas") ? "" : " (max_replicas defaults to 1)"));
  out["minReplicas"] = min_replicas;
  out["maxReplicas"] = max_replicas;
  if (auto labels = rd.string_map(c, path, "labels"); !labels.empty()) out["labels"] = to_object(labels);
  if (auto annotations = rd.string_map(c, path, "annotations"); !annotations.empty())
    out["annotations"] = to_object(annotations);
  if (rule.npus) out["schedulerName"] = gang_scheduler;
  if (auto selector = rd.string_map(c, path, "node_selector"); !selector.empty())
    out["nodeSelector"] = to_object(selector);
  const std::optional<std::string> image = rd.string(c, path, "image");

  if (!rule.npus) {
    // Without an image there is nothing to override: the runtime's router runner is used whole.
    if (image) out["runner"] = runner(g, rule, "", path, image, {}, 0);
    return out;
  }

  const int pod_num = rd.integer(c, path, "pod_num", 1, 1);
  const int npu_num = rd.integer(c, path, "npu_num", 1, 1);
  const string_pairs env = runner_env(rd, c, path);
  if (npu_num != whole_node_npus[0] && npu_num != whole_node_npus[1])
    g.warn("npu_num_not_whole_node", field_path(path, "npu_num"),
           fmt::format("{} NPUs per pod{} is not a whole node: MindCluster supports only whole-node requests for "
                       "inference pods ({} on Atlas 800I A2, {} on A3 / SuperPoD)",
                       npu_num, config_reader::member(c, "npu_num") ? "" : " (the tool's default)",
                       whole_node_npus[0], whole_node_npus[1]));
  if (pod_num == 1) {
    out["runner"] = runner(g, rule, "", path, image, env, npu_num);
  } else {
    out["leader"] =
        ojson{{"schedulerName", gang_scheduler}, {"runner", runner(g, rule, "leader", path, image, env, npu_num)}};
    out["worker"] = ojson{{"size", pod_num - 1},
                          {"schedulerName", gang_scheduler},
                          {"runner", runner(g, rule, "worker", path, image, env, npu_num)}};
  }
  return out;
}

std::string runtime_object(const ojson& runtime) {
  const std::string kind = runtime.value("kind", std::string("ClusterServingRuntime"));
  std::string name;
  if (auto md = runtime.find("metadata"); md != runtime.end() && md->is_object()) {
    if (auto ns = md->find("namespace"); ns != md->end() && ns->is_string() && kind == "ServingRuntime")
      name = ns->get<std::string>() + "/";
    if (auto n = md->find("name"); n != md->end() && n->is_string()) name += n->get<std::string>();
  }
  return fmt::format("{} {}", kind, name);
}

deploy_tool_result generate(const ojson& config, std::string_view source, const ojson* runtime) {
  const std::string unnamed = source.empty() ? "deploy-tool config" : fmt::format("{} (deploy-tool config)", source);
  if (!config.is_object())
    config_reader(unnamed).fail("", fmt::format("expected an object, got {}", config.type_name()));
  const ojson* app_name = config_reader::member(config, "app_name");
  if (!app_name) config_reader(unnamed).fail("app_name", "required: the InferenceService name");
  const std::optional<std::string> name = config_reader(unnamed).string(config, "", "app_name");
  const config_reader rd(source.empty() ? fmt::format("deploy-tool config {}", *name)
                                        : fmt::format("{} (deploy-tool config {})", source, *name));
  rd.check_keys(config, "", {"app_name", "app_namespace", "inference_service", "mf_store"});
  const std::string ns = rd.string(config, "", "app_namespace").value_or("default");
  const ojson* isvc = rd.object(config, "", "inference_service");
  if (!isvc) rd.fail("inference_service", "required: the model, runtime and components of the service");
  const std::string isvc_path = "inference_service";
  rd.check_keys(*isvc, isvc_path, {"model_name", "runtime_name", "engine", "decoder", "router"});
  if (!config_reader::member(*isvc, "model_name"))
    rd.fail(field_path(isvc_path, "model_name"), "required: the model name");
  const std::string model = *rd.string(*isvc, isvc_path, "model_name");
  const std::optional<std::string> runtime_name = rd.string(*isvc, isvc_path, "runtime_name");

  generation g;
  g.runtime = runtime;
  if (runtime) g.runtime_object = runtime_object(*runtime);
  g.base.object = fmt::format("InferenceService {}/{}", ns, *name);
  g.base.source = std::string(source);

  ojson out = ojson::object();
  out["apiVersion"] = "ome.io/v1beta1";
  out["kind"] = "InferenceService";
  out["metadata"] = ojson{{"name", *name}, {"namespace", ns}};
  ojson spec = ojson::object();
  spec["model"] = ojson{{"name", model}};
  if (runtime_name) spec["runtime"] = ojson{{"name", *runtime_name}};
  for (const component_rule& rule : component_rules) {
    const std::string path = field_path(isvc_path, rule.key);
    if (const ojson* c = rd.object(*isvc, isvc_path, rule.key))
      spec[std::string(rule.key)] = component(rd, g, rule, *c, path);
  }
  out["spec"] = std::move(spec);

  std::vector<ome_warning> head;
  const std::string runtime_path = field_path(isvc_path, "runtime_name");
  if (!runtime_name) {
    head.push_back(g.base);
    head.back().code = "runtime_auto_selected";
    head.back().path = runtime_path;
    head.back().message = "absent: OME selects the runtime among those with autoSelect: true that support the model";
  }
  if (!runtime && g.runner_emitted) {
    head.push_back(g.base);
    head.back().code = "runtime_unknown";
    head.back().path = runtime_path;
    head.back().message =
        "the runtime document is not known, so its runner container names could not be repeated in the runner "
        "overrides; OME's merge leaves those containers unnamed";
  }
  g.warnings.insert(g.warnings.begin(), head.begin(), head.end());
  if (rd.object(config, "", "mf_store"))
    g.warn("mf_store_not_planned", "mf_store",
           "the memfabric store is not planned: it is a CPU-only Deployment outside the prefill / decode "
           "gangs, and it is not part of the InferenceService");
  return deploy_tool_result{std::move(out), std::move(g.warnings)};
}

}  // namespace

result<deploy_tool_result> inference_service_from_deploy_config(const ojson& config, std::string_view source,
                                                                 const ojson* runtime) {
  try {
    return generate(config, source, runtime);
  } catch (const config_failure& f) {
    return f.err;
  }
}

bool is_deploy_tool_config(const ojson& doc) {
  return doc.is_object() && !doc.contains("kind") && (doc.contains("inference_service") || doc.contains("app_name"));
}

}  // namespace npusched::k8s::detail
