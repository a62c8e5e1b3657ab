// encode_snapshot → decode_snapshot gives back the same model.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "builders.hpp"
#include "npusched/plan.hpp"
#include "npusched/synthetic.hpp"

namespace npusched::k8s::test {
namespace {

chip_mask mask(std::initializer_list<int> chips) {
  chip_mask m = 0;
  for (int c : chips) m |= chip_bit(c);
  return m;
}

/// The model as decode_snapshot should return it: the cluster built from
/// `nodes`, and `w` (already in decode's canonical order).
snapshot expected(const std::vector<node_spec>& nodes, const workload& w) {
  snapshot s;
  auto c = build_cluster(nodes);
  EXPECT_TRUE(c) << c.err().what();
  if (c) s.cluster = std::move(*c);
  s.workload = w;
  return s;
}

snapshot round_trip(const std::vector<node_spec>& nodes, const workload& w) {
  auto r = decode_snapshot(encode_snapshot(nodes, w));
  EXPECT_TRUE(r) << r.err().what();
  return r ? std::move(*r) : snapshot{};
}

std::vector<node_spec> hand_built_nodes() {
  node_spec a2;
  a2.name = "a2-0";
  a2.type = accelerator_type::module_910b_8;
  a2.labels = {{"accelerator-type", "module-910b-8"}, {"topology.kubernetes.io/zone", "z1"}};
  a2.health = node_health::sub_healthy;
  a2.inventory = first_chips(8);
  a2.unhealthy = mask({7});
  a2.recovering = mask({6});
  a2.network_unhealthy = mask({5});
  a2.sub_healthy = mask({4});
  a2.in_use = {{0, "ns/r1"}, {1, "ns/r1"}, {2, "other/r2"}};
  a2.npu_allocatable = 7;
  a2.npu_requested = 5;  // 3 held + 2 requested by pods holding no chip
  a2.cpu_allocatable_milli = 190500;
  a2.memory_allocatable_bytes = std::int64_t{1500} << 30;
  a2.cpu_requested_milli = 12250;
  a2.memory_requested_bytes = 123456789;

  node_spec sp;
  sp.name = "sp-0";
  sp.type = accelerator_type::module_a3_16_super_pod;
  sp.labels = {{"accelerator-type", "module-a3-16-super-pod"}};
  sp.health = node_health::pre_separate;
  sp.schedulable = false;
  sp.super_pod_id = 2;
  sp.rack_id = 0;
  sp.server_index = 1;
  sp.inventory = first_chips(16);
  sp.network_health_known = false;
  sp.in_use = {{14, "ns/big"}, {15, "ns/big"}};
  sp.npu_requested = 2;
  sp.cpu_allocatable_milli = 1000;

  node_spec a3;
  a3.name = "a3-0";
  a3.type = accelerator_type::module_a3_16;
  a3.labels = {{"accelerator-type", "module-a3-16"}};
  a3.health = node_health::unhealthy;
  a3.inventory = first_chips(16) & ~mask({3});
  a3.recovering = mask({2});
  a3.npu_allocatable = 0;

  node_spec card;
  card.name = "card-0";
  card.type = accelerator_type::card;
  card.labels = {{"accelerator-type", "card-910b-2"}};  // kept: it decodes to the same type
  card.inventory = mask({0, 1});
  card.npu_allocatable = 2;

  node_spec cpu;
  cpu.name = "cpu-0";
  cpu.labels = {{"role", "router"}};
  cpu.health = node_health::not_ready;
  cpu.cpu_allocatable_milli = 8000;
  cpu.memory_allocatable_bytes = 1;
  return {sp, a2, card, cpu, a3};
}

workload hand_built_workload() {
  workload w;
  w.jobs.resize(3);
  w.jobs[0].shape = job_shape{0, 0};  // default/cpu: no NPU
  w.jobs[1].shape = job_shape{1, 2};  // ns/solo
  w.jobs[1].handler = accelerator_type::module_910b_8;
  w.jobs[1].refuse_sub_healthy = true;
  w.jobs[2].name = "ns/g";
  w.jobs[2].shape = job_shape{2, 16};
  w.jobs[2].handler = accelerator_type::module_a3_16;  // no selector: written as a schedule policy
  w.jobs[2].refuse_sub_healthy = true;
  auto pod = [&](std::string name, std::size_t job, int npus) {
    pod_spec p;
    p.name = std::move(name);
    p.job = job;
    p.npus = npus;
    p.cpu_milli = 1500;
    p.memory_bytes = std::int64_t{3} << 30;
    p.created = 1700000000 + static_cast<std::int64_t>(w.pods.size());
    w.pods.push_back(std::move(p));
  };
  pod("default/cpu", 0, 0);
  pod("ns/g-0", 2, 8);
  pod("ns/g-1", 2, 8);
  pod("ns/solo", 1, 2);
  w.pods[3].node_selector = {{"accelerator-type", "module-910b-8"}, {"zone", "z1"}};
  w.pods[3].priority = -3;
  w.pods[0].cpu_milli = 0;
  w.pods[0].memory_bytes = 0;
  return w;
}

TEST(RoundTrip, HandBuiltModelComesBackTheSame) {
  const auto nodes = hand_built_nodes();
  const workload w = hand_built_workload();
  const snapshot s = round_trip(nodes, w);
  EXPECT_TRUE(s.excluded_nodes.empty());
  EXPECT_EQ(describe(s, false), describe(expected(nodes, w), false));
  // Spot checks of what describe() summarises.
  const node_id a2 = *s.cluster.find("a2-0");
  EXPECT_EQ(s.cluster.holder(a2, 2), "other/r2");
  EXPECT_EQ(s.cluster.label(a2, "topology.kubernetes.io/zone"), "z1");
  EXPECT_EQ(s.cluster.label(*s.cluster.find("card-0"), "accelerator-type"), "card-910b-2");
  EXPECT_EQ(s.nodes[a2.value].device_count, 8);
  EXPECT_EQ(s.pods[1].group, "ns/g");
}

TEST(RoundTrip, EncodeSnapshotIsDeterministic) {
  auto nodes = hand_built_nodes();
  const workload w = hand_built_workload();
  const std::string want = encode_snapshot(nodes, w);
  std::mt19937 rng(3);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(nodes.begin(), nodes.end(), rng);
    EXPECT_EQ(encode_snapshot(nodes, w), want);
  }
  const json doc = json::parse(want);
  EXPECT_EQ(doc["kind"], "List");
  EXPECT_EQ(doc["items"][0]["metadata"]["name"], "a2-0") << "nodes first, by name";
}

TEST(RoundTrip, WrittenObjectsLookLikeKubectlOutput) {
  const json doc = json::parse(encode_snapshot(hand_built_nodes(), hand_built_workload()));
  std::map<std::string, json> by_name;
  for (const auto& item : doc["items"])
    by_name[item["kind"].get<std::string>() + " " + item["metadata"].value("namespace", "") + "/" +
            item["metadata"]["name"].get<std::string>()] = item;
  const json& a2 = by_name.at("Node /a2-0");
  EXPECT_EQ(a2["metadata"]["annotations"]["NodeHealthyStatus"], "SubHealthy");
  EXPECT_EQ(a2["status"]["capacity"]["huawei.com/Ascend910"], "8");
  EXPECT_EQ(a2["status"]["allocatable"]["huawei.com/Ascend910"], "7");
  EXPECT_EQ(a2["status"]["allocatable"]["cpu"], "190500m");
  EXPECT_EQ(by_name.at("Node /sp-0")["spec"]["unschedulable"], true);
  EXPECT_FALSE(by_name.at("Node /sp-0")["status"]["allocatable"].contains("huawei.com/Ascend910"))
      << "npu_allocatable -1 (derive) is written as no allocatable count";
  EXPECT_EQ(by_name.at("Node /cpu-0")["status"]["conditions"][0]["status"], "False");
  const json& cm = by_name.at("ConfigMap mindx-dl/cluster-info-device-0");
  const json records = json::parse(cm["data"]["cluster-info-device-0"].get<std::string>());
  EXPECT_EQ(records.size(), 4u) << "one record per NPU node";
  EXPECT_EQ(records["mindx-dl-deviceinfo-a2-0"]["UpdateTime"], 1700000000);
  EXPECT_FALSE(records["mindx-dl-deviceinfo-sp-0"]["DeviceList"].contains("huawei.com/Ascend910-NetworkUnhealthy"));
  const json& running = by_name.at("Pod ns/r1");
  EXPECT_EQ(running["spec"]["nodeName"], "a2-0");
  EXPECT_EQ(running["metadata"]["annotations"]["huawei.com/Ascend910"], "Ascend910-0,Ascend910-1");
  EXPECT_EQ(running["status"]["phase"], "Running");
  const json& filler = by_name.at("Pod npusched-system/load-a2-0");
  EXPECT_EQ(filler["spec"]["containers"][0]["resources"]["requests"]["huawei.com/Ascend910"], "2");
  const json& pg = by_name.at("PodGroup ns/g");
  EXPECT_EQ(pg["apiVersion"], "scheduling.volcano.sh/v1beta1");
  EXPECT_EQ(pg["metadata"]["annotations"]["huawei.com/schedule_policy"], "module-a3-16");
  EXPECT_EQ(pg["metadata"]["labels"]["subHealthyStrategy"], "forceExit");
  const json& pending = by_name.at("Pod ns/g-0");
  EXPECT_EQ(pending["metadata"]["annotations"]["scheduling.k8s.io/group-name"], "g");
  EXPECT_EQ(pending["metadata"]["creationTimestamp"], "2023-11-14T22:13:21Z");
  EXPECT_EQ(pending["spec"]["schedulerName"], "volcano");
  EXPECT_EQ(by_name.at("Pod ns/solo")["metadata"]["labels"]["subHealthyStrategy"], "forceExit");
}

/// Pods of `w` in decode's canonical order (by name; jobs by name then first pod), so a
/// generated workload can be compared with a decoded one.
workload canonical(const workload& w) {
  std::vector<std::size_t> order(w.pods.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return w.pods[a].name < w.pods[b].name; });
  std::map<std::pair<std::string, std::string>, std::size_t> first;  // (job name, first pod) → old job
  for (std::size_t i : order) {
    const job_spec& j = w.jobs[w.pods[i].job];
    const std::pair<std::string, std::string> key{j.name, j.name.empty() ? w.pods[i].name : ""};
    first.emplace(key, w.pods[i].job);
  }
  workload out;
  std::map<std::size_t, std::size_t> new_index;
  for (const auto& [key, old] : first) {
    new_index[old] = out.jobs.size();
    job_spec j = w.jobs[old];
    // A job without NPU pods counts none (the generators write shape {1, 0}).
    if (j.shape.total_npus == 0) j.shape = job_shape{0, 0};
    out.jobs.push_back(j);
  }
  for (std::size_t i : order) {
    pod_spec p = w.pods[i];
    p.job = new_index[p.job];
    out.pods.push_back(p);
  }
  return out;
}

TEST(RoundTrip, SyntheticClustersComeBackTheSame) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(seed);
    synthetic_options opt;
    opt.seed = seed;
    opt.nodes = 60;
    opt.super_pod_size = 8;
    opt.chip_fault_rate = 0.05;
    opt.node_fault_rate = 0.05;
    opt.pending_pods = 25;
    const synthetic_cluster g = generate_cluster(opt);
    const snapshot s = round_trip(g.nodes, g.pending);
    EXPECT_TRUE(s.excluded_nodes.empty());
    EXPECT_EQ(describe(s, false), describe(expected(g.nodes, canonical(g.pending)), false));
  }
}

TEST(RoundTrip, DemoPlansTheSameAfterTheRoundTrip) {
  const synthetic_cluster demo = demo_cluster();
  const snapshot s = round_trip(demo.nodes, demo.pending);
  ASSERT_EQ(describe(s, false), describe(expected(demo.nodes, canonical(demo.pending)), false));
  auto direct_cluster = build_cluster(demo.nodes);
  ASSERT_TRUE(direct_cluster);
  const plan_result direct = plan(*direct_cluster, demo.pending);
  const plan_result decoded = plan(s.cluster, s.workload);
  // Compare by pod name: decode orders pods by name.
  std::map<std::string, std::string> want, got;
  for (const auto& b : direct.bindings)
    want[demo.pending.pods[b.pod].name] =
        std::string(direct_cluster->name(b.node)) + " " + ::testing::PrintToString(b.chips);
  for (const auto& b : decoded.bindings)
    got[s.workload.pods[b.pod].name] = std::string(s.cluster.name(b.node)) + " " + ::testing::PrintToString(b.chips);
  EXPECT_EQ(got, want);
  EXPECT_EQ(decoded.unschedulable.size(), direct.unschedulable.size());
}

}  // namespace
}  // namespace npusched::k8s::test
