// Vocabulary: accelerator-type labels, schedule policies, chip masks.

#include <gtest/gtest.h>

#include "npusched/types.hpp"
#include "npusched/verdict.hpp"

namespace npusched {
namespace {

using T = accelerator_type;

TEST(AcceleratorType, LabelsRoundTrip) {
  for (T t : {T::module_910_x8, T::module_910b_8, T::module_910b_16, T::module_a3_16, T::module_a3_16_super_pod,
              T::module_a3_8_super_pod, T::card, T::half}) {
    EXPECT_EQ(parse_accelerator_type(to_string(t)), t) << to_string(t);
  }
}

TEST(AcceleratorType, AnyValueContainingCardIsCard) {
  EXPECT_EQ(parse_accelerator_type("card-910b-2"), T::card);
  EXPECT_EQ(parse_accelerator_type("card-910b-infer"), T::card);
}

TEST(AcceleratorType, UnknownValuesAreRejected) {
  EXPECT_EQ(parse_accelerator_type(""), std::nullopt);
  EXPECT_EQ(parse_accelerator_type("module-950"), std::nullopt);
  EXPECT_EQ(parse_accelerator_type("Module"), std::nullopt);
}

TEST(SchedulePolicy, InScopeValues) {
  EXPECT_EQ(parse_schedule_policy("chip8-node8"), T::module_910b_8);
  EXPECT_EQ(parse_schedule_policy("chip8-node16"), T::module_910b_16);
  EXPECT_EQ(parse_schedule_policy("chip2-node16"), T::module_a3_16);
  EXPECT_EQ(parse_schedule_policy("chip2-node8"), T::module_a3_16);
  EXPECT_EQ(parse_schedule_policy("chip2-node16-sp"), T::module_a3_16_super_pod);
  EXPECT_EQ(parse_schedule_policy("chip2-node8-sp"), T::module_a3_8_super_pod);
  EXPECT_EQ(parse_schedule_policy("chip4-node4"), T::half);
  EXPECT_EQ(parse_schedule_policy("chip1-node2"), T::card);
  EXPECT_EQ(parse_schedule_policy("chip4-node8"), std::nullopt);  // 310P/350: out of scope
}

TEST(AcceleratorType, MaxChips) {
  EXPECT_EQ(max_chips(T::module_910_x8), 8);
  EXPECT_EQ(max_chips(T::module_910b_16), 16);
  EXPECT_EQ(max_chips(T::module_a3_8_super_pod), 8);
  EXPECT_EQ(max_chips(T::half), 4);
  EXPECT_EQ(max_chips(T::none), 0);
  EXPECT_FALSE(network_fault_aware(T::card));
  EXPECT_TRUE(network_fault_aware(T::module_910b_8));
}

TEST(ChipMask, Helpers) {
  EXPECT_EQ(chips_of(0b1011u), (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(first_chips(16), 0xFFFFu);
  EXPECT_EQ(first_chips(32), 0xFFFFFFFFu);
  EXPECT_EQ(chip_count(0xF0F0u), 8);
}

TEST(Reason, StableCodes) {
  EXPECT_EQ(to_string(reason::invalid_request), "invalid_request");
  EXPECT_EQ(to_string(reason::insufficient_npu), "insufficient_npu");
  EXPECT_EQ(to_string(reason::topology_mismatch), "topology_mismatch");
  EXPECT_EQ(to_string(reason::node_unhealthy), "node_unhealthy");
  EXPECT_EQ(to_string(reason::no_matching_node), "no_matching_node");
  EXPECT_EQ(to_string(reason::insufficient_resources), "insufficient_resources");
  EXPECT_EQ(to_string(node_health::pre_separate), "PreSeparate");
}

}  // namespace
}  // namespace npusched
