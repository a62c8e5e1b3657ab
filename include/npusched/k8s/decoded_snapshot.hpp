#pragma once
/// \file k8s/decoded_snapshot.hpp
/// The decoded form of a Kubernetes List (`snapshot` and the per-node and per-pod
/// records the adapter keeps), `decode_snapshot`, and the writers of a plan
/// (`encode_plan`) and of a synthetic List (`encode_snapshot`). No JSON-library
/// type appears here; the JSON library is private to `npusched::k8s`.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/defrag.hpp"
#include "npusched/fault.hpp"
#include "npusched/k8s/ome.hpp"
#include "npusched/plan.hpp"
#include "npusched/result.hpp"

namespace npusched::k8s {

/// A node left out of the candidates because its MindCluster data is broken
/// or missing (fail closed). `reason` is a stable code:
/// `no_device_info`, `bad_device_info`, `bad_chip_name`, `duplicate_chip`,
/// `chip_out_of_range`, `unknown_accelerator_type`, `missing_accelerator_type`,
/// `bad_npu_count`, `chip_conflict` (two running pods claim one chip),
/// `invalid_node` (the core's `validate_node` refused the decoded node).
/// docs/kubernetes.md lists what triggers each.
struct excluded_node {
  std::string node;
  std::string reason;
  std::string message;
  friend bool operator==(const excluded_node&, const excluded_node&) = default;
};

/// The scheduler's `init-params` (ConfigMap `volcano-system/volcano-scheduler-configmap`,
/// key `volcano-scheduler.conf`), with the reference's defaults.
struct init_params {
  bool present = false;                    ///< the snapshot carried the ConfigMap
  bool use_cluster_info_manager = true;    ///< device info from ClusterD (`true`) or the device plugin
  bool use_cluster_info_manager_set = false;  ///< the key was given explicitly
  bool self_maintain_available_card = true;
  int super_pod_size = 48;
  int reserve_nodes = 2;
  int grace_over_time = 900;
  /// Values not taken as written (e.g. `reserve-nodes: "0"`, read as 2 as
  /// the reference does), with the reading used.
  std::vector<ome_warning> warnings;
};

/// One chip's network data from the node's `baseDeviceInfos` annotation.
struct device_info {
  std::string ip;
  std::uint32_t super_device_id = 0;
  friend bool operator==(const device_info&, const device_info&) = default;
};

/// Per-node data the adapter needs to write annotations (by `node_id`).
struct node_extra {
  std::string internal_ip;                    ///< first `InternalIP` address
  std::map<int, device_info> devices;         ///< chip id → device data
  int device_count = 0;                       ///< chip entries (`Ascend910-N`) in `baseDeviceInfos`
};

/// Per-pending-pod data the adapter needs to write annotations
/// (parallel to `workload::pods`).
struct pod_extra {
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string group;              ///< `<ns>/<podgroup>` or empty
  bool operator_pod = false;      ///< label `training.kubeflow.org/operator-name` present
  bool has_rank_annotation = false;  ///< the pod already carries `hccl/rankIndex`
};

/// A MindCluster record whose `CheckCode` did not match its content, or a
/// node-info / switch-info record that could not be read: it is not used
/// (fail closed) and is reported.
struct untrusted_record {
  std::string node;
  std::string record;   ///< `device-info`, `node-info` or `switch-info`
  std::string source;   ///< the ConfigMap `<namespace>/<name>` it came from
  std::string message;
  friend bool operator==(const untrusted_record&, const untrusted_record&) = default;
};

/// The part a pod plays in an inference service, from its `component`
/// label: `engine` is prefill, `decoder` decode, `router` the router.
enum class service_role : std::uint8_t { none, prefill, decode, router };

/// A pod's inference service (label `ome.io/inferenceservice`) and role.
struct pod_role {
  std::string service;  ///< empty when the pod has no service label
  service_role role = service_role::none;
  friend bool operator==(const pod_role&, const pod_role&) = default;
};

/// A decoded snapshot.
struct snapshot {
  npusched::cluster cluster;
  npusched::workload workload;
  std::vector<excluded_node> excluded_nodes;  ///< sorted by node name
  init_params params;
  std::vector<node_extra> nodes;              ///< by node id
  std::vector<pod_extra> pods;                ///< parallel to `workload.pods`
  /// Every PodGroup with bound pods, as the fault logic sees it (by name).
  std::vector<fault_job> fault_jobs;
  /// Inputs of those fault jobs read other than as written, by job name: an
  /// unreadable `huawei.com/schedule_minAvailable` (code
  /// `invalid_min_available`, the plan path's message); the fault report
  /// lists them under `warnings`.
  std::map<std::string, ome_warning> fault_job_warnings;
  std::vector<untrusted_record> untrusted;    ///< by node, then record
  /// Service and role of every pod that is not finished and carries the
  /// service or the `component` label, bound or pending, by `<ns>/<name>`.
  std::map<std::string, pod_role> roles;
  /// Inputs read other than as written (the init-params' warnings).
  std::vector<ome_warning> warnings;
  /// The running jobs a defragmentation may move, by name; filled only when
  /// `decode_options::running_jobs` asks for them (explain does).
  std::vector<running_job> running_jobs;
};

/// The plan options the scheduler's init-params ask for (`super-pod-size`,
/// `reserve-nodes`; defaults when the snapshot has no init-params).
[[nodiscard]] plan_options plan_options_of(const init_params& p);

struct decode_options {
  /// Pending pods are those with this `spec.schedulerName`.
  std::string scheduler_name = "volcano";
  /// What-if objects added to the snapshot's items (pods, PodGroups, ...):
  /// JSON text of an array of objects or of a List; empty for none. Errors in
  /// them are reported as `extra_objects[i]...`; an object that already exists
  /// in the snapshot (same kind, namespace, name) is an error.
  std::string extra_objects_json;
  /// Fill `snapshot::running_jobs`.
  bool running_jobs = false;
};

/// Decodes a Kubernetes `List` (as `kubectl get nodes,pods,configmaps,
/// podgroups.scheduling.volcano.sh,replicasets -A -o json` prints it).
/// A document that is not a readable List is an error whose path names the
/// item and field (`items[4].metadata.name: missing`), with `error::object`
/// naming the item (`Pod ns/name`) when its kind and name are readable. The
/// text is read under the limits of `limits.hpp` (size, nesting, numbers that
/// fit, no key twice; docs/limits.md). A node whose MindCluster data is broken
/// is not an error: it lands in `excluded_nodes`.
[[nodiscard]] result<snapshot> decode_snapshot(std::string_view json, const decode_options& opt = {});

struct encode_options {
  /// Unix seconds; `predicate-time` is `now · 10⁹ + placement index` nanoseconds,
  /// so pods bound in one plan keep their placement order on the node.
  std::int64_t now_unix_seconds = 0;
  /// The what-if expansion the snapshot was decoded with, if any: the output
  /// gains `warnings` and `inference_services` (per service, role and
  /// instance: admitted or not, where each pod goes, why not).
  const ome_expansion* what_if = nullptr;
  /// Inputs read other than as written (`plan_setup::warnings`); the output
  /// gains `warnings` when there are any or when `what_if` is set.
  std::vector<ome_warning> warnings;
};

/// The `npusched plan` output:
/// `{"bindings":[...],"unschedulable":[...],"excluded_nodes":[...],
/// "super_pod_jobs":[...],"gangs":[...],"summary":{...}}`, compact, keys in
/// that order, byte-identical for identical input (docs/kubernetes.md). Each
/// binding carries the pod annotations the scheduler would write (the chip
/// list, predicate time and, for whole-node or operator pods, the device
/// configuration); `summary` is `summarize` plus the excluded-node count. A binding of a pod without NPUs has none. Precondition: `plan` was
/// computed on `snap.cluster` and `snap.workload` (out-of-range indices are
/// written as empty names rather than read).
[[nodiscard]] std::string encode_plan(const snapshot& snap, const plan_result& plan, const encode_options& opt);

/// Writes a cluster and a pending workload as a Kubernetes List that
/// `decode_snapshot` reads back to the same model: Nodes (with labels,
/// `baseDeviceInfos`, capacity/allocatable, Ready), one ClusterD
/// `cluster-info-device-0` ConfigMap, running pods holding the chips, and the
/// pending pods. Used by the demo, the benchmarks and the round-trip tests.
/// CPU, memory and NPU requests of a node that its chip holders do not explain
/// are written as one extra running pod `npusched-system/load-<node>`.
[[nodiscard]] std::string encode_snapshot(const std::vector<node_spec>& nodes, const workload& pending);

}  // namespace npusched::k8s
