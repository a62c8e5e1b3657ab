// What-if documents through the pipeline: `input_options::add` expanded once
// by prepare_snapshot, the plan's `inference_services` and `warnings`, the
// deployment tool's config read as the InferenceService it generates, and
// render_yaml.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "npusched/k8s/explain.hpp"
#include "npusched/k8s/ome.hpp"
#include "npusched/k8s/decoded_snapshot.hpp"
#include "npusched/k8s/pipeline.hpp"
#include "npusched/synthetic.hpp"
#include "ome_fixtures.hpp"

namespace npusched::k8s::test {
namespace {

std::string serving_cluster() {
  const auto demo = serving_demo_cluster();
  return encode_snapshot(demo.nodes, demo.pending);
}

std::vector<source_document> distributed_service() {
  return {data(distributed_rt), data("model.yaml"), data("isvc-distributed.yaml")};
}

json plan_add(const std::string& snapshot, const std::vector<source_document>& add) {
  plan_json_options o;
  o.add = add;
  auto out = plan_json(snapshot, o);
  if (!out) ADD_FAILURE() << out.err().what();
  return out ? json::parse(*out) : json::object();
}

TEST(WhatIf, AddedServicesArePlannedPerRoleAndInstance) {
  const json plan = plan_add(serving_cluster(), distributed_service());
  ASSERT_EQ(plan["inference_services"].size(), 1u) << plan.dump();
  const json& s = plan["inference_services"][0];
  EXPECT_EQ(s["service"], "ome-demo/llama-pd");
  EXPECT_EQ(s["admitted"], true);
  ASSERT_EQ(s["roles"].size(), 3u);
  EXPECT_EQ(s["roles"][0]["role"], "prefill");
  EXPECT_EQ(s["roles"][1]["role"], "decode");
  EXPECT_EQ(s["roles"][1]["workload_kind"], "LeaderWorkerSet");
  const json& decode = s["roles"][1]["instances"][0];
  ASSERT_EQ(decode["pods"].size(), 2u);
  for (const json& p : decode["pods"]) {
    EXPECT_EQ(p["placed"], true);
    EXPECT_EQ(p["chips"].size(), 16u);
  }
  // The router keeps default-scheduler in this service: another scheduler places it.
  const json& router = s["roles"][2]["instances"][0];
  EXPECT_EQ(router["admitted"], false);
  EXPECT_EQ(router["reason"], "other_scheduler");
  EXPECT_TRUE(plan["warnings"].is_array());
}

TEST(WhatIf, NothingAddedMeansNoWhatIfSections) {
  plan_json_options o;
  auto out = plan_json(serving_cluster(), o);
  ASSERT_TRUE(out) << out.err().what();
  const json plan = json::parse(*out);
  EXPECT_FALSE(plan.contains("inference_services"));
  EXPECT_FALSE(plan.contains("warnings"));
}

TEST(WhatIf, AnInstanceThatDoesNotFitSaysWhy) {
  // Only one free SuperPoD node: nothing of the two-node decode instance is placed.
  auto demo = serving_demo_cluster();
  for (node_spec& n : demo.nodes)
    if (n.name.rfind("sp", 0) == 0 && n.name != "sp1-node-8") n.schedulable = false;
  const json plan = plan_add(encode_snapshot(demo.nodes, demo.pending), distributed_service());
  const json& decode = plan["inference_services"][0]["roles"][1]["instances"][0];
  EXPECT_EQ(decode["admitted"], false);
  for (const json& p : decode["pods"]) EXPECT_EQ(p["placed"], false);
  EXPECT_FALSE(decode["reason"].get<std::string>().empty());
  EXPECT_FALSE(decode["message"].get<std::string>().empty());
}

TEST(WhatIf, ErrorsInAddedDocumentsNameTheDocument) {
  plan_json_options o;
  o.add = {{"isvc.yaml", "apiVersion: ome.io/v1beta1\nkind: InferenceService\nmetadata: {name: x}\nspec: {}\n"}};
  auto out = plan_json(serving_cluster(), o);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.err().path.rfind("isvc.yaml[0] InferenceService default/x", 0), 0u) << out.err().what();
}

TEST(WhatIf, ExplainAndPlanSeeTheSameAddedService) {
  explain_json_options o;
  o.input.add = distributed_service();
  o.target = parse_explain_target("service", "ome-demo/llama-pd").value();
  auto out = explain_json(serving_cluster(), o);
  ASSERT_TRUE(out) << out.err().what();
  const json e = json::parse(*out);
  EXPECT_EQ(e["target"]["status"], "pending");
  EXPECT_EQ(e["pods"].size(), 4u);  // 2 prefill + leader and worker of the decode instance
  for (const json& p : e["pods"]) EXPECT_EQ(p["placed"], true) << p.dump();
}

const char* const deploy_config = R"(app_name: llama-pd
app_namespace: ome-demo
inference_service:
  model_name: llama-3-2-1b-instruct
  runtime_name: srt-llama-3-2-1b-instruct-distributed
  engine: {min_replicas: 2, max_replicas: 2, npu_num: 16}
  decoder: {min_replicas: 1, max_replicas: 1, pod_num: 2, npu_num: 16}
)";

TEST(WhatIf, DeployToolConfigIsExpandedAsTheInferenceServiceItGenerates) {
  auto r = expand_ome({data(distributed_rt), data("model.yaml"), {"isvc-config.yaml", deploy_config}}, "");
  ASSERT_TRUE(r) << r.err().what();
  ASSERT_EQ(r->services.size(), 1u);
  const ome_service& s = r->services[0];
  EXPECT_EQ(s.namespace_name + "/" + s.name, "ome-demo/llama-pd");
  ASSERT_EQ(s.components.size(), 2u);  // engine and decoder: no router in the config
  EXPECT_EQ(s.components[0].workload_kind, "Deployment");
  EXPECT_EQ(s.components[0].replicas, 2);
  EXPECT_EQ(s.components[1].workload_kind, "LeaderWorkerSet");
  EXPECT_EQ(s.components[1].group_size, 2);
  EXPECT_EQ(s.components[1].npus_per_pod, 16);
  // The runtime was known, so the generated runners repeat its container names: no runner warnings.
  for (const ome_warning& w : r->warnings) EXPECT_NE(w.code, "runner_without_name") << w.message;
  // The InferenceService it stands for is what `kubectl apply` would get.
  bool generated = false;
  for (const json& o : json::parse(r->applied_json))
    generated |= o["kind"] == "InferenceService" && o["metadata"]["name"] == "llama-pd";
  EXPECT_TRUE(generated);
}

TEST(WhatIf, DeployToolConfigFindsItsRuntimeInTheContext) {
  // The runtime given as a context List (as kubectl prints it) instead of an input.
  auto rt = expand_ome({data(distributed_rt)}, "");
  ASSERT_TRUE(rt) << rt.err().what();
  const std::string list = "{\"kind\":\"List\",\"items\":" + rt->applied_json + "}";
  auto r = expand_ome({data("model.yaml"), {"isvc-config.yaml", deploy_config}}, list);
  ASSERT_TRUE(r) << r.err().what();
  ASSERT_EQ(r->services.size(), 1u);
  EXPECT_EQ(r->services[0].runtime, "ClusterServingRuntime/srt-llama-3-2-1b-instruct-distributed");
}

TEST(WhatIf, RenderYamlHasWhatIsAppliedThenWhatIsCreated) {
  auto r = expand_ome(distributed_service(), "");
  ASSERT_TRUE(r) << r.err().what();
  const std::string yaml = render_yaml(*r);
  const auto applied = yaml.find("# What `kubectl apply` would get.");
  const auto created = yaml.find("# What OME, the Deployment / LeaderWorkerSet controllers and Volcano would then create.");
  ASSERT_NE(applied, std::string::npos) << yaml.substr(0, 400);
  ASSERT_NE(created, std::string::npos);
  EXPECT_LT(applied, created);
  EXPECT_NE(yaml.find("kind: LeaderWorkerSet"), std::string::npos);
  EXPECT_NE(yaml.find("kind: PodGroup"), std::string::npos);
  // Every document of both arrays is there, separated by `---`.
  const std::size_t docs = json::parse(r->applied_json).size() + json::parse(r->objects_json).size();
  std::size_t separators = 0;
  for (std::size_t at = yaml.find("\n---\n"); at != std::string::npos; at = yaml.find("\n---\n", at + 1)) ++separators;
  EXPECT_EQ(separators + 1, docs);
  EXPECT_EQ(render_yaml(*r), yaml);  // deterministic
}

TEST(WhatIf, RenderYamlListsWarningsAsComments) {
  auto r = expand_ome({data(distributed_rt), data("isvc-distributed.yaml")}, "");  // no model: a warning
  ASSERT_TRUE(r) << r.err().what();
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(render_yaml(*r).find("# warning [" + r->warnings[0].code + "]"), std::string::npos);
}

}  // namespace
}  // namespace npusched::k8s::test
