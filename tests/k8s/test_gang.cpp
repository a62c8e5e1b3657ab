// Gangs from Kubernetes objects: the scenario table of docs/gang.md row
// by row, terminating members, the "gangs" output, and what-if objects.

#include <gtest/gtest.h>

#include "builders.hpp"

namespace npusched::k8s::test {
namespace {

json replicaset(const std::string& ns, const std::string& name, int replicas) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"replicas", replicas}}}};
}

json owned_podgroup(const std::string& name, int min_member, int min_npus, const std::string& owner_kind,
                    const std::string& owner) {
  json pg = podgroup("serving", name);
  pg["spec"]["minMember"] = min_member;
  if (min_npus > 0) pg["spec"]["minResources"] = {{"huawei.com/Ascend910", std::to_string(min_npus)}};
  if (!owner_kind.empty())
    pg["metadata"]["ownerReferences"] =
        json::array({{{"apiVersion", "v1"}, {"kind", owner_kind}, {"name", owner}, {"controller", true}}});
  return pg;
}

// A2 nodes (name, chips) with their ClusterD device-info records.
std::vector<json> a2_nodes(const std::vector<std::pair<std::string, int>>& nodes) {
  std::vector<json> items;
  std::vector<std::pair<std::string, json>> records;
  for (const auto& [name, chips] : nodes) {
    items.push_back(npu_node(name, "module-910b-8", chips));
    records.emplace_back(name, clusterd_record(name));
  }
  items.push_back(clusterd_cm(records));
  return items;
}

struct scenario {
  const char* rule;
  json podgroup;
  std::vector<json> extra;          // ReplicaSets
  std::string min_available_annotation;  // on the PodGroup; empty for none
  int pods;
  int npus_per_pod;
  int want_min;
  int want_gang_npus;
  bool want_invalid;
};

TEST(DecodeGang, ScenarioTable) {
  const std::vector<scenario> cases = {
      {"volcano_job_min_member", owned_podgroup("job", 3, 24, "Job", "job"), {}, "", 3, 8, 3, 24, false},
      {"deployment_replicas", owned_podgroup("dep", 1, 8, "ReplicaSet", "dep-rs"),
       {replicaset("serving", "dep-rs", 4)}, "", 4, 8, 4, 32, false},
      {"deployment_with_min_available", owned_podgroup("dep", 1, 8, "ReplicaSet", "dep-rs"),
       {replicaset("serving", "dep-rs", 4)}, "2", 4, 8, 2, 16, false},
      {"annotation_ignored_when_min_member_not_1", owned_podgroup("dep", 3, 24, "ReplicaSet", "dep-rs"),
       {replicaset("serving", "dep-rs", 4)}, "2", 4, 8, 3, 24, false},
      {"lws_group_leader_owned", owned_podgroup("lws-0", 2, 32, "Pod", "lws-0"), {}, "", 2, 16, 2, 32, false},
      {"router_without_npus", owned_podgroup("router", 1, 0, "ReplicaSet", "router-rs"),
       {replicaset("serving", "router-rs", 2)}, "", 2, 0, 2, 0, false},
      {"replicaset_missing_falls_back_to_min_member", owned_podgroup("dep", 1, 8, "ReplicaSet", "gone"), {}, "", 2,
       8, 1, 8, false},
      {"annotation_not_an_integer", owned_podgroup("dep", 1, 8, "ReplicaSet", "dep-rs"),
       {replicaset("serving", "dep-rs", 4)}, "two", 1, 8, 1, 8, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    std::vector<json> items = {npu_node("n1")};
    json pg = c.podgroup;
    if (!c.min_available_annotation.empty())
      pg["metadata"]["annotations"]["huawei.com/schedule_minAvailable"] = c.min_available_annotation;
    const std::string group = pg["metadata"]["name"];
    items.push_back(pg);
    for (const json& e : c.extra) items.push_back(e);
    for (int i = 0; i < c.pods; ++i)
      items.push_back(pending_pod("serving", group + "-" + std::to_string(i), c.npus_per_pod, group));
    const snapshot s = decode_ok(list(items));
    ASSERT_EQ(s.workload.jobs.size(), 1u);
    const job_spec& j = s.workload.jobs[0];
    EXPECT_EQ(j.min_available, c.want_min);
    EXPECT_EQ(j.gang_npus, c.want_gang_npus);
    EXPECT_EQ(j.invalid.has_value(), c.want_invalid);
  }
}

TEST(DecodeGang, LonePodsAndMissingPodGroupsNeedEveryPod) {
  const snapshot s = decode_ok(list({npu_node("n1"), pending_pod("ns", "solo", 1),
                                     pending_pod("ns", "g-0", 1, "g"), pending_pod("ns", "g-1", 1, "g")}));
  for (const job_spec& j : s.workload.jobs) EXPECT_EQ(j.min_available, 0) << j.name;
}

TEST(DecodeGang, TerminatingMemberIsNotRunning) {
  json old = running_pod("serving", "d-0", "n1", "Ascend910-0", 1);
  old["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = "d";
  old["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  const snapshot s = decode_ok(
      list({npu_node("n1"), owned_podgroup("d", 1, 1, "", ""), old, pending_pod("serving", "d-1", 1, "d")}));
  ASSERT_EQ(s.workload.jobs.size(), 1u);
  EXPECT_EQ(s.workload.jobs[0].terminating, "serving/d-0");
  EXPECT_TRUE(s.workload.jobs[0].running.empty());
  EXPECT_EQ(s.workload.jobs[0].shape.npu_tasks, 1);  // the replacement, not both
}

TEST(PlanJsonGang, DeploymentGangAllOrNothingWithGangsOutput) {
  // Decode role: 3 replicas of 8 NPUs, min-available 3; only two nodes are free.
  // 24 free NPUs pass the enqueue check; only two nodes have 8.
  std::vector<json> items = a2_nodes({{"n1", 8}, {"n2", 8}, {"n3", 4}, {"n4", 4}});
  json pg = owned_podgroup("decode", 1, 8, "ReplicaSet", "decode-rs");
  pg["metadata"]["annotations"]["huawei.com/schedule_minAvailable"] = "3";
  items.push_back(pg);
  items.push_back(replicaset("serving", "decode-rs", 3));
  for (int i = 0; i < 3; ++i) items.push_back(pending_pod("serving", "decode-" + std::to_string(i), 8, "decode"));
  auto out = plan_json(list(items).dump(), plan_json_options{});
  ASSERT_TRUE(out.ok()) << out.err().what();
  const json plan = json::parse(*out);
  EXPECT_TRUE(plan["bindings"].empty());
  ASSERT_EQ(plan["unschedulable"].size(), 3u);
  for (const auto& u : plan["unschedulable"]) {
    EXPECT_EQ(u["reason"], "gang_incomplete");
    EXPECT_EQ(u["group"], "serving/decode");
  }
  ASSERT_EQ(plan["gangs"].size(), 1u);
  EXPECT_EQ(plan["gangs"][0]["group"], "serving/decode");
  EXPECT_EQ(plan["gangs"][0]["min_available"], 3);
  EXPECT_EQ(plan["gangs"][0]["gang_npus"], 24);
  EXPECT_EQ(plan["gangs"][0]["admitted"], false);
  EXPECT_EQ(plan["gangs"][0]["placed"], 0);
}

TEST(PlanJsonGang, WhatIfObjectsDoNotChangeTheSnapshot) {
  const std::string snapshot_text = list(a2_nodes({{"n1", 8}, {"n2", 8}})).dump();
  json pg = owned_podgroup("decode-2", 2, 16, "", "");
  const json extra = json::array({pg, pending_pod("serving", "decode-2-0", 8, "decode-2"),
                                  pending_pod("serving", "decode-2-1", 8, "decode-2")});
  plan_json_options o;
  o.extra_objects_json = extra.dump();
  auto with = plan_json(snapshot_text, o);
  ASSERT_TRUE(with.ok()) << with.err().what();
  const json plan = json::parse(*with);
  ASSERT_EQ(plan["bindings"].size(), 2u);
  EXPECT_EQ(plan["gangs"][0]["admitted"], true);
  // A List works too, and without extra objects nothing is pending.
  o.extra_objects_json = list({pg, pending_pod("serving", "decode-2-0", 8, "decode-2"),
                               pending_pod("serving", "decode-2-1", 8, "decode-2")})
                             .dump();
  EXPECT_EQ(*plan_json(snapshot_text, o), *with);
  EXPECT_TRUE(json::parse(*plan_json(snapshot_text, plan_json_options{}))["bindings"].empty());
}

TEST(PlanJsonGang, WhatIfErrorsNameTheExtraObject) {
  const std::string snapshot_text = list({npu_node("n1"), pending_pod("serving", "p", 1)}).dump();
  struct error_case {
    const char* rule;
    std::string extra;
    std::string path;
  };
  json unnamed = pending_pod("serving", "x", 1);
  unnamed["metadata"].erase("name");
  const std::vector<error_case> cases = {
      {"not_json", "[", "extra_objects"},
      {"not_an_array", "3", "extra_objects"},
      {"missing_name", json::array({pending_pod("serving", "ok", 1), unnamed}).dump(), "extra_objects[1].metadata.name"},
      {"duplicate_of_snapshot_object", json::array({pending_pod("serving", "p", 1)}).dump(),
       "extra_objects[0].metadata.name"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    plan_json_options o;
    o.extra_objects_json = c.extra;
    auto out = plan_json(snapshot_text, o);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.err().path, c.path) << out.err().what();
  }
}

}  // namespace
}  // namespace npusched::k8s::test
