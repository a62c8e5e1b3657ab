/// \file metrics_json.cpp
/// `npusched metrics`: the sizes in use read from a snapshot, the core's
/// fragmentation metrics, and their JSON form.

#include "npusched/k8s/metrics.hpp"

#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npusched/k8s/pipeline.hpp"
#include "npusched/plan.hpp"
#include "npusched/topology.hpp"

namespace npusched::k8s {
namespace {

using ojson = nlohmann::ordered_json;

/// A share in millionths written as the exact decimal it is (`0.384616`).
ojson ratio(int ppm) { return ojson::parse(fmt::format("{}.{:06d}", ppm / 1'000'000, ppm % 1'000'000)); }

ojson spectrum_json(const std::vector<block_count>& v) {
  ojson out = ojson::array();
  for (const auto& b : v) out.push_back({{"block_nodes", b.block_nodes}, {"blocks", b.blocks}});
  return out;
}

std::optional<error> check_sizes(const std::vector<int>& v, const char* what) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] < 1 || v[i] > 1'000'000)
      return error{fmt::format("{}[{}]", what, i), fmt::format("{} is out of range (1..1000000)", v[i]),
                   error_code::out_of_range};
  return std::nullopt;
}

}  // namespace

metrics_options metrics_in_use(const snapshot& snap) {
  const cluster& c = snap.cluster;
  std::set<int> blocks;
  for (const auto& j : snap.fault_jobs)
    if (j.block_nodes > 0) blocks.insert(j.block_nodes);
  auto setup = setup_plan(snap, {});
  if (setup.ok()) {
    const plan_result r = plan(c, snap.workload, setup->options);
    for (const auto& s : r.super_pod_jobs)
      if (s.geometry.block_nodes > 0) blocks.insert(s.geometry.block_nodes);  // valid jobs only reach here
  }

  std::map<accelerator_type, std::set<int>> sizes;
  auto add = [&](accelerator_type t, int k) {
    if (t != accelerator_type::none && k > 0 && is_legal_request(t, k, job_shape{1, k})) sizes[t].insert(k);
  };
  for (std::uint32_t i = 0; i < c.size(); ++i) {  // running pods by the chips they hold
    const node_id n{i};
    std::map<std::string_view, int> held;
    for (const int chip : chips_of(c.in_use(n))) ++held[c.holder(n, chip)];
    for (const auto& [pod, k] : held) add(c.type(n), k);
  }
  for (const auto& p : snap.workload.pods) {  // pending pods aimed at a type
    const auto& job = snap.workload.jobs[p.job];
    if (job.handler) add(*job.handler, p.npus);
  }
  metrics_options out;
  out.block_nodes.assign(blocks.begin(), blocks.end());
  for (const auto& [t, v] : sizes) out.request_sizes.push_back({t, std::vector<int>(v.begin(), v.end())});
  return out;
}

result<std::string> metrics_json(std::string_view snapshot_json, const metrics_json_options& opt) {
  if (auto e = check_sizes(opt.block_nodes, "block_nodes")) return *e;
  if (auto e = check_sizes(opt.request_sizes, "request_sizes")) return *e;
  if (opt.legal_sizes && !opt.request_sizes.empty())
    return error{"legal_sizes", "cannot be combined with request_sizes", error_code::invalid_value};
  decode_options dopt;
  dopt.scheduler_name = opt.scheduler_name;
  auto snap = decode_snapshot(snapshot_json, dopt);
  if (!snap.ok()) return snap.err();

  metrics_options mo = metrics_in_use(*snap);
  if (!opt.block_nodes.empty()) mo.block_nodes = opt.block_nodes;
  if (opt.legal_sizes) mo.request_sizes.clear();
  if (!opt.request_sizes.empty()) {
    mo.request_sizes.clear();
    std::set<accelerator_type> types;
    for (std::uint32_t i = 0; i < snap->cluster.size(); ++i) types.insert(snap->cluster.type(node_id{i}));
    for (const accelerator_type t : types) {
      std::vector<int> legal;
      for (const int k : opt.request_sizes)
        if (t != accelerator_type::none && is_legal_request(t, k, job_shape{1, k})) legal.push_back(k);
      if (!legal.empty()) mo.request_sizes.push_back({t, legal});
    }
  }
  const placement_state s(snap->cluster);
  const cluster_metrics m = measure_fragmentation(snap->cluster, s, mo);

  ojson types = ojson::array();
  for (const auto& t : m.types)
    types.push_back({{"type", std::string(to_string(t.type))},
                     {"nodes", t.nodes},
                     {"usable_nodes", t.usable_nodes},
                     {"free_npus", t.free_npus},
                     {"free_whole_nodes", t.free_whole_nodes},
                     {"stranded_npus", t.stranded_npus},
                     {"stranded_nodes", t.stranded_nodes},
                     {"largest_gang_npus", t.largest_gang_npus},
                     {"fragmentation", ratio(t.fragmentation_ppm)}});
  ojson pods = ojson::array();
  for (const auto& p : m.super_pods)
    pods.push_back({{"super_pod_id", p.super_pod_id},
                    {"type", std::string(to_string(p.type))},
                    {"nodes", p.nodes},
                    {"free_whole_nodes", p.free_whole_nodes},
                    {"spectrum", spectrum_json(p.spectrum)},
                    {"stranded_nodes", p.stranded_nodes},
                    {"repair_headroom", p.repair_headroom}});
  ojson sizes = ojson::object();
  for (const auto& r : m.request_sizes) sizes[std::string(to_string(r.type))] = r.sizes;
  ojson out = {{"types", types},
               {"super_pods", pods},
               {"spectrum", spectrum_json(m.spectrum)},
               {"block_nodes", m.block_nodes},
               {"request_sizes", sizes}};
  return out.dump();
}

}  // namespace npusched::k8s
