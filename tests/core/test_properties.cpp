// Invariants on seeded random clusters: whatever the cluster, a plan never
// gives a chip twice, never an unusable chip, only legal shapes, and the
// answer does not depend on input order.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "npusched/plan.hpp"
#include "npusched/synthetic.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using T = accelerator_type;

synthetic_cluster random_cluster(std::uint64_t seed) {
  synthetic_options o;
  o.seed = seed;
  o.nodes = 60 + static_cast<int>(seed % 7) * 10;
  o.occupancy = 0.2 + 0.1 * static_cast<double>(seed % 6);
  o.chip_fault_rate = 0.03;
  o.node_fault_rate = 0.05;
  o.super_pod_size = 8;
  o.pending_pods = 80;
  return generate_cluster(o);
}

bool legal_shape(T t, const std::vector<int>& chips, bool distributed) {
  chip_mask m = 0;
  for (int c : chips) m |= chip_bit(c);
  const int k = static_cast<int>(chips.size());
  if (is_a3_type(t)) {
    if (k == 1) return true;
    for (int c : chips)
      if ((m & chip_bit(c ^ 1)) == 0) return false;  // whole chips only
    return true;
  }
  if (t == T::module_910_x8 && k < 8) return (m & 0xF0u) == 0 || (m & 0x0Fu) == 0;
  if (t == T::module_910b_16 && k <= 8) return (m & 0xFF00u) == 0 || (m & 0x00FFu) == 0;
  if (t == T::module_910b_16 && k < 16) {
    const bool paired = chip_count(m & 0xFFu) == chip_count(m & 0xFF00u);
    return paired && (distributed || (m & 0xFFu) == (m >> 8));
  }
  return true;
}

class Invariants : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(Invariants, PlanNeverGivesAChipTwiceOrAnUnusableChip) {
  const auto sc = random_cluster(GetParam());
  auto built = build_cluster(sc.nodes);
  ASSERT_TRUE(built.ok()) << built.err().what();
  const cluster& c = *built;
  ASSERT_FALSE(validate_workload(sc.pending).has_value());
  const plan_result r = plan(c, sc.pending);
  std::vector<chip_mask> given(c.size(), 0);
  for (const auto& b : r.bindings) {
    const auto& p = sc.pending.pods[b.pod];
    const node_id n = b.node;
    ASSERT_EQ(static_cast<int>(b.chips.size()), p.npus);
    chip_mask m = 0;
    for (int chip : b.chips) m |= chip_bit(chip);
    EXPECT_EQ(m & given[n.value], 0u) << "chip given twice on " << c.name(n);
    EXPECT_EQ(m & c.in_use(n), 0u) << "chip of a running pod given on " << c.name(n);
    EXPECT_EQ(m & (c.unhealthy(n) | c.recovering(n)), 0u) << "unusable chip given on " << c.name(n);
    if (b.distributed) {
      EXPECT_EQ(m & c.network_unhealthy(n), 0u);
    }
    EXPECT_EQ(m & ~c.inventory(n), 0u);
    const node_health h = c.health(n);
    EXPECT_TRUE(h == node_health::healthy || h == node_health::sub_healthy) << c.name(n);
    EXPECT_TRUE(c.schedulable(n));
    EXPECT_TRUE(legal_shape(c.type(n), b.chips, b.distributed)) << c.name(n);
    given[n.value] |= m;
  }
  EXPECT_EQ(r.bindings.size() + r.unschedulable.size(), sc.pending.pods.size());
}

TEST_P(Invariants, FitAgreesWithPerNodeEvaluation) {
  const auto sc = random_cluster(GetParam());
  const cluster c = testing::must_build(sc.nodes);
  placement_state s(c);
  for (const auto& p : sc.pending.pods) {
    const fit_request r = make_request(c, sc.pending.jobs[p.job], p);
    const fit_result f = fit(c, s, r);
    filter_counts want;
    want.nodes = static_cast<int>(c.size());
    std::optional<node_id> best;
    std::int64_t best_score = 0;
    for (std::uint32_t i = 0; i < c.size(); ++i) {
      const node_eval e = evaluate_node(c, s, r, node_id{i});
      tally(want, e.rule);
      if (e.rule == node_rule::feasible && (!best || e.score > best_score)) {
        best = node_id{i};
        best_score = e.score;
      }
    }
    if (!r.handler || is_legal_request(*r.handler, r.npus, r.job)) {
      EXPECT_EQ(f.counts, want) << p.name;
    }
    EXPECT_EQ(f.node, best) << p.name;
    if (f.node) {
      chip_mask m = 0;
      for (int chip : f.chips) m |= chip_bit(chip);
      s.take(*f.node, m, p.npus, p.cpu_milli, p.memory_bytes);
    }
  }
}

TEST_P(Invariants, ResultIndependentOfInputOrder) {
  auto sc = random_cluster(GetParam());
  const cluster c1 = testing::must_build(sc.nodes);
  const plan_result r1 = plan(c1, sc.pending);
  std::mt19937_64 rng(GetParam());
  std::shuffle(sc.nodes.begin(), sc.nodes.end(), rng);
  const cluster c2 = testing::must_build(sc.nodes);
  // Shuffle pods too, remapping binding indices by name.
  workload w2 = sc.pending;
  std::shuffle(w2.pods.begin(), w2.pods.end(), rng);
  const plan_result r2 = plan(c2, w2);
  ASSERT_EQ(r1.bindings.size(), r2.bindings.size());
  for (std::size_t i = 0; i < r1.bindings.size(); ++i) {
    EXPECT_EQ(sc.pending.pods[r1.bindings[i].pod].name, w2.pods[r2.bindings[i].pod].name);
    EXPECT_EQ(c1.name(r1.bindings[i].node), c2.name(r2.bindings[i].node));
    EXPECT_EQ(r1.bindings[i].chips, r2.bindings[i].chips);
  }
  ASSERT_EQ(r1.unschedulable.size(), r2.unschedulable.size());
  for (std::size_t i = 0; i < r1.unschedulable.size(); ++i)
    EXPECT_EQ(r1.unschedulable[i].why, r2.unschedulable[i].why);
}

TEST_P(Invariants, SameInputSameResult) {
  const auto sc = random_cluster(GetParam());
  const cluster c = testing::must_build(sc.nodes);
  const plan_result a = plan(c, sc.pending);
  const plan_result b = plan(c, sc.pending);
  EXPECT_EQ(a.bindings, b.bindings);
  EXPECT_EQ(a.unschedulable, b.unschedulable);
}

INSTANTIATE_TEST_SUITE_P(Seeds, Invariants, ::testing::Range<std::uint64_t>(1, 21));

}  // namespace
}  // namespace npusched
