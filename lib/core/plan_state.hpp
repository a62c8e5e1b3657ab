#pragma once
// The placement state a plan ends in, shared by explain and the
// defragmentation advice (both reason on what is left after a plan).

#include "npusched/fit.hpp"
#include "npusched/plan.hpp"

namespace npusched::detail {

/// The cluster's running pods plus every binding of `p` (computed on `c`, `w`).
[[nodiscard]] placement_state final_state(const cluster& c, const workload& w, const plan_result& p);

}  // namespace npusched::detail
