#pragma once
/// \file model.hpp
/// The cluster model the adapter keeps: the read objects (objects.hpp), the
/// indexes between them, and the snapshot derived from them, brought up to
/// date incrementally. A one-shot decode is a model loaded with every object
/// of a List; the live cluster (k8s/live.hpp) is a model fed by watch
/// events. Private to `npusched::k8s`; not thread-safe (live.cpp locks).

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "npusched/defrag.hpp"
#include "npusched/k8s/limits.hpp"
#include "objects.hpp"

namespace npusched::k8s::detail {

enum class change : std::uint8_t { upsert, remove };

/// What applying one object did.
enum class apply_status : std::uint8_t {
  applied,  ///< the model holds the object's new state
  stale,    ///< older than the version held: ignored
  ignored,  ///< a kind or ConfigMap the model does not read
};

class model {
 public:
  /// `max_nodes` / `max_pods`: most Node / Pod objects held (limits.hpp).
  explicit model(std::string scheduler_name, std::size_t max_nodes = k8s::max_nodes,
                 std::size_t max_pods = k8s::max_pods)
      : scheduler_(std::move(scheduler_name)), max_nodes_(max_nodes), max_pods_(max_pods) {}

  /// Applies one object (`upsert` for ADDED / MODIFIED, `remove` for
  /// DELETED). A document error in the object throws `decode_failure` and
  /// leaves the model unchanged. `held_version` receives the version held
  /// when the result is `stale`.
  apply_status apply(change c, const json_view& object, simdjson::dom::parser& inner,
                     std::string* held_version = nullptr);

  /// Brings the snapshot up to date with the objects applied so far, in
  /// O(what changed): nodes whose inputs changed are decoded again and
  /// updated in place; a node added, removed, or newly excluded or included
  /// rebuilds the cluster (O(nodes)). An inconsistent workload is an error.
  [[nodiscard]] std::optional<error> refresh();
  /// The fault jobs, brought up to date (O(jobs whose pods changed)).
  void refresh_fault_jobs();

  [[nodiscard]] const snapshot& snap() const { return snap_; }
  /// The jobs a defragmentation may move (`running_job`), by name: every
  /// PodGroup whose pods are all bound to nodes of the cluster, none pending
  /// and none terminating, and every bound pod without a group. Reads the
  /// snapshot's cluster: call after `refresh`. O(bound pods).
  [[nodiscard]] std::vector<running_job> running_jobs() const;
  /// Moves the snapshot out (the model is spent).
  [[nodiscard]] snapshot release() && { return std::move(snap_); }
  [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }
  [[nodiscard]] std::size_t pod_count() const { return pods_.size(); }

 private:
  struct node_state {
    bool included = false;
  };

  void upsert_pod(pod_object p);
  void remove_pod(const std::string& key);
  void index_pod(const pod_object& p, bool add);
  void upsert_configmap(std::string key, configmap_object cm);
  void remove_configmap(const std::string& key);
  void index_configmap(const configmap_object& cm, bool add);
  void set_podgroup(const std::string& key, std::optional<podgroup_object> g);
  [[nodiscard]] bool pending(const pod_object& p) const;
  /// Whether a change to this pod or group can change the pending workload.
  [[nodiscard]] bool in_workload(const std::string& group) const { return pending_groups_.count(group) != 0; }
  [[nodiscard]] node_inputs inputs_of(const std::string& node) const;
  void decide(const std::string& name, const node_object& n, std::vector<node_spec>* specs,
              std::vector<node_extra>* extras);
  std::optional<error> rebuild_nodes();
  std::optional<error> rebuild_workload();
  void rebuild_reports();

  std::string scheduler_;
  std::size_t max_nodes_, max_pods_;
  std::map<std::string, node_object, std::less<>> nodes_;
  std::map<std::string, pod_object, std::less<>> pods_;           // by <ns>/<name>
  std::map<std::string, podgroup_object, std::less<>> podgroups_;  // by <ns>/<name>
  std::map<std::string, replicaset_object, std::less<>> replicasets_;
  replica_counts replica_counts_;
  std::map<std::string, configmap_object, std::less<>> configmaps_;  // by <ns>/<name>, read kinds only
  init_params params_;
  std::string scheduler_cm_;  // key of the ConfigMap params_ came from, empty for defaults

  // Indexes.
  std::map<std::string, std::set<std::string>, std::less<>> bound_;       // node → non-terminal pods on it
  std::map<std::string, std::set<std::string>, std::less<>> group_pods_;  // <ns>/<podgroup> → its pods
  std::set<std::string, std::less<>> pending_;                            // pending pods
  std::map<std::string, int, std::less<>> pending_groups_;                // group → its pending pods (> 0)
  std::map<std::string, std::set<std::string>, std::less<>> rs_groups_;   // ReplicaSet → PodGroups it owns
  std::map<std::string, std::string, std::less<>> device_plugin_cm_, noded_cm_;  // node → ConfigMap key
  /// node → ClusterD shard name → that shard's entries for the node (device / node / switch shards).
  std::map<std::string, std::map<std::string, std::vector<const record_or_problem*>>, std::less<>> cd_device_;
  std::map<std::string, std::map<std::string, std::vector<const status_or_problem*>>, std::less<>> cd_node_, cd_switch_;

  // Derived state.
  std::map<std::string, node_state, std::less<>> decided_;           // by node name
  std::map<std::string, excluded_node, std::less<>> excluded_;
  std::map<std::string, std::vector<untrusted_record>, std::less<>> untrusted_;
  std::set<std::string, std::less<>> dirty_nodes_;
  std::set<std::string, std::less<>> dirty_groups_;
  bool all_nodes_dirty_ = false;
  bool structure_dirty_ = true;
  bool workload_dirty_ = true;
  bool reports_dirty_ = true;
  snapshot snap_;
};

/// Loads a List's items (and what-if objects: an array or a List, paths
/// `extra_objects[i]`) into `m`; an object given twice is an error.
/// Errors throw `decode_failure`.
void load_list(model& m, std::string_view json_text, std::string_view extra_objects_json);

}  // namespace npusched::k8s::detail
