// Every accelerator type walked through the policy table: one row per type
// with its label, chip count, family, legal per-pod counts and the chips a
// full node gives. A type added to the enum without a row here (or without a
// complete policy) fails these tests.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "npusched/topology.hpp"

namespace npusched {
namespace {

using T = accelerator_type;

std::vector<int> upto(int last) {  // 1..last
  std::vector<int> out;
  for (int k = 1; k <= last; ++k) out.push_back(k);
  return out;
}
std::vector<int> even(int first, int last) {
  std::vector<int> out;
  for (int k = first; k <= last; k += 2) out.push_back(k);
  return out;
}
std::vector<int> join(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct type_row {
  T type;
  const char* label;
  int max_chips;
  bool network_fault_aware;
  bool a3;
  bool super_pod;
  std::vector<int> standalone;   ///< legal k for a one-pod job of k NPUs
  std::vector<int> distributed;  ///< legal k for a two-pod job of 2k NPUs
  /// The chips a full node gives for k, where it is not the k lowest chips.
  std::vector<std::pair<int, std::vector<int>>> full_node_order;
};

const std::vector<type_row>& rows() {
  static const std::vector<type_row> r = {
      {T::none, "", 0, false, false, false, {}, {}, {}},
      {T::module_910_x8, "module", 8, true, false, false, {1, 2, 4, 8}, {1, 2, 4, 8}, {}},
      {T::module_910b_8, "module-910b-8", 8, true, false, false, upto(8), upto(8), {}},
      {T::module_910b_16,
       "module-910b-16",
       16,
       true,
       false,
       false,
       join(upto(8), {10, 12, 14, 16}),
       join(upto(8), {10, 12, 14, 16}),
       // k > 8 on a full node: the same-position pair list (16 long) is the first of size ≥ k.
       {{10, {0, 8, 1, 9, 2, 10, 3, 11, 4, 12}},
        {12, {0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13}},
        {14, {0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14}}}},
      {T::module_a3_16, "module-a3-16", 16, true, true, false, join({1}, even(2, 16)), even(2, 16), {}},
      {T::module_a3_16_super_pod, "module-a3-16-super-pod", 16, true, true, true, join({1}, even(2, 16)),
       even(2, 16), {}},
      {T::module_a3_8_super_pod, "module-a3-8-super-pod", 8, true, true, true, join({1}, even(2, 8)), even(2, 8), {}},
      {T::card, "card", 8, false, false, false, upto(8), upto(8), {}},
      {T::half, "half", 4, true, false, false, {1, 2, 4}, {1, 2, 4}, {}},
  };
  return r;
}

TEST(TopologyTable, EveryTypeHasOneRowInEnumOrder) {
  ASSERT_EQ(rows().size(), accelerator_type_count);
  for (std::size_t i = 0; i < rows().size(); ++i) EXPECT_EQ(static_cast<std::size_t>(rows()[i].type), i);
}

TEST(TopologyTable, LabelChipCountAndFamily) {
  for (const type_row& row : rows()) {
    SCOPED_TRACE(row.label);
    EXPECT_EQ(to_string(row.type), row.label);
    if (row.type != T::none) EXPECT_EQ(parse_accelerator_type(row.label), row.type);
    EXPECT_EQ(max_chips(row.type), row.max_chips);
    EXPECT_EQ(network_fault_aware(row.type), row.network_fault_aware);
    EXPECT_EQ(is_a3_type(row.type), row.a3);
    EXPECT_EQ(is_super_pod_type(row.type), row.super_pod);
  }
}

TEST(TopologyTable, LegalCountsPerPod) {
  for (const type_row& row : rows()) {
    SCOPED_TRACE(row.label);
    const std::set<int> standalone(row.standalone.begin(), row.standalone.end());
    const std::set<int> distributed(row.distributed.begin(), row.distributed.end());
    for (int k = 0; k <= max_chips_per_node + 1; ++k) {
      const job_shape one{1, k}, two{2, 2 * k};
      EXPECT_EQ(is_legal_request(row.type, k, one), standalone.contains(k)) << "standalone k=" << k;
      EXPECT_EQ(!check_request(row.type, k, one).has_value(), standalone.contains(k)) << "standalone k=" << k;
      EXPECT_EQ(is_legal_request(row.type, k, two), distributed.contains(k)) << "distributed k=" << k;
      EXPECT_EQ(!check_request(row.type, k, two).has_value(), distributed.contains(k)) << "distributed k=" << k;
    }
  }
}

TEST(TopologyTable, IllegalRequestsAreExplained) {
  for (const type_row& row : rows())
    for (int k = 0; k <= row.max_chips + 1; ++k) {
      const auto why = check_request(row.type, k, job_shape{1, k});
      if (why) EXPECT_FALSE(why->empty()) << row.label << " k=" << k;
    }
}

TEST(TopologyTable, EveryLegalCountFitsAFullNodeInItsChipOrder) {
  for (const type_row& row : rows()) {
    SCOPED_TRACE(row.label);
    const chip_mask full = first_chips(row.max_chips);
    for (int k : row.standalone) {
      ASSERT_EQ(judge(row.type, k, full, false), shape_fit::fits) << "k=" << k;
      EXPECT_TRUE(node_score(row.type, k, full, false, {row.max_chips, 0}).has_value()) << "k=" << k;
      std::vector<int> want = chips_of(first_chips(k));
      for (const auto& [special_k, order] : row.full_node_order)
        if (special_k == k) want = order;
      EXPECT_EQ(pick_chips(row.type, k, full, false), want) << "k=" << k;
    }
  }
}

TEST(TopologyTable, NoRequestFitsAboveTheChipCount) {
  for (const type_row& row : rows()) {
    const int k = row.max_chips + 1;
    EXPECT_EQ(judge(row.type, k, first_chips(max_chips_per_node), false), shape_fit::too_few) << row.label;
    EXPECT_TRUE(pick_chips(row.type, k, first_chips(max_chips_per_node), false).empty()) << row.label;
  }
}

}  // namespace
}  // namespace npusched
