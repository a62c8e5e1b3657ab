#pragma once
// The invariants every plan keeps, whatever the cluster and workload, as one
// checker shared by the core property tests (synthetic clusters) and the
// adapter's (random Kubernetes worlds). Each check restates its rule from
// the documentation rather than calling the code that implements it, so a
// wrong rule in the library is caught, not copied.

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "npusched/plan.hpp"

namespace npusched::testing {

/// Whether `chips` is a shape the topology rules allow on a node of type `t`
/// (docs/fitting.md): A3 dies go in whole chips (pairs) beyond one die; a
/// `module-910-x8` request under 8 stays in one HCCS ring of four; a
/// `module-910b-16` request of up to 8 stays in one half, and beyond that
/// takes the same count from each half (mirrored, unless distributed).
inline bool legal_shape(accelerator_type t, const std::vector<int>& chips, bool distributed) {
  chip_mask m = 0;
  for (int c : chips) m |= chip_bit(c);
  const int k = static_cast<int>(chips.size());
  if (is_a3_type(t)) {
    if (k == 1) return true;
    for (int c : chips)
      if ((m & chip_bit(c ^ 1)) == 0) return false;
    return true;
  }
  if (t == accelerator_type::module_910_x8 && k < 8) return (m & 0xF0u) == 0 || (m & 0x0Fu) == 0;
  if (t == accelerator_type::module_910b_16 && k <= 8) return (m & 0xFF00u) == 0 || (m & 0x00FFu) == 0;
  if (t == accelerator_type::module_910b_16 && k < 16) {
    const bool paired = chip_count(m & 0xFFu) == chip_count(m & 0xFF00u);
    return paired && (distributed || (m & 0xFFu) == (m >> 8));
  }
  return true;
}

/// Every broken invariant of plan `r` of workload `w` on cluster `c` (empty
/// when it keeps them all):
/// - allocation: a pod gets exactly its NPU count, no chip twice, no chip a
///   running pod holds, no unhealthy, recovering or (for distributed jobs
///   that talk over RoCE) network-unhealthy chip, no chip outside the inventory, only healthy or
///   sub-healthy schedulable nodes, only legal shapes;
/// - accounting: every pod is either bound or unschedulable, once;
/// - gangs all-or-nothing: a job's bindings are exactly its outcome's
///   `placed`, nothing of a job that was not admitted is placed, and an
///   admitted job reaches its gang size;
/// - hard super-pod blocks whole: the pods of one logical super-node of a
///   job without `super-pod-affinity: soft` sit on distinct nodes of one
///   physical super-pod, and a job with no running member gets whole blocks
///   of the geometry's size.
inline std::vector<std::string> plan_violations(const cluster& c, const workload& w, const plan_result& r) {
  std::vector<std::string> out;
  auto say = [&](const std::string& what) { out.push_back(what); };
  // Network-unhealthy chips matter to distributed jobs on every type but
  // `card`, and to super-pod jobs only across logical super-nodes (V > 1).
  std::map<std::size_t, int> blocks_of_job;
  for (const auto& s : r.super_pod_jobs) blocks_of_job[s.job] = s.geometry.blocks;
  std::vector<chip_mask> given(c.size(), 0);
  std::set<std::size_t> seen;
  std::map<std::size_t, int> bound_per_job;
  for (const auto& b : r.bindings) {
    const pod_spec& p = w.pods[b.pod];
    const std::string at = p.name + " on " + std::string(c.name(b.node));
    if (!seen.insert(b.pod).second) say(p.name + ": bound twice");
    ++bound_per_job[p.job];
    chip_mask m = 0;
    for (int chip : b.chips) m |= chip_bit(chip);
    const node_id n = b.node;
    if (static_cast<int>(b.chips.size()) != p.npus || chip_count(m) != p.npus) say(at + ": wrong chip count");
    if ((m & given[n.value]) != 0) say(at + ": a chip given twice");
    if ((m & c.in_use(n)) != 0) say(at + ": a chip a running pod holds");
    if ((m & (c.unhealthy(n) | c.recovering(n))) != 0) say(at + ": an unusable chip");
    const bool network = b.distributed && c.type(n) != accelerator_type::card &&
                         (!blocks_of_job.count(p.job) || blocks_of_job[p.job] > 1);
    if (network && (m & c.network_unhealthy(n)) != 0) say(at + ": a network-unhealthy chip");
    if ((m & ~c.inventory(n)) != 0) say(at + ": a chip outside the inventory");
    const node_health h = c.health(n);
    if (h != node_health::healthy && h != node_health::sub_healthy) say(at + ": an unhealthy node");
    if (!c.schedulable(n)) say(at + ": an unschedulable node");
    if (!legal_shape(c.type(n), b.chips, b.distributed)) say(at + ": an illegal shape");
    given[n.value] |= m;
  }
  for (const auto& u : r.unschedulable)
    if (!seen.insert(u.pod).second) say(w.pods[u.pod].name + ": both bound and unschedulable, or listed twice");
  if (seen.size() != w.pods.size()) say("not every pod is accounted for");

  std::set<std::size_t> admitted;
  for (const auto& g : r.gangs) {
    const std::string& job = w.jobs[g.job].name;
    const int bound = bound_per_job.count(g.job) ? bound_per_job[g.job] : 0;
    if (bound != g.placed) say("gang " + job + ": " + std::to_string(bound) + " bound, outcome says " + std::to_string(g.placed));
    if (!g.admitted && g.placed != 0) say("gang " + job + ": placed without admission");
    if (g.admitted) {
      admitted.insert(g.job);
      if (g.min_available > 0 && g.running + g.placed < g.min_available) say("gang " + job + ": admitted below its size");
      if (g.min_available == 0 && g.placed != g.pending) say("gang " + job + ": admitted with pods left over");
    }
  }
  for (const auto& [job, n] : bound_per_job)
    if (!admitted.count(job)) say("job " + w.jobs[job].name + ": bound without an admitted gang");

  for (const auto& s : r.super_pod_jobs) {
    const job_spec& job = w.jobs[s.job];
    if (job.soft_super_pod) continue;
    std::map<int, std::vector<const binding*>> blocks;
    for (const auto& b : r.bindings)
      if (w.pods[b.pod].job == s.job && w.pods[b.pod].npus > 0 && b.super_pod_rank) blocks[*b.super_pod_rank].push_back(&b);
    for (const auto& [id, members] : blocks) {
      std::set<std::uint32_t> nodes;
      for (const binding* b : members) {
        if (c.super_pod_id(b->node) != members.front()->super_pod_id || b->super_pod_id != members.front()->super_pod_id)
          say("job " + job.name + ": block " + std::to_string(id) + " spans physical super-pods");
        if (!nodes.insert(b->node.value).second) say("job " + job.name + ": two pods of a block on one node");
      }
      if (job.running.empty() && static_cast<int>(members.size()) != s.geometry.block_nodes)
        say("job " + job.name + ": block " + std::to_string(id) + " has " + std::to_string(members.size()) +
            " nodes, not " + std::to_string(s.geometry.block_nodes));
    }
  }
  return out;
}

/// The violations as one message for a failed assertion.
inline std::string joined(const std::vector<std::string>& v) {
  std::ostringstream s;
  for (const auto& x : v) s << x << "\n";
  return s.str();
}

}  // namespace npusched::testing
