// The decode → plan → encode pipeline behind `npusched plan` and npusched.plan.

#include <climits>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "npusched/k8s/fault_state_json.hpp"
#include "npusched/k8s/pipeline.hpp"

namespace npusched::k8s {

namespace {

/// An explicit super-pod option must mean what it says: out of range is an
/// error, never the default the reference would read it as.
std::optional<error> check_option(std::string_view name, std::optional<int> v, int lo) {
  if (!v || *v >= lo) return std::nullopt;
  return error{std::string(name), fmt::format("{} is out of range ({}..{})", *v, lo, INT_MAX), error_code::out_of_range};
}

}  // namespace

result<plan_setup> setup_plan(const snapshot& snap, const input_options& opt) {
  if (auto e = check_option("super_pod_size", opt.super_pod_size, 1)) return *e;
  if (auto e = check_option("reserve_nodes", opt.reserve_nodes, 0)) return *e;
  plan_setup out;
  if (!opt.fault_state_json.empty()) {
    auto state = decode_fault_state(opt.fault_state_json);
    if (!state.ok()) return state.err();
    out.options.avoid_nodes = previous_fault_nodes(*state);
  }
  init_params params = snap.params;
  out.warnings = snap.warnings;
  if (opt.super_pod_size) params.super_pod_size = *opt.super_pod_size;
  if (opt.reserve_nodes) {
    // The caller's value stands: the snapshot's reading of reserve-nodes is moot.
    params.reserve_nodes = *opt.reserve_nodes;
    std::erase_if(out.warnings, [](const ome_warning& w) { return w.path.ends_with("reserve-nodes"); });
  }
  auto avoid = std::move(out.options.avoid_nodes);
  out.options = plan_options_of(params);
  out.options.avoid_nodes = std::move(avoid);
  out.options.broken_data_nodes = static_cast<int>(snap.excluded_nodes.size());
  out.options.choice = opt.choice;
  out.options.tie_seed = opt.tie_seed;
  return out;
}

result<prepared_snapshot> prepare_snapshot(std::string_view snapshot_json, const input_options& opt,
                                          bool running_jobs) {
  decode_options dopt;
  dopt.running_jobs = running_jobs;
  dopt.scheduler_name = opt.scheduler_name;
  dopt.extra_objects_json = opt.extra_objects_json;
  std::optional<ome_expansion> what_if;
  if (!opt.add.empty()) {
    // The plain what-if objects go through the same reader as the documents,
    // so one list of added objects reaches the decoder.
    std::vector<source_document> docs = opt.add;
    if (!opt.extra_objects_json.empty()) docs.push_back({"extra_objects", opt.extra_objects_json});
    auto expanded = expand_ome(docs, snapshot_json, opt.ome);
    if (!expanded.ok()) return expanded.err();
    what_if = std::move(*expanded);
    dopt.extra_objects_json = what_if->objects_json;
  }
  auto snap = decode_snapshot(snapshot_json, dopt);
  if (!snap.ok()) return snap.err();
  auto setup = setup_plan(*snap, opt);
  if (!setup.ok()) return setup.err();
  return prepared_snapshot{std::move(*snap), std::move(setup->options), std::move(what_if), std::move(setup->warnings)};
}

std::string plan_snapshot(const snapshot& snap, const plan_setup& setup, std::int64_t now_unix_seconds,
                          const ome_expansion* what_if) {
  const plan_result placed = plan(snap.cluster, snap.workload, setup.options);
  return encode_plan(snap, placed, {.now_unix_seconds = now_unix_seconds, .what_if = what_if, .warnings = setup.warnings});
}

result<std::string> plan_json(std::string_view snapshot_json, const plan_json_options& opt) {
  auto in = prepare_snapshot(snapshot_json, opt);
  if (!in.ok()) return in.err();
  const ome_expansion* what_if = in->what_if ? &*in->what_if : nullptr;
  return plan_snapshot(in->snap, plan_setup{in->options, in->warnings}, opt.now_unix_seconds, what_if);
}

}  // namespace npusched::k8s
