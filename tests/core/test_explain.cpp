// explain: per-rule counts, closest candidates, suggestions, placed pods.

#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include "npusched/explain.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using namespace npusched::testing;
using T = accelerator_type;

pod_spec pod(std::string name, std::size_t job, int npus) {
  pod_spec p;
  p.name = std::move(name);
  p.job = job;
  p.npus = npus;
  return p;
}

// One job of `pods` pods of `k` NPUs each, a gang of all of them.
workload gang(const std::string& name, int pods, int k, int min_available = 0) {
  workload w;
  job_spec j;
  j.name = name;
  j.shape = {pods, pods * k};
  j.min_available = min_available;
  w.jobs.push_back(j);
  for (int i = 0; i < pods; ++i) w.pods.push_back(pod(name + "-" + std::to_string(i), 0, k));
  return w;
}

std::vector<std::size_t> all_pods(const workload& w) {
  std::vector<std::size_t> v(w.pods.size());
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

int sum(const filter_counts& f) {
  return f.selector + f.illegal + f.cordoned + f.unhealthy + f.network_unknown + f.resources + f.npu_short +
         f.topology + f.feasible + f.broken_data;
}

node_spec full(std::string name, T t = T::module_910b_8) { return node_with_free(std::move(name), t, first_chips(max_chips(t))); }

std::vector<node_spec> superpods(const std::vector<int>& per_pod) {
  std::vector<node_spec> nodes;
  for (std::size_t p = 0; p < per_pod.size(); ++p)
    for (int i = 0; i < per_pod[p]; ++i) {
      node_spec n = full("sp" + std::to_string(p) + "-" + std::to_string(i), T::module_a3_16_super_pod);
      n.super_pod_id = static_cast<std::int32_t>(p);
      nodes.push_back(n);
    }
  return nodes;
}

workload superpod_job(int pods, int sp_block) {
  workload w = gang("serving/decode", pods, 16);
  w.jobs[0].handler = T::module_a3_16_super_pod;
  w.jobs[0].sp_block = sp_block;
  for (int i = 0; i < pods; ++i) w.pods[static_cast<std::size_t>(i)].rank = i;
  return w;
}

struct suggestion_case {
  const char* name;
  std::vector<node_spec> nodes;
  workload w;
  std::vector<suggestion_code> want;
  std::string want_message;  // the first suggestion's message
};

std::vector<suggestion_case> suggestion_cases() {
  std::vector<suggestion_case> cases;
  {
    workload w = gang("ns/sel", 1, 8);
    w.pods[0].node_selector = {{"models.ome.io/clusterbasemodel.m", "Ready"}};
    cases.push_back({"nodeSelector term no node carries", {full("n")}, w, {suggestion_code::missing_label},
                     "no node carries label models.ome.io/clusterbasemodel.m=Ready"});
  }
  {
    // Both labels exist, on different nodes: the one missing where the other is, is named.
    node_spec ready = full("a");
    ready.labels.emplace_back("models.ome.io/clusterbasemodel.m", "Ready");
    node_spec zoned = full("b");
    zoned.labels.emplace_back("zone", "z1");
    workload w = gang("ns/both", 1, 8);
    w.pods[0].node_selector = {{"models.ome.io/clusterbasemodel.m", "Ready"}, {"zone", "z1"}};
    cases.push_back({"no node carries every nodeSelector term", {ready, zoned}, w,
                     {suggestion_code::missing_label, suggestion_code::missing_label},
                     "no node with zone=z1 carries label models.ome.io/clusterbasemodel.m=Ready"});
  }
  {
    node_spec n = full("n");
    n.recovering = mask({5});
    cases.push_back({"recovering chip covers the shortage", {n}, gang("ns/rec", 1, 8),
                     {suggestion_code::chip_recovering},
                     "chip Ascend910-5 on node n is recovering: once recovered the node has 8 free NPUs"});
  }
  cases.push_back({"running pod holds the missing chips", {node_with_free("n", T::module_910b_8, range(0, 3))},
                   gang("ns/held", 1, 8), {suggestion_code::free_held_npus},
                   "free 4 NPUs on node n (held by pod default/busy-n)"});
  cases.push_back({"gang needs one more whole node", {full("n")}, gang("ns/two", 2, 8, 2),
                   {suggestion_code::more_nodes}, "1 more free node with 8 NPUs"});
  cases.push_back({"gang has fewer pods than min-available", {full("n")}, gang("ns/small", 1, 8, 3),
                   {suggestion_code::more_pods}, "2 more pods in gang ns/small to reach min-available 3"});
  // 4 nodes per block of 64; super-pods with 3 and 2 free nodes: no whole block,
  // but blocks of 32 (2 nodes) fit, and one node more in super-pod 0 would do.
  cases.push_back({"super-pod blocks missing", superpods({3, 2}), superpod_job(4, 64),
                   {suggestion_code::lower_sp_block, suggestion_code::superpod_nodes},
                   "lower sp-block to 32 (2 logical super-nodes of 2 nodes)"});
  {
    workload w = superpod_job(4, 64);
    for (int r = 4; r < 8; ++r)
      w.jobs[0].running.push_back({"serving/decode-old-" + std::to_string(r), "elsewhere", r, 16});
    w.jobs[0].shape = {8, 128};
    cases.push_back({"super-pod job with running members: no sp-block change", superpods({3, 2}), w,
                     {suggestion_code::superpod_nodes}, "1 more free node in one super-pod (e.g. super-pod 0)"});
  }
  {
    workload w = gang("ns/bad", 1, 8);
    w.jobs[0].invalid = verdict{reason::invalid_request, "conflicting selectors", false};
    cases.push_back({"invalid request gets no suggestion", {full("n")}, w, {}, ""});
  }
  return cases;
}

TEST(Explain, SuggestsTheSmallestChangeThatWouldMakeItFit) {
  for (const auto& tc : suggestion_cases()) {
    SCOPED_TRACE(tc.name);
    const cluster c = must_build(tc.nodes);
    const plan_result p = plan(c, tc.w);
    const auto targets = all_pods(tc.w);
    const explanation e = explain(c, tc.w, p, targets);
    std::vector<suggestion_code> got;
    for (const auto& s : e.suggestions) got.push_back(s.code);
    EXPECT_EQ(got, tc.want);
    if (!e.suggestions.empty()) {
      EXPECT_EQ(e.suggestions.front().message, tc.want_message);
    }
  }
}

TEST(Explain, CountsAddUpToTheClusterIncludingLeftOutNodes) {
  node_spec cordoned = full("c");
  cordoned.schedulable = false;
  node_spec sick = full("u");
  sick.health = node_health::unhealthy;
  const cluster c = must_build({full("a", T::none), cordoned, sick, node_with_free("s", T::module_910b_8, range(0, 1)),
                                full("f")});
  workload w = gang("ns/g", 1, 8);
  explain_options opt;
  opt.plan.broken_data_nodes = 2;
  workload busy = w;
  busy.pods.push_back(pod("ns/first", 1, 8));
  busy.jobs.push_back(busy.jobs[0]);
  busy.jobs[1].name = "ns/first";
  busy.pods[1].priority = 10;  // takes node f first
  const plan_result p = plan(c, busy, opt.plan);
  const std::size_t target[] = {0};
  const explanation e = explain(c, busy, p, target, opt);
  ASSERT_EQ(e.pods.size(), 1u);
  const filter_counts& f = e.pods[0].counts;
  EXPECT_FALSE(e.pods[0].placed);
  EXPECT_EQ(f.nodes, 7);
  EXPECT_EQ(sum(f), f.nodes);
  EXPECT_EQ(f.broken_data, 2);
  EXPECT_EQ(f.selector, 1);
  EXPECT_EQ(f.cordoned, 1);
  EXPECT_EQ(f.unhealthy, 1);
  EXPECT_EQ(f.npu_short, 2);
  ASSERT_FALSE(e.pods[0].closest.empty());
  EXPECT_EQ(c.name(e.pods[0].closest[0].node), "s");
  EXPECT_EQ(e.pods[0].closest[0].short_by, 6);
}

TEST(Explain, UnschedulableMessageCountsLeftOutNodes) {
  const cluster c = must_build(
      {node_with_free("m", T::module_910b_8, range(0, 3)), node_with_free("n", T::module_910b_8, range(0, 3))});
  plan_options opt;
  opt.broken_data_nodes = 2;
  const plan_result p = plan(c, gang("ns/g", 1, 8), opt);
  ASSERT_EQ(p.unschedulable.size(), 1u);
  EXPECT_EQ(p.unschedulable[0].counts.nodes, 4);
  EXPECT_EQ(p.unschedulable[0].counts.broken_data, 2);
  EXPECT_NE(p.unschedulable[0].why.message.find(
                "0/4 nodes can take 8 NPUs: 2 have too few free NPUs, 2 were left out for broken or missing device data"),
            std::string::npos)
      << p.unschedulable[0].why.message;
}

TEST(Explain, ClosestNodesListUnhealthyAndRecoveringChips) {
  node_spec n = node_with_free("n", T::module_910b_8, range(0, 5));
  n.unhealthy = mask({1});
  n.recovering = mask({2});
  const cluster c = must_build({n, node_with_free("m", T::module_910b_8, range(0, 1))});
  const workload w = gang("ns/g", 1, 8);
  const auto targets = all_pods(w);
  const explanation e = explain(c, w, plan(c, w), targets);
  ASSERT_EQ(e.pods[0].closest.size(), 2u);
  const candidate_node& best = e.pods[0].closest[0];
  EXPECT_EQ(c.name(best.node), "n");
  EXPECT_EQ(best.usable, 4);
  EXPECT_EQ(best.short_by, 4);
  EXPECT_EQ(best.unhealthy_chips, (std::vector<int>{1}));
  EXPECT_EQ(best.recovering_chips, (std::vector<int>{2}));
  EXPECT_EQ(c.name(e.pods[0].closest[1].node), "m");
}

TEST(Explain, PlacedPodNamesItsNodeAndTheRunnerUp) {
  const cluster c = must_build({full("a"), node_with_free("b", T::module_910b_8, range(0, 3))});
  const workload w = gang("ns/g", 1, 4);
  const plan_result p = plan(c, w);
  ASSERT_EQ(p.bindings.size(), 1u);
  const auto targets = all_pods(w);
  const explanation e = explain(c, w, p, targets);
  ASSERT_EQ(e.pods.size(), 1u);
  const pod_explanation& x = e.pods[0];
  EXPECT_TRUE(x.placed);
  EXPECT_EQ(x.node, p.bindings[0].node);
  ASSERT_TRUE(x.runner_up);
  EXPECT_NE(*x.runner_up, *x.node);
  EXPECT_GE(x.score, x.runner_up_score);
  EXPECT_EQ(x.counts.feasible, 2);
  EXPECT_EQ(x.why.code, reason::none);
  EXPECT_NE(x.why.message.find("runner-up"), std::string::npos) << x.why.message;
  EXPECT_TRUE(e.suggestions.empty());
}

TEST(Explain, DeterministicAndIndependentOfTargetOrder) {
  const cluster c = must_build(superpods({3, 2}));
  const workload w = superpod_job(4, 64);
  const plan_result p = plan(c, w);
  const std::vector<std::size_t> forward = {0, 1, 2, 3};
  const std::vector<std::size_t> backward = {3, 2, 2, 1, 0, 99};
  const explanation a = explain(c, w, p, forward);
  const explanation b = explain(c, w, p, backward);
  ASSERT_EQ(a.pods.size(), 4u);
  ASSERT_EQ(b.pods.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(a.pods[i].pod, b.pods[i].pod);
    EXPECT_EQ(a.pods[i].counts, b.pods[i].counts);
    EXPECT_EQ(a.pods[i].closest, b.pods[i].closest);
  }
  EXPECT_EQ(a.suggestions, b.suggestions);
  EXPECT_EQ(a.super_pod_jobs, b.super_pod_jobs);
  EXPECT_EQ(a.gangs, b.gangs);
}

}  // namespace
}  // namespace npusched
