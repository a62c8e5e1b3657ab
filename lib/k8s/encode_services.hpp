#pragma once
/// \file encode_services.hpp
/// The what-if sections of the plan output: `warnings` and
/// `inference_services`. Private to `npusched::k8s`.

#include <nlohmann/json.hpp>

#include "npusched/k8s/ome.hpp"
#include "npusched/k8s/decoded_snapshot.hpp"
#include "npusched/plan.hpp"

namespace npusched::k8s::detail {

/// `[{"code","object","source","path","message"}]`, in the expansion's order.
[[nodiscard]] nlohmann::ordered_json warnings_json(const std::vector<ome_warning>& warnings);

/// Per service, role and instance: admitted or not, each pod's node, chips,
/// physical super-pod, logical super-node and rank, or why it was not placed.
[[nodiscard]] nlohmann::ordered_json inference_services_json(const snapshot& snap, const plan_result& plan,
                                                             const ome_expansion& what_if);

}  // namespace npusched::k8s::detail
