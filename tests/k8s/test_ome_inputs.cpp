// OME expansion inputs and outputs: errors, warnings, the context list,
// determinism, the documents reader, the strategic merge, SHA-1.

#include <gtest/gtest.h>

#include <random>

#include "deploy_tool_config.hpp"
#include "documents.hpp"
#include "ome_fixtures.hpp"
#include "digest.hpp"
#include "strategic_merge.hpp"

namespace npusched::k8s::test {
namespace {

// ---------------------------------------------------------------------------
// Errors and warnings

TEST(OmeErrors, NameTheDocumentObjectAndField) {
  struct error_case {
    const char* rule;
    std::vector<source_document> in;
    std::string path;
    std::string message_part;
  };
  const std::string head = "apiVersion: ome.io/v1beta1\nkind: InferenceService\nmetadata: {name: svc, namespace: ns}\n";
  const std::vector<error_case> cases = {
      {"malformed_yaml", {{"bad.yaml", "a: b\n---\nkind: [x\n"}}, "bad.yaml[1]", "malformed YAML at line"},
      {"malformed_json", {{"bad.json", "{\"kind\": }"}}, "bad.json", "malformed JSON"},
      {"unknown_kind", {{"x.yaml", "kind: Secret\nmetadata: {name: s}\n"}}, "x.yaml[0]: kind", "unknown kind"},
      {"missing_kind", {{"x.yaml", "metadata: {name: s}\n"}}, "x.yaml[0]: kind", "missing"},
      {"missing_name", {{"x.yaml", "kind: Pod\nmetadata: {namespace: a}\n"}}, "x.yaml[0] Pod: metadata.name", "missing"},
      {"deploy_tool_config_is_generated_then_checked", {{"cfg.yaml", "app_name: x\ninference_service: {}\n"}},
       "cfg.yaml[0] (deploy-tool config x): inference_service.model_name", "required"},
      {"runtime_not_found", {{"model.yaml", small_model}, isvc("  engine: {}\n")},
       "isvc.yaml[0] InferenceService ns/svc: spec.runtime.name", "no ServingRuntime ns/rt or ClusterServingRuntime rt"},
      {"missing_model_name", {{"rt.yaml", small_runtime}, {"i.yaml", head + "spec:\n  model: {}\n  runtime: {name: rt}\n  engine: {}\n"}},
       "i.yaml[0] InferenceService ns/svc: spec.model.name", "model reference is required"},
      {"wrong_json_type", small("  engine: {minReplicas: two}\n"),
       "isvc.yaml[0] InferenceService ns/svc: spec.engine.minReplicas", "expected an integer, got string"},
      {"label_read_as_boolean", small("  engine:\n    labels: {pod-rescheduling: on}\n"),
       "isvc.yaml[0] InferenceService ns/svc: spec.engine.labels[\"pod-rescheduling\"]", "quote it"},
      {"leader_without_worker", small("  engine: {}\n  decoder:\n    leader: {runner: {name: main}}\n"),
       "isvc.yaml[0] InferenceService ns/svc: spec.decoder.worker", "needs a worker"},
      {"duplicate_object", {{"rt.yaml", small_runtime}, {"rt2.yaml", small_runtime}},
       "rt2.yaml[0] ClusterServingRuntime rt: metadata.name", "duplicate ClusterServingRuntime rt (also rt.yaml[0])"},
      {"serverless_annotation", small("  engine: {}\n", "  annotations: {ome.io/deploymentMode: Serverless}\n"),
       "isvc.yaml[0] InferenceService ns/svc: metadata.annotations[\"ome.io/deploymentMode\"]", "not supported"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    auto r = expand_ome(c.in, "");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().path, c.path) << r.err().what();
    EXPECT_NE(r.err().message.find(c.message_part), std::string::npos) << r.err().message;
  }
}

TEST(OmeWarnings, CodesPathsAndObjects) {
  struct warning_case {
    const char* code;
    std::vector<source_document> in;
    std::string path;
    std::string object;
  };
  std::string rt_with_labels = small_runtime;
  rt_with_labels.replace(rt_with_labels.find("metadata: {name: rt}"), 20,
                         "metadata: {name: rt, annotations: {sp-block: \"16\"}}");
  const std::vector<warning_case> cases = {
      {"component_not_opted_in", small("  engine: {}\n"), "spec.decoder", "InferenceService ns/svc"},
      {"min_available_on_lws", lws_inputs("    annotations: {huawei.com/schedule_minAvailable: \"2\"}\n"),
       "spec.decoder.annotations[\"huawei.com/schedule_minAvailable\"]", "InferenceService ns/svc"},
      {"runner_without_name", small("  engine:\n    runner: {env: [{name: A, value: b}]}\n"), "spec.engine.runner.name",
       "InferenceService ns/svc"},
      {"npu_not_whole_node",
       small("  engine:\n    runner: {name: main, resources: {requests: {huawei.com/Ascend910: 4}, limits: "
             "{huawei.com/Ascend910: 4}}}\n"),
       "spec.engine.runner.resources", "InferenceService ns/svc"},
      {"mindcluster_key_not_copied", {{"rt.yaml", rt_with_labels}, {"model.yaml", small_model}, isvc("  engine: {}\n")},
       "metadata.annotations[\"sp-block\"]", "ClusterServingRuntime rt"},
      {"mindcluster_key_wrong_map", small("  engine:\n    labels: {sp-block: \"16\"}\n"), "spec.engine.labels[\"sp-block\"]",
       "InferenceService ns/svc"},
      {"model_not_found", {{"rt.yaml", small_runtime}, isvc("  engine: {}\n")}, "spec.model.name",
       "InferenceService ns/svc"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.code);
    const auto e = expand_ok(c.in);
    auto it = std::find_if(e.warnings.begin(), e.warnings.end(), [&](const ome_warning& w) { return w.code == c.code; });
    ASSERT_NE(it, e.warnings.end());
    EXPECT_EQ(it->path, c.path);
    EXPECT_EQ(it->object, c.object);
    EXPECT_FALSE(it->source.empty());
    EXPECT_FALSE(it->message.empty());
  }
}

TEST(OmeWarnings, OrderedBySourceWithIndicesAsNumbers) {
  auto service = [](const std::string& name, const std::string& model) {
    return "apiVersion: ome.io/v1beta1\nkind: InferenceService\nmetadata: {name: " + name +
           ", namespace: ns}\nspec:\n  model: {name: " + model + "}\n  runtime: {name: rt}\n  engine: {}\n";
  };
  std::string text = std::string(small_runtime) + "---\n" + small_model + "---\n" + service("svc-b", "mx");
  for (int i = 3; i < 10; ++i) text += "---\nkind: Pod\nmetadata: {name: p" + std::to_string(i) + ", namespace: ns}\n";
  text += "---\n" + service("svc-a", "my");
  const auto e = expand_ok({{"f.yaml", text}});
  std::vector<std::string> sources;
  for (const auto& w : e.warnings)
    if (w.code == "model_not_found") sources.push_back(w.source);
  EXPECT_EQ(sources, (std::vector<std::string>{"f.yaml[2]", "f.yaml[10]"}));
  ASSERT_EQ(e.services.size(), 2u);
  EXPECT_EQ(e.services[0].name, "svc-a");  // services by namespace, then name
}

TEST(OmeWarnings, RunnerWithoutNameKeepsTheRuntimeName) {
  const auto e = expand_ok(small("  engine:\n    runner: {env: [{name: A, value: b}]}\n"));
  const json pod = of_kind(objects(e), "Pod")[0];
  ASSERT_EQ(pod["spec"]["containers"].size(), 1u);
  EXPECT_EQ(pod["spec"]["containers"][0]["name"], "main");
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["requests"]["huawei.com/Ascend910"], 8);
}

TEST(OmeWarnings, ModelNotFoundUsesDefaults) {
  const auto e = expand_ok({{"rt.yaml", small_runtime}, isvc("  engine: {}\n")});
  EXPECT_EQ(e.services[0].model, "ClusterBaseModel/m");
  const json pod = of_kind(objects(e), "Pod")[0];
  EXPECT_EQ(pod["metadata"]["labels"]["base-model-size"], "SMALL");
  EXPECT_FALSE(pod["metadata"]["labels"].contains("base-model-vendor"));
  EXPECT_EQ(pod["spec"]["nodeSelector"]["models.ome.io/clusterbasemodel.m"], "Ready");
}

TEST(OmeContext, RuntimesAndModelsComeFromTheContextList) {
  auto rt = detail::read_documents({"rt.yaml", small_runtime});
  auto model = detail::read_documents({"model.yaml", small_model});
  ASSERT_TRUE(rt && model);
  const ojson list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", ojson::array({(*rt)[0].value, (*model)[0].value})}};
  auto r = expand_ome({isvc("  engine: {}\n")}, list.dump());
  ASSERT_TRUE(r) << r.err().what();
  EXPECT_EQ(r->services[0].runtime, "ClusterServingRuntime/rt");
  EXPECT_FALSE(has_warning(*r, "model_not_found"));
}

TEST(OmeOutput, PlainObjectsPassThroughAfterTheGeneratedOnes) {
  std::vector<source_document> in = small("  engine: {}\n");
  in.push_back({"pod.json", pending_pod("ns", "extra", 8).dump()});
  const auto e = expand_ok(in);
  const json objs = objects(e);
  EXPECT_EQ(objs.back()["metadata"]["name"], "extra");
  EXPECT_EQ(json::parse(e.applied_json).size(), 3u);
}

// ---------------------------------------------------------------------------
// Determinism

TEST(OmeDeterminism, SameInputSameBytesShuffledInputSameServices) {
  std::vector<source_document> in = {data(standalone_rt), data(distributed_rt), data("model.yaml"),
                                     data("isvc-standalone.yaml")};
  std::string second = read_data("isvc-distributed.yaml");
  second.replace(second.find("name: llama-pd,"), 15, "name: llama-pd2,");
  in.push_back({"isvc2.yaml", second});
  const auto a = expand_ok(in);
  const auto b = expand_ok(in);
  EXPECT_EQ(a.objects_json, b.objects_json);
  EXPECT_EQ(a.warnings, b.warnings);
  std::mt19937 rng(7);
  for (int round = 0; round < 4; ++round) {
    std::shuffle(in.begin(), in.end(), rng);
    const auto c = expand_ok(in);
    EXPECT_EQ(c.objects_json, a.objects_json);
    ASSERT_EQ(c.services.size(), a.services.size());
    for (std::size_t i = 0; i < a.services.size(); ++i) {
      EXPECT_EQ(c.services[i].name, a.services[i].name);
      ASSERT_EQ(c.services[i].components.size(), a.services[i].components.size());
      for (std::size_t j = 0; j < a.services[i].components.size(); ++j)
        for (std::size_t k = 0; k < a.services[i].components[j].instances.size(); ++k)
          EXPECT_EQ(c.services[i].components[j].instances[k].pods, a.services[i].components[j].instances[k].pods);
    }
  }
}

// ---------------------------------------------------------------------------
// Documents reader

TEST(OmeDocuments, YamlScalarsAreTypedAsKubernetesReadsThem) {
  auto r = detail::read_documents({"s.yaml",
                                   "kind: X\na: on\nb: \"on\"\nc: Off\nd: ~\ne: 12\nf: 1.5\ng: '7'\nh: text\ni: -3\nj: "
                                   "yes\nk: NULL\nl: 0x1f\n"});
  ASSERT_TRUE(r) << r.err().what();
  ASSERT_EQ(r->size(), 1u);
  const ojson& v = (*r)[0].value;
  EXPECT_EQ(v["a"], true);
  EXPECT_EQ(v["b"], "on");
  EXPECT_EQ(v["c"], false);
  EXPECT_TRUE(v["d"].is_null());
  EXPECT_EQ(v["e"], 12);
  EXPECT_EQ(v["f"], 1.5);
  EXPECT_EQ(v["g"], "7");
  EXPECT_EQ(v["h"], "text");
  EXPECT_EQ(v["i"], -3);
  EXPECT_EQ(v["j"], true);
  EXPECT_TRUE(v["k"].is_null());
  EXPECT_EQ(v["l"], 31);
}

TEST(OmeDocuments, ListsArraysAndDocumentsAreSeparateObjects) {
  auto yaml = detail::read_documents({"m.yaml", "kind: A\n---\n---\nkind: List\nitems: [{kind: B}, {kind: C}]\n"});
  ASSERT_TRUE(yaml);
  ASSERT_EQ(yaml->size(), 3u);
  EXPECT_EQ((*yaml)[0].source, "m.yaml[0]");
  EXPECT_EQ((*yaml)[1].source, "m.yaml[2].items[0]");
  EXPECT_EQ((*yaml)[2].value["kind"], "C");
  auto array = detail::read_documents({"a.json", " [{\"kind\":\"A\"},{\"kind\":\"B\"}]"});
  ASSERT_TRUE(array);
  ASSERT_EQ(array->size(), 2u);
  EXPECT_EQ((*array)[1].source, "a.json[1]");
  auto object = detail::read_documents({"o.json", "{\"kind\":\"A\"}"});
  ASSERT_TRUE(object);
  EXPECT_EQ((*object)[0].source, "o.json[0]");
}

TEST(OmeDocuments, ErrorsNameTheDocumentAndPosition) {
  auto r = detail::read_documents({"e.yaml", "kind: A\n---\nkind: B\nx: [1,\n"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().path, "e.yaml[1]");
  EXPECT_NE(r.err().message.find("line"), std::string::npos);
  auto dup = detail::read_documents({"d.yaml", "a: 1\na: 2\n"});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.err().message.find("duplicate key \"a\""), std::string::npos);
}

TEST(OmeDocuments, DeployToolConfigIsRecognisedByShape) {
  EXPECT_TRUE(detail::is_deploy_tool_config(ojson{{"app_name", "x"}}));
  EXPECT_TRUE(detail::is_deploy_tool_config(ojson{{"inference_service", ojson::object()}}));
  EXPECT_FALSE(detail::is_deploy_tool_config(ojson{{"kind", "Pod"}, {"app_name", "x"}}));
  EXPECT_FALSE(detail::is_deploy_tool_config(ojson::array()));
}

// ---------------------------------------------------------------------------
// Strategic merge

TEST(OmeStrategicMerge, Rules) {
  struct merge_case {
    const char* rule;
    const char* base;
    const char* patch;
    const char* want;
  };
  const std::vector<merge_case> cases = {
      {"maps_union_patch_wins", R"({"labels":{"a":"1","b":"1"}})", R"({"labels":{"b":"2","c":""}})",
       R"({"labels":{"a":"1","b":"2","c":""}})"},
      {"nested_structs_recursive", R"({"worker":{"schedulerName":"volcano","runner":{"name":"x"}}})",
       R"({"worker":{"size":1}})", R"({"worker":{"schedulerName":"volcano","runner":{"name":"x"},"size":1}})"},
      {"merge_key_lists", R"({"containers":[{"name":"a","image":"i"},{"name":"b"}]})",
       R"({"containers":[{"name":"b","image":"j"},{"name":"c"}]})",
       R"({"containers":[{"name":"a","image":"i"},{"name":"b","image":"j"},{"name":"c"}]})"},
      {"env_by_name", R"({"env":[{"name":"A","value":"1"}]})", R"({"env":[{"name":"A","value":"2"}]})",
       R"({"env":[{"name":"A","value":"2"}]})"},
      {"mounts_by_path", R"({"volumeMounts":[{"mountPath":"/m","name":"a"}]})",
       R"({"volumeMounts":[{"mountPath":"/m","readOnly":true}]})",
       R"({"volumeMounts":[{"mountPath":"/m","name":"a","readOnly":true}]})"},
      {"other_lists_replaced", R"({"command":["a","b"]})", R"({"command":["c"]})", R"({"command":["c"]})"},
      {"empty_list_keeps_base", R"({"args":["a"]})", R"({"args":[]})", R"({"args":["a"]})"},
      {"zero_scalars_do_not_override", R"({"schedulerName":"volcano","maxReplicas":2,"hostNetwork":true})",
       R"({"schedulerName":"","maxReplicas":0,"hostNetwork":false})",
       R"({"schedulerName":"volcano","maxReplicas":2,"hostNetwork":true})"},
      {"scalars_patch_wins", R"({"minReplicas":2})", R"({"minReplicas":3})", R"({"minReplicas":3})"},
      {"pointer_zero_overrides", R"({"minReplicas":2,"worker":{"size":2}})", R"({"minReplicas":0,"worker":{"size":0}})",
       R"({"minReplicas":0,"worker":{"size":0}})"},
      {"null_keeps_base", R"({"a":{"b":1}})", R"({"a":null})", R"({"a":{"b":1}})"},
      {"resources_key_wise", R"({"resources":{"requests":{"x":16},"limits":{"x":16}}})",
       R"({"resources":{"limits":{"x":8}}})", R"({"resources":{"requests":{"x":16},"limits":{"x":8}}})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    EXPECT_EQ(detail::strategic_merge(ojson::parse(c.base), ojson::parse(c.patch)).dump(), ojson::parse(c.want).dump());
  }
}

TEST(OmeSha1, KnownDigests) {
  EXPECT_EQ(detail::sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(detail::sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(OmeRole, Names) {
  EXPECT_EQ(to_string(ome_role::prefill), "prefill");
  EXPECT_EQ(to_string(ome_role::decode), "decode");
  EXPECT_EQ(to_string(ome_role::router), "router");
}

}  // namespace
}  // namespace npusched::k8s::test
