#pragma once
// Small builders shared by the core tests.

#include <initializer_list>
#include <string>
#include <vector>

#include "npusched/cluster.hpp"
#include "npusched/fit.hpp"
#include "npusched/plan.hpp"

namespace npusched::testing {

inline chip_mask mask(std::initializer_list<int> chips) {
  chip_mask m = 0;
  for (int c : chips) m |= chip_bit(c);
  return m;
}

inline chip_mask range(int first, int last) {  // [first, last]
  chip_mask m = 0;
  for (int c = first; c <= last; ++c) m |= chip_bit(c);
  return m;
}

/// A node of type `t` whose free chips are exactly `free`: every other chip
/// of the full inventory is held by a running pod `default/busy-<name>`.
inline node_spec node_with_free(std::string name, accelerator_type t, chip_mask free) {
  node_spec n;
  n.name = std::move(name);
  n.type = t;
  n.inventory = first_chips(max_chips(t));
  n.labels = {{"accelerator-type", std::string(to_string(t))}};
  for (int c : chips_of(n.inventory & ~free)) n.in_use.push_back({c, "default/busy-" + n.name});
  n.npu_requested = static_cast<int>(n.in_use.size());
  n.cpu_allocatable_milli = 192000;
  n.memory_allocatable_bytes = std::int64_t{1} << 40;
  return n;
}

inline cluster must_build(std::vector<node_spec> nodes) {
  auto c = build_cluster(std::move(nodes));
  if (!c.ok()) throw std::runtime_error(c.err().what());
  return std::move(c).value();
}

inline fit_request npu_request(int k, int tasks = 1, int total = -1) {
  fit_request r;
  r.npus = k;
  r.job = {tasks, total < 0 ? k * tasks : total};
  return r;
}

/// The workload of job `j` alone: its pods, nothing else pending.
inline workload only_job(const workload& w, std::size_t j) {
  workload one;
  one.jobs.push_back(w.jobs[j]);
  for (const auto& p : w.pods)
    if (p.job == j) {
      one.pods.push_back(p);
      one.pods.back().job = 0;
    }
  return one;
}

}  // namespace npusched::testing
