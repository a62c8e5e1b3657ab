// The scheduler's init-params (volcano-system/volcano-scheduler-configmap),
// read as the reference reads them; every value that is not taken as
// written is reported as a warning (docs/kubernetes.md, "init-params").

#include <charconv>
#include <climits>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "json_input.hpp"
#include "objects.hpp"

namespace npusched::k8s::detail {

namespace {

constexpr std::string_view scheduler_object = "ConfigMap volcano-system/volcano-scheduler-configmap";

// Go's strconv.ParseBool, which the reference uses for boolean arguments.
std::optional<bool> parse_go_bool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
    if (s == t) return true;
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
    if (s == f) return false;
  return std::nullopt;
}

}  // namespace

init_params read_init_params(std::string_view text, const std::string& path) {
  init_params p;
  p.present = true;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    fail(path, error_code::limit_exceeded,
         fmt::format("YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, too_deep_message()));
  } catch (const YAML::Exception& e) {
    fail(path, error_code::malformed_document,
         fmt::format("not valid YAML: line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!root.IsDefined() || root.IsNull()) return p;
  if (!root.IsMap()) fail(path, error_code::wrong_type, "the scheduler configuration is not a YAML mapping");
  const YAML::Node confs = root["configurations"];
  if (!confs.IsDefined() || confs.IsNull()) return p;
  if (!confs.IsSequence()) fail(path, error_code::wrong_type, "configurations: expected a sequence");
  std::string where;
  for (std::size_t i = 0; i < confs.size(); ++i) {
    const YAML::Node c = confs[i];
    where = fmt::format("configurations[{}]", i);
    if (!c.IsMap()) fail(path, error_code::wrong_type, where + ": expected a mapping");
    const YAML::Node name = c["name"];
    if (!name.IsDefined() || !name.IsScalar() || name.Scalar() != "init-params") continue;
    const YAML::Node args = c["arguments"];
    if (!args.IsDefined() || args.IsNull()) return p;
    if (!args.IsMap()) fail(path, error_code::wrong_type, where + ".arguments: expected a mapping");
    auto arg = [&](const char* key) -> std::optional<std::string> {
      const YAML::Node v = args[key];
      if (!v.IsDefined() || v.IsNull()) return std::nullopt;
      if (!v.IsScalar()) fail(path, error_code::wrong_type, fmt::format("{}.arguments.{}: expected a string", where, key));
      return v.Scalar();
    };
    auto warn = [&](std::string code, const char* key, std::string message) {
      p.warnings.push_back(ome_warning{std::move(code), std::string(scheduler_object), "",
                                       fmt::format("{}.{}.arguments.{}", path.substr(path.find(".data") + 1), where, key),
                                       std::move(message)});
    };
    if (auto v = arg("useClusterInfoManager")) {
      p.use_cluster_info_manager_set = true;
      p.use_cluster_info_manager = *v != "false";  // the reference's test: anything but "false" is on
    }
    if (auto v = arg("self-maintain-available-card")) {
      auto b = parse_go_bool(*v);
      if (!b) warn("init_param_defaulted", "self-maintain-available-card",
                   fmt::format("\"{}\" is not a boolean: read as true, as the reference scheduler does", *v));
      p.self_maintain_available_card = b.value_or(true);
    }
    if (auto v = arg("super-pod-size")) {
      auto n = parse_int(*v);
      const bool ok = n && *n > 0 && *n <= INT_MAX;
      if (!ok) warn("init_param_defaulted", "super-pod-size",
                    fmt::format("\"{}\" is not a positive integer: read as 48, as the reference scheduler does", *v));
      p.super_pod_size = ok ? static_cast<int>(*n) : 48;
    }
    if (auto v = arg("reserve-nodes")) {
      // The reference reads 0 like a missing, invalid or negative value: as 2.
      auto n = parse_int(*v);
      const bool ok = n && *n > 0 && *n <= INT_MAX;
      if (!ok && n == 0)
        warn("reserve_nodes_zero", "reserve-nodes",
             "\"0\" is read as 2, as the reference scheduler reads it; to plan with no reserve, pass "
             "reserve-nodes 0 explicitly (--reserve-nodes 0, reserve_nodes=0)");
      else if (!ok)
        warn("init_param_defaulted", "reserve-nodes",
             fmt::format("\"{}\" is not a positive integer: read as 2, as the reference scheduler does", *v));
      p.reserve_nodes = ok ? static_cast<int>(*n) : 2;
    }
    if (auto v = arg("grace-over-time")) {
      auto n = parse_int(*v);
      const bool ok = n && *n >= 2 && *n <= 3600;
      if (!ok) warn("init_param_defaulted", "grace-over-time",
                    fmt::format("\"{}\" is not an integer in 2..3600: read as 900, as the reference scheduler does", *v));
      p.grace_over_time = ok ? static_cast<int>(*n) : 900;
    }
    break;  // the first init-params entry counts
  }
  if (p.reserve_nodes >= p.super_pod_size) {
    const int reserve = p.super_pod_size > 2 ? 2 : 0;
    p.warnings.push_back(ome_warning{"init_param_defaulted", std::string(scheduler_object), "",
                                     path.substr(path.find(".data") + 1),
                                     fmt::format("reserve-nodes {} is not below super-pod-size {}: read as {}, as the "
                                                 "reference scheduler does",
                                                 p.reserve_nodes, p.super_pod_size, reserve)});
    p.reserve_nodes = reserve;
  }
  return p;
}

}  // namespace npusched::k8s::detail
