#pragma once
/// \file k8s/picture.hpp
/// `npusched show`: the cluster and a plan on it as an SVG picture.
/// docs/show.md describes what is drawn and how to read it.

#include <string>
#include <string_view>

#include "npusched/k8s/pipeline.hpp"
#include "npusched/plan.hpp"
#include "npusched/result.hpp"

namespace npusched::k8s {

struct picture_options {
  /// The picture's heading; empty: `Cluster: <N> nodes, <C> chips`.
  std::string title;
};

/// The picture of a prepared snapshot and a plan computed on it, as an SVG
/// document (UTF-8, no external references).
///
/// Groups: physical super-pods by id, then nodes in no super-pod by
/// accelerator type, then the excluded nodes; inside a group, nodes by name.
/// Every node is one `<g class="node" data-node="NAME">` and every chip one
/// `<rect class="chip" data-node=".." data-chip="N" data-state="..">` with a
/// `<title>` naming its holder. A chip's state is the first that applies of
/// `unhealthy`, `recovering`, `planned` (a binding of `plan`), `used` (held
/// by a running pod), `network-unhealthy`, `free`. Used and planned chips are
/// coloured by the pod's service and role (`snap.roles`), services in name
/// order taking colours from a fixed palette; planned chips are hatched. The
/// logical super-nodes of placed super-pod jobs are outlined. The legend
/// lists only what the picture uses.
///
/// Deterministic: byte-identical output for identical input. O(N · chips).
/// Precondition: `plan` was computed on `snap.cluster` and `snap.workload`.
[[nodiscard]] std::string render_svg(const snapshot& snap, const plan_result& plan, const picture_options& opt = {});

/// Options of `show_svg`.
struct show_json_options {
  input_options input;
  picture_options picture;
};

/// prepare_snapshot → plan → render_svg: what `npusched show` writes. The
/// error is the decoder's or the fault-state reader's.
[[nodiscard]] result<std::string> show_svg(std::string_view snapshot_json, const show_json_options& opt);

}  // namespace npusched::k8s
