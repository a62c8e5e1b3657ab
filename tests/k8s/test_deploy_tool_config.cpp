// The deployment tool's short config → InferenceService
// (lib/k8s/deploy_tool_config.hpp; rules in docs/deploy-tool.md).

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "deploy_tool_config.hpp"
#include "yaml_writer.hpp"

namespace npusched::k8s::detail {
namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* source = "isvc-config.yaml[0]";
constexpr const char* prefix = "isvc-config.yaml[0] (deploy-tool config my-test): ";

// Runner names as a distributed P/D runtime holds them.
const ojson& runtime_doc() {
  static const ojson r = ojson::parse(R"({
    "apiVersion": "ome.io/v1beta1", "kind": "ClusterServingRuntime", "metadata": {"name": "srt-pd"},
    "spec": {
      "engineConfig": {"runner": {"name": "sglang-engine", "image": "sglang:11.1.1"}},
      "decoderConfig": {"leader": {"runner": {"name": "sglang-decoder"}},
                        "worker": {"runner": {"name": "sglang-decoder-w"}}},
      "routerConfig": {"runner": {"name": "sglang-router"}}}})");
  return r;
}

// `inference_service` members on top of a model name and runtime name.
ojson config_with(const char* isvc_members) {
  return ojson::parse(std::string(R"({"app_name": "my-test", "inference_service": {"model_name": "llama", )"
                                  R"("runtime_name": "srt-pd")") +
                      (std::string(isvc_members).empty() ? "" : ", ") + isvc_members + "}}");
}

deploy_tool_result generate_ok(const ojson& config, const ojson* runtime = &runtime_doc()) {
  auto r = inference_service_from_deploy_config(config, source, runtime);
  EXPECT_TRUE(r) << (r ? "" : r.err().what());
  return r ? *r : deploy_tool_result{};
}

struct rule_case {
  const char* name;
  ojson config;
  const char* pointer;  // into the generated InferenceService
  std::optional<ojson> want;  // nothing: the pointer must not exist
};

TEST(DeployToolConfig, GenerationRules) {
  const rule_case cases[] = {
      {"ApiVersionAndKind", config_with(""), "/apiVersion", ojson("ome.io/v1beta1")},
      {"KindIsInferenceService", config_with(""), "/kind", ojson("InferenceService")},
      {"NamespaceDefaultsToDefault", config_with(""), "/metadata",
       ojson{{"name", "my-test"}, {"namespace", "default"}}},
      {"NamespaceFromAppNamespace",
       ojson::parse(R"({"app_name": "my-test", "app_namespace": "ome-demo",
           "inference_service": {"model_name": "m"}})"),
       "/metadata/namespace", ojson("ome-demo")},
      {"ModelNameIsSpecModelName", config_with(""), "/spec/model", ojson{{"name", "llama"}}},
      {"RuntimeNameIsSpecRuntimeName", config_with(""), "/spec/runtime", ojson{{"name", "srt-pd"}}},
      {"NoRuntimeNameNoSpecRuntime",
       ojson::parse(R"({"app_name": "my-test", "inference_service": {"model_name": "m"}})"),
       "/spec/runtime", std::nullopt},
      {"OnlyComponentsPresentAreWritten", config_with(R"("decoder": {"npu_num": 16})"), "/spec/engine", std::nullopt},
      {"NullComponentIsAbsent", config_with(R"("engine": null)"), "/spec/engine", std::nullopt},
      {"ReplicasDefaultToOne", config_with(R"("engine": {"npu_num": 16})"), "/spec/engine/minReplicas", ojson(1)},
      {"MaxReplicasDefaultsToOne", config_with(R"("engine": {"npu_num": 16})"), "/spec/engine/maxReplicas", ojson(1)},
      {"ReplicasFromConfig", config_with(R"("engine": {"min_replicas": 2, "max_replicas": 4})"),
       "/spec/engine/maxReplicas", ojson(4)},
      {"VolcanoOnNpuComponent", config_with(R"("engine": {})"), "/spec/engine/schedulerName", ojson("volcano")},
      {"PodNumOneIsARunner", config_with(R"("engine": {"pod_num": 1})"), "/spec/engine/leader", std::nullopt},
      {"PodNumAboveOneIsLeaderAndWorkers", config_with(R"("decoder": {"pod_num": 3, "npu_num": 16})"),
       "/spec/decoder/worker/size", ojson(2)},
      {"PodNumAboveOneHasNoComponentRunner", config_with(R"("decoder": {"pod_num": 2})"), "/spec/decoder/runner",
       std::nullopt},
      {"VolcanoOnLeader", config_with(R"("decoder": {"pod_num": 2})"), "/spec/decoder/leader/schedulerName",
       ojson("volcano")},
      {"VolcanoOnWorker", config_with(R"("decoder": {"pod_num": 2})"), "/spec/decoder/worker/schedulerName",
       ojson("volcano")},
      {"NpuNumIsRequestAndLimit", config_with(R"("engine": {"npu_num": 8})"), "/spec/engine/runner/resources",
       ojson::parse(R"({"requests": {"huawei.com/Ascend910": 8}, "limits": {"huawei.com/Ascend910": 8}})")},
      {"NpuNumDefaultsToOne", config_with(R"("engine": {})"),
       "/spec/engine/runner/resources/limits/huawei.com~1Ascend910", ojson(1)},
      {"NpuNumOnEveryLeaderWorkerPod", config_with(R"("decoder": {"pod_num": 2, "npu_num": 16})"),
       "/spec/decoder/worker/runner/resources/requests/huawei.com~1Ascend910", ojson(16)},
      {"ImageOverridesRunnerImage", config_with(R"("engine": {"image": "sglang:12"})"), "/spec/engine/runner/image",
       ojson("sglang:12")},
      {"NoImageNoRunnerImage", config_with(R"("engine": {})"), "/spec/engine/runner/image", std::nullopt},
      {"EnvVarsInConfigOrderThenSizes",
       config_with(R"("engine": {"env_vars": {"ZED": "1", "ALPHA": 2}, "dp_size": 2, "tp_size": 8, "pp_size": 1})"),
       "/spec/engine/runner/env", ojson::parse(R"([{"name": "ZED", "value": "1"}, {"name": "ALPHA", "value": "2"},
           {"name": "DP_SIZE", "value": "2"}, {"name": "TP_SIZE", "value": "8"}, {"name": "PP_SIZE", "value": "1"}])")},
      {"SizesDefaultToOne", config_with(R"("engine": {})"), "/spec/engine/runner/env",
       ojson::parse(R"([{"name": "DP_SIZE", "value": "1"}, {"name": "TP_SIZE", "value": "1"},
           {"name": "PP_SIZE", "value": "1"}])")},
      {"EnvVarOfTheSameNameWins", config_with(R"("engine": {"env_vars": {"TP_SIZE": "4"}, "tp_size": 16})"),
       "/spec/engine/runner/env", ojson::parse(R"([{"name": "TP_SIZE", "value": "4"},
           {"name": "DP_SIZE", "value": "1"}, {"name": "PP_SIZE", "value": "1"}])")},
      {"LabelsOnComponent", config_with(R"("engine": {"labels": {"b": "1", "a": 2}})"), "/spec/engine/labels",
       ojson{{"b", "1"}, {"a", "2"}}},
      {"AnnotationsOnComponent", config_with(R"("decoder": {"annotations": {"sp-block": "32"}})"),
       "/spec/decoder/annotations", ojson{{"sp-block", "32"}}},
      {"NodeSelectorOnComponent", config_with(R"("decoder": {"pod_num": 2, "node_selector": {"zone": "a"}})"),
       "/spec/decoder/nodeSelector", ojson{{"zone", "a"}}},
      {"EmptyMapsAreNotWritten", config_with(R"("engine": {"labels": {}})"), "/spec/engine/labels", std::nullopt},
      {"RunnerNameFromRuntime", config_with(R"("engine": {})"), "/spec/engine/runner/name", ojson("sglang-engine")},
      {"LeaderRunnerNameFromRuntime", config_with(R"("decoder": {"pod_num": 2})"), "/spec/decoder/leader/runner/name",
       ojson("sglang-decoder")},
      {"WorkerRunnerNameFromRuntime", config_with(R"("decoder": {"pod_num": 2})"), "/spec/decoder/worker/runner/name",
       ojson("sglang-decoder-w")},
      {"RouterFields",
       config_with(R"("router": {"min_replicas": 1, "max_replicas": 3, "image": "router:1", "labels": {"l": "v"},
           "annotations": {"a": "v"}, "node_selector": {"n": "v"}})"),
       "/spec/router", ojson::parse(R"({"minReplicas": 1, "maxReplicas": 3, "labels": {"l": "v"},
           "annotations": {"a": "v"}, "nodeSelector": {"n": "v"},
           "runner": {"name": "sglang-router", "image": "router:1"}})")},
      {"RouterWithoutImageHasNoRunner", config_with(R"("router": {})"), "/spec/router",
       ojson{{"minReplicas", 1}, {"maxReplicas", 1}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const ojson isvc = generate_ok(c.config).inference_service;
    const ojson::json_pointer ptr(c.pointer);
    if (!c.want) {
      EXPECT_FALSE(isvc.contains(ptr)) << isvc.dump();
      continue;
    }
    ASSERT_TRUE(isvc.contains(ptr)) << isvc.dump();
    EXPECT_EQ(isvc.at(ptr).dump(), c.want->dump());
  }
}

TEST(DeployToolConfig, WithoutRuntimeRunnersCarryNoName) {
  const auto r = generate_ok(config_with(R"("engine": {"npu_num": 16})"), nullptr);
  EXPECT_FALSE(r.inference_service["spec"]["engine"]["runner"].contains("name"));
}

struct error_case {
  const char* name;
  ojson config;
  const char* field;    // after the config's name; a config without app_name is named without it
  const char* message;
};

TEST(DeployToolConfig, Errors) {
  const error_case cases[] = {
      {"ConfigNotAnObject", ojson::array(), "", "expected an object, got array"},
      {"MissingAppName", ojson::parse(R"({"inference_service": {"model_name": "m"}})"),
       "app_name", "required: the InferenceService name"},
      {"AppNameNotAString", ojson::parse(R"({"app_name": 3, "inference_service": {}})"),
       "app_name", "expected a string, got number"},
      {"AppNameEmpty", ojson::parse(R"({"app_name": "", "inference_service": {}})"),
       "app_name", "must not be empty"},
      {"UnknownTopLevelKey", ojson::parse(R"({"app_name": "my-test", "inference_services": {}})"),
       "inference_services",
       "unknown key; accepted: app_name, app_namespace, inference_service, mf_store"},
      {"NamespaceNotAString",
       ojson::parse(R"({"app_name": "my-test", "app_namespace": true, "inference_service": {}})"),
       "app_namespace", "expected a string, got boolean"},
      {"MissingInferenceService", ojson::parse(R"({"app_name": "my-test"})"), "inference_service",
       "required: the model, runtime and components of the service"},
      {"InferenceServiceNotAnObject", ojson::parse(R"({"app_name": "my-test", "inference_service": []})"),
       "inference_service", "expected an object, got array"},
      {"MissingModelName", ojson::parse(R"({"app_name": "my-test", "inference_service": {}})"),
       "inference_service.model_name", "required: the model name"},
      {"UnknownInferenceServiceKey", config_with(R"("prefill": {})"), "inference_service.prefill",
       "unknown key; accepted: model_name, runtime_name, engine, decoder, router"},
      {"RuntimeNameNotAString",
       ojson::parse(R"({"app_name": "my-test", "inference_service": {"model_name": "m", "runtime_name": 1}})"),
       "inference_service.runtime_name", "expected a string, got number"},
      {"ComponentNotAnObject", config_with(R"("engine": 1)"), "inference_service.engine",
       "expected an object, got number"},
      {"UnknownComponentKey", config_with(R"("engine": {"npu_count": 16})"),
       "inference_service.engine.npu_count",
       "unknown key; accepted: min_replicas, max_replicas, pod_num, image, npu_num, labels, annotations, "
       "node_selector, env_vars, dp_size, tp_size, pp_size"},
      {"UnknownRouterKey", config_with(R"("router": {"npu_num": 1})"),
       "inference_service.router.npu_num",
       "unknown key; accepted: min_replicas, max_replicas, image, labels, annotations, node_selector"},
      {"MinReplicasZero", config_with(R"("engine": {"min_replicas": 0})"),
       "inference_service.engine.min_replicas", "0 is less than 1"},
      {"MinReplicasNegative", config_with(R"("decoder": {"min_replicas": -2})"),
       "inference_service.decoder.min_replicas", "-2 is less than 1"},
      {"MinReplicasNotAnInteger", config_with(R"("engine": {"min_replicas": 1.5})"),
       "inference_service.engine.min_replicas", "expected an integer, got number"},
      {"MinReplicasAString", config_with(R"("engine": {"min_replicas": "1"})"),
       "inference_service.engine.min_replicas", "expected an integer, got string"},
      {"ReplicasOutOfRange", config_with(R"("engine": {"max_replicas": 3000000000})"),
       "inference_service.engine.max_replicas", "3000000000 is out of range"},
      {"MaxBelowMin", config_with(R"("engine": {"min_replicas": 3, "max_replicas": 2})"),
       "inference_service.engine.max_replicas", "max_replicas 2 is less than min_replicas 3"},
      {"MaxDefaultBelowMin", config_with(R"("router": {"min_replicas": 2})"),
       "inference_service.router.min_replicas",
       "max_replicas 1 is less than min_replicas 2 (max_replicas defaults to 1)"},
      {"PodNumZero", config_with(R"("decoder": {"pod_num": 0})"),
       "inference_service.decoder.pod_num", "0 is less than 1"},
      {"NpuNumZero", config_with(R"("engine": {"npu_num": 0})"),
       "inference_service.engine.npu_num", "0 is less than 1"},
      {"TpSizeZero", config_with(R"("engine": {"tp_size": 0})"),
       "inference_service.engine.tp_size", "0 is less than 1"},
      {"ImageNotAString", config_with(R"("engine": {"image": ["a"]})"),
       "inference_service.engine.image", "expected a string, got array"},
      {"LabelsNotAnObject", config_with(R"("engine": {"labels": "a=b"})"),
       "inference_service.engine.labels", "expected an object, got string"},
      {"LabelValueNotAString", config_with(R"("engine": {"labels": {"on": true}})"),
       "inference_service.engine.labels[\"on\"]", "expected a string, got boolean"},
      {"EnvValueNotAString", config_with(R"("decoder": {"env_vars": {"RATIO": 0.5}})"),
       "inference_service.decoder.env_vars[\"RATIO\"]", "expected a string, got number"},
      {"NodeSelectorValueNull", config_with(R"("router": {"node_selector": {"zone": null}})"),
       "inference_service.router.node_selector[\"zone\"]", "expected a string, got null"},
      {"MfStoreNotAnObject", ojson::parse(R"({"app_name": "my-test", "inference_service": {"model_name": "m"},
           "mf_store": "yes"})"),
       "mf_store", "expected an object, got string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = inference_service_from_deploy_config(c.config, source, &runtime_doc());
    ASSERT_FALSE(r);
    const std::string field = c.field;
    const bool named = c.config.is_object() && c.config.contains("app_name") && c.config["app_name"] == "my-test";
    const std::string unnamed = "isvc-config.yaml[0] (deploy-tool config)";
    EXPECT_EQ(r.err().path, named ? prefix + field : field.empty() ? unnamed : unnamed + ": " + field);
    EXPECT_EQ(r.err().message, c.message);
  }
}

TEST(DeployToolConfig, ErrorWithoutSourceNamesTheConfig) {
  auto r = inference_service_from_deploy_config(config_with(R"("engine": {"pod_num": 0})"), "", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().path, "deploy-tool config my-test: inference_service.engine.pod_num");
}

struct warning_case {
  const char* name;
  ojson config;
  const ojson* runtime;
  std::vector<std::pair<std::string, std::string>> want;  // code, path
};

TEST(DeployToolConfig, Warnings) {
  const ojson no_router_runtime = ojson::parse(R"({"kind": "ServingRuntime", "metadata": {"namespace": "ns",
      "name": "rt"}, "spec": {"engineConfig": {"runner": {"name": "e"}}}})");
  const warning_case cases[] = {
      {"NoneForWholeNodesAndAKnownRuntime",
       config_with(R"("engine": {"npu_num": 16}, "decoder": {"pod_num": 2, "npu_num": 8})"),
       &runtime_doc(), {}},
      {"NpuNumNotAWholeNode", config_with(R"("engine": {"npu_num": 4})"), &runtime_doc(),
       {{"npu_num_not_whole_node", "inference_service.engine.npu_num"}}},
      {"NpuNumDefaultNotAWholeNode", config_with(R"("decoder": {"pod_num": 2})"), &runtime_doc(),
       {{"npu_num_not_whole_node", "inference_service.decoder.npu_num"}}},
      {"NpuNumAboveANode", config_with(R"("engine": {"npu_num": 32})"), &runtime_doc(),
       {{"npu_num_not_whole_node", "inference_service.engine.npu_num"}}},
      {"RuntimeNameAbsent", ojson::parse(R"({"app_name": "my-test", "inference_service": {"model_name": "m"}})"),
       &runtime_doc(), {{"runtime_auto_selected", "inference_service.runtime_name"}}},
      {"RuntimeUnknown", config_with(R"("engine": {"npu_num": 16})"), nullptr,
       {{"runtime_unknown", "inference_service.runtime_name"}}},
      {"RuntimeUnknownButNoRunnerWritten", config_with(R"("router": {})"), nullptr, {}},
      {"RunnerNameMissingInRuntime", config_with(R"("engine": {"npu_num": 16}, "router": {"image": "r"})"),
       &no_router_runtime, {{"runner_name_unknown", "inference_service.router"}}},
      {"LeaderWorkerNamesMissingInRuntime", config_with(R"("engine": {"npu_num": 16, "pod_num": 2})"),
       &no_router_runtime,
       {{"runner_name_unknown", "inference_service.engine"}, {"runner_name_unknown", "inference_service.engine"}}},
      {"MfStorePresent", ojson::parse(R"({"app_name": "my-test", "inference_service": {"model_name": "m",
           "runtime_name": "srt-pd"}, "mf_store": {"image": "mf:1", "replicas": 1}})"),
       &runtime_doc(), {{"mf_store_not_planned", "mf_store"}}},
      {"InFieldOrder", ojson::parse(R"({"app_name": "my-test", "inference_service": {"model_name": "m",
           "engine": {}, "decoder": {"npu_num": 2}}, "mf_store": {}})"),
       nullptr,
       {{"runtime_auto_selected", "inference_service.runtime_name"},
        {"runtime_unknown", "inference_service.runtime_name"},
        {"npu_num_not_whole_node", "inference_service.engine.npu_num"},
        {"npu_num_not_whole_node", "inference_service.decoder.npu_num"},
        {"mf_store_not_planned", "mf_store"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = generate_ok(c.config, c.runtime);
    std::vector<std::pair<std::string, std::string>> got;
    for (const auto& w : r.warnings) {
      got.emplace_back(w.code, w.path);
      EXPECT_EQ(w.object, "InferenceService default/my-test");
      EXPECT_EQ(w.source, source);
      EXPECT_FALSE(w.message.empty());
    }
    EXPECT_EQ(got, c.want);
  }
}

TEST(DeployToolConfig, WarningMessagesSayWhy) {
  const auto npu = generate_ok(config_with(R"("engine": {})"));
  ASSERT_EQ(npu.warnings.size(), 1U);
  EXPECT_EQ(npu.warnings[0].message,
            "1 NPUs per pod (the tool's default) is not a whole node: MindCluster supports only whole-node requests "
            "for inference pods (8 on Atlas 800I A2, 16 on A3 / SuperPoD)");
  const ojson partial = ojson::parse(R"({"kind": "ServingRuntime", "metadata": {"namespace": "ns", "name": "rt"}})");
  const auto runner = generate_ok(config_with(R"("engine": {"npu_num": 16})"), &partial);
  ASSERT_EQ(runner.warnings.size(), 1U);
  EXPECT_EQ(runner.warnings[0].message,
            "ServingRuntime ns/rt has no spec.engineConfig.runner.name: the generated engine runner has no container "
            "name, and OME's merge leaves the container unnamed");
}

TEST(DeployToolConfig, FullExampleGeneratesTheWholeInferenceService) {
  const ojson config = ojson::parse(R"({
    "app_name": "my-test",
    "app_namespace": "ome-demo",
    "inference_service": {
      "model_name": "llama-3-2-1b-instruct",
      "runtime_name": "srt-pd",
      "engine": {"min_replicas": 1, "max_replicas": 2, "pod_num": 1, "image": "sglang:11.1.1", "npu_num": 16,
                 "labels": {"app": "llama"}, "env_vars": {"HCCL_BUFFSIZE": "400"}, "tp_size": 16},
      "decoder": {"min_replicas": 1, "max_replicas": 1, "pod_num": 2, "npu_num": 16,
                  "annotations": {"sp-block": "32"}, "node_selector": {"accelerator-type": "module-a3-16-super-pod"},
                  "dp_size": 2, "tp_size": 32},
      "router": {"min_replicas": 1, "max_replicas": 1, "image": "sglang:11.1.1"}
    }})");
  const ojson want = ojson::parse(R"({
    "apiVersion": "ome.io/v1beta1",
    "kind": "InferenceService",
    "metadata": {"name": "my-test", "namespace": "ome-demo"},
    "spec": {
      "model": {"name": "llama-3-2-1b-instruct"},
      "runtime": {"name": "srt-pd"},
      "engine": {
        "minReplicas": 1, "maxReplicas": 2, "labels": {"app": "llama"}, "schedulerName": "volcano",
        "runner": {
          "name": "sglang-engine", "image": "sglang:11.1.1",
          "env": [{"name": "HCCL_BUFFSIZE", "value": "400"}, {"name": "DP_SIZE", "value": "1"},
                  {"name": "TP_SIZE", "value": "16"}, {"name": "PP_SIZE", "value": "1"}],
          "resources": {"requests": {"huawei.com/Ascend910": 16}, "limits": {"huawei.com/Ascend910": 16}}}},
      "decoder": {
        "minReplicas": 1, "maxReplicas": 1, "annotations": {"sp-block": "32"}, "schedulerName": "volcano",
        "nodeSelector": {"accelerator-type": "module-a3-16-super-pod"},
        "leader": {"schedulerName": "volcano", "runner": {
          "name": "sglang-decoder",
          "env": [{"name": "DP_SIZE", "value": "2"}, {"name": "TP_SIZE", "value": "32"},
                  {"name": "PP_SIZE", "value": "1"}],
          "resources": {"requests": {"huawei.com/Ascend910": 16}, "limits": {"huawei.com/Ascend910": 16}}}},
        "worker": {"size": 1, "schedulerName": "volcano", "runner": {
          "name": "sglang-decoder-w",
          "env": [{"name": "DP_SIZE", "value": "2"}, {"name": "TP_SIZE", "value": "32"},
                  {"name": "PP_SIZE", "value": "1"}],
          "resources": {"requests": {"huawei.com/Ascend910": 16}, "limits": {"huawei.com/Ascend910": 16}}}}},
      "router": {"minReplicas": 1, "maxReplicas": 1, "runner": {"name": "sglang-router", "image": "sglang:11.1.1"}}
    }})");
  const auto r = generate_ok(config);
  EXPECT_EQ(r.inference_service.dump(2), want.dump(2));
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(generate_ok(config).inference_service.dump(), r.inference_service.dump());
}

// The example of docs/deploy-tool.md, generated and written as YAML.
TEST(DeployToolConfig, DocumentedExampleAsYaml) {
  const ojson config = ojson::parse(R"({"app_name": "my-test", "app_namespace": "ome-demo",
      "inference_service": {"model_name": "llama-3-2-1b-instruct", "runtime_name": "srt-pd",
        "engine": {"pod_num": 1, "npu_num": 16, "max_replicas": 2, "tp_size": 16},
        "decoder": {"pod_num": 2, "npu_num": 16, "dp_size": 2, "tp_size": 32},
        "router": {"image": "sglang:11.1.1"}}})");
  // The same for the decoder's leader and worker.
  const std::string decoder_env_and_resources =
            "        env:\n"
            "          - name: DP_SIZE\n"
            "            value: \"2\"\n"
            "          - name: TP_SIZE\n"
            "            value: \"32\"\n"
            "          - name: PP_SIZE\n"
            "            value: \"1\"\n"
            "        resources:\n"
            "          requests:\n"
            "            huawei.com/Ascend910: 16\n"
            "          limits:\n"
            "            huawei.com/Ascend910: 16\n";
  EXPECT_EQ(to_yaml(generate_ok(config).inference_service),
            "apiVersion: ome.io/v1beta1\n"
            "kind: InferenceService\n"
            "metadata:\n"
            "  name: my-test\n"
            "  namespace: ome-demo\n"
            "spec:\n"
            "  model:\n"
            "    name: llama-3-2-1b-instruct\n"
            "  runtime:\n"
            "    name: srt-pd\n"
            "  engine:\n"
            "    minReplicas: 1\n"
            "    maxReplicas: 2\n"
            "    schedulerName: volcano\n"
            "    runner:\n"
            "      name: sglang-engine\n"
            "      env:\n"
            "        - name: DP_SIZE\n"
            "          value: \"1\"\n"
            "        - name: TP_SIZE\n"
            "          value: \"16\"\n"
            "        - name: PP_SIZE\n"
            "          value: \"1\"\n"
            "      resources:\n"
            "        requests:\n"
            "          huawei.com/Ascend910: 16\n"
            "        limits:\n"
            "          huawei.com/Ascend910: 16\n"
            "  decoder:\n"
            "    minReplicas: 1\n"
            "    maxReplicas: 1\n"
            "    schedulerName: volcano\n"
            "    leader:\n"
            "      schedulerName: volcano\n"
            "      runner:\n"
            "        name: sglang-decoder\n" +
                decoder_env_and_resources +
            "    worker:\n"
            "      size: 1\n"
            "      schedulerName: volcano\n"
            "      runner:\n"
            "        name: sglang-decoder-w\n" +
                decoder_env_and_resources +
            "  router:\n"
            "    minReplicas: 1\n"
            "    maxReplicas: 1\n"
            "    runner:\n"
            "      name: sglang-router\n"
            "      image: sglang:11.1.1\n");
}

TEST(DeployToolConfig, RecognisedByShape) {
  const struct {
    const char* doc;
    bool want;
  } cases[] = {
      {R"({"app_name": "a"})", true},
      {R"({"inference_service": {}})", true},
      {R"({"app_name": "a", "kind": "InferenceService"})", false},
      {R"({"apiVersion": "v1", "kind": "Pod"})", false},
      {R"({"mf_store": {}})", false},
      {R"([{"app_name": "a"}])", false},
      {R"("app_name")", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.doc);
    EXPECT_EQ(is_deploy_tool_config(ojson::parse(c.doc)), c.want);
  }
}

}  // namespace
}  // namespace npusched::k8s::detail
