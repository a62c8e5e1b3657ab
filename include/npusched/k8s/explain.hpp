#pragma once
/// \file k8s/explain.hpp
/// `npusched explain`: why a pending pod, gang or inference service does
/// (not) fit, as compact JSON. Format: docs/explain.md.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "npusched/k8s/pipeline.hpp"
#include "npusched/result.hpp"

namespace npusched::k8s {

/// What to explain.
enum class explain_kind : std::uint8_t {
  pod,      ///< one pod `namespace/name`
  group,    ///< the pending pods of PodGroup `namespace/name`
  service,  ///< the pending pods labelled `ome.io/inferenceservice=name` in `namespace`
};

struct explain_target {
  explain_kind kind = explain_kind::pod;
  std::string namespace_name;
  std::string name;
};

/// A target from its command-line form: `kind` is `pod`, `group` or
/// `service`, `namespaced_name` is `NAMESPACE/NAME` (both parts non-empty).
/// Errors have the path `target`.
[[nodiscard]] result<explain_target> parse_explain_target(std::string_view kind, std::string_view namespaced_name);

struct explain_json_options {
  input_options input;     ///< scheduler name, init-params overrides, what-if objects, fault state
  explain_target target;
  /// Unix seconds the plan is computed at (as `plan_json`'s `now`); the
  /// explanation itself carries no timestamp.
  std::int64_t now_unix_seconds = 0;
};

/// prepare_snapshot → plan → `explain` for the target's pending pods, and
/// `advise_defrag` for each of their gangs the plan did not admit →
/// `{"target":{...},"pods":[...],"gangs":[...],"super_pod_jobs":[...],"suggestions":[...],"defrag":[...]}`
/// (compact, keys in the documented order, byte-identical for identical
/// input). A pod or PodGroup that has no pending pod but runs is reported
/// with `"status":"running"` and its running pods; a target that is neither
/// pending nor running is an error (path `target`) naming it.
[[nodiscard]] result<std::string> explain_json(std::string_view snapshot_json, const explain_json_options& opt);

/// The same on a decoded snapshot with resolved plan options (`setup_plan`);
/// `scheduler_name` only names the scheduler in the not-found error;
/// `movable` are the jobs the defragmentation advice may move.
[[nodiscard]] result<std::string> explain_snapshot(const snapshot& snap, const plan_options& options,
                                                   const explain_target& target, std::string_view scheduler_name,
                                                   std::span<const running_job> movable);

}  // namespace npusched::k8s
