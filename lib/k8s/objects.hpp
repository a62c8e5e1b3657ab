#pragma once
/// \file objects.hpp
/// The adapter's unit: one Kubernetes object read on its own. Each reader
/// (nodes.cpp, pods.cpp, gangs.cpp, configmaps.cpp) turns one object into
/// the plain record below, keeping only what the rules read; the model
/// (model.hpp) holds these records and derives the cluster and the workload
/// from them. Private to `npusched::k8s`.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "detail.hpp"
#include "json_view.hpp"
#include "npusched/cluster.hpp"
#include "npusched/k8s/decoded_snapshot.hpp"

namespace npusched::k8s::detail {

inline constexpr std::string_view npu_resource = "huawei.com/Ascend910";
inline constexpr std::string_view real_annotation = "huawei.com/AscendReal";
inline constexpr std::string_view group_annotation = "scheduling.k8s.io/group-name";
inline constexpr std::string_view rank_annotation = "hccl/rankIndex";
inline constexpr std::string_view operator_label = "training.kubeflow.org/operator-name";

/// A count that must be a non-negative integer quantity (an NPU request or
/// amount); the message why not, if it is not.
[[nodiscard]] std::variant<int, std::string> npu_count(std::string_view text);
/// `a + b`, saturated at the int64 range.
[[nodiscard]] std::int64_t add_saturating(std::int64_t a, std::int64_t b);
/// A decimal int64 with an optional `+` (Go's strconv.ParseInt, base 10).
[[nodiscard]] std::optional<std::int64_t> parse_int(std::string_view s);

/// Metadata every record keeps.
struct object_meta {
  std::string ns;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::optional<std::int64_t> created;
  bool deleting = false;  ///< `deletionTimestamp` set
};

/// Reads `metadata` (its presence and `name` are checked by `read_kind_and_name`).
/// Pods and PodGroups without a namespace are in `default` (as a hand-written
/// document would be applied); Nodes have none.
[[nodiscard]] object_meta read_meta(const json_view& item, std::string_view default_ns);

/// Fails with `limit_exceeded` when `item`'s annotations (keys and string
/// values) take more than `max_annotation_bytes`, as the API server refuses.
void check_annotation_size(const json_view& item);

/// `kind` and `metadata.name` of an object, both required (name non-empty).
struct kind_and_name {
  std::string_view kind;
  std::string_view ns;  ///< empty when absent
  std::string_view name;
  std::string_view api_version;  ///< empty when absent
  std::string_view resource_version;  ///< `metadata.resourceVersion`, empty when absent
};
[[nodiscard]] kind_and_name read_kind_and_name(const json_view& item);
/// `Kind namespace/name`, or `Kind name` for an object without a namespace:
/// how errors name the object a field is in.
[[nodiscard]] std::string object_name(const kind_and_name& id);

// ---------------------------------------------------------------------------
// Nodes

/// Why a node is left out (an `excluded_node` without its name).
struct node_problem {
  std::string reason;
  std::string message;
};

/// The `baseDeviceInfos` annotation, parsed once when the Node is read.
/// Problems that depend on the node's accelerator type (a chip id beyond
/// its range) are judged when the node is decoded.
struct base_device_infos {
  struct entry {
    std::string name;  ///< as written (`Ascend910-3`)
    int chip = 0;
    device_info device;
  };
  std::vector<entry> entries;          ///< chip entries before `problem`, in document order
  std::optional<node_problem> problem;  ///< the first type-independent problem, if any
};

struct node_object {
  object_meta m;
  string_pairs labels;  ///< every label, sorted
  std::optional<std::string> health_annotation;  ///< `NodeHealthyStatus`
  std::optional<base_device_infos> base_infos;    ///< absent without the annotation
  bool unschedulable = false;
  std::vector<taint> taints;
  std::optional<std::string> npu_capacity, npu_allocatable;  ///< quantity texts, judged per node
  std::int64_t cpu_milli = 0;
  std::int64_t memory_bytes = 0;
  std::optional<std::string> ready;  ///< status of the Ready condition
  std::string internal_ip;
};
[[nodiscard]] node_object read_node(const json_view& item, simdjson::dom::parser& inner);

// ---------------------------------------------------------------------------
// Pods, PodGroups, ReplicaSets

/// A pod. Labels and annotations are kept only for the keys the rules read
/// (`job_label_key`, `job_annotation_key`).
struct pod_object {
  object_meta m;
  string_pairs labels, annotations;
  std::string full;   ///< `<ns>/<name>`
  std::string group;  ///< `<ns>/<podgroup>` or empty
  std::string scheduler, node_name, phase;
  string_pairs node_selector;
  std::vector<toleration> tolerations;
  std::int32_t priority = 0;
  int npus = 0;
  std::int64_t cpu_milli = 0;
  std::int64_t memory_bytes = 0;
  std::optional<std::string> npu_conflict;  ///< request ≠ limit, as a message
  std::optional<std::string> task_index;    ///< env VC_TASK_INDEX of the first container that sets it
  bool exited_nonzero = false;              ///< a container's lastState.terminated.exitCode ≠ 0

  [[nodiscard]] bool terminal() const { return phase == "Succeeded" || phase == "Failed"; }
  [[nodiscard]] const std::string* label(std::string_view k) const { return find_pair(labels, k); }
  [[nodiscard]] const std::string* annotation(std::string_view k) const { return find_pair(annotations, k); }
};
[[nodiscard]] pod_object read_pod(const json_view& item);

/// Reads the labels and annotations of `item`'s metadata that the job rules
/// read (type-checking all of them), sorted; a repeated kept key is an error.
void read_job_keys(const json_view& item, string_pairs& labels, string_pairs& annotations);
/// Whether the job rules read this pod or PodGroup label / annotation key.
[[nodiscard]] bool job_label_key(std::string_view key);
[[nodiscard]] bool job_annotation_key(std::string_view key);

struct podgroup_object {
  object_meta m;
  string_pairs labels, annotations;  ///< the keys the job rules read
  std::optional<std::int64_t> min_member;   ///< spec.minMember
  std::optional<std::int64_t> min_npus;     ///< spec.minResources["huawei.com/Ascend910"]
  std::optional<std::string> owner_replicaset;  ///< controller owner of kind ReplicaSet: <ns>/<name>
  std::string owner_uid;                        ///< uid of the controller owner, else the PodGroup's own
  std::optional<std::string> phase;             ///< status.phase
  [[nodiscard]] std::string key() const { return m.ns + "/" + m.name; }
};
/// Only Volcano's PodGroup is read (`scheduling.volcano.sh/*`, or no apiVersion).
[[nodiscard]] bool volcano_podgroup(std::string_view api_version);
[[nodiscard]] podgroup_object read_podgroup(const json_view& item);

struct replicaset_object {
  std::string key;  ///< <ns>/<name>
  std::int64_t replicas = 1;
  std::string resource_version;
};
[[nodiscard]] replicaset_object read_replicaset(const json_view& item);

// ---------------------------------------------------------------------------
// MindCluster ConfigMaps (configmaps.cpp, device_info.cpp, node_reports.cpp)

/// A device-info record (either source), read and CheckCode-verified.
struct device_record {
  std::int64_t update_time = 0;
  string_pairs device_list;
  std::int32_t super_pod_id = -1;
  std::int32_t rack_id = -1;
  std::int32_t server_index = -1;
  friend bool operator==(const device_record&, const device_record&) = default;
};
/// A record whose CheckCode does not match its content.
struct distrusted {
  std::string message;
  friend bool operator==(const distrusted&, const distrusted&) = default;
};
/// A record, why it cannot be read, or why it is not trusted.
using record_or_problem = std::variant<device_record, std::string, distrusted>;

/// A NodeD or switch report: its time and `NodeStatus`.
struct status_record {
  std::int64_t update_time = 0;
  std::string status;
  friend bool operator==(const status_record&, const status_record&) = default;
};
using status_or_problem = std::variant<status_record, std::string, distrusted>;

/// Which MindCluster (or scheduler) ConfigMap an object is, from its namespace and name.
enum class configmap_kind : std::uint8_t {
  other,            ///< not read
  scheduler,        ///< volcano-system/volcano-scheduler-configmap (init-params)
  device_plugin,    ///< kube-system/mindx-dl-deviceinfo-<node>
  noded,            ///< mindx-dl/mindx-dl-nodeinfo-<node>
  clusterd_device,  ///< mindx-dl/cluster-info-device-<m>
  clusterd_node,    ///< mindx-dl/cluster-info-node-cm
  clusterd_switch,  ///< mindx-dl/cluster-info-switch-<m>
};
[[nodiscard]] configmap_kind classify_configmap(std::string_view ns, std::string_view name);

/// One read ConfigMap. `node` is the node a per-node ConfigMap is about;
/// ClusterD shards carry `entries` by node.
struct configmap_object {
  configmap_kind kind = configmap_kind::other;
  std::string name;  ///< ConfigMap name
  std::string resource_version;
  std::string node;
  std::optional<init_params> params;                ///< scheduler
  std::optional<record_or_problem> device;          ///< device_plugin (DeviceInfoCfg)
  std::optional<status_or_problem> status;          ///< device_plugin (SwitchInfoCfg), noded
  std::vector<std::pair<std::string, record_or_problem>> device_entries;  ///< clusterd_device, by node
  std::vector<std::pair<std::string, status_or_problem>> status_entries;  ///< clusterd_node / switch, by node
  [[nodiscard]] std::string source() const;  ///< `<namespace>/<name>`
};
/// Reads a ConfigMap of a known kind (`classify_configmap` ≠ other).
[[nodiscard]] configmap_object read_configmap(const json_view& item, configmap_kind kind, std::string_view name,
                                              simdjson::dom::parser& inner);

/// The scheduler configuration text → init-params (`path` names the data key in errors).
[[nodiscard]] init_params read_init_params(std::string_view text, const std::string& path);

// Record readers (device_info.cpp, node_reports.cpp).
[[nodiscard]] record_or_problem read_device_plugin_record(std::string_view text, simdjson::dom::parser& inner);
[[nodiscard]] record_or_problem read_clusterd_record(simdjson::dom::element entry);
[[nodiscard]] status_or_problem read_status_record(simdjson::dom::element payload, simdjson::dom::element holder,
                                                   bool switch_shape, std::optional<std::int64_t> time);
/// Whether a record's `CheckCode` matches the Go encoding of its payload (checkcode.cpp).
struct code_check {
  bool unreadable = false;
  std::string message;
};
[[nodiscard]] std::optional<code_check> check_code(simdjson::dom::element holder,
                                                   const std::optional<std::string>& payload);

// ---------------------------------------------------------------------------
// What a node decision reads besides the Node itself (model.cpp gathers it).

struct node_inputs {
  const init_params* params = nullptr;
  const configmap_object* device_plugin = nullptr;                     ///< its DeviceInfoCfg / SwitchInfoCfg
  const configmap_object* noded = nullptr;
  std::vector<std::pair<const std::string*, const record_or_problem*>> clusterd;         ///< (shard, record), shards by name
  std::vector<std::pair<const std::string*, const status_or_problem*>> clusterd_node;    ///< (shard, record)
  std::vector<std::pair<const std::string*, const status_or_problem*>> clusterd_switch;  ///< (shard, record)
  std::vector<const pod_object*> bound;  ///< non-terminal pods bound to the node, by name
};

struct decoded_node {
  node_spec spec;
  node_extra extra;
};
/// The node as the core sees it, or why it is left out; records that failed
/// their CheckCode or could not be read are appended to `untrusted`.
[[nodiscard]] std::variant<decoded_node, excluded_node> decode_node(const node_object& n, const node_inputs& in,
                                                                    std::vector<untrusted_record>& untrusted);
/// The health NodeD's (`switch_shape` false) or the switch's reports give the node.
[[nodiscard]] node_health reported_health(const std::string& node, bool switch_shape, const node_inputs& in,
                                          std::vector<untrusted_record>& untrusted);
/// The device-info record chosen for a node, or why it is excluded.
[[nodiscard]] std::variant<device_record, excluded_node> choose_record(const std::string& node, const node_inputs& in,
                                                                       std::vector<untrusted_record>& untrusted);
/// Position, health lists and sub-health from the chosen device-info record.
[[nodiscard]] std::optional<node_problem> read_device_lists(const device_record& r, node_spec& s);
/// The device plugin's free-list key `huawei.com/Ascend910` → a chip mask (within `inventory`) or the message.
[[nodiscard]] std::variant<chip_mask, std::string> list_mask(const device_record& r, const std::string& key,
                                                             chip_mask inventory);

// ---------------------------------------------------------------------------
// Jobs (gangs.cpp, fault_jobs.cpp)

/// The chips a pod's annotation claims (AscendReal, else Ascend910), or the bad name; `key` the annotation read.
[[nodiscard]] chip_list pod_chips(const pod_object& p, std::string_view* key = nullptr);
/// The pod's rank (`hccl/rankIndex`, LWS worker index, StatefulSet ordinal,
/// `VC_TASK_INDEX`); an unparsable `hccl/rankIndex` is the error message.
[[nodiscard]] std::variant<std::optional<int>, std::string> rank_of(const pod_object& p);
/// A 0-NPU pod tolerated in a distributed super-pod job.
[[nodiscard]] bool exempt_pod(const pod_object& p);
/// The pod's service and role, when it carries either label.
[[nodiscard]] std::optional<pod_role> role_of(const pod_object& p);
/// What the pod asks for as a pending pod of job `job` (a running pod read
/// this way is what it would ask for if it were placed again).
[[nodiscard]] pod_spec pod_request(const pod_object& p, std::size_t job);

/// ReplicaSet replicas by `<ns>/<name>`.
using replica_counts = std::map<std::string, std::int64_t>;

/// The members of one job and its PodGroup, with the rules both the plan
/// path and the fault path read from them (gangs.cpp): one reader per rule.
struct job_view {
  const podgroup_object* pg = nullptr;           ///< null for a lone pod or a group without its PodGroup
  const std::vector<const pod_object*>* members = nullptr;  ///< by pod name
  /// The PodGroup's value of a label (`label`) or annotation, else the first
  /// member's (by name) that has one.
  [[nodiscard]] const std::string* value(std::string_view key, bool label) const;
  /// The super-pod type the job asks for: the 8-die one only when its pods'
  /// `accelerator-type` selector names it, else the 16-die one.
  [[nodiscard]] accelerator_type super_pod_type() const;
};
/// `sp-block` as an integer, or the message why not.
[[nodiscard]] std::variant<int, std::string> parse_sp_block(std::string_view job, std::string_view text);
/// Gang size and NPU total (docs/gang.md): the PodGroup's minMember; a
/// ReplicaSet owner without the annotation → its replicas; the annotation
/// `huawei.com/schedule_minAvailable` → its value when minMember is 1. An
/// unparsable annotation sets `j.invalid` (when not already set).
void derive_gang(job_spec& j, const job_view& v, const replica_counts& replicasets);

/// The pending job of `members` (the group's non-terminal pods, by name).
[[nodiscard]] job_spec make_job(std::string name, const std::vector<const pod_object*>& members,
                                const podgroup_object* pg, const replica_counts& replicasets);
/// A PodGroup with bound pods as the fault logic sees it (its pods but the Succeeded ones, by name).
/// The gang size is `derive_gang`'s; when that reader refuses the job's
/// `huawei.com/schedule_minAvailable`, `*min_available_error` gets its message
/// (else it is cleared); the gang size is then what `derive_gang` leaves
/// (the PodGroup's minMember), as before.
[[nodiscard]] fault_job make_fault_job(const std::string& name, const podgroup_object& pg,
                                       const std::vector<const pod_object*>& pods, const replica_counts& replicasets,
                                       std::string* min_available_error);

}  // namespace npusched::k8s::detail
