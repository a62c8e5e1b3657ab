// Super-pod jobs through `plan`: whole placement in logical super-nodes,
// ranks, annotations data, hard failure with roll-back, and invariants on
// seeded random SuperPoD clusters.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "npusched/plan.hpp"
#include "npusched/synthetic.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using namespace npusched::testing;
using T = accelerator_type;

std::string fmt_name(std::size_t p, int i) {
  return "sp" + std::to_string(p) + "-" + (i < 10 ? "0" : "") + std::to_string(i);
}

// `per_pod[i]` free super-pod nodes in super-pod i, named sp<i>-<n>.
std::vector<node_spec> superpod_nodes(const std::vector<int>& per_pod, T type = T::module_a3_16_super_pod) {
  std::vector<node_spec> nodes;
  for (std::size_t p = 0; p < per_pod.size(); ++p)
    for (int i = 0; i < per_pod[p]; ++i) {
      node_spec n = node_with_free(fmt_name(p, i), type, first_chips(max_chips(type)));
      n.super_pod_id = static_cast<std::int32_t>(p);
      nodes.push_back(n);
    }
  return nodes;
}

workload superpod_job(int pods, int npus_per_pod, std::optional<int> sp_block, std::string name = "serving/decode",
                      T handler = T::module_a3_16_super_pod) {
  workload w;
  job_spec j;
  j.name = name;
  j.shape = {pods, pods * npus_per_pod};
  j.handler = handler;
  j.sp_block = sp_block;
  w.jobs.push_back(j);
  for (int i = 0; i < pods; ++i) {
    pod_spec p;
    p.name = name + "-" + std::to_string(i);
    p.job = 0;
    p.npus = npus_per_pod;
    p.rank = i;
    w.pods.push_back(p);
  }
  return w;
}

std::int32_t super_pod_of(const cluster& c, const binding& b) { return c.super_pod_id(b.node); }

TEST(PlanSuperPod, DecodeFourNodesInTwoBlocksOf32) {
  // SGLang decode instance: 4 nodes × 16 NPUs, sp-block 32 → 2 blocks of 2 nodes.
  const cluster c = must_build(superpod_nodes({6, 3, 10}));
  const workload w = superpod_job(4, 16, 32);
  const plan_result r = plan(c, w, plan_options{{48, 2}});
  ASSERT_EQ(r.bindings.size(), 4u) << (r.unschedulable.empty() ? "" : r.unschedulable[0].why.message);
  ASSERT_EQ(r.super_pod_jobs.size(), 1u);
  const auto& sel = r.super_pod_jobs[0].selection;
  ASSERT_TRUE(sel.placed);
  ASSERT_EQ(sel.blocks.size(), 2u);
  // Ranks 0,1 share logical super-node 0, ranks 2,3 share 1; each block in one super-pod.
  std::map<int, std::set<std::int32_t>> pods_of_block;
  for (const auto& b : r.bindings) {
    ASSERT_TRUE(b.super_pod_rank.has_value());
    ASSERT_TRUE(b.rank.has_value());
    EXPECT_EQ(*b.super_pod_rank, *b.rank / 2);
    EXPECT_EQ(b.super_pod_id, super_pod_of(c, b));
    EXPECT_EQ(b.chips.size(), 16u);
    pods_of_block[*b.super_pod_rank].insert(b.super_pod_id);
    EXPECT_TRUE(b.distributed);
  }
  for (const auto& [block, pods] : pods_of_block) EXPECT_EQ(pods.size(), 1u) << "block " << block;
  // Best fit: super-pod 0 (6 free: 2 blocks above the reserve of 2) fits the
  // need exactly; super-pod 1 (3 free) would dip into its reserve.
  EXPECT_EQ(sel.blocks[0].super_pod_id, 0);
  EXPECT_EQ(sel.blocks[1].super_pod_id, 0);
}

TEST(PlanSuperPod, HardJobThatDoesNotFitTakesNothing) {
  const cluster c = must_build(superpod_nodes({3, 3}));
  const workload w = superpod_job(4, 16, 64);  // one block of 4 nodes; no super-pod has 4
  placement_state s(c);
  const placement_state before = s;
  const plan_result r = plan(c, w, s, plan_options{{48, 2}});
  EXPECT_TRUE(r.bindings.empty());
  ASSERT_EQ(r.unschedulable.size(), 4u);
  for (const auto& u : r.unschedulable) {
    EXPECT_EQ(u.why.code, reason::superpod_capacity);
    EXPECT_NE(u.why.message.find("super-pod 0: 3 free nodes (0 blocks)"), std::string::npos) << u.why.message;
  }
  for (std::uint32_t i = 0; i < c.size(); ++i) EXPECT_EQ(s.used(node_id{i}), before.used(node_id{i}));
  ASSERT_EQ(r.super_pod_jobs.size(), 1u);
  EXPECT_FALSE(r.super_pod_jobs[0].selection.placed);
  EXPECT_EQ(r.super_pod_jobs[0].selection.available, 0);
}

TEST(PlanSuperPod, SoftAffinityFillsAcrossSuperPods) {
  const cluster c = must_build(superpod_nodes({3, 3}));
  workload w = superpod_job(4, 16, 64);
  w.jobs[0].soft_super_pod = true;
  const plan_result r = plan(c, w, plan_options{{48, 2}});
  ASSERT_EQ(r.bindings.size(), 4u);
  EXPECT_EQ(r.super_pod_jobs[0].selection.blocks_by_phase[static_cast<std::size_t>(superpod_phase::soft_filler)], 2);
}

TEST(PlanSuperPod, InvalidSpBlockIsInvalidRequest) {
  const cluster c = must_build(superpod_nodes({8}));
  const workload w = superpod_job(4, 16, 24);
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.unschedulable.size(), 4u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::invalid_request);
  EXPECT_NE(r.unschedulable[0].why.message.find("not a multiple"), std::string::npos);
}

TEST(PlanSuperPod, DistributedPodsMustTakeWholeNodes) {
  const cluster c = must_build(superpod_nodes({8}));
  const workload w = superpod_job(2, 8, 16);
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.unschedulable.size(), 2u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::invalid_request);
}

TEST(PlanSuperPod, NodesOutsideASuperPodAreNeverUsed) {
  std::vector<node_spec> nodes = superpod_nodes({2});
  for (auto& n : nodes) n.super_pod_id = -1;
  const cluster c = must_build(nodes);
  const plan_result r = plan(c, superpod_job(2, 16, 32));
  EXPECT_TRUE(r.bindings.empty());
  EXPECT_EQ(r.unschedulable[0].why.code, reason::superpod_capacity);
}

TEST(PlanSuperPod, StandaloneBinpacksOntoTheLeastIdleNode) {
  std::vector<node_spec> nodes = superpod_nodes({3});
  // sp0-01 has 4 dies left; the others are idle.
  nodes[1] = node_with_free("sp0-01", T::module_a3_16_super_pod, range(12, 15));
  nodes[1].super_pod_id = 0;
  const cluster c = must_build(nodes);
  const plan_result r = plan(c, superpod_job(1, 2, 2));
  ASSERT_EQ(r.bindings.size(), 1u);
  EXPECT_EQ(c.name(r.bindings[0].node), "sp0-01");
  EXPECT_EQ(r.bindings[0].chips, (std::vector<int>{12, 13}));
  EXPECT_FALSE(r.bindings[0].distributed);
}

TEST(PlanSuperPod, NetworkUnhealthyChipsOnlyMatterAcrossBlocks) {
  std::vector<node_spec> nodes = superpod_nodes({2});
  nodes[0].network_unhealthy = chip_bit(3);
  const cluster c = must_build(nodes);
  // One block of 2 nodes: no RoCE between blocks, the node is fine.
  EXPECT_EQ(plan(c, superpod_job(2, 16, 32)).bindings.size(), 2u);
  // Two blocks of 1 node: the network-unhealthy node cannot take a whole node.
  EXPECT_TRUE(plan(c, superpod_job(2, 16, 16)).bindings.empty());
}

TEST(PlanSuperPod, SubHealthyNodesAreTakenLast) {
  std::vector<node_spec> nodes = superpod_nodes({4});
  nodes[0].health = node_health::sub_healthy;
  const cluster c = must_build(nodes);
  const plan_result r = plan(c, superpod_job(2, 16, 32), plan_options{{48, 0}});
  ASSERT_EQ(r.bindings.size(), 2u);
  for (const auto& b : r.bindings) EXPECT_NE(c.name(b.node), "sp0-00");
}

TEST(PlanSuperPod, InferenceServicePrefersSuperPodsHostingIt) {
  std::vector<node_spec> nodes = superpod_nodes({4, 6, 2});
  const cluster c = must_build(nodes);
  workload w = superpod_job(2, 16, 32, "serving/decode-b");
  w.jobs[0].infer_service = "llama";
  job_spec running;
  running.name = "serving/decode-a";
  running.shape = {2, 32};
  running.infer_service = "llama";
  running.running = {{"serving/decode-a-0", "sp2-00", 0, 16}, {"serving/decode-a-1", "sp2-01", 1, 16}};
  w.jobs.push_back(running);
  // Super-pod 2 hosts the service (and still has two free nodes here).
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.bindings.size(), 2u);
  for (const auto& b : r.bindings) EXPECT_EQ(b.super_pod_id, 2);
  // Without the service label the most free super-pod is not preferred: best fit picks 0.
  w.jobs[0].infer_service.clear();
  const plan_result r2 = plan(c, w, plan_options{{48, 2}});
  ASSERT_EQ(r2.bindings.size(), 2u);
  EXPECT_EQ(r2.bindings[0].super_pod_id, 0);
}

TEST(PlanSuperPod, ReplacementStaysInItsBlocksSuperPod) {
  // Rank 1 of block 0 is pending; rank 0 runs in super-pod 1.
  std::vector<node_spec> nodes = superpod_nodes({4, 4});
  const cluster c = must_build(nodes);
  workload w = superpod_job(4, 16, 32);
  w.jobs[0].running = {{"serving/decode-0", "sp1-00", 0, 16},
                       {"serving/decode-2", "sp0-00", 2, 16},
                       {"serving/decode-3", "sp0-01", 3, 16}};
  w.pods = {w.pods[1]};
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.bindings.size(), 1u) << r.unschedulable[0].why.message;
  EXPECT_EQ(r.bindings[0].super_pod_id, 1);
  EXPECT_EQ(*r.bindings[0].super_pod_rank, 0);
  EXPECT_EQ(*r.bindings[0].rank, 1);
}

TEST(PlanSuperPod, DuplicateRankIsInvalid) {
  const cluster c = must_build(superpod_nodes({4}));
  workload w = superpod_job(2, 16, 32);
  w.pods[1].rank = 0;
  const plan_result r = plan(c, w);
  ASSERT_EQ(r.unschedulable.size(), 2u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::invalid_request);
}

TEST(PlanSuperPod, MissingRanksGetTheLowestFree) {
  const cluster c = must_build(superpod_nodes({4}));
  workload w = superpod_job(4, 16, 32);
  w.pods[0].rank.reset();
  w.pods[2].rank.reset();
  const plan_result r = plan(c, w, plan_options{{48, 0}});
  ASSERT_EQ(r.bindings.size(), 4u);
  std::set<int> ranks;
  for (const auto& b : r.bindings) ranks.insert(*b.rank);
  EXPECT_EQ(ranks, (std::set<int>{0, 1, 2, 3}));
}

TEST(PlanSuperPod, A3EightDieSuperPod) {
  const cluster c = must_build(superpod_nodes({4}, T::module_a3_8_super_pod));
  const plan_result r = plan(c, superpod_job(2, 8, 16, "serving/p", T::module_a3_8_super_pod), plan_options{{48, 0}});
  ASSERT_EQ(r.bindings.size(), 2u);
  EXPECT_EQ(r.bindings[0].chips.size(), 8u);
}

// ---------------------------------------------------------------- invariants

synthetic_cluster random_superpods(std::uint64_t seed) {
  synthetic_options o;
  o.seed = seed;
  o.nodes = 3000;  // ~190 super-pods of 16
  o.mix = {{accelerator_type::module_a3_16_super_pod, 1.0}};
  o.super_pod_size = 16;
  o.occupancy = 0.3;
  o.node_fault_rate = 0.02;
  o.chip_fault_rate = 0.002;
  return generate_cluster(o);
}

workload random_superpod_jobs(std::uint64_t seed, int jobs) {
  std::mt19937_64 rng(seed * 7919);
  workload w;
  for (int j = 0; j < jobs; ++j) {
    const int block = 1 << (rng() % 3);             // 1, 2 or 4 nodes
    const int blocks = 1 + static_cast<int>(rng() % 4);
    job_spec js;
    js.name = "serving/job-" + std::to_string(j);
    js.shape = {block * blocks, block * blocks * 16};
    js.handler = T::module_a3_16_super_pod;
    js.sp_block = block * 16;
    js.soft_super_pod = rng() % 5 == 0;
    w.jobs.push_back(js);
    for (int i = 0; i < block * blocks; ++i) {
      pod_spec p;
      p.name = js.name + "-" + std::to_string(i);
      p.job = w.jobs.size() - 1;
      p.npus = 16;
      p.rank = i;
      p.created = j;
      w.pods.push_back(p);
    }
  }
  return w;
}

class SuperPodInvariants : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(SuperPodInvariants, HardBlocksWholeNoNodeTwiceAllOrNothing) {
  const auto sc = random_superpods(GetParam());
  const cluster c = must_build(sc.nodes);
  const workload w = random_superpod_jobs(GetParam(), 60);
  const plan_options opt{{16, 2}};
  const plan_result r = plan(c, w, opt);
  std::set<std::uint32_t> used;
  std::map<std::size_t, int> placed_per_job;
  std::map<std::pair<std::size_t, int>, std::set<std::int32_t>> block_super_pods;
  for (const auto& b : r.bindings) {
    EXPECT_TRUE(used.insert(b.node.value).second) << "node used twice: " << c.name(b.node);
    EXPECT_GE(c.super_pod_id(b.node), 0);
    const node_health h = c.health(b.node);
    EXPECT_TRUE(h == node_health::healthy || h == node_health::sub_healthy);
    EXPECT_EQ(b.chips.size(), 16u);
    const std::size_t job = w.pods[b.pod].job;
    ++placed_per_job[job];
    block_super_pods[{job, *b.super_pod_rank}].insert(b.super_pod_id);
  }
  for (const auto& [key, sps] : block_super_pods)
    if (!w.jobs[key.first].soft_super_pod) {
      EXPECT_EQ(sps.size(), 1u) << "hard block straddles super-pods";
    }
  for (const auto& [job, n] : placed_per_job) EXPECT_EQ(n, w.jobs[job].shape.npu_tasks) << "job placed partly";
  // The generated load is meant to place most jobs and refuse some: a test
  // that placed nothing would prove nothing.
  EXPECT_GT(placed_per_job.size(), 10u);
  EXPECT_EQ(r.super_pod_jobs.size(), w.jobs.size());
  // Reserve honoured before phase 3: a job placed only in phases 1–2 leaves
  // every super-pod it used with at least `reserve` candidate nodes.
  for (const auto& o : r.super_pod_jobs) {
    if (!o.selection.placed) continue;
    const auto& phases = o.selection.blocks_by_phase;
    if (phases[2] + phases[3] > 0) continue;
    for (const auto& offer : o.selection.offers)
      if (offer.taken > 0) {
        EXPECT_GE(offer.free_nodes - offer.taken * o.geometry.block_nodes, opt.super_pod.reserve_nodes);
      }
  }
}

TEST_P(SuperPodInvariants, IndependentOfInputOrder) {
  auto sc = random_superpods(GetParam());
  const workload w = random_superpod_jobs(GetParam(), 40);
  const cluster c1 = must_build(sc.nodes);
  const plan_result r1 = plan(c1, w, plan_options{{16, 2}});
  std::mt19937_64 rng(GetParam());
  std::shuffle(sc.nodes.begin(), sc.nodes.end(), rng);
  workload w2 = w;
  std::vector<std::size_t> perm(w.pods.size());
  std::iota(perm.begin(), perm.end(), std::size_t{0});
  std::shuffle(perm.begin(), perm.end(), rng);
  for (std::size_t i = 0; i < perm.size(); ++i) w2.pods[i] = w.pods[perm[i]];
  const cluster c2 = must_build(sc.nodes);
  const plan_result r2 = plan(c2, w2, plan_options{{16, 2}});
  ASSERT_EQ(r1.bindings.size(), r2.bindings.size());
  for (std::size_t i = 0; i < r1.bindings.size(); ++i) {
    EXPECT_EQ(w.pods[r1.bindings[i].pod].name, w2.pods[r2.bindings[i].pod].name);
    EXPECT_EQ(c1.name(r1.bindings[i].node), c2.name(r2.bindings[i].node));
    EXPECT_EQ(r1.bindings[i].super_pod_rank, r2.bindings[i].super_pod_rank);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, SuperPodInvariants, ::testing::Range<std::uint64_t>(1, 9));

}  // namespace
}  // namespace npusched
