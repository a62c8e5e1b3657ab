#include "npusched/plan.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_set>

#include <fmt/format.h>

namespace npusched {

std::optional<error> validate_workload(const workload& w) {
  for (std::size_t j = 0; j < w.jobs.size(); ++j) {
    const auto& job = w.jobs[j];
    if (job.shape.npu_tasks < 0)
      return error{fmt::format("jobs[{}].shape.npu_tasks", j), fmt::format("{} is negative", job.shape.npu_tasks)};
    if (job.shape.total_npus < 0)
      return error{fmt::format("jobs[{}].shape.total_npus", j), fmt::format("{} is negative", job.shape.total_npus)};
  }
  std::unordered_set<std::string_view> names;
  for (std::size_t i = 0; i < w.pods.size(); ++i) {
    const auto& p = w.pods[i];
    if (p.name.empty()) return error{fmt::format("pods[{}].name", i), "must not be empty"};
    if (!names.insert(p.name).second)
      return error{fmt::format("pods[{}].name", i), fmt::format("duplicate pod name {}", p.name)};
    if (p.job >= w.jobs.size())
      return error{fmt::format("pods[{}].job", i), fmt::format("{} is not a job index (have {})", p.job, w.jobs.size())};
    if (p.npus < 0) return error{fmt::format("pods[{}].npus", i), fmt::format("{} is negative", p.npus)};
    if (p.cpu_milli < 0) return error{fmt::format("pods[{}].cpu_milli", i), "is negative"};
    if (p.memory_bytes < 0) return error{fmt::format("pods[{}].memory_bytes", i), "is negative"};
    const auto& shape = w.jobs[p.job].shape;
    if (p.npus > 0 && (shape.npu_tasks < 1 || shape.total_npus < p.npus))
      return error{fmt::format("jobs[{}].shape", p.job),
                   fmt::format("pod {} requests {} NPUs but the job counts {} NPU pods and {} NPUs", p.name, p.npus,
                               shape.npu_tasks, shape.total_npus)};
  }
  return std::nullopt;
}

std::vector<std::size_t> consideration_order(const workload& w) {
  std::vector<std::size_t> order(w.pods.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& pa = w.pods[a];
    const auto& pb = w.pods[b];
    if (pa.priority != pb.priority) return pa.priority > pb.priority;
    if (pa.created != pb.created) return pa.created < pb.created;
    return pa.name < pb.name;
  });
  return order;
}

plan_result plan(const cluster& c, const workload& w, placement_state& state) {
  plan_result out;
  for (const std::size_t i : consideration_order(w)) {
    const pod_spec& pod = w.pods[i];
    const job_spec& job = w.jobs[pod.job];
    if (job.invalid) {
      out.unschedulable.push_back({i, *job.invalid, {}});
      continue;
    }
    fit_request r;
    r.npus = pod.npus;
    r.job = job.shape;
    r.handler = job.handler;
    r.node_selector = c.resolve(pod.node_selector);
    r.cpu_milli = pod.cpu_milli;
    r.memory_bytes = pod.memory_bytes;
    r.refuse_sub_healthy = job.refuse_sub_healthy;
    fit_result f = fit(c, state, r);
    if (!f.node) {
      out.unschedulable.push_back({i, std::move(f.why), f.counts});
      continue;
    }
    chip_mask chips = 0;
    for (int chip : f.chips) chips |= chip_bit(chip);
    state.take(*f.node, chips, pod.npus, pod.cpu_milli, pod.memory_bytes);
    out.bindings.push_back({i, *f.node, std::move(f.chips), pod.npus > 0 && job.shape.distributed(), f.score});
  }
  return out;
}

plan_result plan(const cluster& c, const workload& w) {
  placement_state state(c);
  return plan(c, w, state);
}

}  // namespace npusched
