// Topology policies, rule by rule, and the reference's fitting test vectors
// (numbers in the test names refer to the vectors).

#include <gtest/gtest.h>

#include "npusched/topology.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using testing::mask;
using testing::range;
using T = accelerator_type;

constexpr job_shape single(int k) { return {1, k}; }
constexpr job_shape dist(int tasks, int k) { return {tasks, tasks * k}; }

// ---------------------------------------------------------------- legality

struct legality_case {
  const char* rule;
  T type;
  int k;
  job_shape job;
  bool legal;
};

class Legality : public ::testing::TestWithParam<legality_case> {};

TEST_P(Legality, CheckRequest) {
  const auto& c = GetParam();
  EXPECT_EQ(is_legal_request(c.type, c.k, c.job), c.legal) << c.rule;
  const auto msg = check_request(c.type, c.k, c.job);
  EXPECT_EQ(!msg.has_value(), c.legal) << c.rule << ": " << msg.value_or("");
}

INSTANTIATE_TEST_SUITE_P(
    Rules, Legality,
    ::testing::Values(
        legality_case{"module_k_1_2_4_8", T::module_910_x8, 1, single(1), true},
        legality_case{"module_k_1_2_4_8", T::module_910_x8, 2, single(2), true},
        legality_case{"module_k_1_2_4_8", T::module_910_x8, 4, dist(2, 4), true},
        legality_case{"module_k_1_2_4_8", T::module_910_x8, 8, dist(4, 8), true},
        legality_case{"module_rejects_3_5_6_7", T::module_910_x8, 3, single(3), false},
        legality_case{"module_rejects_3_5_6_7", T::module_910_x8, 5, single(5), false},
        legality_case{"module_rejects_3_5_6_7", T::module_910_x8, 6, single(6), false},
        legality_case{"module_rejects_3_5_6_7", T::module_910_x8, 7, single(7), false},
        legality_case{"module_above_max", T::module_910_x8, 9, single(9), false},
        legality_case{"b8_any_1_to_8", T::module_910b_8, 3, single(3), true},
        legality_case{"b8_any_1_to_8", T::module_910b_8, 7, dist(3, 7), true},
        legality_case{"b8_above_max", T::module_910b_8, 9, single(9), false},
        legality_case{"zero_is_not_an_npu_request", T::module_910b_8, 0, single(0), false},
        legality_case{"card_1_to_8", T::card, 8, single(8), true},
        legality_case{"half_rejects_3", T::half, 3, single(3), false},
        legality_case{"half_1_2_4", T::half, 4, single(4), true},
        legality_case{"half_above_max", T::half, 5, single(5), false},
        legality_case{"b16_1_to_8", T::module_910b_16, 7, single(7), true},
        legality_case{"b16_rejects_odd_above_8", T::module_910b_16, 9, single(9), false},
        legality_case{"b16_rejects_odd_above_8", T::module_910b_16, 15, single(15), false},
        legality_case{"b16_even_above_8", T::module_910b_16, 10, single(10), true},
        legality_case{"b16_whole_node", T::module_910b_16, 16, dist(2, 16), true},
        // Vector 17: A3 validation.
        legality_case{"v17_a3_single_die_single_pod", T::module_a3_16, 1, single(1), true},
        legality_case{"v17_a3_single_3_odd", T::module_a3_16, 3, single(3), false},
        legality_case{"v17_a3_two_pods_of_one_die", T::module_a3_16, 1, dist(2, 1), false},
        legality_case{"v17_a3_2_2_2", T::module_a3_16, 2, dist(3, 2), true},
        legality_case{"v17_a3_16_16", T::module_a3_16, 16, dist(2, 16), true},
        legality_case{"v17_a3_4_4_4", T::module_a3_16, 4, dist(3, 4), true},
        legality_case{"a3_odd_job_total", T::module_a3_16, 2, job_shape{2, 3}, false},
        legality_case{"a3_above_max", T::module_a3_16, 18, single(18), false},
        legality_case{"a3_8_super_pod_max_8", T::module_a3_8_super_pod, 16, single(16), false},
        legality_case{"a3_8_super_pod_even", T::module_a3_8_super_pod, 8, dist(2, 8), true},
        legality_case{"none_never", T::none, 1, single(1), false}),
    [](const auto& tp) { return std::string(tp.param.rule) + "_" + std::to_string(tp.index); });

// ---------------------------------------------------------------- feasibility

struct judge_case {
  const char* rule;
  T type;
  int k;
  chip_mask top;
  bool distributed;
  shape_fit want;
};

class Judge : public ::testing::TestWithParam<judge_case> {};

TEST_P(Judge, Shape) {
  const auto& c = GetParam();
  EXPECT_EQ(judge(c.type, c.k, c.top, c.distributed), c.want) << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, Judge,
    ::testing::Values(
        // Vector 3 (module, k = 4).
        judge_case{"v3_module_k4_full_ring", T::module_910_x8, 4, mask({0, 1, 2, 3}), false, shape_fit::fits},
        judge_case{"v3_module_k4_three_free", T::module_910_x8, 4, mask({0, 1, 4}), false, shape_fit::too_few},
        judge_case{"module_k4_split_rings", T::module_910_x8, 4, mask({0, 1, 4, 5}), false, shape_fit::wrong_shape},
        judge_case{"module_k2_needs_one_ring", T::module_910_x8, 2, mask({0, 4}), false, shape_fit::wrong_shape},
        judge_case{"module_k8_whole", T::module_910_x8, 8, range(0, 7), false, shape_fit::fits},
        judge_case{"v4_judge_8_on_full", T::module_910_x8, 8, range(0, 7), true, shape_fit::fits},
        judge_case{"v4_judge_5_illegal", T::module_910_x8, 5, range(0, 7), false, shape_fit::wrong_shape},
        judge_case{"b8_any_shape", T::module_910b_8, 5, mask({0, 2, 4, 6, 7}), false, shape_fit::fits},
        judge_case{"b8_too_few", T::module_910b_8, 5, mask({0, 2}), false, shape_fit::too_few},
        // Vectors 10 and 11 (910B-16).
        judge_case{"v10_b16_k10_standalone_needs_same_position", T::module_910b_16, 10, range(0, 4) | range(9, 13),
                   false, shape_fit::wrong_shape},
        judge_case{"v10_b16_k10_distributed_any_pairing", T::module_910b_16, 10, range(0, 4) | range(9, 13), true,
                   shape_fit::fits},
        judge_case{"v11_b16_k8_may_not_span_rings", T::module_910b_16, 8, range(0, 6) | range(8, 14), false,
                   shape_fit::wrong_shape},
        judge_case{"b16_k16_whole", T::module_910b_16, 16, range(0, 15), false, shape_fit::fits},
        judge_case{"b16_k16_one_missing", T::module_910b_16, 16, range(0, 14), false, shape_fit::too_few},
        // Vector 16 (A3 predicate).
        judge_case{"v16_a3_single_k4_three_whole_chips", T::module_a3_16, 4, range(0, 6), false, shape_fit::fits},
        judge_case{"v16_a3_k4_one_whole_chip", T::module_a3_16, 4, mask({0, 1, 3, 5, 7}), false,
                   shape_fit::wrong_shape},
        judge_case{"v16_a3_k2_one_die", T::module_a3_16, 2, mask({0}), false, shape_fit::too_few},
        judge_case{"a3_k1_any_die", T::module_a3_16, 1, mask({5}), false, shape_fit::fits},
        judge_case{"a3_k2_two_half_chips", T::module_a3_16, 2, mask({1, 2}), false, shape_fit::wrong_shape}),
    [](const auto& tp) { return std::string(tp.param.rule); });

// ---------------------------------------------------------------- scores

struct score_case {
  const char* rule;
  T type;
  int k;
  chip_mask top;
  bool distributed;
  score_inputs in;
  std::int64_t want;
};

class Score : public ::testing::TestWithParam<score_case> {};

TEST_P(Score, Value) {
  const auto& c = GetParam();
  const auto s = node_score(c.type, c.k, c.top, c.distributed, c.in);
  ASSERT_TRUE(s.has_value()) << c.rule;
  EXPECT_EQ(*s, c.want) << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, Score,
    ::testing::Values(
        // Vector 1: module, k = 1, allocatable 8.
        score_case{"v1_module_node1", T::module_910_x8, 1, mask({0}), false, {8, 0}, 263},
        score_case{"v1_module_node3", T::module_910_x8, 1, mask({0, 1, 2}), false, {8, 0}, 253},
        score_case{"v1_module_node11", T::module_910_x8, 1, mask({4, 5}), false, {8, 0}, 246},
        score_case{"v1_module_node12", T::module_910_x8, 1, mask({4, 5, 6, 7}), false, {8, 0}, 236},
        // Vector 5 and 6.
        score_case{"v5_module_k2_min_over_rings", T::module_910_x8, 2, mask({0, 1, 2, 4, 5, 6, 7}), false, {8, 0}, 249},
        score_case{"v6_module_perfect_fit_on_degraded_node", T::module_910_x8, 2, mask({4, 5}), false, {7, 1}, 230},
        score_case{"v6_module_healthy_node", T::module_910_x8, 2, mask({4, 5, 6, 7}), false, {8, 0}, 252},
        // Vector 7: base handler, max 8: healthy capacity dominates, then binpack.
        score_case{"v7_base_node1", T::module_910b_8, 1, range(0, 4), false, {7, 1}, 695},
        score_case{"v7_base_node2", T::module_910b_8, 1, range(0, 4), false, {6, 2}, 595},
        score_case{"v7_base_node3", T::module_910b_8, 1, range(0, 5), false, {6, 2}, 594},
        // Vectors 8, 9, 12: 910B-16 with allocatable 16.
        score_case{"v8_b16_k3", T::module_910b_16, 3, range(0, 2) | range(8, 12), false, {16, 0}, 264},
        score_case{"v9_b16_k10_pairs", T::module_910b_16, 10, range(0, 4) | range(8, 13), false, {16, 0}, 261},
        score_case{"v12_b16_k1", T::module_910b_16, 1, range(1, 9), false, {16, 0}, 247},
        // Vector 13: A3, k = 1.
        score_case{"v13_a3_k1_no_half_free", T::module_a3_16, 1, mask({0, 1}), false, {16, 0}, 240},
        score_case{"v13_a3_k1_half_free", T::module_a3_16, 1, mask({0, 1, 2}), false, {16, 0}, 480},
        score_case{"v13_a3_k1_two_whole", T::module_a3_16, 1, mask({0, 1, 4, 5}), false, {16, 0}, 208},
        score_case{"v13_a3_k1_three_whole", T::module_a3_16, 1, mask({0, 1, 2, 3, 6, 7}), false, {16, 0}, 176},
        score_case{"v13_a3_k1_with_half", T::module_a3_16, 1, mask({0, 1, 2, 3, 5, 6, 7}), false, {16, 0}, 416},
        // Vector 14: A3, k = 2; node3 gets its true score (no early exit).
        score_case{"v14_a3_k2_node1", T::module_a3_16, 2, mask({0, 1, 2, 4}), false, {16, 0}, 480},
        score_case{"v14_a3_k2_node2", T::module_a3_16, 2, mask({0, 1}), false, {16, 0}, 512},
        score_case{"v14_a3_k2_node3_true_score", T::module_a3_16, 2, mask({0, 1, 2, 3, 6, 7}), false, {16, 0}, 448},
        score_case{"v14_a3_k10_exact", T::module_a3_16, 10, range(0, 9), true, {16, 0}, 512}),
    [](const auto& tp) { return std::string(tp.param.rule); });

TEST(Score, NotFeasibleHasNoScore) {
  EXPECT_FALSE(node_score(T::module_910_x8, 4, mask({0, 1, 4, 5}), false, {8, 0}));
  EXPECT_FALSE(node_score(T::module_a3_16, 4, mask({0, 1, 3, 5, 7}), false, {16, 0}));
  EXPECT_FALSE(node_score(T::module_910b_16, 10, range(0, 4) | range(9, 13), false, {16, 0}));
}

// ---------------------------------------------------------------- chip choice

struct pick_case {
  const char* rule;
  T type;
  int k;
  chip_mask top;
  bool distributed;
  std::vector<int> want;
};

class Pick : public ::testing::TestWithParam<pick_case> {};

TEST_P(Pick, Chips) {
  const auto& c = GetParam();
  EXPECT_EQ(pick_chips(c.type, c.k, c.top, c.distributed), c.want) << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, Pick,
    ::testing::Values(
        // Vector 2: module ring priority for k = 1.
        pick_case{"v2_module_single_free_ring_chip", T::module_910_x8, 1, mask({0, 4, 5}), false, {0}},
        pick_case{"v2_module_ring_of_three", T::module_910_x8, 1, mask({0, 1, 2, 4, 5}), false, {0}},
        pick_case{"v2_module_ring_of_three_right", T::module_910_x8, 1, mask({0, 1, 4, 5, 6}), false, {4}},
        pick_case{"v2_module_ring_of_two_before_four", T::module_910_x8, 1, mask({0, 1, 4, 5, 6, 7}), false, {0}},
        pick_case{"v5_module_k2_full_ring", T::module_910_x8, 2, mask({0, 1, 2, 4, 5, 6, 7}), false, {4, 5}},
        pick_case{"module_k8_all", T::module_910_x8, 8, range(0, 7), false, {0, 1, 2, 3, 4, 5, 6, 7}},
        pick_case{"module_tie_lower_ring_first", T::module_910_x8, 2, mask({2, 3, 6, 7}), false, {2, 3}},
        pick_case{"b8_lowest_ids", T::module_910b_8, 3, mask({1, 4, 5, 7}), false, {1, 4, 5}},
        // Vectors 8–12: 910B-16.
        pick_case{"v8_b16_k3_tightest_ring", T::module_910b_16, 3, range(0, 2) | range(8, 12), false, {0, 1, 2}},
        pick_case{"v9_b16_k10_same_position_pairs", T::module_910b_16, 10, range(0, 4) | range(8, 13), false,
                  {0, 8, 1, 9, 2, 10, 3, 11, 4, 12}},
        pick_case{"v10_b16_k10_distributed_pairs", T::module_910b_16, 10, range(0, 4) | range(9, 13), true,
                  {0, 9, 1, 10, 2, 11, 3, 12, 4, 13}},
        pick_case{"v10_b16_k10_standalone_rejected", T::module_910b_16, 10, range(0, 4) | range(9, 13), false, {}},
        pick_case{"v12_b16_k1_priority_two", T::module_910b_16, 1, range(1, 9), false, {8}},
        pick_case{"b16_k16_all", T::module_910b_16, 16, range(0, 15), false,
                  {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
        // Vector 15: A3.
        pick_case{"v15_a3_k6_whole_chips", T::module_a3_16, 6, mask({0, 1, 3, 6, 7, 8, 9}), false, {0, 1, 6, 7, 8, 9}},
        pick_case{"v15_a3_k1_half_free_chip_first", T::module_a3_16, 1, mask({0, 1, 2, 3, 6, 7, 11}), false, {11}},
        pick_case{"v15_a3_k2_only_whole_chip", T::module_a3_16, 2, mask({0, 2, 6, 11, 12, 13}), false, {12, 13}},
        pick_case{"v15_a3_k2_single", T::module_a3_16, 2, mask({0, 1, 3, 5}), false, {0, 1}},
        // A deliberate difference: ties among whole chips break by chip id.
        pick_case{"a3_tie_lowest_chip", T::module_a3_16, 2, mask({0, 1, 2, 3}), false, {0, 1}},
        pick_case{"a3_exact_takes_all", T::module_a3_16, 4, mask({4, 5, 8, 9}), false, {4, 5, 8, 9}}),
    [](const auto& tp) { return std::string(tp.param.rule); });

TEST(ModuleRingPriority, Vector4) {
  EXPECT_EQ(module_ring_priority(1), (std::vector<int>{1, 3, 2, 4}));
  EXPECT_EQ(module_ring_priority(2), (std::vector<int>{2, 4, 3}));
  EXPECT_EQ(module_ring_priority(4), (std::vector<int>{4}));
  EXPECT_EQ(module_ring_priority(8), (std::vector<int>{8}));
  EXPECT_EQ(module_ring_priority(0), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(module_ring_priority(5).empty());
}

TEST(UsableChips, NetworkUnhealthyWithheldFromDistributedOnly) {
  const chip_mask free = range(0, 7), net = mask({5});
  EXPECT_EQ(usable_chips(T::module_910_x8, free, net, false), free);
  EXPECT_EQ(usable_chips(T::module_910_x8, free, net, true), free & ~net);
  // Vector 3: k=4 on {0,1,4,5} with chip 5 network-unhealthy → rejected for a distributed job.
  EXPECT_NE(judge(T::module_910_x8, 4, usable_chips(T::module_910_x8, mask({0, 1, 4, 5}), net, true), true),
            shape_fit::fits);
  // Cards are not network-fault aware.
  EXPECT_EQ(usable_chips(T::card, free, net, true), free);
}

}  // namespace
}  // namespace npusched
