// Fragmentation metrics through the adapter: the sizes in use read from a
// snapshot (super-pod jobs' block sizes, running and pending pod sizes).

#include <gtest/gtest.h>

#include "builders.hpp"
#include "npusched/k8s/metrics.hpp"

namespace npusched::k8s::test {
namespace {

TEST(MetricsInUse, BlockSizesComeFromPendingSuperPodJobsAndPodSizesFromPods) {
  std::vector<json> items = superpod_cluster({4, 4});
  json pg = podgroup("serving", "decode");
  pg["metadata"]["annotations"]["sp-block"] = "32";  // two 16-die nodes per logical super-node
  items.push_back(pg);
  for (int r = 0; r < 4; ++r) {
    json p = pending_pod("serving", "d-" + std::to_string(r), 16, "decode");
    p["spec"]["nodeSelector"]["accelerator-type"] = "module-a3-16-super-pod";
    p["metadata"]["annotations"]["hccl/rankIndex"] = std::to_string(r);
    items.push_back(p);
  }
  const snapshot s = decode_ok(list(items));
  const metrics_options in_use = metrics_in_use(s);
  EXPECT_EQ(in_use.block_nodes, (std::vector<int>{2}));
  ASSERT_EQ(in_use.request_sizes.size(), 1u);
  EXPECT_EQ(in_use.request_sizes[0].type, accelerator_type::module_a3_16_super_pod);
  EXPECT_EQ(in_use.request_sizes[0].sizes, (std::vector<int>{16}));

  const auto text = metrics_json(list(items).dump(), {});
  ASSERT_TRUE(text.ok()) << text.err().what();
  const json m = json::parse(*text);
  EXPECT_EQ(m["block_nodes"], json::array({2}));
  EXPECT_EQ(m["spectrum"], json::parse(R"([{"block_nodes":2,"blocks":4}])"));
  EXPECT_EQ(m["super_pods"].size(), 2u);
}

TEST(MetricsInUse, OptionsOutOfRangeAreErrors) {
  metrics_json_options o;
  o.block_nodes = {2, 0};
  const auto r = metrics_json(list({}).dump(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().path, "block_nodes[1]");
  EXPECT_EQ(r.err().code, error_code::out_of_range);
}

}  // namespace
}  // namespace npusched::k8s::test
