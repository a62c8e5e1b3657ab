// Pending pods and jobs: which pods are pending, pod fields, grouping, shapes,
// handler choice, sub-health strategy, invalid requests, ordering.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>

#include "builders.hpp"

namespace npusched::k8s::test {
namespace {

const pod_spec* find_pod(const snapshot& s, const std::string& name) {
  for (const auto& p : s.workload.pods)
    if (p.name == name) return &p;
  return nullptr;
}

const job_spec& job_of(const snapshot& s, const std::string& pod) {
  const pod_spec* p = find_pod(s, pod);
  EXPECT_TRUE(p) << pod;
  return s.workload.jobs.at(p ? p->job : 0);
}

TEST(DecodePods, WhichPodsArePending) {
  struct pending_case {
    const char* rule;
    std::function<void(json&)> edit;
    bool pending;
  };
  const pending_case cases[] = {
      {"pending_for_volcano", [](json&) {}, true},
      {"empty_phase", [](json& p) { p["status"].erase("phase"); }, true},
      {"no_status", [](json& p) { p.erase("status"); }, true},
      {"other_scheduler", [](json& p) { p["spec"]["schedulerName"] = "default-scheduler"; }, false},
      {"no_scheduler_name", [](json& p) { p["spec"].erase("schedulerName"); }, false},
      {"already_bound", [](json& p) { p["spec"]["nodeName"] = "n1"; }, false},
      {"running", [](json& p) { p["status"]["phase"] = "Running"; }, false},
      {"succeeded", [](json& p) { p["status"]["phase"] = "Succeeded"; }, false},
      {"being_deleted", [](json& p) { p["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"; }, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json pod = pending_pod("ns", "p", 1);
    c.edit(pod);
    snapshot s = decode_ok(list({npu_node("n1"), pod}));
    EXPECT_EQ(s.workload.pods.size(), c.pending ? 1u : 0u);
    EXPECT_EQ(s.pods.size(), s.workload.pods.size());
    EXPECT_EQ(s.workload.jobs.size(), s.workload.pods.size());
  }
}

TEST(DecodePods, SchedulerNameIsAnOption) {
  json pod = pending_pod("ns", "p", 1);
  pod["spec"]["schedulerName"] = "npusched";
  decode_options opt;
  EXPECT_EQ(decode_ok(list({pod})).workload.pods.size(), 0u);
  opt.scheduler_name = "npusched";
  EXPECT_EQ(decode_ok(list({pod}), opt).workload.pods.size(), 1u);
}

TEST(DecodePods, PodFieldsAndExtras) {
  json pod = pending_pod("team", "worker-0", 4, "job1");
  pod["spec"]["nodeSelector"] = {{"accelerator-type", "module-910b-8"}, {"host-arch", "huawei-arm"}};
  pod["spec"]["priority"] = -5;
  pod["metadata"]["creationTimestamp"] = "2023-11-14T22:13:20Z";
  pod["metadata"]["labels"]["training.kubeflow.org/operator-name"] = "ascend-operator";
  pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "2500m";
  pod["spec"]["containers"][0]["resources"]["requests"]["memory"] = "2Gi";
  json plain = pending_pod("default", "solo", 0);
  plain["metadata"].erase("namespace");
  plain["metadata"].erase("uid");
  snapshot s = decode_ok(list({pod, plain}));
  ASSERT_EQ(s.workload.pods.size(), 2u);
  const pod_spec& solo = s.workload.pods[0];
  EXPECT_EQ(solo.name, "default/solo") << "a pod without namespace is in default";
  EXPECT_EQ(solo.npus, 0);
  EXPECT_EQ(s.pods[0].uid, "");
  EXPECT_EQ(s.pods[0].group, "");
  EXPECT_FALSE(s.pods[0].operator_pod);
  const pod_spec& p = s.workload.pods[1];
  EXPECT_EQ(p.name, "team/worker-0");
  EXPECT_EQ(p.npus, 4);
  EXPECT_EQ(p.cpu_milli, 2500);
  EXPECT_EQ(p.memory_bytes, std::int64_t{2} << 30);
  EXPECT_EQ(p.priority, -5);
  EXPECT_EQ(p.created, 1700000000);
  EXPECT_EQ(p.node_selector, (std::vector<std::pair<std::string, std::string>>{
                                 {"accelerator-type", "module-910b-8"}, {"host-arch", "huawei-arm"}}));
  EXPECT_EQ(s.pods[1].namespace_name, "team");
  EXPECT_EQ(s.pods[1].name, "worker-0");
  EXPECT_EQ(s.pods[1].uid, "uid-worker-0");
  EXPECT_EQ(s.pods[1].group, "team/job1");
  EXPECT_TRUE(s.pods[1].operator_pod);
}

TEST(DecodePods, NpusFromLimitsWhenNoRequest) {
  json pod = pending_pod("ns", "p", 0);
  pod["spec"]["containers"][0]["resources"]["limits"]["huawei.com/Ascend910"] = "8";
  pod["spec"]["containers"].push_back(
      {{"name", "b"}, {"resources", {{"requests", {{"huawei.com/Ascend910", "2"}}}}}});
  snapshot s = decode_ok(list({pod}));
  ASSERT_EQ(s.workload.pods.size(), 1u);
  EXPECT_EQ(s.workload.pods[0].npus, 10) << "summed over containers";
  EXPECT_FALSE(s.workload.jobs[0].invalid);
}

TEST(DecodePods, RequestDifferentFromLimitInvalidatesTheJob) {
  json bad = pending_pod("ns", "bad", 2, "g");
  bad["spec"]["containers"][0]["resources"]["limits"]["huawei.com/Ascend910"] = "4";
  json good = pending_pod("ns", "good", 2, "g");
  snapshot s = decode_ok(list({good, bad}));
  ASSERT_EQ(s.workload.jobs.size(), 1u);
  const job_spec& j = s.workload.jobs[0];
  ASSERT_TRUE(j.invalid);
  EXPECT_EQ(j.invalid->code, reason::invalid_request);
  EXPECT_FALSE(j.invalid->resolvable);
  EXPECT_EQ(j.invalid->message,
            "pod ns/bad: spec.containers[0].resources requests 2 huawei.com/Ascend910 but limits 4");
  EXPECT_EQ(s.workload.pods[0].npus, 2);
}

TEST(DecodePods, GroupingByPodGroupAnnotation) {
  snapshot s = decode_ok(list({pending_pod("b", "x-1", 1, "g"), pending_pod("a", "x-0", 1, "g"),
                               pending_pod("a", "x-1", 1, "g"), pending_pod("a", "solo-2", 1),
                               pending_pod("a", "solo-1", 1), pending_pod("a", "empty", 1, "")}));
  // Jobs by name ("" first), solo jobs by their pod's name.
  ASSERT_EQ(s.workload.jobs.size(), 5u);
  EXPECT_EQ(s.workload.jobs[0].name, "");
  EXPECT_EQ(s.workload.jobs[3].name, "a/g");
  EXPECT_EQ(s.workload.jobs[4].name, "b/g") << "the same group name in another namespace is another job";
  std::vector<std::string> names;
  for (const auto& p : s.workload.pods) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a/empty", "a/solo-1", "a/solo-2", "a/x-0", "a/x-1", "b/x-1"}));
  EXPECT_EQ(s.workload.pods[0].job, 0u);
  EXPECT_EQ(s.workload.pods[1].job, 1u);
  EXPECT_EQ(s.workload.pods[2].job, 2u);
  EXPECT_EQ(s.workload.pods[3].job, 3u);
  EXPECT_EQ(s.workload.pods[4].job, 3u);
  EXPECT_EQ(s.workload.pods[5].job, 4u);
  EXPECT_EQ(s.pods[3].group, "a/g");
  EXPECT_EQ(s.pods[0].group, "");
}

TEST(DecodePods, JobShapeCountsEveryLivePodOfTheGroup) {
  json running = running_pod("ns", "w-0", "n1", "Ascend910-0,Ascend910-1", 2);
  running["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = "g";
  json finished = running_pod("ns", "w-old", "n1", "", 8);
  finished["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = "g";
  finished["status"]["phase"] = "Failed";
  json foreign = pending_pod("ns", "w-9", 1, "g");
  foreign["spec"]["schedulerName"] = "default-scheduler";
  snapshot s = decode_ok(list({npu_node("n1"), clusterd_cm({{"n1", clusterd_record("n1")}}), running, finished,
                               foreign, pending_pod("ns", "w-1", 4, "g"), pending_pod("ns", "w-2", 4, "g"),
                               pending_pod("ns", "launcher", 0, "g"), pending_pod("ns", "alone", 2),
                               pending_pod("ns", "cpu-only", 0)}));
  const job_spec& g = job_of(s, "ns/w-1");
  EXPECT_EQ(g.name, "ns/g");
  EXPECT_EQ(g.shape.npu_tasks, 4) << "running w-0, pending w-1 and w-2, other scheduler's w-9";
  EXPECT_EQ(g.shape.total_npus, 11);
  EXPECT_TRUE(g.shape.distributed());
  const job_spec& alone = job_of(s, "ns/alone");
  EXPECT_EQ(alone.shape.npu_tasks, 1);
  EXPECT_EQ(alone.shape.total_npus, 2);
  const job_spec& cpu = job_of(s, "ns/cpu-only");
  EXPECT_EQ(cpu.shape.npu_tasks, 0);
  EXPECT_EQ(cpu.shape.total_npus, 0);
}

TEST(DecodePods, JobHandler) {
  struct handler_case {
    const char* rule;
    std::vector<const char*> selectors;  // accelerator-type per pod, "" = none
    const char* pod_policy;              // on the first pod with one, "" = none
    const char* group_policy;            // on the PodGroup, "" = none
    std::optional<accelerator_type> want;
    const char* invalid;                 // substring of the invalid message, "" = valid
  };
  const handler_case cases[] = {
      {"nothing_no_handler", {"", ""}, "", "", std::nullopt, ""},
      {"selector", {"module-a3-16", ""}, "", "", accelerator_type::module_a3_16, ""},
      {"selector_card_family", {"card-910b-2", "card-910b-2"}, "", "", accelerator_type::card, ""},
      {"unknown_selector_no_handler", {"module-z", ""}, "", "", std::nullopt, ""},
      // The reference's order: schedule policy, then sp-block, then the selector.
      {"policy_beats_selector", {"module-910b-8", ""}, "chip2-node16", "", accelerator_type::module_a3_16, ""},
      {"policy_on_pod", {"", ""}, "chip2-node16", "", accelerator_type::module_a3_16, ""},
      {"policy_on_podgroup_first", {"", ""}, "chip8-node8", "chip8-node16", accelerator_type::module_910b_16, ""},
      {"unknown_policy", {"", ""}, "chip9-node9", "", std::nullopt, ""},
      {"selectors_disagree",
       {"module-910b-8", "module-a3-16"},
       "",
       "",
       std::nullopt,
       "pods of job ns/g disagree on nodeSelector accelerator-type: \"module-910b-8\" (ns/p-0) vs \"module-a3-16\" "
       "(ns/p-1)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    std::vector<json> items;
    for (std::size_t i = 0; i < c.selectors.size(); ++i) {
      json p = pending_pod("ns", "p-" + std::to_string(i), 2, "g");
      if (*c.selectors[i]) p["spec"]["nodeSelector"]["accelerator-type"] = c.selectors[i];
      if (*c.pod_policy && i == 1) p["metadata"]["annotations"]["huawei.com/schedule_policy"] = c.pod_policy;
      items.push_back(p);
    }
    json pg = podgroup("ns", "g");
    if (*c.group_policy) pg["metadata"]["annotations"]["huawei.com/schedule_policy"] = c.group_policy;
    items.push_back(pg);
    snapshot s = decode_ok(list(items));
    ASSERT_EQ(s.workload.jobs.size(), 1u);
    const job_spec& j = s.workload.jobs[0];
    EXPECT_EQ(j.handler, c.want);
    if (*c.invalid) {
      ASSERT_TRUE(j.invalid);
      EXPECT_EQ(j.invalid->code, reason::invalid_request);
      EXPECT_NE(j.invalid->message.find(c.invalid), std::string::npos) << j.invalid->message;
    } else {
      EXPECT_FALSE(j.invalid);
    }
  }
}

TEST(DecodePods, SoloPodHandlerFromItsOwnAnnotation) {
  json p = pending_pod("ns", "p", 16);
  p["metadata"]["annotations"]["huawei.com/schedule_policy"] = "chip2-node16-sp";
  snapshot s = decode_ok(list({p}));
  EXPECT_EQ(s.workload.jobs[0].handler, accelerator_type::module_a3_16_super_pod);
}

TEST(DecodePods, RefuseSubHealthy) {
  struct strategy_case {
    const char* rule;
    const char* group_label;  // "" = none
    const char* pod_label;    // "" = none
    bool want;
  };
  const strategy_case cases[] = {
      {"absent", "", "", false},
      {"ignore", "ignore", "", false},
      {"grace_exit_on_podgroup", "graceExit", "", true},
      {"force_exit_on_pod", "", "forceExit", true},
      {"podgroup_beats_pod", "ignore", "hotSwitch", false},
      {"empty_value_is_not_ignore", "", "-", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json pg = podgroup("ns", "g");
    if (*c.group_label) pg["metadata"]["labels"]["subHealthyStrategy"] = c.group_label;
    json p = pending_pod("ns", "p", 1, "g");
    if (*c.pod_label)
      p["metadata"]["labels"]["subHealthyStrategy"] = std::string_view(c.pod_label) == "-" ? "" : c.pod_label;
    snapshot s = decode_ok(list({pg, p}));
    EXPECT_EQ(s.workload.jobs[0].refuse_sub_healthy, c.want);
  }
}

TEST(DecodePods, ItemOrderDoesNotMatter) {
  std::vector<json> items{npu_node("n2", "module-a3-16", 16), npu_node("n1"), cpu_node("c"),
                          clusterd_cm({{"n1", clusterd_record("n1")}, {"n2", clusterd_record("n2")}}),
                          running_pod("ns", "r", "n1", "Ascend910-3", 1), podgroup("ns", "g"),
                          pending_pod("ns", "g-1", 8, "g"), pending_pod("ns", "g-0", 8, "g"),
                          pending_pod("ns", "a", 2), pending_pod("x", "a", 0), pending_pod("ns", "z", 1, "h"),
                          scheduler_cm(init_params_yaml({{"grace-over-time", "60"}}))};
  const std::string want = describe(decode_ok(list(items)));
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(items.begin(), items.end(), rng);
    EXPECT_EQ(describe(decode_ok(list(items))), want);
  }
}

}  // namespace
}  // namespace npusched::k8s::test
