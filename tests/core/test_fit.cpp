// Single-pod fitting over a cluster: filter rules, verdicts, tie-breaks.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "npusched/fit.hpp"
#include "npusched/plan.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using namespace npusched::testing;
using T = accelerator_type;

node_id id(const cluster& c, std::string_view name) { return *c.find(name); }

TEST(Fit, HighestScoreWins_Vector1) {
  // Vector 1 as a whole fit: node1 has the best score (263).
  const cluster c = must_build({node_with_free("node1", T::module_910_x8, mask({0})),
                                node_with_free("node3", T::module_910_x8, mask({0, 1, 2})),
                                node_with_free("node11", T::module_910_x8, mask({4, 5})),
                                node_with_free("node12", T::module_910_x8, mask({4, 5, 6, 7}))});
  // Allocatable 8 on each: all chips healthy.
  placement_state s(c);
  auto r = npu_request(1);
  const auto f = fit(c, s, r);
  ASSERT_TRUE(f.node);
  EXPECT_EQ(c.name(*f.node), "node1");
  EXPECT_EQ(f.score, 263);
  EXPECT_EQ(f.chips, std::vector<int>{0});
  EXPECT_EQ(f.counts.feasible, 4);
}

TEST(Fit, EqualScoresBreakByNodeName) {
  const cluster c = must_build({node_with_free("b", T::module_910b_8, range(0, 7)),
                                node_with_free("a", T::module_910b_8, range(0, 7)),
                                node_with_free("c", T::module_910b_8, range(0, 7))});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(2));
  ASSERT_TRUE(f.node);
  EXPECT_EQ(c.name(*f.node), "a");
}

// Node choice: npusched's best score against the two baselines.
TEST(FitNodeChoice, FirstFitTakesTheLowestFeasibleNameWhateverItsScore) {
  // node1 scores best (Vector 1); node0 is feasible with a lower score.
  const cluster c = must_build({node_with_free("node0", T::module_910_x8, range(0, 7)),
                                node_with_free("node1", T::module_910_x8, mask({0})),
                                node_with_free("node2", T::module_910_x8, 0)});
  placement_state s(c);
  auto r = npu_request(1);
  EXPECT_EQ(c.name(*fit(c, s, r).node), "node1");
  r.choice = node_choice::first_fit;
  const auto f = fit(c, s, r);
  EXPECT_EQ(c.name(*f.node), "node0");
  EXPECT_EQ(f.counts.feasible, 2);  // the counts do not depend on the choice
}

TEST(FitNodeChoice, RandomTiesPickAmongTheBestScoresOnlyAndFollowTheSeed) {
  const cluster c = must_build({node_with_free("a", T::module_910b_8, range(0, 7)),
                                node_with_free("b", T::module_910b_8, range(0, 7)),
                                node_with_free("c", T::module_910b_8, range(0, 7)),
                                node_with_free("d", T::module_910b_8, range(0, 3))});  // the best: fewest free chips
  const cluster ties = must_build({node_with_free("a", T::module_910b_8, range(0, 7)),
                                   node_with_free("b", T::module_910b_8, range(0, 7)),
                                   node_with_free("c", T::module_910b_8, range(0, 7))});
  placement_state s(c), st(ties);
  auto r = npu_request(2);
  r.choice = node_choice::random_ties;
  std::set<std::string> chosen;
  for (std::uint64_t seed = 0; seed < 64; ++seed) {
    r.tie_seed = seed;
    EXPECT_EQ(c.name(*fit(c, s, r).node), "d") << "a random tie never beats a higher score";
    const auto f = fit(ties, st, r);
    EXPECT_EQ(fit(ties, st, r).node, f.node) << "the same seed, the same node";
    chosen.insert(std::string(ties.name(*f.node)));
  }
  EXPECT_EQ(chosen, (std::set<std::string>{"a", "b", "c"}));
}

TEST(FitNodeChoice, NamesRoundTripAndBlockFitChoosesNodesAsNpusched) {
  for (const node_choice c :
       {node_choice::best_score, node_choice::first_fit, node_choice::random_ties, node_choice::block_fit})
    EXPECT_EQ(parse_node_choice(to_string(c)), c);
  EXPECT_EQ(to_string(node_choice::block_fit), "block-fit");
  EXPECT_FALSE(parse_node_choice("best-fit"));
  const cluster c = must_build({node_with_free("a", T::module_910b_8, range(0, 7)),
                                node_with_free("b", T::module_910b_8, range(0, 3))});
  placement_state s(c);
  auto r = npu_request(2);
  const auto npusched_choice = fit(c, s, r);
  r.choice = node_choice::block_fit;
  const auto block_fit = fit(c, s, r);
  EXPECT_EQ(block_fit.node, npusched_choice.node);
  EXPECT_EQ(block_fit.chips, npusched_choice.chips);
}

TEST(FitNodeChoice, PlanOptionsCarryTheChoiceToEveryPod) {
  const cluster c = must_build({node_with_free("a", T::module_910b_8, range(0, 7)),
                                node_with_free("b", T::module_910b_8, range(0, 3))});
  workload w;
  w.jobs.push_back({});
  w.jobs[0].shape = {1, 2};
  w.pods.push_back({});
  w.pods[0].name = "ns/p";
  w.pods[0].npus = 2;
  plan_options o;
  EXPECT_EQ(c.name(plan(c, w, o).bindings.at(0).node), "b");  // fewer free chips score higher
  o.choice = node_choice::first_fit;
  EXPECT_EQ(c.name(plan(c, w, o).bindings.at(0).node), "a");
}

// The filter visits nodes type by type; these pin that the choices still
// follow node names when the lower name is of a type visited later.
TEST(Fit, EqualScoresAcrossTypesBreakByNodeName) {
  node_spec b8 = node_with_free("b-a2", T::module_910b_8, range(0, 7));
  b8.unhealthy = mask({5, 6, 7});  // (8 − 3) · 100 − 4 free = 496
  b8.in_use = {{4, "default/busy"}};
  b8.npu_requested = 1;
  b8.npu_allocatable = -1;
  // 3 free dies, one whole chip: 16 · (32 − (3 − 2)) = 496.
  const cluster c = must_build({b8, node_with_free("a-a3", T::module_a3_16, mask({0, 1, 2}))});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(2));
  ASSERT_TRUE(f.node);
  EXPECT_EQ(f.score, 496);
  EXPECT_EQ(c.name(*f.node), "a-a3");
  EXPECT_EQ(f.counts.feasible, 2);
}

TEST(Fit, ClosestWrongShapeNodeAcrossTypesIsFirstByName) {
  // k = 2: {0, 4} spans the module rings; {1, 2} has no whole A3 chip.
  const cluster c = must_build({node_with_free("b-module", T::module_910_x8, mask({0, 4})),
                                node_with_free("a-a3", T::module_a3_16, mask({1, 2}))});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(2));
  ASSERT_FALSE(f.node);
  ASSERT_TRUE(f.closest);
  EXPECT_EQ(f.closest->rule, node_rule::topology);
  EXPECT_EQ(c.name(f.closest->node), "a-a3");
}

TEST(Fit, FeasibleNodesComeInNodeIdOrderAcrossTypes) {
  const cluster c = must_build({node_with_free("n1", T::module_a3_16, range(0, 15)),
                                node_with_free("n2", T::module_910b_8, range(0, 7)),
                                node_with_free("n3", T::module_a3_16, range(0, 15)),
                                node_with_free("n4", T::module_910_x8, range(0, 7)),
                                node_with_free("n5", T::module_910b_8, range(0, 7))});
  placement_state s(c);
  filter_counts counts;
  const auto nodes = feasible_nodes(c, s, npu_request(2), &counts);
  ASSERT_EQ(nodes.size(), 5u);
  for (std::uint32_t i = 0; i < nodes.size(); ++i) {
    EXPECT_EQ(nodes[i].first, node_id{i});
    EXPECT_EQ(nodes[i].second, evaluate_node(c, s, npu_request(2), node_id{i}).score);
  }
  EXPECT_EQ(counts.feasible, 5);
}

TEST(Fit, A3NoEarlyExit_Vector14) {
  // The reference stops scoring at the first perfect node; we score all and
  // the perfect node wins wherever it is.
  const cluster c = must_build({node_with_free("node1", T::module_a3_16, mask({0, 1, 2, 4})),
                                node_with_free("node2", T::module_a3_16, mask({0, 1, 2, 3, 6, 7})),
                                node_with_free("node3", T::module_a3_16, mask({0, 1}))});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(2));
  ASSERT_TRUE(f.node);
  EXPECT_EQ(c.name(*f.node), "node3");
  EXPECT_EQ(f.score, 512);
  EXPECT_EQ(evaluate_node(c, s, npu_request(2), id(c, "node2")).score, 448);
}

TEST(Fit, HandlerFromSelectorMatchesOnlyThatType) {
  const cluster c = must_build({node_with_free("a2", T::module_910b_8, range(0, 7)),
                                node_with_free("a3", T::module_a3_16, range(0, 15))});
  placement_state s(c);
  auto r = npu_request(2);
  r.handler = T::module_a3_16;
  const auto f = fit(c, s, r);
  ASSERT_TRUE(f.node);
  EXPECT_EQ(c.name(*f.node), "a3");
  EXPECT_EQ(f.counts.selector, 1);
}

TEST(Fit, NoHandlerJudgesEachNodeByItsOwnType) {
  // k = 3 is illegal on `module` (rings) but legal on `module-910b-8`.
  const cluster c = must_build({node_with_free("a-module", T::module_910_x8, range(0, 7)),
                                node_with_free("b-910b", T::module_910b_8, range(0, 7))});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(3));
  ASSERT_TRUE(f.node);
  EXPECT_EQ(c.name(*f.node), "b-910b");
  EXPECT_EQ(f.counts.illegal, 1);
}

TEST(Fit, IllegalForHandlerIsInvalidRequest) {
  const cluster c = must_build({node_with_free("a3", T::module_a3_16, range(0, 15))});
  placement_state s(c);
  auto r = npu_request(3);
  r.handler = T::module_a3_16;
  const auto f = fit(c, s, r);
  EXPECT_FALSE(f.node);
  EXPECT_EQ(f.why.code, reason::invalid_request);
  EXPECT_NE(f.why.message.find("even"), std::string::npos) << f.why.message;
}

TEST(Fit, IllegalOnEveryNodeTypeIsInvalidRequest) {
  const cluster c = must_build({node_with_free("m", T::module_910_x8, range(0, 7))});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(5));
  EXPECT_EQ(f.why.code, reason::invalid_request);
}

struct health_case {
  const char* rule;
  node_health health;
  bool schedulable;
  chip_mask sub_healthy;
  bool refuse_sub_healthy;
  bool fits;
};

class HealthRule : public ::testing::TestWithParam<health_case> {};

TEST_P(HealthRule, Gate) {
  const auto& hc = GetParam();
  node_spec n = node_with_free("n", T::module_910b_8, range(0, 7));
  n.health = hc.health;
  n.schedulable = hc.schedulable;
  n.sub_healthy = hc.sub_healthy;
  const cluster c = must_build({n});
  placement_state s(c);
  auto r = npu_request(1);
  r.refuse_sub_healthy = hc.refuse_sub_healthy;
  const auto f = fit(c, s, r);
  EXPECT_EQ(f.node.has_value(), hc.fits) << hc.rule;
  if (!hc.fits) {
    EXPECT_EQ(f.why.code, reason::node_unhealthy) << hc.rule;
    EXPECT_FALSE(f.why.resolvable);
  }
  // The vectorised filter and the scalar evaluation agree.
  EXPECT_EQ(evaluate_node(c, s, r, node_id{0}).rule == node_rule::feasible, hc.fits) << hc.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, HealthRule,
    ::testing::Values(health_case{"healthy_fits", node_health::healthy, true, 0, false, true},
                      health_case{"sub_healthy_fits_by_default", node_health::sub_healthy, true, 0, false, true},
                      health_case{"sub_healthy_refused_when_strategy_not_ignore", node_health::sub_healthy, true, 0,
                                  true, false},
                      health_case{"sub_healthy_chip_refused_when_strategy_not_ignore", node_health::healthy, true,
                                  mask({3}), true, false},
                      health_case{"pre_separate_takes_no_new_pods", node_health::pre_separate, true, 0, false, false},
                      health_case{"unhealthy_refused", node_health::unhealthy, true, 0, false, false},
                      health_case{"not_ready_refused", node_health::not_ready, true, 0, false, false},
                      health_case{"cordoned_refused", node_health::healthy, false, 0, false, false}),
    [](const auto& tp) { return std::string(tp.param.rule); });

TEST(Fit, SubHealthyNodeIsLastAmongEquals) {
  node_spec a = node_with_free("a", T::module_910b_8, range(0, 7));
  a.health = node_health::sub_healthy;
  const cluster c = must_build({a, node_with_free("b", T::module_910b_8, range(0, 7))});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(8));
  ASSERT_TRUE(f.node);
  EXPECT_EQ(c.name(*f.node), "b");
}

TEST(Fit, NetworkUnhealthyChipsOnlyWithheldFromDistributedJobs) {
  node_spec n = node_with_free("n", T::module_910b_8, range(0, 7));
  n.network_unhealthy = mask({0, 1});
  const cluster c = must_build({n});
  placement_state s(c);
  const auto standalone = fit(c, s, npu_request(8));
  ASSERT_TRUE(standalone.node);
  const auto distributed = fit(c, s, npu_request(8, 2));
  EXPECT_FALSE(distributed.node);
  EXPECT_EQ(distributed.why.code, reason::insufficient_npu);
  const auto distributed6 = fit(c, s, npu_request(6, 2));
  ASSERT_TRUE(distributed6.node);
  EXPECT_EQ(distributed6.chips, (std::vector<int>{2, 3, 4, 5, 6, 7}));
}

TEST(Fit, UnknownNetworkHealthRefusedToDistributedJobs_Vector16) {
  node_spec n = node_with_free("n", T::module_a3_16, range(0, 15));
  n.network_health_known = false;
  const cluster c = must_build({n});
  placement_state s(c);
  EXPECT_TRUE(fit(c, s, npu_request(16)).node);
  const auto f = fit(c, s, npu_request(16, 2));
  EXPECT_FALSE(f.node);
  EXPECT_EQ(f.counts.network_unknown, 1);
  EXPECT_EQ(f.why.code, reason::node_unhealthy);
}

TEST(Fit, UnhealthyAndRecoveringChipsNeverGiven) {
  node_spec n = node_with_free("n", T::module_910b_8, range(0, 7));
  n.unhealthy = mask({0});
  n.recovering = mask({1});
  const cluster c = must_build({n});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(6));
  ASSERT_TRUE(f.node);
  EXPECT_EQ(f.chips, (std::vector<int>{2, 3, 4, 5, 6, 7}));
  EXPECT_FALSE(fit(c, s, npu_request(7)).node);
}

TEST(Fit, FragmentationIsResolvableTopologyMismatch) {
  const cluster c = must_build({node_with_free("n", T::module_a3_16, mask({0, 1, 3, 5, 7}))});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(4));
  EXPECT_FALSE(f.node);
  EXPECT_EQ(f.why.code, reason::topology_mismatch);
  EXPECT_TRUE(f.why.resolvable);
  EXPECT_EQ(f.counts.topology, 1);
  EXPECT_NE(f.why.message.find("closest: node n has 5 free NPUs but not in the required HCCS shape"),
            std::string::npos)
      << f.why.message;
}

TEST(Fit, WhatWouldMakeItFitPrefersTheWrongShapeNode) {
  // Node a is 2 NPUs short; node b has all 4 but split over chips: b is named.
  const cluster c = must_build({node_with_free("a", T::module_a3_16, mask({0, 1})),
                                node_with_free("b", T::module_a3_16, mask({1, 3, 5, 7}))});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(4));
  ASSERT_TRUE(f.closest);
  EXPECT_EQ(c.name(f.closest->node), "b");
  EXPECT_EQ(f.closest->rule, node_rule::topology);
  // Placed requests carry no hint.
  EXPECT_FALSE(fit(c, s, npu_request(2)).closest);
}

TEST(Fit, TooFewFreeIsInsufficientNpu) {
  const cluster c = must_build({node_with_free("n", T::module_910b_8, range(0, 3))});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(8));
  EXPECT_EQ(f.why.code, reason::insufficient_npu);
  EXPECT_EQ(f.why.message,
            "0/1 nodes can take 8 NPUs: 1 have too few free NPUs; closest: node n has 4 of the 8 NPUs free, 4 more would "
            "make it fit");
  ASSERT_TRUE(f.closest);
  EXPECT_EQ(f.closest->usable, 4);
}

TEST(Fit, UnannotatedNpuRequestsMakeTheNodeShort) {
  // A pod holds 4 NPUs whose chips are not annotated: free chips (8) exceed
  // idle NPUs (4), so the node cannot vouch for any chip.
  node_spec n = node_with_free("n", T::module_910b_8, range(0, 7));
  n.npu_requested = 4;
  const cluster c = must_build({n});
  placement_state s(c);
  EXPECT_EQ(evaluate_node(c, s, npu_request(1), node_id{0}).rule, node_rule::npu_short);
  EXPECT_FALSE(fit(c, s, npu_request(1)).node);
}

TEST(Fit, CpuAndMemoryChecked) {
  node_spec n = node_with_free("n", T::module_910b_8, range(0, 7));
  n.cpu_allocatable_milli = 4000;
  n.cpu_requested_milli = 3000;
  const cluster c = must_build({n});
  placement_state s(c);
  auto r = npu_request(1);
  r.cpu_milli = 2000;
  const auto f = fit(c, s, r);
  EXPECT_EQ(f.why.code, reason::insufficient_resources);
  r.cpu_milli = 1000;
  EXPECT_TRUE(fit(c, s, r).node);
}

TEST(Fit, SelectorMismatchIsNoMatchingNode) {
  const cluster c = must_build({node_with_free("n", T::module_910b_8, range(0, 7))});
  placement_state s(c);
  auto r = npu_request(1);
  const std::vector<std::pair<std::string, std::string>> sel = {{"host-arch", "huawei-x86"}};
  r.node_selector = c.resolve(sel);
  const auto f = fit(c, s, r);
  EXPECT_EQ(f.why.code, reason::no_matching_node);
  EXPECT_EQ(f.counts.selector, 1);
}

TEST(Fit, ZeroNpuPodPrefersCpuNodes) {
  node_spec cpu;
  cpu.name = "z-cpu";
  cpu.cpu_allocatable_milli = 8000;
  cpu.memory_allocatable_bytes = 1 << 30;
  const cluster c = must_build({node_with_free("a-npu", T::module_910b_8, range(0, 7)), cpu});
  placement_state s(c);
  fit_request r;
  r.cpu_milli = 1000;
  const auto f = fit(c, s, r);
  ASSERT_TRUE(f.node);
  EXPECT_EQ(c.name(*f.node), "z-cpu");
  EXPECT_TRUE(f.chips.empty());
}

TEST(Fit, NpuPodNeverOnCpuNode) {
  node_spec cpu;
  cpu.name = "cpu";
  cpu.cpu_allocatable_milli = 8000;
  const cluster c = must_build({cpu});
  placement_state s(c);
  const auto f = fit(c, s, npu_request(1));
  EXPECT_EQ(f.why.code, reason::no_matching_node);
}

TEST(PlacementState, TakeAndGiveBackRoundTrip) {
  const cluster c = must_build({node_with_free("n", T::module_910b_8, range(0, 7))});
  placement_state s(c);
  const placement_state before = s;
  s.take(node_id{0}, mask({0, 1}), 2, 100, 200);
  EXPECT_EQ(s.used(node_id{0}), mask({0, 1}));
  s.give_back(node_id{0}, mask({0, 1}), 2, 100, 200);
  EXPECT_EQ(s.used(node_id{0}), before.used(node_id{0}));
  EXPECT_EQ(s.npu_requested(node_id{0}), before.npu_requested(node_id{0}));
  EXPECT_EQ(s.cpu_requested_milli(node_id{0}), 0);
}

}  // namespace
}  // namespace npusched

namespace npusched {
namespace {

using namespace npusched::testing;

struct taint_case {
  const char* rule;
  std::vector<taint> taints;
  std::vector<toleration> tolerations;
  bool fits;
};

class Taints : public ::testing::TestWithParam<taint_case> {};

TEST_P(Taints, KubernetesMatching) {
  const auto& tc = GetParam();
  node_spec n = node_with_free("n", accelerator_type::module_910b_8, first_chips(8));
  n.taints = tc.taints;
  const cluster c = must_build({n});
  placement_state s(c);
  fit_request r = npu_request(1);
  r.tolerations = tc.tolerations;
  const auto f = fit(c, s, r);
  EXPECT_EQ(f.node.has_value(), tc.fits) << tc.rule;
  EXPECT_EQ(evaluate_node(c, s, r, node_id{0}).rule == node_rule::feasible, tc.fits) << tc.rule;
  if (!tc.fits) {
    EXPECT_EQ(f.counts.selector, 1) << tc.rule;
    EXPECT_EQ(f.why.code, reason::no_matching_node) << tc.rule;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, Taints,
    ::testing::Values(
        taint_case{"no_taint", {}, {}, true},
        taint_case{"no_schedule_untolerated", {{"npu", "maint", "NoSchedule"}}, {}, false},
        taint_case{"no_execute_untolerated", {{"npu", "", "NoExecute"}}, {}, false},
        taint_case{"prefer_no_schedule_never_refuses", {{"npu", "", "PreferNoSchedule"}}, {}, true},
        taint_case{"equal_key_value", {{"npu", "maint", "NoSchedule"}}, {{"npu", "Equal", "maint", "NoSchedule"}}, true},
        taint_case{"equal_wrong_value", {{"npu", "maint", "NoSchedule"}}, {{"npu", "Equal", "other", ""}}, false},
        taint_case{"exists_key", {{"npu", "maint", "NoSchedule"}}, {{"npu", "Exists", "", ""}}, true},
        taint_case{"exists_empty_key_tolerates_all", {{"a", "", "NoSchedule"}, {"b", "x", "NoExecute"}},
                   {{"", "Exists", "", ""}}, true},
        taint_case{"effect_must_match", {{"npu", "", "NoExecute"}}, {{"npu", "Exists", "", "NoSchedule"}}, false},
        taint_case{"every_hard_taint_needs_a_toleration", {{"a", "", "NoSchedule"}, {"b", "", "NoSchedule"}},
                   {{"a", "Exists", "", ""}}, false}),
    [](const auto& tp) { return std::string(tp.param.rule); });

TEST(Taints, InvalidEffectNamesTheField) {
  node_spec n = node_with_free("n", accelerator_type::module_910b_8, first_chips(8));
  n.taints = {{"npu", "", "Sometimes"}};
  auto r = build_cluster({n});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().path, "nodes[0].taints[0].effect");
}

}  // namespace
}  // namespace npusched
