#pragma once
/// \file strategic_merge.hpp
/// The strategic-merge patch Kubernetes applies when OME lays an
/// InferenceService component over its runtime's template. Private to
/// `npusched::k8s`.

#include <nlohmann/json.hpp>

namespace npusched::k8s::detail {

/// `patch` laid over `base` (both as the Go types would serialise them):
/// - objects merge key by key, recursively; a key absent or null in the patch keeps the base;
/// - string maps (`labels`, `annotations`, `nodeSelector`, `requests`, `limits`, `config`)
///   take every patch entry, empty values included;
/// - lists with a merge key (`containers`, `volumes`, `env`, ... by `name`; `volumeMounts`
///   by `mountPath`; `ports` by `containerPort`; `volumeDevices` by `devicePath`;
///   `hostAliases` by `ip`; `topologySpreadConstraints` by `topologyKey`) merge element by
///   element: a patch element merges into the base element with the same key, new
///   elements are appended in patch order;
/// - other lists are replaced when the patch gives a non-empty one;
/// - other scalars: the patch wins unless it is a zero value (`false`, `0`, `""`),
///   which the Go types omit and so cannot override — except the pointer fields
///   `minReplicas` and `size`, where 0 is a value.
[[nodiscard]] nlohmann::ordered_json strategic_merge(const nlohmann::ordered_json& base,
                                                     const nlohmann::ordered_json& patch);

/// The merge key of the list under `field`, or null when it has none.
[[nodiscard]] const char* merge_key(std::string_view field);

}  // namespace npusched::k8s::detail
