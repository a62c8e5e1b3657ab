// The public topology functions: each reads the type's row of the policy
// table (lib/core/topology/).

#include "npusched/topology.hpp"

#include <fmt/format.h>

#include "topology/policy.hpp"

namespace npusched {

using detail::policy;

shape_fit judge(accelerator_type t, int k, chip_mask top, bool distributed) noexcept {
  return policy(t).judge(k, top, distributed);
}

std::optional<std::int64_t> node_score(accelerator_type t, int k, chip_mask top, bool distributed,
                                       const score_inputs& in) noexcept {
  const auto& p = policy(t);
  if (p.judge(k, top, distributed) != shape_fit::fits) return std::nullopt;
  return p.score(k, top, distributed, in);
}

bool is_legal_request(accelerator_type t, int k, const job_shape& job) noexcept {
  const auto& p = policy(t);
  return k >= 1 && k <= p.max_chips && p.legal(k, job);
}

std::optional<std::string> check_request(accelerator_type t, int k, const job_shape& job) {
  if (is_legal_request(t, k, job)) return std::nullopt;
  const auto& p = policy(t);
  if (p.max_chips == 0) return std::string("the node has no NPUs");
  if (k < 1 || k > p.max_chips) return fmt::format("{} NPUs per pod is outside 1..{} for {}", k, p.max_chips, p.label);
  if (p.why_illegal) return p.why_illegal(p, k, job);
  return fmt::format("{} NPUs per pod is not legal for {} (legal: {})", k, p.label, p.legal_counts);
}

std::vector<int> pick_chips(accelerator_type t, int k, chip_mask top, bool distributed) {
  const auto& p = policy(t);
  if (p.judge(k, top, distributed) != shape_fit::fits) return {};
  return p.pick(k, top, distributed);
}

std::vector<int> power_of_two_sizes(accelerator_type t, bool distributed) {
  std::vector<int> out;
  for (int k = 1; k <= max_chips(t); k *= 2)
    if (is_legal_request(t, k, distributed ? job_shape{2, 2 * k} : job_shape{1, k})) out.push_back(k);
  return out;
}

}  // namespace npusched
