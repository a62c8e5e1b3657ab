// The validating builder and the dense cluster model.

#include <gtest/gtest.h>

#include "npusched/cluster.hpp"
#include "npusched/synthetic.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using namespace npusched::testing;
using T = accelerator_type;

struct invalid_case {
  const char* rule;
  node_spec node;
  std::string path;
};

node_spec base(T t = T::module_910b_8) { return node_with_free("n1", t, first_chips(max_chips(t))); }

std::vector<invalid_case> invalid_cases() {
  std::vector<invalid_case> v;
  {
    node_spec n = base();
    n.name.clear();
    v.push_back({"empty_name", n, "nodes[0].name"});
  }
  {
    node_spec n = base();
    n.inventory |= chip_bit(8);
    v.push_back({"chip_out_of_range", n, "nodes[0].inventory"});
  }
  {
    node_spec n = base(T::none);
    n.inventory = 1;
    v.push_back({"cpu_node_with_chips", n, "nodes[0].inventory"});
  }
  {
    node_spec n = base();
    n.inventory = range(0, 3);
    n.in_use.clear();
    n.unhealthy = mask({5});
    v.push_back({"unhealthy_outside_inventory", n, "nodes[0].unhealthy"});
  }
  {
    node_spec n = base();
    n.inventory = range(0, 3);
    n.in_use.clear();
    n.recovering = mask({6});
    v.push_back({"recovering_outside_inventory", n, "nodes[0].recovering"});
  }
  {
    node_spec n = base();
    n.inventory = range(0, 3);
    n.in_use.clear();
    n.network_unhealthy = mask({6});
    v.push_back({"network_unhealthy_outside_inventory", n, "nodes[0].network_unhealthy"});
  }
  {
    node_spec n = base();
    n.in_use = {{1, "a/x"}, {1, "a/y"}};
    v.push_back({"chip_held_twice", n, "nodes[0].in_use[1].chip"});
  }
  {
    node_spec n = base();
    n.inventory = range(0, 3);
    n.in_use = {{5, "a/x"}};
    v.push_back({"held_chip_not_in_inventory", n, "nodes[0].in_use[0].chip"});
  }
  {
    node_spec n = base();
    n.npu_allocatable = 9;
    v.push_back({"allocatable_above_max", n, "nodes[0].npu_allocatable"});
  }
  {
    node_spec n = base();
    n.npu_requested = -1;
    v.push_back({"negative_requested", n, "nodes[0].npu_requested"});
  }
  {
    node_spec n = base();
    n.cpu_allocatable_milli = -1;
    v.push_back({"negative_cpu", n, "nodes[0].cpu_allocatable_milli"});
  }
  {
    node_spec n = base();
    n.memory_requested_bytes = -1;
    v.push_back({"negative_memory_requested", n, "nodes[0].memory_requested_bytes"});
  }
  {
    node_spec n = base();
    n.labels.push_back({"", "x"});
    v.push_back({"empty_label_key", n, "nodes[0].labels[1]"});
  }
  return v;
}

class InvalidNode : public ::testing::TestWithParam<invalid_case> {};

TEST_P(InvalidNode, ErrorNamesTheField) {
  const auto& c = GetParam();
  auto r = build_cluster({c.node});
  ASSERT_FALSE(r.ok()) << c.rule;
  EXPECT_EQ(r.err().path, c.path) << c.rule << ": " << r.err().what();
  EXPECT_FALSE(r.err().message.empty());
}

INSTANTIATE_TEST_SUITE_P(Rules, InvalidNode, ::testing::ValuesIn(invalid_cases()),
                         [](const auto& tp) { return std::string(tp.param.rule); });

TEST(Cluster, DuplicateNamesAreAnError) {
  auto r = build_cluster({base(), base()});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().path, "nodes[1].name");
  EXPECT_THROW((void)r.value(), bad_result_access);
}

TEST(Cluster, NodesOrderedByNameWhateverTheInputOrder) {
  const cluster c = must_build({node_with_free("b", T::module_910b_8, 0), node_with_free("a", T::module_910b_8, 0),
                                node_with_free("c", T::module_a3_16, 0)});
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.name(node_id{0}), "a");
  EXPECT_EQ(c.name(node_id{2}), "c");
  EXPECT_EQ(c.find("c")->value, 2u);
  EXPECT_FALSE(c.find("d"));
  EXPECT_EQ(c.type(node_id{2}), T::module_a3_16);
}

TEST(Cluster, ChipStateAndHolders) {
  node_spec n = node_with_free("n", T::module_910b_8, range(2, 7));
  n.unhealthy = mask({7});
  n.recovering = mask({6});
  n.network_unhealthy = mask({5});
  const cluster c = must_build({n});
  const node_id id{0};
  EXPECT_EQ(c.in_use(id), mask({0, 1}));
  EXPECT_EQ(c.free(id), range(2, 5));
  EXPECT_EQ(c.holder(id, 0), "default/busy-n");
  EXPECT_EQ(c.holder(id, 3), "");
  EXPECT_EQ(c.network_unhealthy(id), mask({5}));
  // Allocatable derived from inventory minus unhealthy.
  EXPECT_EQ(c.npu_allocatable(id), 7);
}

TEST(Cluster, LabelsAndSelectors) {
  node_spec a = node_with_free("a", T::module_910b_8, 0);
  a.labels.push_back({"host-arch", "huawei-arm"});
  node_spec b = node_with_free("b", T::module_a3_16, 0);
  b.labels.push_back({"host-arch", "huawei-x86"});
  const cluster c = must_build({a, b});
  EXPECT_EQ(c.label(node_id{0}, "host-arch"), "huawei-arm");
  EXPECT_EQ(c.label(node_id{1}, "accelerator-type"), "module-a3-16");
  EXPECT_FALSE(c.label(node_id{0}, "missing"));
  const std::vector<std::pair<std::string, std::string>> arm = {{"host-arch", "huawei-arm"}};
  const selector s = c.resolve(arm);
  EXPECT_TRUE(c.matches(node_id{0}, s));
  EXPECT_FALSE(c.matches(node_id{1}, s));
  const std::vector<std::pair<std::string, std::string>> none = {{"host-arch", "riscv"}};
  EXPECT_TRUE(c.resolve(none).impossible);
  EXPECT_FALSE(c.matches(node_id{0}, c.resolve(none)));
  const std::vector<std::pair<std::string, std::string>> empty;
  EXPECT_TRUE(c.matches(node_id{1}, c.resolve(empty)));
}

TEST(Cluster, NegativeSuperPodIdMeansNone) {
  node_spec n = base(T::module_a3_16_super_pod);
  n.super_pod_id = -2;
  const cluster c = must_build({n});
  EXPECT_EQ(c.super_pod_id(node_id{0}), -1);
}

}  // namespace
}  // namespace npusched

namespace npusched {
namespace {

// Every accessor of `a` and `b` agrees, node by node.
void expect_same_cluster(const cluster& a, const cluster& b, const std::vector<node_spec>& specs) {
  ASSERT_EQ(a.size(), b.size());
  for (std::uint32_t i = 0; i < a.size(); ++i) {
    const node_id n{i};
    ASSERT_EQ(a.name(n), b.name(n));
    EXPECT_EQ(a.type(n), b.type(n));
    EXPECT_EQ(a.health(n), b.health(n));
    EXPECT_EQ(a.schedulable(n), b.schedulable(n));
    EXPECT_EQ(a.super_pod_id(n), b.super_pod_id(n));
    EXPECT_EQ(a.free(n), b.free(n));
    EXPECT_EQ(a.in_use(n), b.in_use(n));
    EXPECT_EQ(a.sub_healthy(n), b.sub_healthy(n));
    EXPECT_EQ(a.npu_allocatable(n), b.npu_allocatable(n));
    EXPECT_EQ(a.npu_requested(n), b.npu_requested(n));
    EXPECT_EQ(a.cpu_requested_milli(n), b.cpu_requested_milli(n));
    for (int c : chips_of(a.in_use(n))) EXPECT_EQ(a.holder(n, c), b.holder(n, c));
    ASSERT_EQ(a.hard_taints(n).size(), b.hard_taints(n).size());
    const auto pa = a.type_position(n), pb = b.type_position(n);
    EXPECT_EQ(a.by_type().facts[pa], b.by_type().facts[pb]);
    EXPECT_EQ(a.by_type().givable[pa], b.by_type().givable[pb]);
    EXPECT_EQ(a.by_type().npu_allocatable[pa], b.by_type().npu_allocatable[pb]);
  }
  for (std::size_t t = 0; t < accelerator_type_count; ++t) {
    const auto at = a.nodes_of_type(static_cast<accelerator_type>(t));
    const auto bt = b.nodes_of_type(static_cast<accelerator_type>(t));
    EXPECT_TRUE(std::equal(at.begin(), at.end(), bt.begin(), bt.end()));
  }
  for (const node_spec& s : specs)
    for (const auto& [k, v] : s.labels) {
      const std::pair<std::string, std::string> one[] = {{k, v}};
      EXPECT_EQ(a.resolve(one).impossible, b.resolve(one).impossible) << k << "=" << v;
      for (std::uint32_t i = 0; i < a.size(); ++i)
        EXPECT_EQ(a.matches(node_id{i}, a.resolve(one)), b.matches(node_id{i}, b.resolve(one)));
    }
}

TEST(ClusterUpdate, InPlaceUpdatesEqualAFreshBuild) {
  synthetic_options opt;
  opt.nodes = 60;
  opt.seed = 7;
  std::vector<node_spec> before = generate_cluster(opt).nodes;
  opt.seed = 8;
  std::vector<node_spec> after = generate_cluster(opt).nodes;
  // Same names, other contents; one node loses its labels, one gains a new label value.
  for (std::size_t i = 0; i < after.size(); ++i) after[i].name = before[i].name;
  after[3].labels.clear();
  after[4].labels.emplace_back("pool", "only-on-node-4");
  before[5].labels.emplace_back("pool", "gone-after-update");
  auto live = build_cluster(before);
  ASSERT_TRUE(live.ok());
  for (const node_spec& s : after) {
    auto id = live->find(s.name);
    ASSERT_TRUE(id);
    ASSERT_FALSE(live->update_node(*id, s));
  }
  auto fresh = build_cluster(after);
  ASSERT_TRUE(fresh.ok());
  expect_same_cluster(*live, *fresh, before);
  expect_same_cluster(*live, *fresh, after);
}

TEST(ClusterUpdate, RefusesAnotherNameOrAnInvalidNodeAndKeepsTheOld) {
  auto c = build_cluster({testing::node_with_free("a", accelerator_type::module_910b_8, 0xFF)});
  ASSERT_TRUE(c.ok());
  auto renamed = testing::node_with_free("b", accelerator_type::module_910b_8, 0x0F);
  EXPECT_TRUE(c->update_node(node_id{0}, renamed));
  auto bad = testing::node_with_free("a", accelerator_type::module_910b_8, 0xFF);
  bad.unhealthy = chip_bit(20);
  EXPECT_TRUE(c->update_node(node_id{0}, bad));
  EXPECT_EQ(c->free(node_id{0}), 0xFFu);
  EXPECT_TRUE(c->update_node(node_id{1}, renamed));
}

}  // namespace
}  // namespace npusched
