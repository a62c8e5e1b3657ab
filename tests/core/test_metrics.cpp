// Fragmentation metrics (docs/metrics.md), one small hand-made cluster per
// rule, plus order independence on seeded synthetic clusters.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "npusched/metrics.hpp"
#include "npusched/synthetic.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using T = accelerator_type;
using testing::mask;
using testing::must_build;
using testing::node_with_free;
using testing::range;

const type_metrics& of(const cluster_metrics& m, T t) {
  for (const auto& x : m.types)
    if (x.type == t) return x;
  throw std::runtime_error("type not measured");
}

cluster_metrics measure(const std::vector<node_spec>& nodes, const metrics_options& opt = {}) {
  const cluster c = must_build(nodes);
  return measure_fragmentation(c, placement_state(c), opt);
}

node_spec super_pod_node(std::string name, std::int32_t pod, chip_mask free, T t = T::module_a3_16_super_pod) {
  node_spec n = node_with_free(std::move(name), t, free);
  n.super_pod_id = pod;
  return n;
}

TEST(Metrics, FreeNpusWholeNodesAndTheIndexFollowTheLargestSize) {
  const auto m = measure({node_with_free("a", T::module_910b_8, range(0, 7)),
                          node_with_free("b", T::module_910b_8, range(3, 7))});
  const type_metrics& a2 = of(m, T::module_910b_8);
  EXPECT_EQ(a2.nodes, 2);
  EXPECT_EQ(a2.free_npus, 13);
  EXPECT_EQ(a2.free_whole_nodes, 1);
  EXPECT_EQ(a2.stranded_npus, 0);  // 1-NPU pods use anything
  EXPECT_EQ(a2.largest_gang_npus, 8);
  EXPECT_EQ(a2.fragmentation_ppm, 1'000'000 - 8'000'000 / 13);
  EXPECT_EQ(m.request_sizes, (std::vector<type_request_sizes>{{T::module_910b_8, {1, 2, 4, 8}}}));
}

TEST(Metrics, StrandedNpusAreWhatTheRequestSizesInUseCannotTake) {
  metrics_options o;
  o.request_sizes = {{T::module_910b_8, {8}}};
  const auto m = measure({node_with_free("a", T::module_910b_8, range(0, 7)),
                          node_with_free("b", T::module_910b_8, range(3, 7))}, o);
  EXPECT_EQ(of(m, T::module_910b_8).stranded_npus, 5);
}

TEST(Metrics, A3DiesArePackedInTheShapesTheSchedulerGives) {
  // Die 0 in use: chip 0 is half free, chips 1..7 whole.
  const std::vector<node_spec> nodes = {node_with_free("a3", T::module_a3_16, range(1, 15))};
  EXPECT_EQ(of(measure(nodes), T::module_a3_16).stranded_npus, 0);  // the lone die takes a 1-die pod
  metrics_options o;
  o.request_sizes = {{T::module_a3_16, {8, 16}}};
  const type_metrics m = of(measure(nodes, o), T::module_a3_16);
  EXPECT_EQ(m.stranded_npus, 7);  // one 8-die pod, then 3 chips and a die left
  EXPECT_EQ(m.largest_gang_npus, 0);  // no 16-die pod fits
  EXPECT_EQ(m.fragmentation_ppm, 1'000'000);
}

TEST(Metrics, IdleShortfallStrandsChipsThatLookFree) {
  node_spec n = node_with_free("a", T::module_910b_8, range(0, 7));
  n.npu_requested = 6;  // pods hold 6 NPUs whose chips are not annotated yet
  const std::vector<node_spec> nodes = {n};
  EXPECT_EQ(of(measure(nodes), T::module_910b_8).free_npus, 2);
  EXPECT_EQ(of(measure(nodes), T::module_910b_8).free_whole_nodes, 0);
  metrics_options o;
  o.request_sizes = {{T::module_910b_8, {4, 8}}};
  EXPECT_EQ(of(measure(nodes, o), T::module_910b_8).stranded_npus, 2);
}

TEST(Metrics, NodesThatTakeNoPodsCountOnlyAsNodes) {
  node_spec cordoned = node_with_free("c", T::module_910b_8, range(0, 7));
  cordoned.schedulable = false;
  node_spec broken = node_with_free("d", T::module_910b_8, range(0, 7));
  broken.health = node_health::unhealthy;
  const type_metrics m = of(measure({cordoned, broken}), T::module_910b_8);
  EXPECT_EQ(m.nodes, 2);
  EXPECT_EQ(m.usable_nodes, 0);
  EXPECT_EQ(m.free_npus + m.free_whole_nodes + m.stranded_npus + m.largest_gang_npus + m.fragmentation_ppm, 0);
}

TEST(Metrics, BlockSpectrumStrandedNodesAndRepairHeadroomPerSuperPod) {
  node_spec sub = super_pod_node("sp0-4", 0, range(0, 15));
  sub.health = node_health::sub_healthy;
  sub.sub_healthy = mask({3});
  const std::vector<node_spec> nodes = {
      super_pod_node("sp0-0", 0, range(0, 15)), super_pod_node("sp0-1", 0, range(0, 15)),
      super_pod_node("sp0-2", 0, range(0, 15)), super_pod_node("sp0-3", 0, 0), sub,
      super_pod_node("sp1-0", 1, range(0, 15)), super_pod_node("sp1-1", 1, range(2, 15))};
  metrics_options o;
  o.block_nodes = {4, 2};
  const auto m = measure(nodes, o);
  ASSERT_EQ(m.super_pods.size(), 2U);
  const superpod_metrics& p0 = m.super_pods[0];
  EXPECT_EQ(p0.nodes, 5);
  EXPECT_EQ(p0.free_whole_nodes, 4);  // the sub-healthy node is a candidate too
  EXPECT_EQ(p0.spectrum, (std::vector<block_count>{{2, 2}, {4, 1}}));
  EXPECT_EQ(p0.stranded_nodes, 0);
  EXPECT_EQ(p0.repair_headroom, 3);
  const superpod_metrics& p1 = m.super_pods[1];
  EXPECT_EQ(p1.free_whole_nodes, 1);
  EXPECT_EQ(p1.spectrum, (std::vector<block_count>{{2, 0}, {4, 0}}));
  EXPECT_EQ(p1.stranded_nodes, 1);  // one free node joins no block of 2 or 4
  EXPECT_EQ(m.spectrum, (std::vector<block_count>{{2, 2}, {4, 1}}));
  EXPECT_EQ(m.block_nodes, (std::vector<int>{2, 4}));
  const type_metrics& sp = of(m, T::module_a3_16_super_pod);
  EXPECT_EQ(sp.stranded_nodes, 1);
  EXPECT_EQ(sp.largest_gang_npus, 4 * 16);  // one block of 4 whole nodes

  o.block_nodes = {3};
  const auto three = measure(nodes, o);
  EXPECT_EQ(three.super_pods[0].stranded_nodes, 1);  // 4 free nodes: one block of 3, one left
  EXPECT_EQ(three.super_pods[1].stranded_nodes, 1);
}

TEST(Metrics, DefaultBlockSizesStopAtTheLargestSuperPod) {
  const auto m = measure({super_pod_node("sp0-0", 0, range(0, 15)), super_pod_node("sp0-1", 0, range(0, 15)),
                          super_pod_node("sp0-2", 0, range(0, 15))});
  EXPECT_EQ(m.block_nodes, (std::vector<int>{1, 2}));
  EXPECT_EQ(m.spectrum, (std::vector<block_count>{{1, 3}, {2, 1}}));
}

TEST(Metrics, IndependentOfNodeOrderAndTheSameEachTime) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    synthetic_options o;
    o.seed = seed;
    o.nodes = 120;
    o.super_pod_size = 8;
    auto sc = generate_cluster(o);
    const auto a = measure(sc.nodes);
    EXPECT_EQ(measure(sc.nodes), a);
    std::mt19937_64 g(seed);
    std::shuffle(sc.nodes.begin(), sc.nodes.end(), g);
    EXPECT_EQ(measure(sc.nodes), a) << seed;
    for (const auto& t : a.types) {
      EXPECT_LE(t.largest_gang_npus + t.stranded_npus, t.free_npus);
      EXPECT_GE(t.fragmentation_ppm, 0);
      EXPECT_LE(t.fragmentation_ppm, 1'000'000);
    }
  }
}

}  // namespace
}  // namespace npusched
