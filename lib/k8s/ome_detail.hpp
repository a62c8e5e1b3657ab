#pragma once
/// \file ome_detail.hpp
/// Internals of the OME expansion shared by ome.cpp (documents, admission,
/// runtime and model, merge, modes, metadata) and ome_workloads.cpp (pod
/// specs, workloads, pods, PodGroups). Private to `npusched::k8s`.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "npusched/k8s/ome.hpp"
#include "npusched/result.hpp"

namespace npusched::k8s::detail {

using ojson = nlohmann::ordered_json;

/// Errors travel as this exception inside the OME files only; `expand_ome`
/// turns it into a `result` error.
struct ome_failure {
  error err;
};
[[noreturn]] void ome_fail(std::string path, std::string message);

/// An input object: where it came from and what it is.
struct object_ref {
  std::string source;  ///< `isvc.yaml[1]`
  std::string kind;
  std::string ns;      ///< empty for cluster-scoped kinds
  std::string name;
  /// `InferenceService ome-demo/llama-pd`, `ClusterServingRuntime srt`.
  [[nodiscard]] std::string label() const;
  /// `<source> <label>: <field>` (the error path of a field of this object).
  [[nodiscard]] std::string at(std::string_view field) const;
};

/// The member `key` of an object, or null when absent or JSON null.
[[nodiscard]] const ojson* member(const ojson& obj, std::string_view key);
/// Typed members; a wrong JSON type is an error at `obj_path.key` of `ref`.
[[nodiscard]] const ojson* object_member(const object_ref& ref, const ojson& obj, std::string_view obj_path,
                                         std::string_view key);
[[nodiscard]] std::optional<std::string> string_member(const object_ref& ref, const ojson& obj,
                                                       std::string_view obj_path, std::string_view key);
[[nodiscard]] std::optional<std::int64_t> int_member(const object_ref& ref, const ojson& obj,
                                                     std::string_view obj_path, std::string_view key);
/// A map of strings (labels, annotations, nodeSelector); a boolean or number
/// value is an error that tells to quote it.
[[nodiscard]] std::map<std::string, std::string> string_map_member(const object_ref& ref, const ojson& obj,
                                                                   std::string_view obj_path, std::string_view key);

/// The base model a service serves (defaults when it is not among the inputs).
struct model_info {
  std::string kind = "ClusterBaseModel";
  std::string ns;    ///< BaseModel only
  std::string name;
  std::string vendor, format, format_version, framework, framework_version, architecture, quantization;
  std::string storage_path;
  std::string parameter_size;
  std::string category = "SMALL";
  std::map<std::string, std::string> decryption_annotations;
};

/// The node label OME's model agent sets where the model is ready.
[[nodiscard]] std::string model_ready_label(const model_info& m);

/// The model as a BaseModel / ClusterBaseModel object describes it. A
/// disabled model is an error.
[[nodiscard]] model_info read_model(const object_ref& ref, const ojson& value);

/// Why OME would refuse to deploy runtime `rt` (its `spec`) for model `m`,
/// or nothing: the runtime is disabled; no `supportedModelFormats` entry
/// matches the model's format, framework, architecture and quantization; the
/// model's `modelParameterSize` lies outside `modelSizeRange`. With
/// `model_known` false only the runtime's own state is checked.
[[nodiscard]] std::optional<std::string> runtime_refusal(const object_ref& rt, const ojson& spec, const model_info& m,
                                                         bool model_known);

/// One component to create, after merge and mode decision.
struct component_plan {
  std::string key;       ///< `engine`, `decoder`, `router`
  ome_role role = ome_role::prefill;
  bool multi_node = false;
  std::string name;      ///< `<isvc>-<key>`
  ojson merged;          ///< runtime config with the InferenceService component laid over it
  ojson isvc_part;       ///< the InferenceService's own component (after admission defaults)
  ojson labels = ojson::object();       ///< component metadata (workload and pods)
  ojson annotations = ojson::object();
  ojson queue_labels = ojson::object();  ///< pod-template-only labels from the queue helpers
};

/// What building one component reads.
struct service_context {
  object_ref isvc;
  std::string uid;                ///< of the InferenceService
  const ojson* runtime_spec = nullptr;
  std::string runtime_name;
  model_info model;
  const ome_options* opt = nullptr;
  std::vector<ome_warning>* warnings = nullptr;
  void warn(std::string code, std::string path, std::string message) const;
};

/// The workload, its controllers' objects, PodGroups and pods of one
/// component, appended to `objects`; `out` describes them.
void build_component(const service_context& ctx, const component_plan& c, ome_component& out, ojson& objects);

/// Deterministic identifiers (docs/ome.md, "Names and identifiers").
[[nodiscard]] std::string object_uid(std::string_view kind, std::string_view ns, std::string_view name);
[[nodiscard]] std::string safe_hash(std::string_view seed, std::size_t length);

}  // namespace npusched::k8s::detail
