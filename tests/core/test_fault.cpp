// Fault isolation and rescheduling decisions (docs/faults.md): classification,
// the deletion matrix, modes, grace → force, retry budgets, escalation, the
// state as a value, and the reference's fault test vectors
// (T3, T5, T6, T8, T9, D1–D7) — plus a property on random faults.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <set>

#include "npusched/fault.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using namespace npusched::testing;
using T = accelerator_type;

// Four module-910b-8 nodes n0..n3, all chips held by the job's pods.
std::vector<node_spec> four_nodes() {
  std::vector<node_spec> nodes;
  for (int i = 0; i < 4; ++i) {
    node_spec n = node_with_free("n" + std::to_string(i), T::module_910b_8, first_chips(8));
    nodes.push_back(n);
  }
  return nodes;
}

// A job of 4 pods (ranks 0..3) of 8 NPUs on n0..n3.
fault_job four_pod_job(fault_scheduling mode = fault_scheduling::force) {
  fault_job j;
  j.name = "train/job";
  j.owner_uid = "owner-1";
  j.scheduling = mode;
  j.npu_job = true;
  j.min_available = 4;
  for (int r = 0; r < 4; ++r) {
    fault_pod p;
    p.name = "train/job-" + std::to_string(r);
    p.uid = "uid-" + std::to_string(r);
    p.node = "n" + std::to_string(r);
    p.chips = first_chips(8);
    p.npus = 8;
    p.rank = r;
    p.created = 100;
    j.pods.push_back(p);
  }
  return j;
}

std::vector<std::string> acted(const fault_report& r) {
  std::vector<std::string> pods;
  for (const auto& a : r.actions) pods.push_back(a.pod);
  return pods;
}

// ---------------------------------------------------------------- classification

struct classify_case {
  const char* rule;
  std::function<void(std::vector<node_spec>&, fault_job&)> setup;
  std::vector<fault_type> want;  // fault types of the job
};

class Classify : public ::testing::TestWithParam<classify_case> {};

TEST_P(Classify, Rule) {
  auto nodes = four_nodes();
  fault_job job = four_pod_job();
  GetParam().setup(nodes, job);
  const fault_report r = decide_faults(must_build(nodes), {job}, {}, 1000);
  std::vector<fault_type> got;
  if (!r.fault_jobs.empty()) got = r.fault_jobs[0].types;
  EXPECT_EQ(got, GetParam().want) << GetParam().rule;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, Classify,
    ::testing::Values(
        classify_case{"healthy_job_is_not_a_fault_job", [](auto&, auto&) {}, {}},
        classify_case{"node_unhealthy", [](auto& n, auto&) { n[2].health = node_health::unhealthy; },
                      {fault_type::node_unhealthy}},
        classify_case{"node_not_ready", [](auto& n, auto&) { n[2].health = node_health::not_ready; },
                      {fault_type::node_unhealthy}},
        classify_case{"node_gone", [](auto& n, auto&) { n.erase(n.begin() + 2); }, {fault_type::node_unhealthy}},
        classify_case{"pre_separate_is_not_a_fault", [](auto& n, auto&) { n[2].health = node_health::pre_separate; },
                      {}},
        classify_case{"card_unhealthy_used_chip", [](auto& n, auto&) { n[1].unhealthy = chip_bit(3); },
                      {fault_type::card_unhealthy}},
        classify_case{"card_unhealthy_unused_chip",
                      [](auto& n, auto& j) {
                        n[1].unhealthy = chip_bit(7);
                        j.pods[1].chips = first_chips(4);
                      },
                      {}},
        classify_case{"network_unhealthy_is_not_a_fault_D7", [](auto& n, auto&) { n[1].network_unhealthy = chip_bit(2); },
                      {}},
        classify_case{"pod_failed_needs_retry_times", [](auto&, auto& j) { j.pods[3].failed = true; }, {}},
        classify_case{"pod_failed_with_retry_times",
                      [](auto&, auto& j) {
                        j.pods[3].failed = true;
                        j.fault_retry_times = 2;
                      },
                      {fault_type::pod_failed}},
        classify_case{"relation_fault_separate", [](auto&, auto& j) { j.pods[0].fault_type_label = "Separate"; },
                      {fault_type::relation_fault_separate}},
        classify_case{"sub_health_ignored_by_default_T8", [](auto& n, auto&) { n[0].health = node_health::sub_healthy; },
                      {}},
        classify_case{"sub_health_grace_exit",
                      [](auto& n, auto& j) {
                        n[0].sub_healthy = chip_bit(1);
                        j.strategy = sub_healthy_strategy::grace_exit;
                      },
                      {fault_type::sub_health_fault}},
        classify_case{"sub_health_pod_label",
                      [](auto&, auto& j) {
                        j.pods[2].fault_type_label = "SubHealth";
                        j.strategy = sub_healthy_strategy::force_exit;
                      },
                      {fault_type::sub_health_fault}},
        classify_case{"hot_switch_without_delete_request_T9",
                      [](auto& n, auto& j) {
                        n[0].health = node_health::sub_healthy;
                        j.strategy = sub_healthy_strategy::hot_switch;
                      },
                      {}},
        classify_case{"hot_switch_with_delete_request_T9",
                      [](auto& n, auto& j) {
                        n[0].health = node_health::sub_healthy;
                        j.strategy = sub_healthy_strategy::hot_switch;
                        j.pods[0].hot_switch_delete = true;
                      },
                      {fault_type::sub_health_fault}},
        classify_case{"pending_pod_is_never_a_fault",
                      [](auto& n, auto& j) {
                        n[3].health = node_health::unhealthy;
                        j.pods[3].node.clear();
                      },
                      {}}),
    [](const auto& tp) { return std::string(tp.param.rule); });

// ---------------------------------------------------------------- deletion scope (T5, T6)

struct scope_case {
  const char* rule;
  int fault_rank;
  std::function<void(fault_job&)> setup;
  std::vector<int> want_ranks;  // pods acted on
};

class DeletionScope : public ::testing::TestWithParam<scope_case> {};

TEST_P(DeletionScope, Matrix) {
  auto nodes = four_nodes();
  nodes[static_cast<std::size_t>(GetParam().fault_rank)].unhealthy = chip_bit(0);
  fault_job job = four_pod_job();
  GetParam().setup(job);
  const fault_report r = decide_faults(must_build(nodes), {job}, {}, 1000);
  std::vector<std::string> want;
  for (int rank : GetParam().want_ranks) want.push_back("train/job-" + std::to_string(rank));
  EXPECT_EQ(acted(r), want) << GetParam().rule;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, DeletionScope,
    ::testing::Values(
        scope_case{"job_level_by_default_T5_05", 2, [](auto&) {}, {0, 1, 2, 3}},
        scope_case{"pod_level_only_limit", 2, [](auto& j) { j.pod_level_only = true; }, {2}},
        scope_case{"pod_rescheduling_fault_pods_only", 2, [](auto& j) { j.pod_rescheduling = true; }, {2}},
        scope_case{"process_recover_fault_pods_only_T5_04", 2, [](auto& j) { j.process_recover = true; }, {2}},
        scope_case{"master_fault_whole_job_T6", 0, [](auto& j) { j.pod_rescheduling = true; }, {0, 1, 2, 3}},
        scope_case{"master_fault_worker_replica_is_not_master_T6", 0,
                   [](auto& j) {
                     j.pod_rescheduling = true;
                     j.pods[0].worker_replica = true;
                   },
                   {0}},
        scope_case{"master_fault_non_npu_job_T6", 0,
                   [](auto& j) {
                     j.pod_rescheduling = true;
                     j.npu_job = false;
                   },
                   {0}},
        scope_case{"pod_level_limit_beats_master_D3", 0,
                   [](auto& j) {
                     j.pod_rescheduling = true;
                     j.pod_level_only = true;
                   },
                   {0}},
        scope_case{"super_pod_first_stage_fault_pods_only_T5_02", 3,
                   [](auto& j) {
                     j.pod_rescheduling = true;
                     j.block_nodes = 2;
                   },
                   {3}}),
    [](const auto& tp) { return std::string(tp.param.rule); });

// ---------------------------------------------------------------- modes

struct mode_case {
  const char* rule;
  fault_scheduling mode;
  sub_healthy_strategy strategy;
  bool sub_health_fault;
  std::optional<pod_action> want_action;  // none = no action
  grace_mode want_mode;
};

class Modes : public ::testing::TestWithParam<mode_case> {};

TEST_P(Modes, DeleteMode) {
  const auto& c = GetParam();
  auto nodes = four_nodes();
  fault_job job = four_pod_job(c.mode);
  job.pod_level_only = true;
  job.strategy = c.strategy;
  if (c.sub_health_fault) nodes[1].sub_healthy = chip_bit(0);
  else nodes[1].unhealthy = chip_bit(0);
  if (c.mode == fault_scheduling::unsupported) job.scheduling_label = "Force";
  const fault_report r = decide_faults(must_build(nodes), {job}, {}, 1000);
  if (!c.want_action) {
    EXPECT_TRUE(r.actions.empty()) << c.rule;
    ASSERT_EQ(r.fault_jobs.size(), 1u);
    EXPECT_FALSE(r.fault_jobs[0].note.empty());
  } else {
    ASSERT_EQ(r.actions.size(), 1u) << c.rule;
    EXPECT_EQ(r.actions[0], (fault_action{"train/job-1", *c.want_action, c.want_mode,
                                          c.sub_health_fault ? "SubHealthFault" : "CardUnhealthy"}));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, Modes,
    ::testing::Values(
        mode_case{"force", fault_scheduling::force, sub_healthy_strategy::ignore, false, pod_action::delete_pod, grace_mode::force},
        mode_case{"grace", fault_scheduling::grace, sub_healthy_strategy::ignore, false, pod_action::delete_pod, grace_mode::grace},
        mode_case{"off_reports_only", fault_scheduling::off, sub_healthy_strategy::ignore, false, std::nullopt, grace_mode::grace},
        mode_case{"external_grace_annotates", fault_scheduling::external_grace, sub_healthy_strategy::ignore, false,
                  pod_action::annotate, grace_mode::grace},
        mode_case{"external_force_annotates", fault_scheduling::external_force, sub_healthy_strategy::ignore, false,
                  pod_action::annotate, grace_mode::force},
        mode_case{"unsupported_value_no_action", fault_scheduling::unsupported, sub_healthy_strategy::ignore, false,
                  std::nullopt, grace_mode::grace},
        mode_case{"sub_health_grace_exit_is_grace_even_under_force", fault_scheduling::force,
                  sub_healthy_strategy::grace_exit, true, pod_action::delete_pod, grace_mode::grace},
        mode_case{"sub_health_force_exit_is_force_even_under_grace", fault_scheduling::grace,
                  sub_healthy_strategy::force_exit, true, pod_action::delete_pod, grace_mode::force}),
    [](const auto& tp) { return std::string(tp.param.rule); });

// ---------------------------------------------------------------- time, state, budgets

TEST(GraceToForce, StrictlyAfterGraceOverTime_D6) {
  auto nodes = four_nodes();
  nodes[1].unhealthy = chip_bit(0);
  const cluster c = must_build(nodes);
  fault_job job = four_pod_job(fault_scheduling::grace);
  job.pod_level_only = true;
  fault_options opt;
  opt.grace_over_time = 900;
  const fault_report first = decide_faults(c, {job}, {}, 1000, opt);
  ASSERT_EQ(acted(first), std::vector<std::string>{"train/job-1"});
  EXPECT_EQ(first.actions[0].mode, grace_mode::grace);
  // The evicted pod is still there (terminating).
  job.pods[1].terminating = true;
  const fault_report at_limit = decide_faults(c, {job}, first.next, 1900, opt);
  EXPECT_TRUE(at_limit.actions.empty());
  const fault_report after = decide_faults(c, {job}, at_limit.next, 1901, opt);
  ASSERT_EQ(after.actions.size(), 1u);
  EXPECT_EQ(after.actions[0], (fault_action{"train/job-1", pod_action::delete_pod, grace_mode::force, "grace-over-time exceeded"}));
  // Repeated while the pod remains.
  EXPECT_EQ(decide_faults(c, {job}, after.next, 1902, opt).actions.size(), 1u);
  // Gone: no more force.
  job.pods.erase(job.pods.begin() + 1);
  EXPECT_TRUE(decide_faults(c, {job}, after.next, 1903, opt).actions.empty());
}

TEST(RetryBudget, OnlyBusinessFailuresConsumeIt_D5) {
  auto nodes = four_nodes();
  const cluster c = must_build(nodes);
  fault_job job = four_pod_job(fault_scheduling::force);
  job.fault_retry_times = 2;
  job.pod_level_only = true;
  fault_state s;
  for (int round = 0; round < 3; ++round) {
    fault_job j = job;
    j.pods[2].failed = true;
    j.pods[2].uid = "uid-2-" + std::to_string(round);  // each round a new incarnation
    const fault_report r = decide_faults(c, {j}, s, 1000 + round * 10);
    if (round < 2) {
      EXPECT_EQ(acted(r), std::vector<std::string>{"train/job-2"}) << round;
      EXPECT_EQ(r.next.retries.at("train/job").remaining, 1 - round);
    } else {
      EXPECT_TRUE(r.actions.empty());
      EXPECT_NE(r.fault_jobs[0].note.find("exhausted"), std::string::npos);
      EXPECT_EQ(r.next.retries.at("train/job").remaining, 0);
    }
    s = r.next;
    s.jobs.clear();  // the replacement came up between rounds
  }
  // A hardware fault is never blocked by the exhausted budget, and costs nothing.
  nodes[0].unhealthy = chip_bit(0);
  const fault_report hw = decide_faults(must_build(nodes), {job}, s, 2000);
  EXPECT_EQ(acted(hw), std::vector<std::string>{"train/job-0"});
  EXPECT_EQ(hw.next.retries.at("train/job").remaining, 0);
}

TEST(RetryBudget, SurvivesAJobLevelRestart) {
  // Job level, force, one retry: the failure spends it; while the job is
  // restarting its PodGroup is not Running and then has no pod at all; the
  // next failure of the new incarnation is left alone.
  const cluster c = must_build(four_nodes());
  fault_job job = four_pod_job(fault_scheduling::force);
  job.fault_retry_times = 1;
  fault_job failed = job;
  failed.pods[1].failed = true;
  const fault_report first = decide_faults(c, {failed}, {}, 1000);
  ASSERT_EQ(acted(first).size(), 4u);
  EXPECT_EQ(first.next.retries.at("train/job").remaining, 0);
  fault_job restarting = job;
  restarting.running = false;
  const fault_report pending = decide_faults(c, {restarting}, first.next, 1001);
  EXPECT_TRUE(pending.actions.empty());
  EXPECT_EQ(pending.next, first.next);
  fault_job empty = job;
  empty.pods.clear();
  const fault_report gone = decide_faults(c, {empty}, pending.next, 1002);
  EXPECT_EQ(gone.next.retries.at("train/job").remaining, 0);
  fault_job again = job;
  for (auto& p : again.pods) p.uid += "-2";
  again.pods[0].failed = true;
  const fault_report second = decide_faults(c, {again}, gone.next, 1010);
  EXPECT_TRUE(second.actions.empty());
  ASSERT_EQ(second.fault_jobs.size(), 1u);
  EXPECT_NE(second.fault_jobs[0].note.find("exhausted"), std::string::npos);
}

TEST(RetryBudget, NewOwnerGetsAFreshBudget) {
  const cluster c = must_build(four_nodes());
  fault_job job = four_pod_job();
  job.fault_retry_times = 3;
  job.pods[0].failed = true;
  job.pod_level_only = true;
  fault_state s;
  s.retries["train/job"] = {"old-owner", 0};
  const fault_report r = decide_faults(c, {job}, s, 1000);
  EXPECT_EQ(acted(r).size(), 1u);
  EXPECT_EQ(r.next.retries.at("train/job"), (retry_budget{"owner-1", 2}));
}

TEST(FaultState, SecondFaultDuringReschedulingIsSeenAtOnce) {
  auto nodes = four_nodes();
  nodes[1].unhealthy = chip_bit(0);
  fault_job job = four_pod_job();
  job.pod_level_only = true;
  const fault_report first = decide_faults(must_build(nodes), {job}, {}, 1000);
  ASSERT_EQ(acted(first), std::vector<std::string>{"train/job-1"});
  // Pod 1 is gone and its replacement pending; now n3 fails too.
  job.pods[1].uid = "uid-1b";
  job.pods[1].node.clear();
  nodes[3].health = node_health::unhealthy;
  const fault_report second = decide_faults(must_build(nodes), {job}, first.next, 1001);
  EXPECT_EQ(acted(second), std::vector<std::string>{"train/job-3"});
}

TEST(FaultState, FinishedWhenReplacementsAreBound_D1) {
  auto nodes = four_nodes();
  nodes[2].health = node_health::unhealthy;
  fault_job job = four_pod_job(fault_scheduling::force);
  const fault_report r1 = decide_faults(must_build(nodes), {job}, {}, 1000);
  EXPECT_EQ(acted(r1).size(), 4u);  // job level
  ASSERT_EQ(r1.next.jobs.size(), 1u);
  // All four recreated and bound elsewhere.
  nodes.push_back(node_with_free("n4", T::module_910b_8, first_chips(8)));
  for (int r = 0; r < 4; ++r) {
    job.pods[static_cast<std::size_t>(r)].uid = "new-" + std::to_string(r);
    job.pods[static_cast<std::size_t>(r)].node = r == 2 ? "n4" : "n" + std::to_string(r);
  }
  const fault_report r2 = decide_faults(must_build(nodes), {job}, r1.next, 1010);
  EXPECT_TRUE(r2.actions.empty());
  EXPECT_TRUE(r2.next.jobs.empty());
  EXPECT_EQ(previous_fault_nodes(r1.next).at("train/job"), std::vector<std::string>{"n2"});
}

TEST(Escalation, SuperPodBlockThenWholeJob) {
  auto nodes = four_nodes();
  nodes[3].unhealthy = chip_bit(0);
  fault_job job = four_pod_job();
  job.pod_rescheduling = true;
  job.block_nodes = 2;
  fault_state s = decide_faults(must_build(nodes), {job}, {}, 1000).next;
  // Rank 3 deleted and gone; its replacement stays pending.
  job.pods[3].uid = "uid-3b";
  job.pods[3].node.clear();
  nodes[3].unhealthy = 0;
  const cluster c = must_build(nodes);
  s = decide_faults(c, {job}, s, 1001).next;  // deletion seen done at 1001
  EXPECT_TRUE(decide_faults(c, {job}, s, 1006).actions.empty());
  const fault_report block = decide_faults(c, {job}, s, 1007);  // 6 s pending → same logical super-node
  EXPECT_EQ(acted(block), std::vector<std::string>{"train/job-2"});
  fault_state s2 = block.next;
  job.pods[2].uid = "uid-2b";
  job.pods[2].node.clear();
  s2 = decide_faults(c, {job}, s2, 1008).next;  // done at 1008
  const fault_report whole = decide_faults(c, {job}, s2, 1020);  // 12 s → whole job
  EXPECT_EQ(acted(whole), (std::vector<std::string>{"train/job-0", "train/job-1"}));
}

TEST(Escalation, NeverForPodLevelOnlyJobs_D3) {
  auto nodes = four_nodes();
  nodes[0].health = node_health::unhealthy;
  fault_job job = four_pod_job();
  job.pod_rescheduling = true;
  job.pod_level_only = true;  // ome.io/inferenceservice
  fault_state s = decide_faults(must_build(nodes), {job}, {}, 1000).next;
  job.pods[0].uid = "uid-0b";
  job.pods[0].node.clear();
  const cluster c = must_build(nodes);
  s = decide_faults(c, {job}, s, 1001).next;
  EXPECT_TRUE(decide_faults(c, {job}, s, 2000).actions.empty());
  EXPECT_TRUE(decide_faults(c, {job}, s, 1100).actions.empty());
}

TEST(Isolation, ReportListsNodesAndChips) {
  auto nodes = four_nodes();
  nodes[0].health = node_health::pre_separate;
  nodes[1].unhealthy = chip_bit(3);
  nodes[1].network_unhealthy = chip_bit(5);
  nodes[2].health = node_health::unhealthy;
  nodes[3].link_down = chip_bit(6);
  fault_job job = four_pod_job(fault_scheduling::off);
  job.pods[0].node = "gone";
  fault_state s;
  s.link_down["n3"] = 995;
  const fault_report r = decide_faults(must_build(nodes), {job}, s, 1000);
  EXPECT_EQ(r.unusable_nodes, (std::vector<unusable_node>{{"gone", node_unusable_reason::missing},
                                                          {"n0", node_unusable_reason::pre_separate},
                                                          {"n2", node_unusable_reason::node_unhealthy}}));
  EXPECT_EQ(r.unusable_chips_, (std::vector<unusable_chips>{{"n1", chip_bit(3), chip_unusable_reason::unhealthy},
                                                            {"n1", chip_bit(5), chip_unusable_reason::network_unhealthy},
                                                            {"n3", chip_bit(6), chip_unusable_reason::link_down}}));
  // 20 s after the restart the link-down chips are usable again.
  EXPECT_EQ(decide_faults(must_build(nodes), {job}, s, 1016).unusable_chips_.size(), 2u);
}

TEST(Isolation, PodsOnNodesWithBrokenDataAreNotDeleted) {
  auto nodes = four_nodes();
  nodes.erase(nodes.begin() + 2);  // n2 left out of the cluster for broken device information
  fault_job job = four_pod_job();
  const fault_report unknown = decide_faults(must_build(nodes), {job}, {}, 1000, {}, {"n2"});
  EXPECT_TRUE(unknown.actions.empty());
  EXPECT_EQ(unknown.unusable_nodes, (std::vector<unusable_node>{{"n2", node_unusable_reason::unknown}}));
  // A node that is simply gone is a node fault.
  EXPECT_EQ(decide_faults(must_build(nodes), {job}, {}, 1000).actions.size(), 4u);
}

TEST(Isolation, RelationFaultRestartStartsTheLinkDownWindow_D7) {
  auto nodes = four_nodes();
  fault_job job = four_pod_job();
  job.pod_level_only = true;
  job.pods[1].fault_type_label = "Separate";
  const fault_report r = decide_faults(must_build(nodes), {job}, {}, 1000);
  EXPECT_EQ(acted(r), std::vector<std::string>{"train/job-1"});
  EXPECT_EQ(r.next.link_down.at("n1"), 1000);
}

TEST(FaultState, ValidationNamesTheField) {
  fault_state s;
  s.jobs.push_back({"ns/a", "u", 1, 0, static_cast<deletion_mode>(9), false, rescheduling_scope::pods, {}});
  ASSERT_TRUE(validate_fault_state(s));
  EXPECT_EQ(validate_fault_state(s)->path, "jobs[0].delete_mode");
  s.jobs[0].delete_mode = deletion_mode::grace;
  s.retries["ns/a"] = {"u", -1};
  EXPECT_EQ(validate_fault_state(s)->path, "retries[\"ns/a\"].remaining");
  s.retries.clear();
  EXPECT_FALSE(validate_fault_state(s));
}

// ---------------------------------------------------------------- forced at once

// A pod on a node that is not Ready (or gone), and a pod in phase Failed, is
// deleted force at once; the job's other pods keep its mode.
struct forced_case {
  const char* rule;
  std::function<void(std::vector<node_spec>&, fault_job&)> setup;
  std::vector<grace_mode> want;  // modes of the actions on ranks 0..3 (job level: every pod)
};

constexpr grace_mode G = grace_mode::grace;
constexpr grace_mode F = grace_mode::force;

TEST(FaultRules, NotReadyNodePodForcedAtOnce) {
  const std::vector<forced_case> cases = {
        forced_case{"not_ready_node", [](auto& n, auto&) { n[2].health = node_health::not_ready; }, {G, G, F, G}},
        forced_case{"node_gone", [](auto& n, auto&) { n.erase(n.begin() + 2); }, {G, G, F, G}},
        forced_case{"unhealthy_but_ready_node_keeps_grace", [](auto& n, auto&) { n[2].health = node_health::unhealthy; },
                    {G, G, G, G}},
        forced_case{"failed_phase_fault_pod",
                    [](auto&, auto& j) {
                      j.fault_retry_times = 1;
                      j.pods[2].failed = j.pods[2].phase_failed = true;
                    },
                    {G, G, F, G}},
        forced_case{"exit_code_alone_keeps_grace",
                    [](auto&, auto& j) {
                      j.fault_retry_times = 1;
                      j.pods[2].failed = true;
                    },
                    {G, G, G, G}},
        forced_case{"failed_phase_healthy_pod_of_the_job",
                    [](auto& n, auto& j) {
                      n[1].unhealthy = chip_bit(0);
                      j.pods[3].failed = j.pods[3].phase_failed = true;  // no fault-retry-times: not a fault itself
                    },
                    {G, G, G, F}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    auto nodes = four_nodes();
    fault_job job = four_pod_job(fault_scheduling::grace);
    c.setup(nodes, job);
    const fault_report r = decide_faults(must_build(nodes), {job}, {}, 1000);
    std::vector<grace_mode> got;
    for (const auto& a : r.actions) got.push_back(a.mode);
    EXPECT_EQ(acted(r), (std::vector<std::string>{"train/job-0", "train/job-1", "train/job-2", "train/job-3"}));
    EXPECT_EQ(got, c.want);
    ASSERT_EQ(r.fault_jobs.size(), 1u);
    const bool any_forced = std::count(got.begin(), got.end(), grace_mode::force) > 0;
    EXPECT_EQ(r.fault_jobs[0].policy.find("forced at once") != std::string::npos, any_forced) << r.fault_jobs[0].policy;
  }
}

TEST(FaultRules, NotReadyNodePodOfAForceJobStaysForce) {
  auto nodes = four_nodes();
  nodes[2].health = node_health::not_ready;
  const fault_report r = decide_faults(must_build(nodes), {four_pod_job(fault_scheduling::force)}, {}, 1000);
  ASSERT_EQ(r.actions.size(), 4u);
  for (const auto& a : r.actions) EXPECT_EQ(a.mode, grace_mode::force) << a.pod;
  EXPECT_EQ(r.next.jobs[0].delete_mode, deletion_mode::force);
}

TEST(FaultRules, NotReadyNodePodIsNotForcedWhenAnnotating) {
  auto nodes = four_nodes();
  nodes[2].health = node_health::not_ready;
  const fault_report r = decide_faults(must_build(nodes), {four_pod_job(fault_scheduling::external_grace)}, {}, 1000);
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0], (fault_action{"train/job-2", pod_action::annotate, grace_mode::grace, "NodeUnhealthy"}));
}

// ---------------------------------------------------------------- new pod errors after a round

// A pod-rescheduling job lost rank 1 to a broken chip at t=1000 (only that pod
// was deleted); `after` describes the job at t=1001, when the deletion is seen
// done while the replacement is still pending (unless the case binds it).
struct new_error_case {
  const char* rule;
  std::function<void(fault_job&)> labels;  // before the first round
  std::function<void(fault_job&)> after;
  std::vector<std::pair<std::string, grace_mode>> want;  // actions at t=1001
};

TEST(FaultRules, FailedPodAfterRoundIsANewFault) {
  const auto no_labels = [](fault_job&) {};
  const std::vector<new_error_case> cases = {
        new_error_case{"failed_pod_is_forced_alone", no_labels,
                       [](fault_job& j) { j.pods[3].failed = j.pods[3].phase_failed = true; }, {{"train/job-3", F}}},
        new_error_case{"failed_rank0_takes_the_whole_job", no_labels,
                       [](fault_job& j) { j.pods[0].failed = j.pods[0].phase_failed = true; },
                       {{"train/job-0", F}, {"train/job-2", G}, {"train/job-3", G}}},
        new_error_case{"exit_code_alone_is_not_a_fault", no_labels, [](fault_job& j) { j.pods[3].failed = true; }, {}},
        new_error_case{"not_before_the_round_is_done", no_labels,
                       [](fault_job& j) {
                         j.pods[1].uid = "uid-1";  // the deleted pod is still there
                         j.pods[1].node = "n1";
                         j.pods[1].terminating = true;
                         j.pods[3].failed = j.pods[3].phase_failed = true;
                       },
                       {}},
        new_error_case{"finished_job_leaves_it_to_its_controller", no_labels,
                       [](fault_job& j) {
                         j.pods[1].node = "n1";  // the replacement is bound: rescheduling is over
                         j.pods[3].failed = j.pods[3].phase_failed = true;
                       },
                       {}},
        new_error_case{"process_recover_jobs_too",
                       [](fault_job& j) {
                         j.pod_rescheduling = false;
                         j.process_recover = true;
                       },
                       [](fault_job& j) { j.pods[3].failed = j.pods[3].phase_failed = true; }, {{"train/job-3", F}}},
        new_error_case{"job_level_jobs_do_not_watch",
                       [](fault_job& j) {
                         j.pod_rescheduling = false;
                         j.pod_level_only = true;  // pod level by annotation, but not pod-rescheduling
                       },
                       [](fault_job& j) { j.pods[3].failed = j.pods[3].phase_failed = true; }, {}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    auto nodes = four_nodes();
    nodes[1].unhealthy = chip_bit(0);
    fault_job job = four_pod_job(fault_scheduling::grace);
    job.pod_rescheduling = true;
    c.labels(job);
    const fault_report first = decide_faults(must_build(nodes), {job}, {}, 1000);
    ASSERT_EQ(acted(first), std::vector<std::string>{"train/job-1"});
    nodes[1].unhealthy = 0;
    job.pods[1].uid = "uid-1b";  // the replacement, pending
    job.pods[1].node.clear();
    c.after(job);
    const fault_report r = decide_faults(must_build(nodes), {job}, first.next, 1001);
    std::vector<std::pair<std::string, grace_mode>> got;
    for (const auto& a : r.actions) got.emplace_back(a.pod, a.mode);
    EXPECT_EQ(got, c.want);
  }
}

TEST(FaultRules, FailedPodAfterRoundCostsNoRetryBudget) {
  auto nodes = four_nodes();
  nodes[1].unhealthy = chip_bit(0);
  fault_job job = four_pod_job(fault_scheduling::force);
  job.pod_rescheduling = true;
  const fault_report first = decide_faults(must_build(nodes), {job}, {}, 1000);
  job.pods[1].uid = "uid-1b";
  job.pods[1].node.clear();
  job.pods[3].failed = job.pods[3].phase_failed = true;
  const fault_report r = decide_faults(must_build(nodes), {job}, first.next, 1001);
  ASSERT_EQ(acted(r), std::vector<std::string>{"train/job-3"});
  EXPECT_EQ(r.actions[0].reason, "pod-failed");
  EXPECT_EQ(r.next.retries.at("train/job").remaining, 0);  // the round's reason is still the broken chip
  ASSERT_EQ(r.fault_jobs.size(), 1u);
  EXPECT_EQ(r.fault_jobs[0].types, std::vector<fault_type>{fault_type::pod_failed});
}

// ---------------------------------------------------------------- one broken instance on a shared node

// Two instances share n0 (chips 0-3 and 4-7). One chip of the first breaks:
// only its pod is acted on, although the node's pods now request more NPUs
// than it has healthy. The reference drops such a node and deletes every pod
// on it; npusched keeps the healthy instance (docs/faults.md).
struct shared_node_case {
  const char* rule;
  bool ome;  // pod-level OME instances, else plain job-level jobs
};

TEST(FaultRules, UnhealthyChipActsOnItsInstanceOnly) {
  for (const shared_node_case c : {shared_node_case{"ome_instances", true}, shared_node_case{"job_level_jobs", false}}) {
    SCOPED_TRACE(c.rule);
    node_spec n = node_with_free("n0", T::module_910b_8, 0);
    n.unhealthy = chip_bit(2);
    std::vector<fault_job> jobs;
    for (const std::string name : {"prefill", "decode"}) {
      fault_job j;
      j.name = "ome/" + name;
      j.owner_uid = name;
      j.scheduling = fault_scheduling::force;
      j.npu_job = true;
      j.pod_rescheduling = c.ome;
      j.pod_level_only = c.ome;
      fault_pod p;
      p.name = j.name + "-0";
      p.uid = p.name;
      p.node = "n0";
      p.chips = name == "prefill" ? first_chips(4) : first_chips(8) & ~first_chips(4);
      p.npus = 4;
      p.rank = 0;
      j.pods.push_back(p);
      jobs.push_back(j);
    }
    const fault_report r = decide_faults(must_build({n}), jobs, {}, 1000);
    EXPECT_EQ(r.actions, (std::vector<fault_action>{{"ome/prefill-0", pod_action::delete_pod, F, "CardUnhealthy"}}));
    ASSERT_EQ(r.fault_jobs.size(), 1u);
    EXPECT_EQ(r.fault_jobs[0].job, "ome/prefill");
    EXPECT_TRUE(r.unusable_nodes.empty());
  }
}

// ---------------------------------------------------------------- enum words

TEST(FaultEnums, WordsRoundTrip) {
  for (auto m : {deletion_mode::none, deletion_mode::grace, deletion_mode::force, deletion_mode::annotate})
    EXPECT_EQ(parse_deletion_mode(to_string(m)), m);
  EXPECT_EQ(to_string(deletion_mode::none), "");
  EXPECT_EQ(parse_deletion_mode("gently"), std::nullopt);
  for (std::int64_t level = 0; level < 3; ++level)
    EXPECT_EQ(static_cast<std::int64_t>(*parse_rescheduling_scope(level)), level);
  EXPECT_EQ(parse_rescheduling_scope(3), std::nullopt);
  EXPECT_EQ(parse_rescheduling_scope(-1), std::nullopt);
  EXPECT_EQ(to_string(rescheduling_scope::blocks), "blocks");
  for (auto a : {pod_action::delete_pod, pod_action::annotate}) EXPECT_EQ(parse_pod_action(to_string(a)), a);
  EXPECT_EQ(to_string(pod_action::delete_pod), "delete");
  for (auto g : {grace_mode::grace, grace_mode::force}) EXPECT_EQ(parse_grace_mode(to_string(g)), g);
  for (auto n : {node_unusable_reason::node_unhealthy, node_unusable_reason::not_ready, node_unusable_reason::pre_separate,
                 node_unusable_reason::sub_healthy, node_unusable_reason::missing, node_unusable_reason::unknown})
    EXPECT_EQ(parse_node_unusable_reason(to_string(n)), n);
  EXPECT_EQ(to_string(node_unusable_reason::not_ready), "NotReady");
  for (auto c : {chip_unusable_reason::unhealthy, chip_unusable_reason::recovering, chip_unusable_reason::network_unhealthy,
                 chip_unusable_reason::link_down, chip_unusable_reason::sub_health_fault})
    EXPECT_EQ(parse_chip_unusable_reason(to_string(c)), c);
  EXPECT_EQ(to_string(chip_unusable_reason::network_unhealthy), "NetworkUnhealthy");
}

// ---------------------------------------------------------------- property

class FaultProperties : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(FaultProperties, NoActionTargetsAPodOfAHealthyJob) {
  std::mt19937_64 rng(GetParam());
  std::vector<node_spec> nodes;
  std::vector<fault_job> jobs;
  for (int j = 0; j < 20; ++j) {
    fault_job job;
    job.name = "ns/j" + std::to_string(j);
    job.owner_uid = "o" + std::to_string(j);
    job.scheduling = static_cast<fault_scheduling>(rng() % 5);
    job.pod_rescheduling = rng() % 2;
    job.npu_job = true;
    for (int p = 0; p < 3; ++p) {
      node_spec n = node_with_free("n" + std::to_string(j * 3 + p), T::module_910b_8, 0);
      if (rng() % 10 == 0) n.health = node_health::unhealthy;
      if (rng() % 10 == 0) n.unhealthy = chip_bit(static_cast<int>(rng() % 8));
      nodes.push_back(n);
      fault_pod pod;
      pod.name = job.name + "-" + std::to_string(p);
      pod.uid = pod.name;
      pod.node = n.name;
      pod.chips = first_chips(8);
      pod.rank = p;
      job.pods.push_back(pod);
    }
    jobs.push_back(job);
  }
  const cluster c = must_build(nodes);
  const fault_report r = decide_faults(c, jobs, {}, 1000);
  std::set<std::string> faulty_jobs;
  for (const auto& f : r.fault_jobs) faulty_jobs.insert(f.job);
  for (const auto& a : r.actions) {
    const std::string job = a.pod.substr(0, a.pod.rfind('-'));
    EXPECT_TRUE(faulty_jobs.count(job)) << a.pod << " acted on, but its job has no fault";
  }
  for (const auto& j : jobs) {
    bool any_fault = false;
    for (const auto& p : j.pods) {
      const node_id n = *c.find(p.node);
      any_fault = any_fault || c.health(n) == node_health::unhealthy || (p.chips & c.unhealthy(n)) != 0;
    }
    EXPECT_EQ(faulty_jobs.count(j.name) != 0, any_fault) << j.name;
  }
  // Deterministic: the same call gives the same answer, whatever the order of the jobs.
  const fault_report again = decide_faults(c, jobs, {}, 1000);
  EXPECT_EQ(again.actions, r.actions);
  EXPECT_EQ(again.next, r.next);
  std::vector<fault_job> shuffled = jobs;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  const fault_report reordered = decide_faults(c, shuffled, {}, 1000);
  EXPECT_EQ(reordered.actions, r.actions);
  EXPECT_EQ(reordered.fault_jobs, r.fault_jobs);
  EXPECT_EQ(reordered.unusable_nodes, r.unusable_nodes);
  EXPECT_EQ(reordered.next, r.next);
}

INSTANTIATE_TEST_SUITE_P(Seeds, FaultProperties, ::testing::Range<std::uint64_t>(1, 21));

// ---------------------------------------------------------------- the policy sentence

struct policy_case {
  const char* rule;
  fault_scheduling mode;
  std::function<void(fault_job&)> setup;
  std::vector<std::string> want;  // phrases the report's policy names
};

class Policy : public ::testing::TestWithParam<policy_case> {};

TEST_P(Policy, NamesTheKnobsThatChose) {
  auto nodes = four_nodes();
  nodes[1].unhealthy = chip_bit(3);  // a used chip of rank 1 breaks
  fault_job job = four_pod_job(GetParam().mode);
  job.scheduling_label = GetParam().mode == fault_scheduling::grace ? "grace" : "force";
  GetParam().setup(job);
  const fault_report r = decide_faults(must_build(nodes), {job}, {}, 1000);
  ASSERT_EQ(r.fault_jobs.size(), 1u) << GetParam().rule;
  for (const std::string& phrase : GetParam().want)
    EXPECT_NE(r.fault_jobs[0].policy.find(phrase), std::string::npos) << GetParam().rule << ": " << r.fault_jobs[0].policy;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, Policy,
    ::testing::Values(
        policy_case{"force_label_deletes_at_once", fault_scheduling::force, [](fault_job&) {},
                    {"fault-scheduling=force", "grace period 0", "whole job"}},
        policy_case{"grace_label_waits", fault_scheduling::grace, [](fault_job&) {},
                    {"fault-scheduling=grace", "forced after grace-over-time"}},
        policy_case{"pod_level_only_keeps_the_rest", fault_scheduling::force,
                    [](fault_job& j) { j.pod_level_only = true; }, {"only the fault pods are replaced"}},
        policy_case{"pod_rescheduling_on", fault_scheduling::force, [](fault_job& j) { j.pod_rescheduling = true; },
                    {"pod-rescheduling=on"}}),
    [](const auto& info) { return std::string(info.param.rule); });

TEST(Policy, AbsentWhenNothingIsDone) {
  auto nodes = four_nodes();
  nodes[1].unhealthy = chip_bit(3);
  const fault_report r = decide_faults(must_build(nodes), {four_pod_job(fault_scheduling::off)}, {}, 1000);
  ASSERT_EQ(r.fault_jobs.size(), 1u);
  EXPECT_TRUE(r.fault_jobs[0].policy.empty());
}

}  // namespace
}  // namespace npusched
