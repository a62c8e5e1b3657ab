#pragma once
/// \file k8s/ome.hpp
/// OME documents (InferenceService, ServingRuntime / ClusterServingRuntime,
/// BaseModel / ClusterBaseModel) and the deployment tool's short config,
/// expanded into the objects OME, the Deployment / LeaderWorkerSet
/// controllers and Volcano would create — before any of them exists.
/// No JSON-library type appears here.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "npusched/result.hpp"

namespace npusched::k8s {

/// One input file: `name` as the user gave it (a path, `-` for standard
/// input, `add[2]` for a Python object), `text` YAML (one or many documents)
/// or JSON (an object, a List, or an array of objects).
struct source_document {
  std::string name;
  std::string text;
};

/// Something OME would accept but that is probably not what the user meant,
/// or a default the expander had to assume. Not an error: the expansion goes on.
struct ome_warning {
  std::string code;     ///< stable code, e.g. `component_not_opted_in`, `model_not_found` (docs/ome.md lists them)
  std::string object;   ///< `InferenceService ome-demo/llama-pd`
  std::string source;   ///< `isvc.yaml[1]` (file and document index), empty when not from a file
  std::string path;     ///< field path inside the object, e.g. `spec.decoder.annotations["sp-block"]`
  std::string message;
  friend bool operator==(const ome_warning&, const ome_warning&) = default;
};

/// The role of an OME component.
enum class ome_role : std::uint8_t { prefill, decode, router };  ///< engine, decoder, router

/// One P or D instance (a Deployment replica, or one LeaderWorkerSet group).
struct ome_instance {
  int index = 0;                   ///< replica / group index
  std::vector<std::string> pods;   ///< `<ns>/<name>`, leader first, then workers by worker index
  std::string podgroup;            ///< `<ns>/<name>` of its PodGroup, empty when it has none
};

/// One component of a service, as its workload would be created.
struct ome_component {
  ome_role role = ome_role::prefill;
  std::string component;           ///< `engine`, `decoder`, `router`
  std::string workload_kind;       ///< `Deployment` or `LeaderWorkerSet`
  std::string workload;            ///< `<ns>/<name>`
  int replicas = 0;                ///< planned instances
  int max_replicas = 0;            ///< what autoscaling may reach (Deployment roles)
  int group_size = 1;              ///< pods per instance
  std::string scheduler_name;      ///< of the main / leader pod
  int npus_per_pod = 0;            ///< `huawei.com/Ascend910` of the main / leader pod
  std::vector<ome_instance> instances;
};

/// One InferenceService, expanded.
struct ome_service {
  std::string namespace_name;
  std::string name;
  std::string runtime;             ///< `ClusterServingRuntime/<name>` or `ServingRuntime/<ns>/<name>`
  std::string model;               ///< `ClusterBaseModel/<name>` or `BaseModel/<ns>/<name>`
  std::string source;              ///< where the InferenceService came from (`isvc.yaml[0]`)
  std::vector<ome_component> components;  ///< engine, decoder, router order; only those deployed
};

/// Cluster-side settings the expansion depends on.
struct ome_options {
  /// Apply OME's admission defaults to InferenceServices first (replica
  /// defaults, `ome.io/deploymentMode`); off for documents already admitted.
  bool admission_defaults = true;
  /// The LeaderWorkerSet controller runs with Volcano gang scheduling
  /// (one PodGroup per group); off: per-StatefulSet PodGroups and a warning.
  bool lws_gang_scheduling = true;
  /// Pods whose schedulerName is one of these get a Volcano PodGroup.
  std::vector<std::string> volcano_scheduler_names{"volcano"};
};

/// The result of `expand_ome`.
struct ome_expansion {
  std::vector<ome_service> services;     ///< by namespace, then name
  std::vector<ome_warning> warnings;     ///< by source document, then field
  /// What `kubectl apply` would get, as a JSON array: the InferenceServices
  /// (also those generated from a deployment-tool config), runtimes and
  /// models of the input, in input order.
  std::string applied_json;
  /// What the controllers would then create, as a JSON array: per service
  /// and component the workload (Deployment / LeaderWorkerSet), its
  /// ReplicaSet / StatefulSets, PodGroups and pods; then the input's plain
  /// Kubernetes objects (pods, PodGroups, ...) unchanged, in input order.
  /// Ready to be added to a snapshot's items.
  std::string objects_json;
};

/// Reads every document of `inputs` and expands the OME ones. Runtimes and
/// models are looked up first among the inputs, then among the items of
/// `context_list_json` (a Kubernetes List, e.g. the snapshot; may be empty).
/// Errors name the document (`isvc.yaml[1] InferenceService ome-demo/llama-pd`)
/// and the field path: malformed YAML/JSON, unknown kinds, a runtime that is
/// not found, a missing required field, contradictory fields.
/// Deterministic: identical inputs give identical output.
[[nodiscard]] result<ome_expansion> expand_ome(const std::vector<source_document>& inputs,
                                               std::string_view context_list_json, const ome_options& opt = {});

/// `applied_json` then `objects_json` as YAML documents separated by `---`,
/// each group headed by a comment (what `npusched ome render` prints).
[[nodiscard]] std::string render_yaml(const ome_expansion& e);

/// The expansion as compact JSON (what `npusched.expand` returns):
/// `{"services":[{"service","runtime","model","source","roles":[{"role",
/// "component","workload_kind","workload","scheduler_name","replicas",
/// "max_replicas","group_size","npus_per_pod","instances":[{"index",
/// "podgroup","pods":[...]}]}]}],"warnings":[...],"applied":[...],"objects":[...]}`.
[[nodiscard]] std::string encode_expansion(const ome_expansion& e);

/// `prefill`, `decode`, `router`.
[[nodiscard]] std::string_view to_string(ome_role r) noexcept;

}  // namespace npusched::k8s
