// Invariants on seeded random clusters: whatever the cluster, a plan never
// gives a chip twice, never an unusable chip, only legal shapes, and the
// answer does not depend on input order.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>


#include "npusched/plan.hpp"
#include "npusched/synthetic.hpp"
#include "plan_checks.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using T = accelerator_type;

// Distributed gangs and super-pod jobs on top of the generator's standalone
// pods: an A2 or A3 gang of whole-node pods with a random gang size, and a
// super-pod job (hard or soft) of one to three logical super-nodes.
void add_random_gangs(workload& w, std::uint64_t seed) {
  std::mt19937_64 rng(seed * 7919 + 1);
  auto below = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  for (int g = 0; g < 3; ++g) {
    job_spec job;
    job.name = "train/gang-" + std::to_string(g);
    const bool superpod = g == 2 || below(3) == 0;
    const T t = superpod ? T::module_a3_16_super_pod : (below(2) == 0 ? T::module_910b_8 : T::module_a3_16);
    const int per_pod = max_chips(t);
    int pods = 1 + below(4);
    if (superpod) {
      const int block_nodes = 1 << below(3);  // 1, 2, 4 nodes per logical super-node
      job.sp_block = block_nodes * per_pod;
      pods = block_nodes * (1 + below(3));
      job.soft_super_pod = below(4) == 0;
    } else {
      job.min_available = below(pods + 1);
    }
    job.handler = t;
    job.shape = job_shape{pods, pods * per_pod};
    w.jobs.push_back(job);
    for (int i = 0; i < pods; ++i) {
      pod_spec p;
      p.name = job.name + "-" + std::to_string(i);
      p.job = w.jobs.size() - 1;
      p.npus = per_pod;
      p.cpu_milli = 1000;
      p.memory_bytes = std::int64_t{1} << 30;
      p.created = 100 + g;
      p.priority = below(3);
      w.pods.push_back(p);
    }
  }
}

synthetic_cluster random_cluster(std::uint64_t seed) {
  synthetic_options o;
  o.seed = seed;
  o.nodes = 40 + static_cast<int>(seed % 7) * 10;
  o.occupancy = 0.2 + 0.1 * static_cast<double>(seed % 6);
  o.chip_fault_rate = 0.03;
  o.node_fault_rate = 0.05;
  o.super_pod_size = 8;
  o.pending_pods = 40;
  synthetic_cluster sc = generate_cluster(o);
  add_random_gangs(sc.pending, seed);
  return sc;
}

/// Each test runs `seeds_per_case` seeds per case, so the 20 cases cover
/// 2,000 clusters without 2,000 test entries.
constexpr std::uint64_t seeds_per_case = 100;

class Invariants : public ::testing::TestWithParam<std::uint64_t> {
 protected:
  template <class F>
  void each_seed(F f) {
    for (std::uint64_t i = 0; i < seeds_per_case; ++i) {
      const std::uint64_t seed = GetParam() * seeds_per_case + i + 1;
      SCOPED_TRACE("seed " + std::to_string(seed));
      f(seed);
      if (HasFatalFailure()) return;
    }
  }
};

TEST_P(Invariants, PlanKeepsEveryInvariant) {
  int placed_blocks = 0, refused_gangs = 0, admitted_gangs = 0;
  each_seed([&](std::uint64_t seed) {
    const auto sc = random_cluster(seed);
    auto built = build_cluster(sc.nodes);
    ASSERT_TRUE(built.ok()) << built.err().what();
    ASSERT_FALSE(validate_workload(sc.pending).has_value());
    const plan_result r = plan(*built, sc.pending);
    const auto broken = testing::plan_violations(*built, sc.pending, r);
    EXPECT_TRUE(broken.empty()) << testing::joined(broken);
    // The baselines and the block-fit option too.
    for (const node_choice choice : {node_choice::first_fit, node_choice::random_ties, node_choice::block_fit}) {
      plan_options o;
      o.choice = choice;
      o.tie_seed = seed;
      const auto other = testing::plan_violations(*built, sc.pending, plan(*built, sc.pending, o));
      EXPECT_TRUE(other.empty()) << "choice " << static_cast<int>(choice) << ": " << testing::joined(other);
    }
    for (const auto& s : r.super_pod_jobs) placed_blocks += s.selection.placed && s.geometry.blocks > 1;
    for (const auto& g : r.gangs)
      if (sc.pending.jobs[g.job].shape.npu_tasks > 1) (g.admitted ? admitted_gangs : refused_gangs)++;
  });
  // The clusters reach the cases the rules are about.
  EXPECT_GT(placed_blocks, 10);
  EXPECT_GT(admitted_gangs, 30);
  EXPECT_GT(refused_gangs, 10);
}

TEST_P(Invariants, FitAgreesWithPerNodeEvaluation) {
  each_seed([&](std::uint64_t seed) {
    const auto sc = random_cluster(seed);
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
  });
}

TEST_P(Invariants, ResultIndependentOfInputOrder) {
  each_seed([&](std::uint64_t seed) {
    auto sc = random_cluster(seed);
    const cluster c1 = testing::must_build(sc.nodes);
    const plan_result r1 = plan(c1, sc.pending);
    std::mt19937_64 rng(seed);
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
  });
}

TEST_P(Invariants, SameInputSameResult) {
  each_seed([&](std::uint64_t seed) {
    const auto sc = random_cluster(seed);
    const cluster c = testing::must_build(sc.nodes);
    const plan_result a = plan(c, sc.pending);
    const plan_result b = plan(c, sc.pending);
    EXPECT_EQ(a.bindings, b.bindings);
    EXPECT_EQ(a.unschedulable, b.unschedulable);
  });
}


/// Monotonicity, per job: a free node added to the cluster never makes a
/// job unplaceable that was placed without it (it may place it elsewhere).
/// Across the jobs of one plan the greedy order has no such guarantee: an
/// earlier job may take the new node's neighbours instead of its old ones
/// and leave a later job short (docs/fitting.md, "What a plan guarantees").
TEST_P(Invariants, AFreeNodeNeverUnplacesAJob) {
  each_seed([&](std::uint64_t seed) {
    auto sc = random_cluster(seed);
    const cluster without = testing::must_build(sc.nodes);
    std::mt19937_64 rng(seed);
    const node_spec& like = sc.nodes[rng() % sc.nodes.size()];
    node_spec extra = testing::node_with_free("zz-free", like.type, first_chips(max_chips(like.type)));
    extra.super_pod_id = like.super_pod_id;
    extra.labels = like.labels;
    sc.nodes.push_back(extra);
    const cluster with = testing::must_build(sc.nodes);
    for (std::size_t j = 0; j < sc.pending.jobs.size(); ++j) {
      const workload one = testing::only_job(sc.pending, j);
      if (one.pods.empty()) continue;
      const plan_result before = plan(without, one);
      const plan_result after = plan(with, one);
      EXPECT_GE(after.bindings.size(), before.bindings.size())
          << one.pods.front().name << ": a free " << to_string(like.type) << " node unplaced it: "
          << (after.unschedulable.empty() ? std::string() : after.unschedulable.front().why.message);
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Seeds, Invariants, ::testing::Range<std::uint64_t>(0, 20));

}  // namespace
}  // namespace npusched
