// Gang admission through `plan`: all or nothing at min-available, running
// members counting, roll-back, the enqueue check, ordering of competing
// gangs, Router-only gangs, and an all-or-nothing invariant on random clusters.

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "npusched/plan.hpp"
#include "npusched/synthetic.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using namespace npusched::testing;
using T = accelerator_type;

// A gang `name` of `pods` pending pods of `npus` NPUs each on module-910b-8.
void add_gang(workload& w, const std::string& name, int pods, int npus, int min_available, std::int64_t created = 0,
              std::vector<running_member> running = {}) {
  job_spec j;
  j.name = name;
  j.shape = {pods + static_cast<int>(running.size()), (pods + static_cast<int>(running.size())) * npus};
  if (npus == 0) j.shape = {0, 0};
  j.handler = npus > 0 ? std::optional<T>(T::module_910b_8) : std::nullopt;
  j.min_available = min_available;
  j.running = std::move(running);
  w.jobs.push_back(j);
  for (int i = 0; i < pods; ++i) {
    pod_spec p;
    p.name = name + "-" + std::to_string(i);
    p.job = w.jobs.size() - 1;
    p.npus = npus;
    p.cpu_milli = 1000;
    p.created = created;
    w.pods.push_back(p);
  }
}

cluster a2_nodes(int count, int free_each) {
  std::vector<node_spec> nodes;
  for (int i = 0; i < count; ++i)
    nodes.push_back(node_with_free("a2-" + std::to_string(i), T::module_910b_8, first_chips(free_each)));
  return must_build(nodes);
}

TEST(Gang, PlacedWholeWhenEveryMemberFits) {
  const cluster c = a2_nodes(2, 8);
  workload w;
  add_gang(w, "serving/decode", 2, 8, 2);
  const plan_result r = plan(c, w);
  EXPECT_EQ(r.bindings.size(), 2u);
  ASSERT_EQ(r.gangs.size(), 1u);
  EXPECT_EQ(r.gangs[0], (gang_outcome{0, 2, 0, 2, 2, true, {}}));
}

TEST(Gang, NothingPlacedWhenMinAvailableIsNotReached) {
  // 24 free NPUs pass the enqueue check, but only two nodes have 8 free.
  const cluster c = must_build({node_with_free("a2-0", T::module_910b_8, first_chips(8)),
                                node_with_free("a2-1", T::module_910b_8, first_chips(8)),
                                node_with_free("a2-2", T::module_910b_8, first_chips(4)),
                                node_with_free("a2-3", T::module_910b_8, first_chips(4))});
  workload w;
  add_gang(w, "serving/decode", 3, 8, 3);
  placement_state s(c);
  const placement_state before = s;
  const plan_result r = plan(c, w, s);
  EXPECT_TRUE(r.bindings.empty());
  ASSERT_EQ(r.unschedulable.size(), 3u);
  for (const auto& u : r.unschedulable) {
    EXPECT_EQ(u.why.code, reason::gang_incomplete);
    EXPECT_EQ(u.why.message,
              "gang serving/decode could place 2 of the 3 more pods it needs (min-available 3, 0 running); first "
              "blocking: serving/decode-2: insufficient_npu: 0/4 nodes can take 8 NPUs: 4 have too few free NPUs; closest: "
              "node a2-2 has 4 of the 8 NPUs free, 4 more would make it fit");
    EXPECT_TRUE(u.why.resolvable);
  }
  // Roll-back leaves no chip taken.
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    EXPECT_EQ(s.used(node_id{i}), before.used(node_id{i}));
    EXPECT_EQ(s.npu_requested(node_id{i}), before.npu_requested(node_id{i}));
    EXPECT_EQ(s.cpu_requested_milli(node_id{i}), before.cpu_requested_milli(node_id{i}));
  }
  EXPECT_FALSE(r.gangs[0].admitted);
  EXPECT_EQ(r.gangs[0].placed, 0);
}

TEST(Gang, RunningMembersCount) {
  // After a single-pod failure only the replacement must fit.
  const cluster c = a2_nodes(1, 8);
  workload w;
  add_gang(w, "serving/decode", 1, 8, 4,
           0, {{"serving/decode-a", "x", 0, 8}, {"serving/decode-b", "y", 1, 8}, {"serving/decode-c", "z", 2, 8}});
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.bindings.size(), 1u);
  EXPECT_EQ(r.gangs[0].running, 3);
  EXPECT_TRUE(r.gangs[0].admitted);
}

TEST(Gang, PodsBeyondMinAvailableArePlacedWhenTheyFit) {
  const cluster c = a2_nodes(2, 8);
  workload w;
  add_gang(w, "serving/decode", 3, 8, 1);
  const plan_result r = plan(c, w);
  EXPECT_EQ(r.bindings.size(), 2u);
  ASSERT_EQ(r.unschedulable.size(), 1u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::insufficient_npu);  // its own verdict: the gang is admitted
  EXPECT_TRUE(r.gangs[0].admitted);
}

TEST(Gang, TerminatingMemberMakesTheGangWait) {
  const cluster c = a2_nodes(2, 8);
  workload w;
  add_gang(w, "serving/decode", 2, 8, 2);
  w.jobs[0].terminating = "serving/decode-old";
  const plan_result r = plan(c, w);
  EXPECT_TRUE(r.bindings.empty());
  ASSERT_EQ(r.unschedulable.size(), 2u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::gang_incomplete);
  EXPECT_EQ(r.unschedulable[0].why.message, "waits for its terminating member serving/decode-old to be gone");
}

TEST(Gang, FewerPodsThanMinAvailable_T2) {
  const cluster c = a2_nodes(4, 8);
  workload w;
  add_gang(w, "serving/router", 1, 0, 2);
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.unschedulable.size(), 1u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::gang_incomplete);
  EXPECT_NE(r.unschedulable[0].why.message.find("fewer than its min-available 2"), std::string::npos);
}

TEST(Gang, EnqueueCheckRefusesHopelessGangsWithoutTryingNodes) {
  const cluster c = a2_nodes(2, 4);  // 8 free NPUs in the whole cluster
  workload w;
  add_gang(w, "serving/big", 2, 8, 2);
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.unschedulable.size(), 2u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::insufficient_npu);
  EXPECT_EQ(r.unschedulable[0].why.message,
            "enqueue check: gang serving/big needs at least 16 NPUs for 2 more pods to reach min-available 2, the "
            "cluster has 8 free");
  EXPECT_EQ(r.unschedulable[0].counts.nodes, 0);  // no node was evaluated
}

TEST(Gang, CompetingGangsEarlierCreationWins) {
  const cluster c = a2_nodes(2, 8);
  workload w;
  add_gang(w, "serving/b", 2, 8, 2, 100);
  add_gang(w, "serving/a", 2, 8, 2, 200);
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.bindings.size(), 2u);
  EXPECT_EQ(w.pods[r.bindings[0].pod].name.substr(0, 9), "serving/b");
  ASSERT_EQ(r.gangs.size(), 2u);
  EXPECT_TRUE(r.gangs[0].admitted);
  EXPECT_FALSE(r.gangs[1].admitted);
  // Same creation time: the name decides.
  w.jobs.clear();
  w.pods.clear();
  add_gang(w, "serving/b", 2, 8, 2, 100);
  add_gang(w, "serving/a", 2, 8, 2, 100);
  const plan_result r2 = plan(c, w);
  EXPECT_EQ(w.pods[r2.bindings[0].pod].name.substr(0, 9), "serving/a");
}

TEST(Gang, FragileGangsGoFirst) {
  // serving/old already runs its min-available and only wants one more pod;
  // serving/new has nothing running. New goes first although it is younger.
  const cluster c = a2_nodes(1, 8);
  workload w;
  add_gang(w, "serving/old", 1, 8, 1, 100, {{"serving/old-a", "x", 0, 8}});
  add_gang(w, "serving/new", 1, 8, 1, 200);
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.bindings.size(), 1u);
  EXPECT_EQ(w.pods[r.bindings[0].pod].name, "serving/new-0");
}

TEST(Gang, CompetingSuperPodGangsDeterministicWinner) {
  std::vector<node_spec> nodes;
  for (int i = 0; i < 4; ++i) {
    node_spec n = node_with_free("sp0-" + std::to_string(i), T::module_a3_16_super_pod, first_chips(16));
    n.super_pod_id = 0;
    nodes.push_back(n);
  }
  const cluster c = must_build(nodes);
  workload w;
  for (const char* name : {"serving/decode-y", "serving/decode-x"}) {
    job_spec j;
    j.name = name;
    j.shape = {4, 64};
    j.handler = T::module_a3_16_super_pod;
    j.sp_block = 64;
    w.jobs.push_back(j);
    for (int r = 0; r < 4; ++r) {
      pod_spec p;
      p.name = std::string(name) + "-" + std::to_string(r);
      p.job = w.jobs.size() - 1;
      p.npus = 16;
      p.rank = r;
      p.created = 7;
      w.pods.push_back(p);
    }
  }
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.bindings.size(), 4u);
  for (const auto& b : r.bindings) EXPECT_EQ(w.pods[b.pod].name.substr(0, 16), "serving/decode-x");
  ASSERT_EQ(r.unschedulable.size(), 4u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::insufficient_npu);  // the cluster is full: enqueue check
}

TEST(Gang, RouterOnlyGangOnCpuNodes) {
  node_spec cpu1, cpu2;
  cpu1.name = "cpu-1";
  cpu1.cpu_allocatable_milli = 2000;
  cpu1.memory_allocatable_bytes = std::int64_t{8} << 30;
  cpu2 = cpu1;
  cpu2.name = "cpu-2";
  const cluster c = must_build({cpu1, cpu2, node_with_free("a2-0", T::module_910b_8, first_chips(8))});
  workload w;
  add_gang(w, "serving/router", 2, 0, 2);
  for (auto& p : w.pods) p.cpu_milli = 1500;
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.bindings.size(), 2u);
  EXPECT_EQ(c.name(r.bindings[0].node), "cpu-1");
  EXPECT_EQ(c.name(r.bindings[1].node), "cpu-2");  // cpu-1 has 500m left
  EXPECT_TRUE(r.bindings[0].chips.empty());
  // Four replicas do not fit on the CPU nodes alone; the NPU node takes the rest.
  w.jobs.clear();
  w.pods.clear();
  add_gang(w, "serving/router", 4, 0, 4);
  for (auto& p : w.pods) p.cpu_milli = 1500;
  const plan_result r2 = plan(c, w);
  EXPECT_EQ(r2.bindings.size(), 4u);
}

// ---------------------------------------------------------------- invariant

class GangInvariants : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(GangInvariants, AllOrNothingAtMinAvailable) {
  synthetic_options o;
  o.seed = GetParam();
  o.nodes = 80;
  o.mix = {{accelerator_type::module_910b_8, 1.0}};
  o.occupancy = 0.4;
  const cluster c = must_build(generate_cluster(o).nodes);
  std::mt19937_64 rng(GetParam());
  workload w;
  for (int g = 0; g < 40; ++g) {
    const int pods = 1 + static_cast<int>(rng() % 6);
    const int npus = std::vector<int>{1, 2, 4, 8}[rng() % 4];
    const int min = static_cast<int>(rng() % static_cast<std::uint64_t>(pods + 1));
    add_gang(w, "ns/g" + std::to_string(g), pods, npus, min, g);
  }
  const plan_result r = plan(c, w);
  std::map<std::size_t, int> placed;
  for (const auto& b : r.bindings) ++placed[w.pods[b.pod].job];
  int admitted = 0;
  for (const auto& g : r.gangs) {
    const int p = placed.count(g.job) ? placed[g.job] : 0;
    EXPECT_EQ(p, g.placed);
    if (g.admitted) {
      ++admitted;
      EXPECT_GE(p + g.running, g.min_available);
    } else {
      EXPECT_EQ(p, 0) << "a refused gang kept pods";
    }
  }
  EXPECT_GT(admitted, 0);
  EXPECT_LT(admitted, 40);
}

INSTANTIATE_TEST_SUITE_P(Seeds, GangInvariants, ::testing::Range<std::uint64_t>(1, 11));

}  // namespace
}  // namespace npusched
