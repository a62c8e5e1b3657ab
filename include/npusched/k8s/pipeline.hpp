#pragma once
/// \file k8s/pipeline.hpp
/// The one-call pipelines built on a plan: the inputs every command reads
/// besides the snapshot (`input_options`), `plan_json`, and the shared steps
/// (`setup_plan`, `prepare_snapshot`, `plan_snapshot`).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "npusched/k8s/decoded_snapshot.hpp"
#include "npusched/k8s/ome.hpp"
#include "npusched/plan.hpp"
#include "npusched/result.hpp"

namespace npusched::k8s {

/// What every pipeline (`plan_json`, and the commands built on a plan)
/// reads besides the snapshot itself.
struct input_options {
  std::string scheduler_name = "volcano";  ///< see `decode_options`
  /// Override the snapshot's init-params (`super-pod-size`, `reserve-nodes`);
  /// the result is clamped as the reference does (`npusched::clamp`). A
  /// `super_pod_size` below 1 or a `reserve_nodes` below 0 is an
  /// `out_of_range` error with the option's name as the path.
  std::optional<int> super_pod_size;
  std::optional<int> reserve_nodes;
  std::string extra_objects_json;          ///< see `decode_options`
  /// The fault state (`encode_fault_state`): each fault job's previous fault
  /// nodes score 64 less for its replacements. Empty for none.
  std::string fault_state_json;
  /// What-if documents (YAML or JSON): OME InferenceServices with their
  /// runtimes and models, the deployment tool's config, or plain Kubernetes
  /// objects. OME documents are expanded (`expand_ome`, runtimes and models
  /// also looked up in the snapshot) and everything is added to the snapshot
  /// for this call only.
  std::vector<source_document> add;
  ome_options ome;  ///< settings of the expansion
  /// How each pod's node is chosen (`plan_options::choice`): npusched's
  /// policy, or a baseline for measuring placement quality.
  node_choice choice = node_choice::best_score;
  std::uint64_t tie_seed = 0;  ///< the seed of `random_ties`
};

/// Options of the one-call pipeline `plan_json`.
struct plan_json_options : input_options {
  std::int64_t now_unix_seconds = 0;       ///< see `encode_options`
};

/// decode_snapshot → plan (with the snapshot's init-params, then the
/// overrides) → encode_plan: what `npusched plan` prints. The error is the
/// decoder's (the document is not a readable List).
[[nodiscard]] result<std::string> plan_json(std::string_view snapshot_json, const plan_json_options& opt);

/// How to plan a decoded snapshot for one call: the plan options from the
/// snapshot's init-params with the caller's overrides, the fault state's
/// previous fault nodes to avoid, and the input warnings that still apply
/// (a `reserve-nodes` warning is moot when the caller gives the value).
struct plan_setup {
  plan_options options;
  std::vector<ome_warning> warnings;
};
/// Errors are the fault state reader's.
[[nodiscard]] result<plan_setup> setup_plan(const snapshot& snap, const input_options& opt);

/// A decoded snapshot ready to plan.
struct prepared_snapshot {
  snapshot snap;
  plan_options options;
  /// The expansion of `input_options::add`, when documents were added.
  std::optional<ome_expansion> what_if;
  std::vector<ome_warning> warnings;  ///< see `plan_setup`
};

/// The shared first step of every pipeline: expand the added documents,
/// decode (with `snapshot::running_jobs` when `running_jobs`), `setup_plan`.
/// Errors are the decoder's or the state reader's.
[[nodiscard]] result<prepared_snapshot> prepare_snapshot(std::string_view snapshot_json, const input_options& opt,
                                                         bool running_jobs = false);

/// plan → encode_plan on a decoded snapshot: what `plan_json` and the live
/// cluster's plan print.
[[nodiscard]] std::string plan_snapshot(const snapshot& snap, const plan_setup& setup, std::int64_t now_unix_seconds,
                                        const ome_expansion* what_if = nullptr);

}  // namespace npusched::k8s
