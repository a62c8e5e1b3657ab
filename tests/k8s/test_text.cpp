// Quantities, timestamps, chip names and error paths (lib/k8s/detail.hpp).

#include <gtest/gtest.h>

#include "detail.hpp"

namespace npusched::k8s::detail {
namespace {

struct quantity_case {
  const char* text;
  std::int64_t value;   // scaled by 10^0
  bool exact;
  std::int64_t milli;   // scaled by 10^3
};

TEST(Quantity, ParsesKubernetesSuffixesExactly) {
  const quantity_case cases[] = {
      {"4", 4, true, 4000},
      {"3500m", 4, false, 3500},
      {"16Gi", 17179869184, true, 17179869184000},
      {"1e3", 1000, true, 1000000},
      {"1E3", 1000, true, 1000000},
      {"2e-3", 1, false, 2},
      {"500M", 500000000, true, 500000000000},
      {"1.5Gi", 1610612736, true, 1610612736000},
      {"0.5", 1, false, 500},
      {".5", 1, false, 500},
      {"1.", 1, true, 1000},
      {"+8", 8, true, 8000},
      {"100m", 1, false, 100},
      {"0.1", 1, false, 100},
      {"1500u", 1, false, 2},
      {"2000000n", 1, false, 2},
      {"1k", 1000, true, 1000000},
      {"1Ki", 1024, true, 1024000},
      {"0.5Ki", 512, true, 512000},
      {"1E", 1000000000000000000, true, 0},  // milli overflows, checked below
      {"0", 0, true, 0},
      {"000", 0, true, 0},
      {"0Gi", 0, true, 0},
      {"128974848", 128974848, true, 128974848000},
      {"129e6", 129000000, true, 129000000000},
      {"123Mi", 128974848, true, 128974848000},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto q = parse_quantity(c.text);
    ASSERT_TRUE(q) << q.err().message;
    auto v = scale(*q, 0);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->value, c.value);
    EXPECT_EQ(v->exact, c.exact);
    if (std::string_view(c.text) != "1E") {
      auto m = scale(*q, 3);
      ASSERT_TRUE(m);
      EXPECT_EQ(m->value, c.milli);
    }
  }
}

TEST(Quantity, NegativeValuesRoundAwayFromZero) {
  auto q = parse_quantity("-1.5");
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->negative);
  EXPECT_EQ(scale(*q, 0)->value, -2);
  EXPECT_EQ(scale(*q, 3)->value, -1500);
}

TEST(Quantity, EqualValuesHaveEqualRepresentations) {
  EXPECT_EQ(*parse_quantity("1000"), *parse_quantity("1k"));
  EXPECT_EQ(*parse_quantity("1000"), *parse_quantity("1e3"));
  EXPECT_EQ(*parse_quantity("1.50"), *parse_quantity("1500m"));
}

TEST(Quantity, RejectsWhatKubernetesRejects) {
  for (const char* bad : {"", "abc", "1 Gi", " 1", "1Gb", "1e", "1e+", "1ee3", "--1", "1.2.3", ".", "+", "1Ki5", "Gi",
                          "1e1.5", "0x10", "1e999", "1234567890123456789"}) {
    SCOPED_TRACE(bad);
    auto q = parse_quantity(bad);
    ASSERT_FALSE(q);
    EXPECT_NE(q.err().message.find("is not a Kubernetes quantity"), std::string::npos) << q.err().message;
  }
}

TEST(Quantity, OverflowIsNotAValue) {
  EXPECT_FALSE(scale(*parse_quantity("10E"), 0));
  EXPECT_FALSE(scale(*parse_quantity("8Ei"), 0));
  EXPECT_FALSE(scale(*parse_quantity("1E"), 3));
  EXPECT_TRUE(scale(*parse_quantity("7Ei"), 0));
  // Tiny values round up to one unit.
  EXPECT_EQ(scale(*parse_quantity("1e-90"), 0)->value, 1);
}

TEST(Rfc3339, ParsesAndFormats) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20Z"), 1700000000);
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20.999999Z"), 1700000000);
  EXPECT_EQ(parse_rfc3339("2023-11-15T00:13:20+02:00"), 1700000000);
  EXPECT_EQ(parse_rfc3339("2023-11-14t22:13:20z"), 1700000000);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59Z"), -1);
  for (const char* bad : {"", "2023-11-14", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                          "2023-11-14 22:13:20Z", "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20Zx",
                          "2023-11-14T22:13:20+0200"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_rfc3339(bad));
  }
  EXPECT_EQ(format_rfc3339(1700000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
  for (std::int64_t t : {std::int64_t{0}, std::int64_t{951782400}, std::int64_t{1709164800}, std::int64_t{4102444799}})
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
}

TEST(ChipName, StrictAscend910Names) {
  EXPECT_EQ(parse_chip_name("Ascend910-0"), 0);
  EXPECT_EQ(parse_chip_name("Ascend910-15"), 15);
  EXPECT_EQ(parse_chip_name("Ascend910-007"), 7);  // leading zeros, as Go's Atoi
  for (const char* bad : {"", "Ascend910-", "Ascend910", "Ascend910--1", "Ascend910-+1", " Ascend910-1", "Ascend910-1 ",
                          "Ascend310-1", "ascend910-1", "Ascend910-1c", "Ascend910-9999999999"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_chip_name(bad));
  }
  EXPECT_EQ(chip_name(3), "Ascend910-3");
}

TEST(ChipList, CommaListWithoutTrimming) {
  EXPECT_TRUE(parse_chip_list("").chips.empty());
  EXPECT_FALSE(parse_chip_list("").bad);
  EXPECT_EQ(parse_chip_list("Ascend910-3,Ascend910-1").chips, (std::vector<int>{3, 1}));
  auto spaced = parse_chip_list("Ascend910-0, Ascend910-1");
  EXPECT_EQ(spaced.bad, " Ascend910-1");
  EXPECT_TRUE(spaced.chips.empty());
  EXPECT_EQ(parse_chip_list("Ascend910-0,").bad, "");
  EXPECT_EQ(join_chip_names({4, 0}), "Ascend910-4,Ascend910-0");
}

TEST(ErrorPath, FieldsKeysAndIndices) {
  EXPECT_EQ(field_path("", "items"), "items");
  EXPECT_EQ(field_path(index_path("items", 3), "metadata"), "items[3].metadata");
  EXPECT_EQ(key_path("items[3].spec.containers[0].resources.requests", "huawei.com/Ascend910"),
            "items[3].spec.containers[0].resources.requests[\"huawei.com/Ascend910\"]");
  EXPECT_EQ(key_path("x", "a\"b\\c"), "x[\"a\\\"b\\\\c\"]");
}

}  // namespace
}  // namespace npusched::k8s::detail
