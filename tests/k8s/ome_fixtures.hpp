#pragma once
// Inputs and lookups shared by the OME expansion tests.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "builders.hpp"
#include "npusched/k8s/ome.hpp"

namespace npusched::k8s::test {

using ojson = nlohmann::ordered_json;

inline std::string read_data(const std::string& name) {
  std::ifstream in(std::string(NPUSCHED_TEST_DATA_DIR) + "/ome/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline source_document data(const std::string& name) { return {name, read_data(name)}; }

inline const std::string standalone_rt = "llama-3-2-1b-instruct-rt-pd-standalone.yaml";
inline const std::string distributed_rt = "llama-3-2-1b-instruct-rt-pd-distributed.yaml";
inline const std::string ready_label = "models.ome.io/clusterbasemodel.llama-3-2-1b-instruct";

inline ome_expansion expand_ok(const std::vector<source_document>& in, const ome_options& opt = {}) {
  auto r = expand_ome(in, "", opt);
  if (!r) ADD_FAILURE() << r.err().what();
  return r ? std::move(*r) : ome_expansion{};
}

inline json objects(const ome_expansion& e) { return json::parse(e.objects_json.empty() ? "[]" : e.objects_json); }

/// The object of `kind` named `name`; a failure when absent.
inline json object(const json& objs, const std::string& kind, const std::string& name) {
  for (const json& o : objs)
    if (o["kind"] == kind && o["metadata"]["name"] == name) return o;
  ADD_FAILURE() << "no " << kind << " " << name;
  return json::object();
}

inline std::vector<json> of_kind(const json& objs, const std::string& kind) {
  std::vector<json> out;
  for (const json& o : objs)
    if (o["kind"] == kind) out.push_back(o);
  return out;
}

/// `ns/name` → `name`.
inline std::string short_name(const std::string& full) { return full.substr(full.find('/') + 1); }

inline const ome_component* component(const ome_expansion& e, const std::string& key) {
  if (e.services.empty()) return nullptr;
  for (const auto& c : e.services[0].components)
    if (c.component == key) return &c;
  return nullptr;
}

inline bool has_warning(const ome_expansion& e, const std::string& code) {
  return std::any_of(e.warnings.begin(), e.warnings.end(), [&](const ome_warning& w) { return w.code == code; });
}

// A minimal runtime with all three components as a YAML text.
inline const char* small_runtime = R"(apiVersion: ome.io/v1beta1
kind: ClusterServingRuntime
metadata: {name: rt}
spec:
  engineConfig:
    schedulerName: volcano
    runner:
      name: main
      resources: {requests: {huawei.com/Ascend910: 8}, limits: {huawei.com/Ascend910: 8}}
  decoderConfig:
    schedulerName: volcano
    runner:
      name: main
      resources: {requests: {huawei.com/Ascend910: 8}, limits: {huawei.com/Ascend910: 8}}
  routerConfig:
    runner: {name: router, resources: {limits: {cpu: "1"}}}
)";

inline const char* small_model = R"(apiVersion: ome.io/v1beta1
kind: ClusterBaseModel
metadata: {name: m}
spec: {vendor: v, modelFormat: {name: safetensors}}
)";

/// An InferenceService `svc` in `ns` on runtime `rt`, model `m`, with `spec_extra` YAML lines (indented 2).
inline source_document isvc(const std::string& spec_extra, const std::string& metadata_extra = "") {
  return {"isvc.yaml", "apiVersion: ome.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: svc\n  namespace: ns\n" +
                           metadata_extra + "spec:\n  model: {name: m}\n  runtime: {name: rt}\n" + spec_extra};
}

inline std::vector<source_document> small(const std::string& spec_extra, const std::string& metadata_extra = "",
                                   const char* runtime = small_runtime) {
  return {{"rt.yaml", runtime}, {"model.yaml", small_model}, isvc(spec_extra, metadata_extra)};
}

/// The distributed runtime and the model, with an InferenceService `svc` in
/// `ns` whose decoder is `decoder` (YAML flow or block lines, indented 4).
inline std::vector<source_document> lws_inputs(const std::string& decoder, const std::string& name = "svc",
                                        const std::string& metadata_extra = "") {
  return {data(distributed_rt), data("model.yaml"),
          {"isvc.yaml", "apiVersion: ome.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: " + name +
                            "\n  namespace: ns\n" + metadata_extra +
                            "spec:\n  model: {name: llama-3-2-1b-instruct}\n"
                            "  runtime: {name: srt-llama-3-2-1b-instruct-distributed}\n  engine: {}\n  decoder:\n" +
                            decoder}};
}

}  // namespace npusched::k8s::test
