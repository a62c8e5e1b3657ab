#pragma once
/// \file deploy_tool_config.hpp
/// The short config of MindCluster's one-click deployment tool
/// (`k8s-deploy-tool`) turned into the OME InferenceService the tool would
/// generate. The rules, warnings and errors are in docs/deploy-tool.md.
/// Private to `npusched::k8s`.

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "npusched/k8s/ome.hpp"
#include "npusched/result.hpp"

namespace npusched::k8s::detail {

struct deploy_tool_result {
  nlohmann::ordered_json inference_service;
  std::vector<ome_warning> warnings;  ///< in the order of the config's fields (docs/deploy-tool.md)
};

/// Generates the InferenceService of `config` (a decoded deploy-tool config).
/// `source` names the document (`isvc-config.yaml[0]`) in error paths and
/// warnings. `runtime` is the named (Cluster)ServingRuntime document when it
/// is known (nullptr otherwise): its engineConfig/decoderConfig/routerConfig
/// runner (and leader/worker runner) container names are repeated in the
/// generated runner overrides, since OME's merge blanks a runner name the
/// override omits. Errors: `<source> (deploy-tool config <app_name>): <field>`
/// and what is wrong (missing required field, wrong type, out-of-range
/// number, unknown key). Deterministic.
[[nodiscard]] result<deploy_tool_result> inference_service_from_deploy_config(
    const nlohmann::ordered_json& config, std::string_view source, const nlohmann::ordered_json* runtime);

/// An object without `kind` holding `inference_service` or `app_name`.
[[nodiscard]] bool is_deploy_tool_config(const nlohmann::ordered_json& doc);

}  // namespace npusched::k8s::detail
