#pragma once
/// \file k8s/live.hpp
/// A live cluster model: the decoded cluster and workload, kept up to date
/// by Kubernetes watch events instead of re-read on every call. Rules and
/// usage: docs/live.md.
///
/// Consistency rule: after any sequence of `load` / `apply` calls, `plan`,
/// `faults` and `explain` answer byte for byte what the one-shot functions
/// (`plan_json`, `faults_json`, `explain_json`) answer for a List holding
/// the objects the model holds.
///
/// Threading: any number of threads may call the const members (`plan`,
/// `faults`, `explain`, `stats`) while one thread calls `load` / `apply`;
/// writers exclude each other and readers; a reader sees the state after a
/// whole `apply` / `apply_many` / `load` call, never part of one.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "npusched/k8s/explain.hpp"
#include "npusched/k8s/limits.hpp"
#include "npusched/k8s/decoded_snapshot.hpp"
#include "npusched/k8s/pipeline.hpp"
#include "npusched/result.hpp"

namespace npusched::k8s {

/// A watch event's `type`.
enum class event_type : std::uint8_t { added, modified, deleted };
/// `ADDED`, `MODIFIED`, `DELETED`; nothing for anything else (`BOOKMARK`, `ERROR`).
[[nodiscard]] std::optional<event_type> parse_event_type(std::string_view type) noexcept;

/// What one event did.
enum class event_outcome : std::uint8_t {
  applied,  ///< the model holds the object's new state (or no longer holds it)
  stale,    ///< its resourceVersion is older than the one held: ignored
  ignored,  ///< a kind or ConfigMap the model does not read, or a `BOOKMARK`
};
[[nodiscard]] std::string_view to_string(event_outcome o) noexcept;

struct event_result {
  event_outcome outcome = event_outcome::applied;
  std::string object;        ///< `Kind namespace/name` (`Kind name` for cluster-scoped)
  std::string held_version;  ///< the resourceVersion held, when `stale`
};

struct live_options {
  /// Pending pods are those with this `spec.schedulerName`.
  std::string scheduler_name = "volcano";
  /// Most Node and Pod objects held (docs/limits.md); an `ADDED` beyond them
  /// is a `limit_exceeded` error and changes nothing. An embedder with a
  /// tighter memory budget lowers them.
  std::size_t max_nodes = k8s::max_nodes;
  std::size_t max_pods = k8s::max_pods;
};

/// Per-call options of `live_cluster::plan` / `explain`.
struct live_plan_options {
  std::optional<int> super_pod_size;  ///< override the init-params (see `input_options`)
  std::optional<int> reserve_nodes;
  std::string fault_state_json;       ///< previous fault state (`encode_fault_state`), empty for none
  std::int64_t now_unix_seconds = 0;  ///< see `encode_options`
  node_choice choice = node_choice::best_score;  ///< see `input_options`
  std::uint64_t tie_seed = 0;
};

/// Counts of what the model holds.
struct live_stats {
  std::size_t nodes = 0;      ///< Node objects
  std::size_t pods = 0;       ///< Pod objects
  std::size_t cluster_nodes = 0;  ///< nodes in the cluster (not excluded)
  std::size_t pending_pods = 0;
};

class live_cluster {
 public:
  explicit live_cluster(live_options opt = {});
  ~live_cluster();
  live_cluster(const live_cluster&) = delete;
  live_cluster& operator=(const live_cluster&) = delete;

  /// Replaces the whole state with a Kubernetes List (`kubectl get ... -o
  /// json`, or an informer's relist): afterwards the model holds exactly its
  /// objects. Errors as `decode_snapshot`'s; on error the model is unchanged.
  [[nodiscard]] std::optional<error> load(std::string_view list_json);

  /// Applies one event to one object (JSON text of the object). A document
  /// error names the field under `object` and leaves the model unchanged.
  [[nodiscard]] result<event_result> apply(event_type type, std::string_view object_json);

  /// Applies a JSON array of watch events `{"type": "ADDED"|"MODIFIED"|
  /// "DELETED"|"BOOKMARK", "object": {...}}` in order, as one step (readers
  /// see all or none). On the first bad event the call stops with an error
  /// naming `events[i]`; the events before it stay applied.
  [[nodiscard]] result<std::vector<event_result>> apply_many(std::string_view events_json);

  /// `plan_json` over the current state.
  [[nodiscard]] result<std::string> plan(const live_plan_options& opt = {}) const;
  /// `faults_json` over the current state.
  [[nodiscard]] result<std::string> faults(std::string_view state_json, std::int64_t now_unix_seconds) const;
  /// `explain_json` over the current state.
  [[nodiscard]] result<std::string> explain(const explain_target& target, const live_plan_options& opt = {}) const;

  [[nodiscard]] live_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace npusched::k8s
