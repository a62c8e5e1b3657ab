#pragma once
/// \file plan_parts.hpp
/// The parts of the plan JSON that other outputs repeat (`npusched explain`
/// shows the gangs and super-pod jobs of its targets exactly as `plan` does).
/// Private to `npusched::k8s`.

#include <cstddef>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "npusched/k8s/decoded_snapshot.hpp"

namespace npusched::k8s::detail {

using ojson = nlohmann::ordered_json;

/// Compact JSON text; invalid UTF-8 in names is replaced, never thrown.
[[nodiscard]] std::string dump(const ojson& j);

/// `0, 1, …, n − 1`.
[[nodiscard]] inline std::vector<std::size_t> indices(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

/// The plan's `super_pod_jobs` entries `which` (indices into `plan.super_pod_jobs`), in that order.
[[nodiscard]] ojson super_pod_jobs_json(const snapshot& snap, const plan_result& plan, std::span<const std::size_t> which);

/// The plan's `gangs` entries `which` (indices into `plan.gangs`) that name a PodGroup, in that order.
[[nodiscard]] ojson gangs_json(const snapshot& snap, const plan_result& plan, std::span<const std::size_t> which);

}  // namespace npusched::k8s::detail
