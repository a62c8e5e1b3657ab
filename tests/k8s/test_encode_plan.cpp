// encode_plan: golden output, the configuration-annotation rule, determinism.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "builders.hpp"
#include "npusched/plan.hpp"

namespace npusched::k8s::test {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::size_t pod_index(const snapshot& s, const std::string& name) {
  for (std::size_t i = 0; i < s.workload.pods.size(); ++i)
    if (s.workload.pods[i].name == name) return i;
  ADD_FAILURE() << name << " is not pending";
  return 0;
}

node_id node_of(const snapshot& s, const std::string& name) {
  auto id = s.cluster.find(name);
  EXPECT_TRUE(id) << name;
  return id.value_or(node_id{});
}

binding make_binding(const snapshot& s, const std::string& pod, const std::string& node, std::vector<int> chips,
             bool distributed = false) {
  binding b;
  b.pod = pod_index(s, pod);
  b.node = node_of(s, node);
  b.chips = std::move(chips);
  b.distributed = distributed;
  return b;
}

std::vector<int> range(int first, int last) {
  std::vector<int> v;
  for (int i = first; i < last; ++i) v.push_back(i);
  return v;
}

TEST(EncodePlan, GoldenOutputForTheSmallCluster) {
  auto decoded = decode_snapshot(read_data_file("k8s/small_cluster.json"));
  ASSERT_TRUE(decoded) << decoded.err().what();
  const snapshot& s = *decoded;
  ASSERT_EQ(s.excluded_nodes.size(), 1u);
  ASSERT_EQ(s.workload.pods.size(), 6u);

  plan_result plan;
  plan.bindings.push_back(make_binding(s, "train/job-a-0", "a3-0", range(0, 8), true));
  plan.bindings.push_back(make_binding(s, "train/job-a-1", "a3-0", range(8, 16), true));
  plan.bindings.push_back(make_binding(s, "default/infer-0", "a2-0", {5, 4, 3, 2}));
  plan.bindings.push_back(make_binding(s, "default/whole", "a3-1", range(0, 16)));
  plan.bindings.push_back(make_binding(s, "default/cpu-task", "cpu-0", {}));
  const verdict too_big{reason::invalid_request, "16 NPUs exceed the 8 of module-910b-8", false};
  plan.unschedulable.push_back(unplaced{pod_index(s, "default/too-big"), too_big, {}});
  const std::string got = encode_plan(s, plan, encode_options{1709373600});
  EXPECT_EQ(got, trimmed(read_data_file("k8s/small_plan.golden.json")));
}

TEST(EncodePlan, EmptyPlan) {
  snapshot s;
  EXPECT_EQ(encode_plan(s, plan_result{}, {}), R"({"bindings":[],"unschedulable":[],"excluded_nodes":[],"super_pod_jobs":[],"gangs":[],)"
            R"("summary":{"types":[],)"
            R"("total":{"type":"all","nodes":0,"usable_nodes":0,"npus":0,"free_npus_before":0,"free_npus_after":0,"unusable_nodes":[]},"excluded_nodes":0,"pending":0,"placed":0,"unplaced":0}})");
}

TEST(EncodePlan, PredicateTimeIsNowInNanosecondsPlusTheBindingIndex) {
  snapshot s = decode_ok(list({npu_node("n1"), clusterd_cm({{"n1", clusterd_record("n1")}}),
                               pending_pod("ns", "a", 1), pending_pod("ns", "b", 1)}));
  plan_result plan;
  plan.bindings.push_back(make_binding(s, "ns/b", "n1", {1}));
  plan.bindings.push_back(make_binding(s, "ns/a", "n1", {0}));
  const json out = json::parse(encode_plan(s, plan, encode_options{1700000000}));
  EXPECT_EQ(out["bindings"][0]["annotations"]["predicate-time"], "1700000000000000000");
  EXPECT_EQ(out["bindings"][1]["annotations"]["predicate-time"], "1700000000000000001");
  EXPECT_EQ(out["bindings"][0]["annotations"]["distributed-job"], "false");
  EXPECT_EQ(out["bindings"][0]["pod"], "ns/b");
}

TEST(EncodePlan, ConfigurationAnnotationCondition) {
  struct config_case {
    const char* rule;
    bool operator_pod;
    int unhealthy_chips;      // chips 7, 6, ... reported Unhealthy (allocatable drops with them)
    std::vector<int> chips;   // chips given to the pod
    bool drop_device_of_chip0;
    bool want_real;
    bool want_configuration;
  };
  const config_case cases[] = {
      {"operator_pod_partial_node", true, 0, {2, 3}, false, true, true},
      {"whole_node", false, 0, range(0, 8), false, true, true},
      {"partial_node", false, 0, {0, 1, 2, 3}, false, false, false},
      // All 7 allocatable chips, but baseDeviceInfos has 8 entries ≠ k.
      {"all_allocatable_but_more_devices", false, 1, range(0, 7), false, false, false},
      {"operator_pod_chip_without_device_entry", true, 0, {0, 1}, true, true, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json node = npu_node("n1");
    json dl = device_list();
    std::string bad;
    for (int i = 0; i < c.unhealthy_chips; ++i) bad += (bad.empty() ? "" : ",") + chip(7 - i);
    dl["huawei.com/Ascend910-Unhealthy"] = bad;
    node["status"]["allocatable"]["huawei.com/Ascend910"] = std::to_string(8 - c.unhealthy_chips);
    json pod = pending_pod("ns", "p", static_cast<int>(c.chips.size()));
    if (c.operator_pod) pod["metadata"]["labels"]["training.kubeflow.org/operator-name"] = "ascend-operator-v1";
    snapshot s = decode_ok(list({node, clusterd_cm({{"n1", clusterd_record("n1", dl)}}), pod}));
    if (c.drop_device_of_chip0) s.nodes[node_of(s, "n1").value].devices.erase(0);
    plan_result plan;
    plan.bindings.push_back(make_binding(s, "ns/p", "n1", c.chips));
    const json ann = json::parse(encode_plan(s, plan, {}))["bindings"][0]["annotations"];
    EXPECT_EQ(ann.contains("huawei.com/AscendReal"), c.want_real);
    EXPECT_EQ(ann.contains("ascend.kubectl.kubernetes.io/ascend-910-configuration"), c.want_configuration);
    EXPECT_EQ(ann["huawei.com/Ascend910"], ann.value("huawei.com/AscendReal", ann["huawei.com/Ascend910"]));
  }
}

TEST(EncodePlan, InstanceJsonFields) {
  json pod = pending_pod("ns", "p", 2);
  pod["metadata"]["labels"]["training.kubeflow.org/operator-name"] = "x";
  snapshot s = decode_ok(list({npu_node("n1"), clusterd_cm({{"n1", clusterd_record("n1")}}), pod}));
  plan_result plan;
  plan.bindings.push_back(make_binding(s, "ns/p", "n1", {6, 1}));
  const json ann = json::parse(encode_plan(s, plan, {}))["bindings"][0]["annotations"];
  EXPECT_EQ(ann["huawei.com/Ascend910"], "Ascend910-6,Ascend910-1") << "chip order as chosen";
  EXPECT_EQ(ann["ascend.kubectl.kubernetes.io/ascend-910-configuration"],
            R"({"pod_name":"p","server_id":"uid-p","server_ip":"192.168.0.10","host_ip":"192.168.0.10",)"
            R"("super_pod_id":3,"rack_id":1,"devices":[)"
            R"({"device_id":"1","device_ip":"10.0.0.1","super_device_id":"101"},)"
            R"({"device_id":"6","device_ip":"10.0.0.6","super_device_id":"106"}],"server_index":"5"})");
}

TEST(EncodePlan, ZeroNpuBindingHasNoAnnotations) {
  snapshot s = decode_ok(list({cpu_node("c"), pending_pod("ns", "p", 0)}));
  plan_result plan;
  plan.bindings.push_back(make_binding(s, "ns/p", "c", {}));
  EXPECT_EQ(encode_plan(s, plan, {}),
            R"({"bindings":[{"pod":"ns/p","node":"c","chips":[],"annotations":{}}],"unschedulable":[],)"
            R"("excluded_nodes":[],"super_pod_jobs":[],"gangs":[],"summary":{"types":[{"type":"cpu-only","nodes":1,)"
            R"("usable_nodes":1,"npus":0,"free_npus_before":0,"free_npus_after":0,"unusable_nodes":[]}],)"
            R"("total":{"type":"all","nodes":1,"usable_nodes":1,"npus":0,"free_npus_before":0,"free_npus_after":0,)"
            R"("unusable_nodes":[]},"excluded_nodes":0,"pending":1,"placed":1,"unplaced":0}})");
}

TEST(EncodePlan, ReasonCodesAndGroups) {
  snapshot s = decode_ok(list({pending_pod("ns", "a", 1, "g"), pending_pod("ns", "b", 1)}));
  plan_result plan;
  plan.unschedulable.push_back(unplaced{0, verdict{reason::no_matching_node, "no node \"x\"", false}, {}});
  plan.unschedulable.push_back(unplaced{1, verdict{reason::topology_mismatch, "fragmented", true}, {}});
  EXPECT_EQ(encode_plan(s, plan, {}),
            R"({"bindings":[],"unschedulable":[{"pod":"ns/a","group":"ns/g","reason":"no_matching_node",)"
            R"("message":"no node \"x\""},{"pod":"ns/b","group":"","reason":"topology_mismatch",)"
            R"("message":"fragmented"}],"excluded_nodes":[],"super_pod_jobs":[],"gangs":[],)"
            R"("summary":{"types":[],)"
            R"("total":{"type":"all","nodes":0,"usable_nodes":0,"npus":0,"free_npus_before":0,"free_npus_after":0,"unusable_nodes":[]},"excluded_nodes":0,"pending":2,"placed":0,"unplaced":2}})");
}

TEST(EncodePlan, PlannedByCoreIsDeterministicUnderShuffledItems) {
  const json doc = json::parse(read_data_file("k8s/small_cluster.json"));
  auto plan_text = [](const json& d) {
    auto s = decode_snapshot(d.dump());
    EXPECT_TRUE(s) << s.err().what();
    const plan_result p = plan(s->cluster, s->workload);
    EXPECT_EQ(p.bindings.size() + p.unschedulable.size(), s->workload.pods.size());
    return encode_plan(*s, p, encode_options{1709373600});
  };
  const std::string want = plan_text(doc);
  EXPECT_EQ(plan_text(doc), want) << "same input, same bytes";
  std::mt19937 rng(42);
  for (int round = 0; round < 10; ++round) {
    json shuffled = doc;
    std::vector<json> items = shuffled["items"].get<std::vector<json>>();
    std::shuffle(items.begin(), items.end(), rng);
    shuffled["items"] = items;
    EXPECT_EQ(plan_text(shuffled), want);
  }
  // The excluded node never receives a pod.
  const json out = json::parse(want);
  for (const auto& b : out["bindings"]) EXPECT_NE(b["node"], "bad-0");
  EXPECT_EQ(out["excluded_nodes"][0]["node"], "bad-0");
}

}  // namespace
}  // namespace npusched::k8s::test
