// OME expansion: the worked expansions of both shipped runtimes, the test
// vectors T1–T20, and the gangs the planner reads from the expansion.

#include <gtest/gtest.h>

#include <map>

#include "ome_fixtures.hpp"
#include "digest.hpp"

namespace npusched::k8s::test {
namespace {

// ---------------------------------------------------------------------------
// Worked expansions

void expect_fixed_labels(const json& labels, const std::string& component, const std::string& runtime) {
  EXPECT_EQ(labels["ome.io/inferenceservice"], "llama-pd");
  EXPECT_EQ(labels["component"], component);
  EXPECT_EQ(labels["serving-runtime"], runtime);
  EXPECT_EQ(labels["fine-tuned-serving"], "false");
  EXPECT_EQ(labels["base-model-name"], "llama-3-2-1b-instruct");
  EXPECT_EQ(labels["base-model-size"], "SMALL");
  EXPECT_EQ(labels["base-model-type"], "Serving");
  EXPECT_EQ(labels["base-model-vendor"], "meta");
}

void expect_fixed_annotations(const json& a, const std::string& runtime) {
  EXPECT_EQ(a["ome.io/deploymentMode"], "PDDisaggregated");
  EXPECT_EQ(a["ome.io/base-model-name"], "llama-3-2-1b-instruct");
  EXPECT_EQ(a["ome.io/base-model-vendor"], "meta");
  EXPECT_EQ(a["ome.io/base-model-format"], "safetensors");
  EXPECT_EQ(a["ome.io/base-model-format-version"], "1.0.0");
  EXPECT_EQ(a["ome.io/serving-runtime"], runtime);
  EXPECT_EQ(a["ome.io/enable-metric-aggregation"], "false");
  EXPECT_EQ(a["ome.io/enable-prometheus-scraping"], "false");
}

void expect_mindcluster_labels(const json& labels) {
  EXPECT_EQ(labels["fault-scheduling"], "force");
  EXPECT_EQ(labels["pod-rescheduling"], "on");
}

/// A Deployment NPU role: its pods and the one PodGroup owned by the ReplicaSet.
void expect_deployment_role(const json& objs, const ome_component& c, const std::string& name, int replicas,
                            const std::string& min_available, const std::string& runtime, const std::string& key) {
  SCOPED_TRACE(name);
  EXPECT_EQ(c.workload_kind, "Deployment");
  EXPECT_EQ(c.workload, "ome-demo/" + name);
  EXPECT_EQ(c.replicas, replicas);
  EXPECT_EQ(c.npus_per_pod, 16);
  EXPECT_EQ(c.scheduler_name, "volcano");
  ASSERT_EQ(c.instances.size(), static_cast<std::size_t>(replicas));
  const json rs = of_kind(objs, "ReplicaSet")[key == "engine" ? 0 : 1];
  const std::string rs_name = rs["metadata"]["name"];
  ASSERT_EQ(rs_name.rfind(name + "-", 0), 0u);
  const std::string hash = rs_name.substr(name.size() + 1);
  EXPECT_EQ(hash.size(), 10u);
  EXPECT_EQ(rs["spec"]["replicas"], replicas);
  const std::string pg_name = "podgroup-" + rs["metadata"]["uid"].get<std::string>();
  for (const auto& inst : c.instances) {
    ASSERT_EQ(inst.pods.size(), 1u);
    EXPECT_EQ(inst.podgroup, "ome-demo/" + pg_name);
    const json pod = object(objs, "Pod", short_name(inst.pods[0]));
    const std::string pod_name = pod["metadata"]["name"];
    EXPECT_EQ(pod_name.rfind(rs_name + "-", 0), 0u);
    EXPECT_EQ(pod_name.size(), rs_name.size() + 6);
    const json& labels = pod["metadata"]["labels"];
    expect_fixed_labels(labels, key, runtime);
    expect_mindcluster_labels(labels);
    EXPECT_EQ(labels["app"], name);
    EXPECT_EQ(labels["pod-template-hash"], hash);
    const json& a = pod["metadata"]["annotations"];
    expect_fixed_annotations(a, runtime);
    EXPECT_EQ(a["huawei.com/schedule_minAvailable"], min_available);
    EXPECT_EQ(a["huawei.com/recover_policy_path"], "pod");
    EXPECT_EQ(a["scheduling.k8s.io/group-name"], pg_name);
    EXPECT_EQ(pod["spec"]["schedulerName"], "volcano");
    EXPECT_EQ(pod["spec"]["nodeSelector"], json({{ready_label, "Ready"}}));
    const json& main = pod["spec"]["containers"][0];
    EXPECT_EQ(main["resources"]["requests"]["huawei.com/Ascend910"], 16);
    EXPECT_EQ(main["resources"]["limits"]["huawei.com/Ascend910"], 16);
    EXPECT_EQ(main["securityContext"]["privileged"], true);
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["name"], rs_name);
    EXPECT_EQ(pod["status"]["phase"], "Pending");
    // OME's model volume and MODEL_PATH.
    bool mount = false, env = false;
    for (const json& m : main["volumeMounts"])
      mount |= m["name"] == "llama-3-2-1b-instruct" && m["mountPath"] == "/mnt/models/llama-3-2-1b-instruct" &&
               m["readOnly"] == true;
    for (const json& e : main["env"]) env |= e["name"] == "MODEL_PATH" && e["value"] == "/mnt/models/llama-3-2-1b-instruct";
    EXPECT_TRUE(mount);
    EXPECT_TRUE(env);
    EXPECT_FALSE(pod["spec"].contains("tolerations"));
    EXPECT_FALSE(pod["spec"].contains("affinity"));
  }
  const json pg = object(objs, "PodGroup", pg_name);
  EXPECT_EQ(pg["apiVersion"], "scheduling.volcano.sh/v1beta1");
  EXPECT_EQ(pg["spec"]["minMember"], 1);
  EXPECT_EQ(pg["spec"]["minResources"]["huawei.com/Ascend910"], "16");
  EXPECT_EQ(pg["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
  EXPECT_EQ(pg["metadata"]["ownerReferences"][0]["name"], rs_name);
  EXPECT_EQ(pg["metadata"]["ownerReferences"][0]["controller"], true);
}

void expect_router(const json& objs, const ome_component& c, const std::string& runtime) {
  EXPECT_EQ(c.workload, "ome-demo/llama-pd-router");
  EXPECT_EQ(c.scheduler_name, "default-scheduler");
  EXPECT_EQ(c.npus_per_pod, 0);
  ASSERT_EQ(c.instances.size(), 1u);
  EXPECT_EQ(c.instances[0].podgroup, "");
  const json pod = object(objs, "Pod", short_name(c.instances[0].pods[0]));
  expect_fixed_labels(pod["metadata"]["labels"], "router", runtime);
  EXPECT_EQ(pod["metadata"]["labels"]["app"], "llama-pd-router");
  EXPECT_FALSE(pod["metadata"]["annotations"].contains("scheduling.k8s.io/group-name"));
  EXPECT_FALSE(pod["spec"].contains("nodeSelector"));
  const json& res = pod["spec"]["containers"][0]["resources"];
  EXPECT_EQ(res["requests"], json({{"cpu", "1"}, {"memory", "2Gi"}}));
}

TEST(OmeWorkedExpansion, StandaloneRuntimeIsTheDeploymentScenario) {
  const auto e = expand_ok({data(standalone_rt), data("model.yaml"), data("isvc-standalone.yaml")});
  ASSERT_EQ(e.services.size(), 1u);
  const ome_service& s = e.services[0];
  EXPECT_EQ(s.runtime, "ClusterServingRuntime/srt-llama-3-2-1b-instruct-standalone");
  EXPECT_EQ(s.model, "ClusterBaseModel/llama-3-2-1b-instruct");
  ASSERT_EQ(s.components.size(), 3u);
  const json objs = objects(e);
  const std::string rt = "srt-llama-3-2-1b-instruct-standalone";
  expect_deployment_role(objs, s.components[0], "llama-pd-engine", 2, "2", rt, "engine");
  expect_deployment_role(objs, s.components[1], "llama-pd-decoder", 1, "1", rt, "decoder");
  expect_router(objs, s.components[2], rt);
  EXPECT_EQ(s.components[0].role, ome_role::prefill);
  EXPECT_EQ(s.components[0].max_replicas, 2);
  EXPECT_EQ(of_kind(objs, "Deployment").size(), 3u);
  EXPECT_EQ(of_kind(objs, "PodGroup").size(), 2u);
  EXPECT_EQ(of_kind(objs, "Pod").size(), 4u);
  EXPECT_TRUE(e.warnings.empty()) << e.warnings[0].code << ": " << e.warnings[0].message;
}

/// The LWS decode role of the distributed runtime with `size` pods per group.
void expect_lws_decoder(const json& objs, const ome_component& c, int size) {
  const std::string L = "lws-llama-pd-decoder";
  EXPECT_EQ(c.workload_kind, "LeaderWorkerSet");
  EXPECT_EQ(c.workload, "ome-demo/" + L);
  EXPECT_EQ(c.group_size, size);
  EXPECT_EQ(c.replicas, 1);
  ASSERT_EQ(c.instances.size(), 1u);
  const json lws = object(objs, "LeaderWorkerSet", L);
  EXPECT_EQ(lws["spec"]["leaderWorkerTemplate"]["size"], size);
  EXPECT_EQ(lws["spec"]["replicas"], 1);
  const std::string rev = lws.contains("spec") ? object(objs, "StatefulSet", L)["metadata"]["labels"]
                                                      ["leaderworkerset.sigs.k8s.io/template-revision-hash"]
                                               : "";
  const std::string pg_name = L + "-0-" + rev;
  const std::string gk = detail::sha1_hex("ome-demo/" + L + "-0");
  std::vector<std::string> want_pods = {"ome-demo/" + L + "-0"};
  for (int w = 1; w < size; ++w) want_pods.push_back("ome-demo/" + L + "-0-" + std::to_string(w));
  EXPECT_EQ(c.instances[0].pods, want_pods);
  EXPECT_EQ(c.instances[0].podgroup, "ome-demo/" + pg_name);
  for (int w = 0; w < size; ++w) {
    SCOPED_TRACE(w);
    const json pod = object(objs, "Pod", short_name(want_pods[w]));
    const json& labels = pod["metadata"]["labels"];
    expect_fixed_labels(labels, "decoder", "srt-llama-3-2-1b-instruct-distributed");
    expect_mindcluster_labels(labels);
    EXPECT_EQ(labels["leaderworkerset.sigs.k8s.io/name"], L);
    EXPECT_EQ(labels["leaderworkerset.sigs.k8s.io/worker-index"], std::to_string(w));
    EXPECT_EQ(labels["leaderworkerset.sigs.k8s.io/group-index"], "0");
    EXPECT_EQ(labels["leaderworkerset.sigs.k8s.io/group-key"], gk);
    EXPECT_EQ(labels["leaderworkerset.sigs.k8s.io/template-revision-hash"], rev);
    EXPECT_EQ(labels.contains("ray.io/node-type"), w == 0);
    EXPECT_EQ(labels.contains("app"), w == 0);
    const json& a = pod["metadata"]["annotations"];
    expect_fixed_annotations(a, "srt-llama-3-2-1b-instruct-distributed");
    EXPECT_EQ(a["huawei.com/recover_policy_path"], "pod");
    EXPECT_FALSE(a.contains("huawei.com/schedule_minAvailable"));
    EXPECT_EQ(a["leaderworkerset.sigs.k8s.io/size"], std::to_string(size));
    EXPECT_EQ(a["scheduling.k8s.io/group-name"], pg_name);
    EXPECT_EQ(a.contains("leaderworkerset.sigs.k8s.io/leader-name"), w != 0);
    EXPECT_EQ(pod["spec"]["schedulerName"], "volcano");
    EXPECT_EQ(pod["spec"]["nodeSelector"], json({{ready_label, "Ready"}}));
    const json& main = pod["spec"]["containers"][0];
    EXPECT_EQ(main["resources"]["requests"]["huawei.com/Ascend910"], 16);
    std::map<std::string, std::string> env;
    for (const json& v : main["env"])
      if (v.contains("value")) env[v["name"]] = v["value"];
    EXPECT_EQ(env["LWS_LEADER_ADDRESS"], L + "-0." + L + ".ome-demo");
    EXPECT_EQ(env["LWS_GROUP_SIZE"], std::to_string(size));
    EXPECT_EQ(env["LWS_WORKER_INDEX"], std::to_string(w));
    const json& owner = pod["metadata"]["ownerReferences"][0];
    EXPECT_EQ(owner["kind"], "StatefulSet");
    EXPECT_EQ(owner["name"], w == 0 ? L : L + "-0");
  }
  const json pg = object(objs, "PodGroup", pg_name);
  EXPECT_EQ(pg["spec"]["minMember"], size);
  EXPECT_EQ(pg["spec"]["minResources"]["huawei.com/Ascend910"], std::to_string(16 * size));
  EXPECT_EQ(pg["metadata"]["ownerReferences"][0]["kind"], "Pod");
  EXPECT_EQ(pg["metadata"]["ownerReferences"][0]["name"], L + "-0");
  EXPECT_EQ(pg["metadata"]["ownerReferences"][0]["uid"], object(objs, "Pod", L + "-0")["metadata"]["uid"]);
  if (size > 1) {
    const json ss = object(objs, "StatefulSet", L + "-0");
    EXPECT_EQ(ss["spec"]["replicas"], size - 1);
    EXPECT_EQ(ss["metadata"]["ownerReferences"][0]["kind"], "Pod");
  } else {
    EXPECT_EQ(of_kind(objs, "StatefulSet").size(), 1u);
  }
}

TEST(OmeWorkedExpansion, DistributedRuntimeVariantBIsTheLwsScenario) {
  const auto e = expand_ok({data(distributed_rt), data("model.yaml"), data("isvc-distributed.yaml")});
  ASSERT_EQ(e.services.size(), 1u);
  const ome_service& s = e.services[0];
  ASSERT_EQ(s.components.size(), 3u);
  const json objs = objects(e);
  expect_deployment_role(objs, s.components[0], "llama-pd-engine", 2, "2", "srt-llama-3-2-1b-instruct-distributed",
                         "engine");
  expect_lws_decoder(objs, s.components[1], 2);
  expect_router(objs, s.components[2], "srt-llama-3-2-1b-instruct-distributed");
  int npus = 0;
  for (const json& p : of_kind(objs, "Pod"))
    for (const json& c : p["spec"]["containers"])
      if (c["resources"]["requests"].contains("huawei.com/Ascend910")) npus += c["resources"]["requests"]["huawei.com/Ascend910"].get<int>();
  EXPECT_EQ(npus, 64);
  EXPECT_TRUE(e.warnings.empty()) << e.warnings[0].code << ": " << e.warnings[0].message;
}

TEST(OmeWorkedExpansion, DistributedRuntimeVariantAIsOnePodPerGroup) {
  std::string text = read_data("isvc-distributed.yaml");
  const auto decoder = text.find("  decoder:");
  const auto router = text.find("  router:");
  text = text.substr(0, decoder) + "  decoder: {minReplicas: 1}\n" + text.substr(router);
  const auto e = expand_ok({data(distributed_rt), data("model.yaml"), {"isvc-a.yaml", text}});
  ASSERT_EQ(e.services.size(), 1u);
  const json objs = objects(e);
  ASSERT_NE(component(e, "decoder"), nullptr);
  // Variant A has no MindCluster labels on the decoder; check the LWS shape only.
  const ome_component& c = *component(e, "decoder");
  EXPECT_EQ(c.group_size, 1);
  ASSERT_EQ(c.instances.size(), 1u);
  EXPECT_EQ(c.instances[0].pods, std::vector<std::string>{"ome-demo/lws-llama-pd-decoder-0"});
  const json pod = object(objs, "Pod", "lws-llama-pd-decoder-0");
  EXPECT_EQ(pod["metadata"]["annotations"]["leaderworkerset.sigs.k8s.io/size"], "1");
  const json pg = object(objs, "PodGroup", short_name(c.instances[0].podgroup));
  EXPECT_EQ(pg["spec"]["minMember"], 1);
  EXPECT_EQ(pg["spec"]["minResources"]["huawei.com/Ascend910"], "16");
  EXPECT_EQ(of_kind(objs, "StatefulSet").size(), 1u);
}

// ---------------------------------------------------------------------------
// The planner reads the expansion as what-if objects.

std::string model_ready_cluster(int nodes) {
  std::vector<node_spec> specs;
  for (int i = 0; i < nodes; ++i) {
    node_spec n;
    n.name = "a3-" + std::to_string(i);
    n.type = accelerator_type::module_a3_16_super_pod;
    n.labels = {{"accelerator-type", "module-a3-16-super-pod"}, {ready_label, "Ready"}};
    n.super_pod_id = 0;
    n.rack_id = 0;
    n.server_index = i;
    n.inventory = first_chips(16);
    n.cpu_allocatable_milli = 64000;
    n.memory_allocatable_bytes = std::int64_t{512} << 30;
    specs.push_back(n);
  }
  return encode_snapshot(specs, workload{});
}

json plan_with(const ome_expansion& e, int nodes) {
  plan_json_options o;
  o.extra_objects_json = e.objects_json;
  auto out = plan_json(model_ready_cluster(nodes), o);
  if (!out) ADD_FAILURE() << out.err().what();
  return out ? json::parse(*out) : json::object();
}

const json* gang(const json& plan, const std::string& group) {
  for (const json& g : plan["gangs"])
    if (g["group"] == group) return &g;
  return nullptr;
}

TEST(OmePlan, StandaloneGangsAreOneDeploymentPodGroupPerRole) {
  const auto e = expand_ok({data(standalone_rt), data("model.yaml"), data("isvc-standalone.yaml")});
  const json plan = plan_with(e, 4);
  const ome_component& engine = *component(e, "engine");
  const ome_component& decoder = *component(e, "decoder");
  const json* ge = gang(plan, engine.instances[0].podgroup);
  const json* gd = gang(plan, decoder.instances[0].podgroup);
  ASSERT_NE(ge, nullptr) << plan.dump();
  ASSERT_NE(gd, nullptr);
  EXPECT_EQ((*ge)["min_available"], 2);  // from huawei.com/schedule_minAvailable
  EXPECT_EQ((*ge)["gang_npus"], 32);
  EXPECT_EQ((*gd)["min_available"], 1);
  EXPECT_EQ((*gd)["gang_npus"], 16);
  EXPECT_EQ((*ge)["admitted"], true);
  EXPECT_EQ((*gd)["admitted"], true);
  // 3 NPU pods on 3 of the 4 nodes; the router goes to the default scheduler, not planned.
  EXPECT_EQ(plan["bindings"].size(), 3u);
}

TEST(OmePlan, DistributedGangIsOnePodGroupPerLwsInstance) {
  const auto e = expand_ok({data(distributed_rt), data("model.yaml"), data("isvc-distributed.yaml")});
  const ome_component& decoder = *component(e, "decoder");
  const json plan = plan_with(e, 4);
  const json* gd = gang(plan, decoder.instances[0].podgroup);
  ASSERT_NE(gd, nullptr) << plan.dump();
  EXPECT_EQ((*gd)["min_available"], 2);
  EXPECT_EQ((*gd)["gang_npus"], 32);
  EXPECT_EQ((*gd)["admitted"], true);
  EXPECT_EQ(plan["bindings"].size(), 4u);
  // Three nodes: only one of the two-node gangs fits.
  const json small_plan = plan_with(e, 3);
  const json* ge3 = gang(small_plan, component(e, "engine")->instances[0].podgroup);
  const json* gd3 = gang(small_plan, decoder.instances[0].podgroup);
  ASSERT_NE(ge3, nullptr);
  ASSERT_NE(gd3, nullptr);
  // Jobs are planned in group-name order: the decode instance first, then
  // the engine gang, which finds one free node for its two pods.
  EXPECT_EQ((*gd3)["admitted"], true);
  EXPECT_EQ((*ge3)["admitted"], false);
  EXPECT_EQ(small_plan["bindings"].size(), 2u);
}

TEST(OmePlan, NodesWithoutTheModelReadyLabelAreFilteredOut) {
  const auto e = expand_ok({data(standalone_rt), data("model.yaml"), data("isvc-standalone.yaml")});
  std::vector<node_spec> specs(1);
  specs[0].name = "a3-0";
  specs[0].type = accelerator_type::module_a3_16_super_pod;
  specs[0].labels = {{"accelerator-type", "module-a3-16-super-pod"}};
  specs[0].inventory = first_chips(16);
  specs[0].cpu_allocatable_milli = 64000;
  specs[0].memory_allocatable_bytes = std::int64_t{512} << 30;
  plan_json_options o;
  o.extra_objects_json = e.objects_json;
  auto out = plan_json(encode_snapshot(specs, workload{}), o);
  ASSERT_TRUE(out) << out.err().what();
  EXPECT_TRUE(json::parse(*out)["bindings"].empty());
}


// ---------------------------------------------------------------------------
// Test vectors T1–T20

TEST(OmeVectors, T1_OnlyOptedInComponentsAreCreated) {
  const auto e = expand_ok(small("  engine: {}\n"));
  ASSERT_EQ(e.services.size(), 1u);
  ASSERT_EQ(e.services[0].components.size(), 1u);
  EXPECT_EQ(e.services[0].components[0].component, "engine");
  EXPECT_EQ(of_kind(objects(e), "Deployment").size(), 1u);
  EXPECT_TRUE(has_warning(e, "component_not_opted_in"));
}

TEST(OmeVectors, T2_EngineIsRequired) {
  auto r = expand_ome(small("  decoder: {}\n"), "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().path, "isvc.yaml[0] InferenceService ns/svc: spec.engine");
  EXPECT_NE(r.err().message.find("engine component is required"), std::string::npos);
}

TEST(OmeVectors, T3_LeaderAndWorkerWithoutSizeIsOnePodPerGroup) {
  const auto e = expand_ok(lws_inputs("    minReplicas: 2\n"));
  const ome_component& c = *component(e, "decoder");
  EXPECT_EQ(c.group_size, 1);
  ASSERT_EQ(c.instances.size(), 2u);
  const json objs = objects(e);
  for (const auto& inst : c.instances) {
    EXPECT_EQ(inst.pods.size(), 1u);
    EXPECT_EQ(object(objs, "PodGroup", short_name(inst.podgroup))["spec"]["minMember"], 1);
  }
}

TEST(OmeVectors, T4_WorkerSizeMakesGroupsOfSizePlusOne) {
  const auto e = expand_ok(lws_inputs("    minReplicas: 2\n    worker: {size: 3}\n"));
  const ome_component& c = *component(e, "decoder");
  EXPECT_EQ(c.workload, "ns/lws-svc-decoder");
  EXPECT_EQ(c.group_size, 4);
  ASSERT_EQ(c.instances.size(), 2u);
  const json objs = objects(e);
  for (int g = 0; g < 2; ++g) {
    const std::string l = "ns/lws-svc-decoder-" + std::to_string(g);
    EXPECT_EQ(c.instances[g].pods, (std::vector<std::string>{l, l + "-1", l + "-2", l + "-3"}));
    const json pg = object(objs, "PodGroup", short_name(c.instances[g].podgroup));
    EXPECT_EQ(pg["spec"]["minMember"], 4);
    EXPECT_EQ(pg["spec"]["minResources"]["huawei.com/Ascend910"], "64");
  }
  EXPECT_EQ(of_kind(objs, "PodGroup").size(), 3u);  // the engine's and two groups
}

TEST(OmeVectors, T5_EngineMinReplicasZeroWithDecoderIsOneReplica) {
  const auto e = expand_ok(small("  engine: {minReplicas: 0}\n  decoder: {}\n"));
  const ome_component& c = *component(e, "engine");
  EXPECT_EQ(c.workload_kind, "Deployment");
  EXPECT_EQ(c.replicas, 1);
}

TEST(OmeVectors, T6_EngineMinReplicasZeroAloneIsServerlessAndUnsupported) {
  auto r = expand_ome(small("  engine: {minReplicas: 0}\n"), "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().path, "isvc.yaml[0] InferenceService ns/svc: spec.engine");
  EXPECT_NE(r.err().message.find("Serverless"), std::string::npos);
}

TEST(OmeVectors, T7_LwsMinReplicasZeroHasNoGroups) {
  const auto e = expand_ok(lws_inputs("    minReplicas: 0\n"));
  const ome_component& c = *component(e, "decoder");
  EXPECT_EQ(c.replicas, 0);
  EXPECT_TRUE(c.instances.empty());
  for (const json& p : of_kind(objects(e), "Pod")) EXPECT_NE(p["metadata"]["labels"]["component"], "decoder");
}

TEST(OmeVectors, T8_ComponentLabelsWinFixedLabelsCannotBeOverridden) {
  const auto e = expand_ok(
      small("  engine:\n    labels: {team: b, component: x, ome.io/inferenceservice: other}\n", "  labels: {team: a}\n"));
  const json pod = of_kind(objects(e), "Pod")[0];
  EXPECT_EQ(pod["metadata"]["labels"]["team"], "b");
  EXPECT_EQ(pod["metadata"]["labels"]["component"], "engine");
  EXPECT_EQ(pod["metadata"]["labels"]["ome.io/inferenceservice"], "svc");
}

TEST(OmeVectors, T9_KnativeScaleAnnotationsAreNotCopied) {
  const auto e = expand_ok(small("  engine: {}\n", "  annotations: {autoscaling.knative.dev/min-scale: \"3\", keep: x}\n"));
  const json pod = of_kind(objects(e), "Pod")[0];
  EXPECT_FALSE(pod["metadata"]["annotations"].contains("autoscaling.knative.dev/min-scale"));
  EXPECT_EQ(pod["metadata"]["annotations"]["keep"], "x");
}

TEST(OmeVectors, T10_NodeSelectorLayers) {
  const std::string rt = std::string(small_runtime) + "  nodeSelector: {a: \"1\"}\n";
  std::string with_config = rt;
  with_config.replace(with_config.find("  engineConfig:\n"), 16, "  engineConfig:\n    nodeSelector: {a: \"2\", b: \"2\"}\n");
  const auto e = expand_ok(small("  engine:\n    nodeSelector: {b: \"3\"}\n", "", with_config.c_str()));
  const json pod = of_kind(objects(e), "Pod")[0];
  EXPECT_EQ(pod["spec"]["nodeSelector"], json({{"a", "1"}, {"b", "3"}, {"models.ome.io/clusterbasemodel.m", "Ready"}}));
}

TEST(OmeVectors, T11_ComponentNodeSelectorReachesLeaderAndWorkers) {
  const auto e = expand_ok(lws_inputs("    nodeSelector: {zone: z1}\n    worker: {size: 1}\n"));
  const ome_component& c = *component(e, "decoder");
  const json objs = objects(e);
  ASSERT_EQ(c.instances[0].pods.size(), 2u);
  for (const auto& p : c.instances[0].pods)
    EXPECT_EQ(object(objs, "Pod", short_name(p))["spec"]["nodeSelector"]["zone"], "z1");
}

TEST(OmeVectors, T12_RequestsAboveLimitsAfterMergeWarn) {
  std::string rt = small_runtime;
  for (auto pos = rt.find("Ascend910: 8"); pos != std::string::npos; pos = rt.find("Ascend910: 8", pos))
    rt.replace(pos, 12, "Ascend910: 16");
  const auto e = expand_ok(
      small("  engine:\n    runner: {name: main, resources: {limits: {huawei.com/Ascend910: 8}}}\n", "", rt.c_str()));
  ASSERT_TRUE(has_warning(e, "requests_exceed_limits"));
  const json pod = of_kind(objects(e), "Pod")[0];
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["requests"]["huawei.com/Ascend910"], 16);
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["limits"]["huawei.com/Ascend910"], 8);
}

TEST(OmeVectors, T13_LwsNameKeepsTheLast50Characters) {
  const std::string name(56, 'a');
  const auto e = expand_ok(lws_inputs("    minReplicas: 1\n", name));
  const std::string c = name + "-decoder";
  EXPECT_EQ(component(e, "decoder")->workload, "ns/lws-" + c.substr(c.size() - 50));
}

TEST(OmeVectors, T14_LongModelNamesAreShortenedInTheReadyLabel) {
  const std::string name = "a-model-name-that-is-forty-characters-xy";
  ASSERT_EQ(name.size(), 40u);
  std::string model = small_model;
  model.replace(model.find("{name: m}"), 9, "{name: " + name + "}");
  std::vector<source_document> in = small("  engine: {}\n");
  in[1].text = model;
  in[2].text.replace(in[2].text.find("{name: m}"), 9, "{name: " + name + "}");
  const auto e = expand_ok(in);
  const std::string want =
      "models.ome.io/clusterbasemodel." + detail::sha256_hex(name).substr(0, 8) + "-" + name.substr(40 - 23);
  EXPECT_EQ(of_kind(objects(e), "Pod")[0]["spec"]["nodeSelector"][want], "Ready");
}

TEST(OmeVectors, T15_ModelSizeOutsideTheRuntimeRangeIsNotExpanded) {
  std::string model = read_data("model.yaml") + "  modelParameterSize: 1B\n";
  const auto e = expand_ok({data(standalone_rt), {"model.yaml", model}, data("isvc-standalone.yaml")});
  ASSERT_EQ(e.services.size(), 1u);
  EXPECT_TRUE(e.services[0].components.empty());
  EXPECT_TRUE(of_kind(objects(e), "Pod").empty());
  ASSERT_TRUE(has_warning(e, "runtime_incompatible"));
  for (const auto& w : e.warnings)
    if (w.code == "runtime_incompatible") {
      EXPECT_NE(w.message.find("refuse"), std::string::npos);
    }
}

TEST(OmeVectors, T16_DeploymentPodGroupIsPerReplicaSet) {
  const auto e = expand_ok(small("  engine: {minReplicas: 3, maxReplicas: 3}\n"));
  const json objs = objects(e);
  const json rs = of_kind(objs, "ReplicaSet")[0];
  const auto pgs = of_kind(objs, "PodGroup");
  ASSERT_EQ(pgs.size(), 1u);
  EXPECT_EQ(pgs[0]["metadata"]["name"], "podgroup-" + rs["metadata"]["uid"].get<std::string>());
  EXPECT_EQ(pgs[0]["spec"]["minMember"], 1);
  EXPECT_EQ(pgs[0]["spec"]["minResources"]["huawei.com/Ascend910"], "8");
  EXPECT_EQ(pgs[0]["metadata"]["ownerReferences"][0]["name"], rs["metadata"]["name"]);
  const auto pods = of_kind(objs, "Pod");
  ASSERT_EQ(pods.size(), 3u);
  for (const json& p : pods) EXPECT_EQ(p["metadata"]["annotations"]["scheduling.k8s.io/group-name"], pgs[0]["metadata"]["name"]);
}

TEST(OmeVectors, T17_GroupMinMemberAnnotationSetsMinMember) {
  const auto e = expand_ok(
      small("  engine:\n    minReplicas: 3\n    annotations: {scheduling.volcano.sh/group-min-member: \"3\"}\n"));
  const auto pgs = of_kind(objects(e), "PodGroup");
  ASSERT_EQ(pgs.size(), 1u);
  EXPECT_EQ(pgs[0]["spec"]["minMember"], 3);
  EXPECT_EQ(pgs[0]["spec"]["minResources"]["huawei.com/Ascend910"], "24");
}

TEST(OmeVectors, T18_RouterWithoutSchedulerNameHasNoPodGroup) {
  const auto e = expand_ok(small("  engine: {}\n  router: {}\n"));
  const ome_component& r = *component(e, "router");
  EXPECT_EQ(r.scheduler_name, "default-scheduler");
  EXPECT_EQ(r.instances[0].podgroup, "");
  const json pod = object(objects(e), "Pod", short_name(r.instances[0].pods[0]));
  EXPECT_FALSE(pod["spec"].contains("nodeSelector"));
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["requests"]["cpu"], "1");
}

TEST(OmeVectors, T19_GangProviderOffGroupsByStatefulSet) {
  ome_options opt;
  opt.lws_gang_scheduling = false;
  const auto e = expand_ok(lws_inputs("    minReplicas: 2\n    worker: {size: 1}\n"), opt);
  ASSERT_TRUE(has_warning(e, "lws_gang_scheduling_off"));
  const json objs = objects(e);
  std::map<std::string, int> members;  // PodGroup → decoder pods
  for (const json& p : of_kind(objs, "Pod"))
    if (p["metadata"]["labels"]["component"] == "decoder")
      ++members[p["metadata"]["annotations"]["scheduling.k8s.io/group-name"].get<std::string>()];
  ASSERT_EQ(members.size(), 3u);  // all leaders, then one per worker StatefulSet
  const json leaders = object(objs, "StatefulSet", "lws-svc-decoder");
  EXPECT_EQ(members["podgroup-" + leaders["metadata"]["uid"].get<std::string>()], 2);
  for (int g = 0; g < 2; ++g) {
    const json ws = object(objs, "StatefulSet", "lws-svc-decoder-" + std::to_string(g));
    const std::string pg = "podgroup-" + ws["metadata"]["uid"].get<std::string>();
    EXPECT_EQ(members[pg], 1);
    EXPECT_EQ(object(objs, "PodGroup", pg)["spec"]["minMember"], 1);
  }
}

TEST(OmeVectors, T20_ExclusiveTopologyAddsGroupAffinityAndWarns) {
  const auto e = expand_ok(lws_inputs("    worker: {size: 1}\n", "svc",
                                      "  annotations: {leaderworkerset.sigs.k8s.io/exclusive-topology: "
                                      "kubernetes.io/hostname}\n"));
  ASSERT_TRUE(has_warning(e, "exclusive_topology_not_enforced"));
  const json objs = objects(e);
  for (const auto& p : component(e, "decoder")->instances[0].pods) {
    const json pod = object(objs, "Pod", short_name(p));
    const std::string gk = pod["metadata"]["labels"]["leaderworkerset.sigs.k8s.io/group-key"];
    const json& aff = pod["spec"]["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
    EXPECT_EQ(aff["topologyKey"], "kubernetes.io/hostname");
    EXPECT_EQ(aff["labelSelector"]["matchExpressions"][0]["values"][0], gk);
    EXPECT_TRUE(pod["spec"]["affinity"].contains("podAntiAffinity"));
  }
}

}  // namespace
}  // namespace npusched::k8s::test
