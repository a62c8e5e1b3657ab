// The cluster summary: which nodes take new pods and which NPUs count as free.

#include <gtest/gtest.h>

#include "npusched/summary.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using namespace npusched::testing;
using T = accelerator_type;

node_spec cpu_node(std::string name) {
  node_spec n;
  n.name = std::move(name);
  n.cpu_allocatable_milli = 64000;
  n.memory_allocatable_bytes = std::int64_t{1} << 36;
  return n;
}

node_spec with_health(node_spec n, node_health h) {
  n.health = h;
  return n;
}

node_spec cordoned(node_spec n) {
  n.schedulable = false;
  return n;
}

node_spec with_unhealthy_chips(node_spec n, chip_mask m) {
  n.unhealthy = m;
  return n;
}

workload one_pod(int npus) {
  workload w;
  job_spec j;
  j.shape = {1, npus};
  w.jobs = {j};
  pod_spec p;
  p.name = "ns/p";
  p.npus = npus;
  w.pods = {p};
  return w;
}

const T a2 = T::module_910b_8;

/// One summary rule: a cluster, a pending workload, and the summary the plan of it must give.
struct summary_case {
  const char* name;
  std::vector<node_spec> nodes;
  workload pending;
  std::vector<type_summary> want_types;
  int want_placed = 0;
  int want_unplaced = 0;
};

class SummaryRules : public ::testing::TestWithParam<summary_case> {};

TEST_P(SummaryRules, Counts) {
  const summary_case& tc = GetParam();
  const cluster c = must_build(tc.nodes);
  const plan_result r = plan(c, tc.pending);
  const cluster_summary s = summarize(c, tc.pending, r);
  EXPECT_EQ(s.types, tc.want_types);
  EXPECT_EQ(s.pending, static_cast<int>(tc.pending.pods.size()));
  EXPECT_EQ(s.placed, tc.want_placed);
  EXPECT_EQ(s.unplaced, tc.want_unplaced);
}

TEST(Summary, TotalIsTheSumOverTypes) {
  const cluster c = must_build({with_health(node_with_free("a", a2, range(0, 3)), node_health::unhealthy),
                                node_with_free("b", a2, range(0, 7)), cpu_node("cpu"),
                                cordoned(node_with_free("z", T::module_a3_16, range(0, 15)))});
  const workload w = one_pod(2);
  const cluster_summary s = summarize(c, w, plan(c, w));
  EXPECT_EQ(s.total, (type_summary{T::none, 4, 2, 32, 8, 6, {"a", "z"}}));
}

INSTANTIATE_TEST_SUITE_P(
    Summary, SummaryRules,
    ::testing::Values(
        summary_case{"ChipsHeldByRunningPodsAreNotFree",
                     {node_with_free("a", a2, range(0, 2))},
                     {},
                     {{a2, 1, 1, 8, 3, 3, {}}},
                     0,
                     0},
        summary_case{"UnhealthyChipsAreNotFree",
                     {with_unhealthy_chips(node_with_free("a", a2, range(0, 7)), mask({6, 7}))},
                     {},
                     {{a2, 1, 1, 8, 6, 6, {}}},
                     0,
                     0},
        summary_case{"AnUnhealthyNodesNpusAreNotFree",
                     {with_health(node_with_free("a", a2, range(0, 7)), node_health::unhealthy),
                      node_with_free("b", a2, range(0, 7))},
                     {},
                     {{a2, 2, 1, 16, 8, 8, {"a"}}},
                     0,
                     0},
        summary_case{"PreSeparatedAndNotReadyNodesAreNotUsable",
                     {with_health(node_with_free("a", a2, range(0, 7)), node_health::pre_separate),
                      with_health(node_with_free("b", a2, range(0, 7)), node_health::not_ready)},
                     {},
                     {{a2, 2, 0, 16, 0, 0, {"a", "b"}}},
                     0,
                     0},
        summary_case{"SubHealthyNodesAreUsable",
                     {with_health(node_with_free("a", a2, range(0, 7)), node_health::sub_healthy)},
                     {},
                     {{a2, 1, 1, 8, 8, 8, {}}},
                     0,
                     0},
        summary_case{"ACordonedNodeIsNotUsable",
                     {cordoned(node_with_free("a", a2, range(0, 7))), node_with_free("b", a2, range(0, 3))},
                     {},
                     {{a2, 2, 1, 16, 4, 4, {"a"}}},
                     0,
                     0},
        summary_case{"PlannedPodsReduceFreeAfter",
                     {node_with_free("a", a2, range(0, 7))},
                     one_pod(4),
                     {{a2, 1, 1, 8, 8, 4, {}}},
                     1,
                     0},
        summary_case{"AnUnplacedPodLeavesFreeAfterAsBefore",
                     {node_with_free("a", a2, range(0, 2))},
                     one_pod(4),
                     {{a2, 1, 1, 8, 3, 3, {}}},
                     0,
                     1},
        summary_case{"CpuOnlyNodesFirstThenTypesInDeclarationOrder",
                     {node_with_free("z", T::module_a3_16, range(0, 15)), cpu_node("cpu"),
                      node_with_free("a", a2, range(0, 7))},
                     {},
                     {{T::none, 1, 1, 0, 0, 0, {}}, {a2, 1, 1, 8, 8, 8, {}}, {T::module_a3_16, 1, 1, 16, 16, 16, {}}},
                     0,
                     0}),
    [](const ::testing::TestParamInfo<summary_case>& p) { return std::string(p.param.name); });

TEST(Summary, IdleNpusCapFreeChips) {
  // Allocatable says 5 though 8 chips look free: only 5 can be given.
  node_spec n = node_with_free("a", a2, range(0, 7));
  n.npu_allocatable = 5;
  const cluster c = must_build({n});
  const placement_state s(c);
  EXPECT_EQ(free_npus(c, s, node_id{0}), 5);
  EXPECT_TRUE(takes_new_pods(c, node_id{0}));
}

}  // namespace
}  // namespace npusched
