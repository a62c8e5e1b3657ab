// Super-pod jobs through the adapter: sp-block and the job knobs read from
// PodGroups and pods, ranks, running members, and the plan output
// (super-pod-rank / super-pod-id / hccl/rankIndex annotations, super_pod_jobs).

#include <gtest/gtest.h>

#include "builders.hpp"

namespace npusched::k8s::test {
namespace {

plan_json_options reserve(int nodes) {
  plan_json_options o;
  o.reserve_nodes = nodes;
  return o;
}

json decode_pod(const std::string& name, int rank, const std::string& group = "decode") {
  json p = pending_pod("serving", name, 16, group);
  p["spec"]["nodeSelector"]["accelerator-type"] = "module-a3-16-super-pod";
  if (rank >= 0) p["metadata"]["annotations"]["hccl/rankIndex"] = std::to_string(rank);
  return p;
}

json decode_group(const std::string& sp_block, const std::string& name = "decode") {
  json pg = podgroup("serving", name);
  pg["metadata"]["annotations"]["sp-block"] = sp_block;
  return pg;
}

TEST(DecodeSuperPod, JobKnobs) {
  std::vector<json> items = superpod_cluster({2});
  json pg = decode_group("32");
  pg["metadata"]["labels"]["super-pod-affinity"] = "soft";
  pg["metadata"]["labels"]["ome.io/inferenceservice"] = "llama-pd";
  items.push_back(pg);
  items.push_back(decode_pod("d-0", 0));
  json worker = decode_pod("d-1", -1);
  worker["metadata"]["labels"]["leaderworkerset.sigs.k8s.io/worker-index"] = "1";
  items.push_back(worker);
  json sched = pending_pod("serving", "d-sched", 0, "decode");
  sched["metadata"]["annotations"]["volcano.sh/task-spec"] = "scheduler";
  items.push_back(sched);
  const snapshot s = decode_ok(list(items));
  ASSERT_EQ(s.workload.jobs.size(), 1u);
  const job_spec& j = s.workload.jobs[0];
  EXPECT_EQ(j.sp_block, 32);
  EXPECT_EQ(j.handler, accelerator_type::module_a3_16_super_pod);
  EXPECT_TRUE(j.soft_super_pod);
  EXPECT_EQ(j.infer_service, "serving/llama-pd");
  ASSERT_EQ(s.workload.pods.size(), 3u);
  EXPECT_EQ(s.workload.pods[0].rank, 0);
  EXPECT_EQ(s.workload.pods[1].rank, 1);  // from the LWS worker index
  EXPECT_TRUE(s.workload.pods[2].exempt);
  EXPECT_FALSE(s.workload.pods[0].exempt);
  EXPECT_TRUE(s.pods[0].has_rank_annotation);
  EXPECT_FALSE(s.pods[1].has_rank_annotation);
}

struct rank_case {
  const char* rule;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  std::string task_index;
  std::optional<int> want;
};

TEST(DecodeSuperPod, RankSources) {
  const std::vector<rank_case> cases = {
      {"annotation_first", {{"statefulset.kubernetes.io/pod-name", "web-4"}}, {{"hccl/rankIndex", "2"}}, "", 2},
      {"lws_worker_index", {{"leaderworkerset.sigs.k8s.io/worker-index", "3"}}, {}, "", 3},
      {"statefulset_ordinal", {{"statefulset.kubernetes.io/pod-name", "decode-0-7"}}, {}, "", 7},
      {"vc_task_index", {}, {}, "5", 5},
      {"none", {}, {}, "", std::nullopt},
      {"unparsable_fallback_skipped", {{"statefulset.kubernetes.io/pod-name", "web"}}, {}, "x", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json p = pending_pod("ns", "p", 16);
    for (const auto& [k, v] : c.labels) p["metadata"]["labels"][k] = v;
    for (const auto& [k, v] : c.annotations) p["metadata"]["annotations"][k] = v;
    if (!c.task_index.empty())
      p["spec"]["containers"][0]["env"] = json::array({{{"name", "VC_TASK_INDEX"}, {"value", c.task_index}}});
    const snapshot s = decode_ok(list({p}));
    ASSERT_EQ(s.workload.pods.size(), 1u);
    EXPECT_EQ(s.workload.pods[0].rank, c.want);
  }
}

TEST(DecodeSuperPod, BadValuesMakeTheJobInvalid) {
  for (const auto& [key, value, want] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"sp-block", "32x", "annotation sp-block \"32x\" is not an integer"},
           {"hccl/rankIndex", "-1", "annotation hccl/rankIndex \"-1\" is not a non-negative integer"}}) {
    SCOPED_TRACE(key);
    json p = decode_pod("d-0", -1);
    p["metadata"]["annotations"][key] = value;
    const snapshot s = decode_ok(list({p}));
    ASSERT_EQ(s.workload.jobs.size(), 1u);
    ASSERT_TRUE(s.workload.jobs[0].invalid);
    EXPECT_NE(s.workload.jobs[0].invalid->message.find(want), std::string::npos) << s.workload.jobs[0].invalid->message;
  }
}

TEST(DecodeSuperPod, SpBlockPicksTheEightDieTypeOnlyWhenSelected) {
  json p = pending_pod("ns", "p", 8);
  p["metadata"]["annotations"]["sp-block"] = "8";
  EXPECT_EQ(decode_ok(list({p})).workload.jobs[0].handler, accelerator_type::module_a3_16_super_pod);
  p["spec"]["nodeSelector"]["accelerator-type"] = "module-a3-8-super-pod";
  EXPECT_EQ(decode_ok(list({p})).workload.jobs[0].handler, accelerator_type::module_a3_8_super_pod);
}

TEST(DecodeSuperPod, RunningMembersWithTheirRanks) {
  std::vector<json> items = superpod_cluster({2});
  items.push_back(decode_group("32"));
  json running = running_pod("serving", "d-0", "sp0-0", "", 16);
  running["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = "decode";
  running["metadata"]["annotations"]["hccl/rankIndex"] = "0";
  std::string all;
  for (int c = 0; c < 16; ++c) all += (c ? "," : "") + chip(c);
  running["metadata"]["annotations"]["huawei.com/Ascend910"] = all;
  items.push_back(running);
  items.push_back(decode_pod("d-1", 1));
  const snapshot s = decode_ok(list(items));
  ASSERT_EQ(s.workload.jobs.size(), 1u);
  const job_spec& j = s.workload.jobs[0];
  EXPECT_EQ(j.shape.npu_tasks, 2);
  ASSERT_EQ(j.running.size(), 1u);
  EXPECT_EQ(j.running[0], (running_member{"serving/d-0", "sp0-0", 0, 16}));
}

TEST(PlanJson, DecodeInstanceInTwoBlocksWithAnnotations) {
  std::vector<json> items = superpod_cluster({3, 6});
  items.push_back(decode_group("32"));
  for (int r = 0; r < 4; ++r) items.push_back(decode_pod("d-" + std::to_string(r), r));
  auto out = plan_json(list(items).dump(), plan_json_options{});
  ASSERT_TRUE(out.ok()) << out.err().what();
  const json plan = json::parse(*out);
  ASSERT_EQ(plan["bindings"].size(), 4u) << plan.dump();
  for (const auto& b : plan["bindings"]) {
    const auto& ann = b["annotations"];
    const int rank = std::stoi(b["pod"].get<std::string>().substr(std::string("serving/d-").size()));
    EXPECT_EQ(ann["super-pod-rank"], std::to_string(rank / 2));
    EXPECT_EQ(ann["super-pod-id"], "1");  // best fit: super-pod 1 has 2 blocks above its reserve
    EXPECT_FALSE(ann.contains("hccl/rankIndex"));  // the pods state their rank already
    EXPECT_EQ(b["chips"].size(), 16u);
  }
  ASSERT_EQ(plan["super_pod_jobs"].size(), 1u);
  const json& job = plan["super_pod_jobs"][0];
  EXPECT_EQ(job["group"], "serving/decode");
  EXPECT_EQ(job["placed"], true);
  EXPECT_EQ(job["block_nodes"], 2);
  EXPECT_EQ(job["blocks_needed"], 2);
  EXPECT_EQ(job["blocks"][0], (json{{"logical_id", 0}, {"super_pod_id", 1}, {"nodes", {"sp1-0", "sp1-1"}}}));
  EXPECT_EQ(job["phases"]["best_fit"], 2);
  EXPECT_EQ(job["offers"][0], (json{{"super_pod_id", 0}, {"free_nodes", 3}, {"blocks", 1}, {"taken", 0}}));
}

TEST(PlanJson, HardCapacityFailureExplained) {
  std::vector<json> items = superpod_cluster({3, 3});
  items.push_back(decode_group("64"));
  for (int r = 0; r < 4; ++r) items.push_back(decode_pod("d-" + std::to_string(r), -1));
  auto out = plan_json(list(items).dump(), {});
  ASSERT_TRUE(out.ok());
  const json plan = json::parse(*out);
  EXPECT_TRUE(plan["bindings"].empty());
  ASSERT_EQ(plan["unschedulable"].size(), 4u);
  EXPECT_EQ(plan["unschedulable"][0]["reason"], "superpod_capacity");
  EXPECT_EQ(plan["unschedulable"][0]["message"],
            "needs 1 block of 4 nodes each inside one super-pod, 0 available (capacity check before phase 1): "
            "super-pod 0: 3 free nodes (0 blocks), super-pod 1: 3 free nodes (0 blocks)");
  EXPECT_EQ(plan["super_pod_jobs"][0]["placed"], false);
}

TEST(PlanJson, InitParamsAndOverridesSetSizeAndReserve) {
  // Super-pod 0 has 4 free nodes: with the default reserve of 2 a block of 2
  // comes from phase 1; with reserve 3 it must dip into the reserve.
  std::vector<json> items = superpod_cluster({4});
  items.push_back(decode_group("32"));
  for (int r = 0; r < 2; ++r) items.push_back(decode_pod("d-" + std::to_string(r), r));
  auto phases = [&](const std::vector<json>& its, const plan_json_options& o) {
    auto out = plan_json(list(its).dump(), o);
    EXPECT_TRUE(out.ok());
    return json::parse(*out)["super_pod_jobs"][0]["phases"];
  };
  EXPECT_EQ(phases(items, {})["best_fit"], 1);
  EXPECT_EQ(phases(items, reserve(3))["reserve"], 1);
  std::vector<json> with_params = items;
  with_params.push_back(scheduler_cm(init_params_yaml({{"reserve-nodes", "3"}, {"super-pod-size", "16"}})));
  EXPECT_EQ(phases(with_params, {})["reserve"], 1);
  EXPECT_EQ(phases(with_params, reserve(0))["bigger"], 1);  // 4 free, 2 blocks > the need
}

TEST(PlanJson, AssignedRankIsWrittenWhenThePodHasNone) {
  std::vector<json> items = superpod_cluster({2});
  items.push_back(decode_group("32"));
  items.push_back(decode_pod("d-a", -1));
  items.push_back(decode_pod("d-b", -1));
  auto out = plan_json(list(items).dump(), reserve(0));
  ASSERT_TRUE(out.ok());
  const json plan = json::parse(*out);
  ASSERT_EQ(plan["bindings"].size(), 2u);
  EXPECT_EQ(plan["bindings"][0]["annotations"]["hccl/rankIndex"], "0");
  EXPECT_EQ(plan["bindings"][1]["annotations"]["hccl/rankIndex"], "1");
}

TEST(PlanJson, DocumentErrorsAreErrors) {
  auto out = plan_json("{\"items\": 3}", {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.err().path, "items");
}

}  // namespace
}  // namespace npusched::k8s::test
