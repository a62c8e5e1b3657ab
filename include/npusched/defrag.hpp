#pragma once
/// \file defrag.hpp
/// Defragmentation advice: for a pending gang that does not fit, the running
/// jobs whose pods, moved elsewhere, would make it fit — with where each pod
/// would go and where the gang would then land. Pure data: the library never
/// moves anything. Rules: docs/defrag.md.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/plan.hpp"

namespace npusched {

/// A running job the advice may move: every pod of it is bound, and a move
/// moves all of them (a gang moves whole, so a hard `sp-block` job is placed
/// again in whole blocks). `job` is the job as it would be planned if all its
/// pods were pending again (`running` empty, `terminating` empty); `pods`
/// are its pods' requests as a pending pod's (`pod_spec::job` is ignored).
struct running_job {
  job_spec job;
  std::vector<pod_spec> pods;
  std::vector<node_id> nodes;  ///< where `pods[i]` runs; its chips are the cluster's holders of that name
};

/// What the advice found, first that applies.
enum class defrag_status : std::uint8_t {
  fits,            ///< the gang was admitted by the plan: nothing to move
  not_applicable,  ///< not a question of room: invalid, no matching or healthy node, too few pods, a member terminating
  advised,         ///< moving `moved_jobs` makes the gang fit and every moved pod has a destination
  no_destination,  ///< moving `moved_jobs` would make room, but some of their pods would have nowhere to go
  capacity,        ///< it does not fit even with every candidate job moved away: it needs more capacity
  search_limit,    ///< the trial budget (`defrag_options::max_trials`) ran out first
};

/// `fits`, `not_applicable`, `advised`, `no_destination`, `capacity`, `search_limit`.
[[nodiscard]] std::string_view to_string(defrag_status s) noexcept;

/// One pod to move.
struct pod_move {
  std::string pod;            ///< `<namespace>/<name>`
  std::string job;            ///< its job's name (the pod's own name for a pod without a group)
  node_id from;
  std::vector<int> from_chips;
  std::optional<node_id> to;  ///< absent when it has nowhere to go (`no_destination`)
  std::vector<int> to_chips;
  /// For a moved super-pod job: its logical super-node and physical super-pod at the destination.
  std::optional<int> super_pod_rank;
  std::int32_t super_pod_id = -1;
  friend bool operator==(const pod_move&, const pod_move&) = default;
};

struct defrag_advice {
  std::size_t job = 0;  ///< index into `workload::jobs`
  defrag_status status = defrag_status::not_applicable;
  std::string message;
  /// The running jobs to move (names, ascending); empty unless `advised` or `no_destination`.
  std::vector<std::string> moved_jobs;
  std::vector<pod_move> moves;  ///< every pod of `moved_jobs`, by pod name
  /// Where the gang's pending pods go once the moves are done (`advised`
  /// and `no_destination`): indices into `workload::pods`.
  std::vector<binding> placements;
  int trials = 0;  ///< what-if plans run
  friend bool operator==(const defrag_advice&, const defrag_advice&) = default;
};

struct defrag_options {
  plan_options plan;           ///< the options the plan was computed with
  std::size_t max_trials = 512;  ///< what-if plans per job, at most
};

/// Advice for job `job` (an index into `w.jobs`) of the plan `p` computed on
/// `c` and `w` with `opt.plan`. `running` lists the jobs that may move.
///
/// Works on the plan's final state (its admitted placements kept). The
/// candidates are the running jobs holding chips on a node the gang's pods
/// are refused by occupancy only (short of NPUs, CPU or memory, or the
/// wrong HCCS shape). A set of them works when, with their pods' chips and
/// requests given back, `plan` admits the gang — planned together with the
/// waiting jobs considered before it that `p` did not admit, which would get
/// the freed room first — and `plan` then places every pod of the moved jobs
/// on what is left. Single jobs are tried first
/// (fewest pods, then fewest NPUs, then name); then jobs are added in order
/// of how close their node is to fitting (for `sp-block` gangs, super-pods
/// with more usable nodes first) until the gang fits, and the set is pruned
/// (largest job first) of every job it fits without. The answer is minimal
/// by inclusion — leaving out any one job of it makes the gang not fit —
/// not necessarily the global minimum. Deterministic.
/// Precondition: `p == plan(c, w, opt.plan)`; `job < w.jobs.size()`.
[[nodiscard]] defrag_advice advise_defrag(const cluster& c, const workload& w, const plan_result& p, std::size_t job,
                                          std::span<const running_job> running, const defrag_options& opt = {});

}  // namespace npusched
