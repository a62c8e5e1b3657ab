// Planning many pods: order, no double use, verdicts, validation.

#include <gtest/gtest.h>

#include "npusched/plan.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using namespace npusched::testing;
using T = accelerator_type;

pod_spec pod(std::string name, std::size_t job, int npus, std::int64_t created = 0, std::int32_t priority = 0) {
  pod_spec p;
  p.name = std::move(name);
  p.job = job;
  p.npus = npus;
  p.created = created;
  p.priority = priority;
  return p;
}

job_spec standalone(int k, std::optional<T> handler = std::nullopt) {
  job_spec j;
  j.shape = {1, k};
  j.handler = handler;
  return j;
}

TEST(ConsiderationOrder, PriorityThenCreationThenName) {
  workload w;
  w.jobs = {standalone(1), standalone(1), standalone(1), standalone(1)};
  w.pods = {pod("ns/c", 0, 1, 10), pod("ns/b", 1, 1, 10), pod("ns/a", 2, 1, 20), pod("ns/z", 3, 1, 30, 5)};
  EXPECT_EQ(consideration_order(w), (std::vector<std::size_t>{3, 1, 0, 2}));
}

TEST(ConsiderationOrder, JobsTogetherRanksFirstInsideAJob) {
  workload w;
  job_spec pg = standalone(4);
  pg.name = "ns/pg";
  pg.shape = {4, 4};
  w.jobs = {pg, standalone(1)};
  w.pods = {pod("ns/pg-b", 0, 1, 5), pod("ns/pg-a", 0, 1, 5), pod("ns/pg-r1", 0, 1, 5), pod("ns/solo", 1, 1, 7),
            pod("ns/pg-r0", 0, 1, 9)};
  w.pods[2].rank = 1;
  w.pods[4].rank = 0;
  // The job's earliest pod (5) is before the solo pod (7): the whole job goes first.
  EXPECT_EQ(consideration_order(w), (std::vector<std::size_t>{4, 2, 1, 0, 3}));
}

TEST(Plan, ChipsNeverGivenTwiceNorRunningPodsChips) {
  const cluster c = must_build({node_with_free("n", T::module_910b_8, range(2, 7))});
  workload w;
  for (int i = 0; i < 4; ++i) {
    w.jobs.push_back(standalone(2));
    w.pods.push_back(pod("ns/p" + std::to_string(i), static_cast<std::size_t>(i), 2, i));
  }
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.bindings.size(), 3u);
  EXPECT_EQ(r.bindings[0].chips, (std::vector<int>{2, 3}));
  EXPECT_EQ(r.bindings[1].chips, (std::vector<int>{4, 5}));
  EXPECT_EQ(r.bindings[2].chips, (std::vector<int>{6, 7}));
  ASSERT_EQ(r.unschedulable.size(), 1u);
  EXPECT_EQ(r.unschedulable[0].pod, 3u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::insufficient_npu);
  EXPECT_TRUE(r.unschedulable[0].why.resolvable);
}

TEST(Plan, StateCarriesPlacementsForWhatIf) {
  const cluster c = must_build({node_with_free("n", T::module_910b_8, range(0, 7))});
  workload w;
  w.jobs = {standalone(8)};
  w.pods = {pod("ns/a", 0, 8)};
  placement_state s(c);
  EXPECT_EQ(plan(c, w, s).bindings.size(), 1u);
  EXPECT_EQ(s.used(node_id{0}), range(0, 7));
  // The same pod again on the taken state does not fit; on a fresh one it does.
  EXPECT_EQ(plan(c, w, s).unschedulable.size(), 1u);
  EXPECT_EQ(plan(c, w).bindings.size(), 1u);
}

TEST(Plan, InvalidJobRefusesEveryPod) {
  const cluster c = must_build({node_with_free("n", T::module_910b_8, range(0, 7))});
  workload w;
  w.jobs = {standalone(1)};
  w.jobs[0].invalid = verdict{reason::invalid_request, "conflicting accelerator-type selectors", false};
  w.pods = {pod("ns/a", 0, 1)};
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.unschedulable.size(), 1u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::invalid_request);
  EXPECT_TRUE(r.bindings.empty());
}

TEST(Plan, DistributedFlagFollowsTheJob) {
  const cluster c = must_build({node_with_free("n1", T::module_a3_16, range(0, 15)),
                                node_with_free("n2", T::module_a3_16, range(0, 15))});
  workload w;
  job_spec j;
  j.name = "ns/pg";
  j.shape = {2, 32};
  j.handler = T::module_a3_16;
  w.jobs = {j};
  w.pods = {pod("ns/w0", 0, 16), pod("ns/w1", 0, 16)};
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.bindings.size(), 2u);
  EXPECT_TRUE(r.bindings[0].distributed);
  EXPECT_NE(r.bindings[0].node, r.bindings[1].node);
}

TEST(Plan, A3SingleDieGoesToHalfFreeChip) {
  const cluster c = must_build({node_with_free("a", T::module_a3_16, range(0, 15)),
                                node_with_free("b", T::module_a3_16, range(3, 15))});
  workload w;
  w.jobs = {standalone(1, T::module_a3_16)};
  w.pods = {pod("ns/one", 0, 1)};
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.bindings.size(), 1u);
  EXPECT_EQ(c.name(r.bindings[0].node), "b");
  EXPECT_EQ(r.bindings[0].chips, std::vector<int>{3});
}

struct workload_error_case {
  const char* rule;
  workload w;
  std::string path;
};

std::vector<workload_error_case> workload_errors() {
  std::vector<workload_error_case> v;
  workload ok;
  ok.jobs = {standalone(1)};
  ok.pods = {pod("ns/a", 0, 1)};
  {
    auto w = ok;
    w.pods[0].job = 3;
    v.push_back({"job_index_out_of_range", w, "pods[0].job"});
  }
  {
    auto w = ok;
    w.pods.push_back(pod("ns/a", 0, 1));
    v.push_back({"duplicate_pod", w, "pods[1].name"});
  }
  {
    auto w = ok;
    w.pods[0].name.clear();
    v.push_back({"empty_pod_name", w, "pods[0].name"});
  }
  {
    auto w = ok;
    w.pods[0].npus = -1;
    v.push_back({"negative_npus", w, "pods[0].npus"});
  }
  {
    auto w = ok;
    w.jobs[0].shape.total_npus = -1;
    v.push_back({"negative_job_total", w, "jobs[0].shape.total_npus"});
  }
  {
    auto w = ok;
    w.pods[0].npus = 4;
    v.push_back({"job_shape_smaller_than_pod", w, "jobs[0].shape"});
  }
  {
    auto w = ok;
    w.pods[0].memory_bytes = -5;
    v.push_back({"negative_memory", w, "pods[0].memory_bytes"});
  }
  return v;
}

class WorkloadError : public ::testing::TestWithParam<workload_error_case> {};

TEST_P(WorkloadError, NamesTheField) {
  const auto& c = GetParam();
  const auto e = validate_workload(c.w);
  ASSERT_TRUE(e.has_value()) << c.rule;
  EXPECT_EQ(e->path, c.path) << c.rule << ": " << e->what();
}

INSTANTIATE_TEST_SUITE_P(Rules, WorkloadError, ::testing::ValuesIn(workload_errors()),
                         [](const auto& tp) { return std::string(tp.param.rule); });

TEST(ValidateWorkload, AcceptsAValidWorkload) {
  workload w;
  w.jobs = {standalone(1)};
  w.pods = {pod("ns/a", 0, 1)};
  EXPECT_FALSE(validate_workload(w).has_value());
}

}  // namespace
}  // namespace npusched
