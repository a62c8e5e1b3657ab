// Defragmentation advice: one case per rule, and properties on seeded
// clusters (the advice, applied, makes the gang fit; it is minimal by inclusion).

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "npusched/defrag.hpp"
#include "test_util.hpp"

namespace npusched {
namespace {

using namespace npusched::testing;
using T = accelerator_type;

// A cluster under construction with its running jobs.
struct world {
  std::vector<node_spec> nodes;
  struct held {
    std::string job, pod, node;
    chip_mask chips;
  };
  std::vector<held> pods;

  node_spec& add_node(const std::string& name, T t = T::module_910b_8, std::int32_t super_pod = -1) {
    nodes.push_back(node_with_free(name, t, first_chips(max_chips(t))));
    nodes.back().super_pod_id = super_pod;
    return nodes.back();
  }
  // A running pod of job `job` (empty: a pod without a group) holding `chips` on `node`.
  void run(const std::string& job, const std::string& pod, const std::string& node, chip_mask chips) {
    for (node_spec& n : nodes)
      if (n.name == node) {
        for (int c : chips_of(chips)) n.in_use.push_back({c, pod});
        n.npu_requested += std::popcount(chips);
      }
    pods.push_back({job, pod, node, chips});
  }
  [[nodiscard]] std::vector<running_job> running(const cluster& c) const {
    std::map<std::string, running_job> jobs;
    for (const held& h : pods) {
      const std::string key = h.job.empty() ? h.pod : h.job;
      running_job& j = jobs[key];
      j.job.name = h.job;
      pod_spec p;
      p.name = h.pod;
      p.npus = std::popcount(h.chips);
      j.pods.push_back(p);
      j.nodes.push_back(*c.find(h.node));
      ++j.job.shape.npu_tasks;
      j.job.shape.total_npus += p.npus;
    }
    std::vector<running_job> out;
    for (auto& [name, j] : jobs) out.push_back(std::move(j));
    return out;
  }
};

workload gang(const std::string& name, int pods, int k) {
  workload w;
  job_spec j;
  j.name = name;
  j.shape = {pods, pods * k};
  w.jobs.push_back(j);
  for (int i = 0; i < pods; ++i) {
    pod_spec p;
    p.name = name + "-" + std::to_string(i);
    p.npus = k;
    p.rank = i;
    w.pods.push_back(p);
  }
  return w;
}

struct outcome {
  cluster c;
  workload w;
  plan_result p;
  defrag_advice advice;
};

outcome advise(const world& x, workload w, const plan_options& opt = {}) {
  outcome o{must_build(x.nodes), std::move(w), {}, {}};
  o.p = plan(o.c, o.w, opt);
  const auto running = x.running(o.c);
  o.advice = advise_defrag(o.c, o.w, o.p, 0, running, {.plan = opt});
  return o;
}

std::vector<std::string> move_nodes(const cluster& c, const defrag_advice& a) {
  std::vector<std::string> out;
  for (const pod_move& m : a.moves)
    out.push_back(m.pod + ":" + std::string(c.name(m.from)) + "->" + (m.to ? std::string(c.name(*m.to)) : "-"));
  return out;
}

TEST(Defrag, MovingOneSmallPodFreesAWholeNode) {
  world x;
  x.add_node("a");
  x.add_node("b");
  x.run("", "default/x", "a", range(0, 3));
  x.run("", "default/y", "b", range(0, 3));
  const outcome o = advise(x, gang("default/big", 1, 8));
  ASSERT_EQ(o.advice.status, defrag_status::advised) << o.advice.message;
  EXPECT_EQ(o.advice.moved_jobs, std::vector<std::string>{"default/x"});  // equal sizes: by name
  EXPECT_EQ(move_nodes(o.c, o.advice), std::vector<std::string>{"default/x:a->b"});
  EXPECT_EQ(o.advice.moves[0].to_chips, (std::vector<int>{4, 5, 6, 7}));
  ASSERT_EQ(o.advice.placements.size(), 1u);
  EXPECT_EQ(o.c.name(o.advice.placements[0].node), "a");
  EXPECT_EQ(o.advice.message, "moving 1 running job (1 pod, 4 NPUs) makes room for default/big: default/x");
}

TEST(Defrag, FewestPodsFirstSoASoloPodBeatsAGang) {
  world x;
  x.add_node("a");
  x.add_node("b");
  x.add_node("c");
  x.run("default/g", "default/g-0", "a", range(0, 3));
  x.run("default/g", "default/g-1", "b", range(0, 3));
  x.run("", "default/z", "c", range(0, 3));
  const outcome o = advise(x, gang("default/big", 1, 8));
  ASSERT_EQ(o.advice.status, defrag_status::advised) << o.advice.message;
  EXPECT_EQ(o.advice.moved_jobs, std::vector<std::string>{"default/z"});
}

TEST(Defrag, MovingAMemberMovesItsWholeGang) {
  world x;
  x.add_node("a");
  x.add_node("b");
  x.run("default/g", "default/g-0", "a", range(0, 3));
  x.run("default/g", "default/g-1", "b", range(0, 3));
  // Two 8-NPU pods: both nodes must be freed, and the gang then has nowhere to go.
  const outcome two = advise(x, gang("default/big", 2, 8));
  EXPECT_EQ(two.advice.status, defrag_status::no_destination) << two.advice.message;
  // One 8-NPU pod: the gang moves, both members land on the other node.
  const outcome one = advise(x, gang("default/big", 1, 8));
  ASSERT_EQ(one.advice.status, defrag_status::advised) << one.advice.message;
  EXPECT_EQ(one.advice.moved_jobs, std::vector<std::string>{"default/g"});
  ASSERT_EQ(one.advice.moves.size(), 2u);
  for (const pod_move& m : one.advice.moves) {
    EXPECT_EQ(m.job, "default/g");
    ASSERT_TRUE(m.to);
    EXPECT_NE(*m.to, one.advice.placements[0].node);
  }
}

TEST(Defrag, AWaitingJobConsideredEarlierGetsTheFirstPick) {
  world x;
  x.add_node("a");
  x.add_node("b");
  x.run("", "default/x", "a", range(0, 3));
  x.run("", "default/y", "b", range(0, 3));
  // Two 8-NPU pods, `default/aaa` considered first (by name): freeing one node
  // would go to it, so `default/big` needs both freed, and then x and y have
  // nowhere to go.
  workload w = gang("default/aaa", 1, 8);
  workload big = gang("default/big", 1, 8);
  w.jobs.push_back(big.jobs[0]);
  w.pods.push_back(big.pods[0]);
  w.pods.back().job = 1;
  const cluster c = must_build(x.nodes);
  const plan_result p = plan(c, w);
  const auto running = x.running(c);
  EXPECT_EQ(advise_defrag(c, w, p, 0, running).status, defrag_status::advised);
  const defrag_advice later = advise_defrag(c, w, p, 1, running);
  EXPECT_EQ(later.status, defrag_status::no_destination) << later.message;
  EXPECT_EQ(later.moved_jobs, (std::vector<std::string>{"default/x", "default/y"}));
}

TEST(Defrag, NoDestinationWhenTheMovedPodHasNowhereToGo) {
  world x;
  x.add_node("a");
  x.run("", "default/x", "a", range(0, 3));
  const outcome o = advise(x, gang("default/big", 1, 8));
  EXPECT_EQ(o.advice.status, defrag_status::no_destination);
  EXPECT_EQ(o.advice.moved_jobs, std::vector<std::string>{"default/x"});
  ASSERT_EQ(o.advice.moves.size(), 1u);
  EXPECT_FALSE(o.advice.moves[0].to);
}

TEST(Defrag, CapacityWhenMovingEverythingIsNotEnough) {
  world x;
  node_spec& a = x.add_node("a");
  a.unhealthy = mask({6, 7});
  x.run("", "default/x", "a", range(0, 3));
  const outcome o = advise(x, gang("default/big", 1, 8));
  EXPECT_EQ(o.advice.status, defrag_status::capacity) << o.advice.message;
  EXPECT_TRUE(o.advice.moves.empty());
}

TEST(Defrag, FitsWhenThePlanAdmitsTheGang) {
  world x;
  x.add_node("a");
  const outcome o = advise(x, gang("default/big", 1, 8));
  EXPECT_EQ(o.advice.status, defrag_status::fits);
}

TEST(Defrag, NotApplicableWhenNoNodeMatches) {
  world x;
  x.add_node("a");
  x.add_node("b");  // free NPUs enough for the plan's enqueue check
  x.run("", "default/x", "a", range(0, 3));
  workload w = gang("default/big", 1, 8);
  w.pods[0].node_selector = {{"pool", "gold"}};
  const outcome o = advise(x, w);
  EXPECT_EQ(o.advice.status, defrag_status::not_applicable) << o.advice.message;
  EXPECT_EQ(o.advice.trials, 0);
}

TEST(Defrag, NotApplicableWhenTheGangLacksPods) {
  world x;
  x.add_node("a");
  x.add_node("b");
  workload w = gang("default/big", 1, 8);
  w.jobs[0].min_available = 2;
  const outcome o = advise(x, w);
  EXPECT_EQ(o.advice.status, defrag_status::not_applicable);
  EXPECT_EQ(o.advice.message, "the gang has 1 pod of the 2 it needs");
}

TEST(Defrag, SuperPodBlockStaysInOnePhysicalSuperPod) {
  // Two super-pods of three A3 nodes; two nodes of each run an 8-die pod, so
  // neither has the two whole nodes a 32-NPU sp-block needs.
  world x;
  for (int s = 0; s < 2; ++s)
    for (int i = 0; i < 3; ++i) x.add_node("sp" + std::to_string(s) + "-" + std::to_string(i), T::module_a3_16_super_pod, s);
  x.run("", "default/p0", "sp0-0", range(0, 7));
  x.run("", "default/p1", "sp0-1", range(0, 7));
  x.run("", "default/q0", "sp1-0", range(0, 7));
  x.run("", "default/q1", "sp1-1", range(0, 7));
  workload w = gang("serving/decode", 2, 16);
  w.jobs[0].handler = T::module_a3_16_super_pod;
  w.jobs[0].sp_block = 32;
  plan_options opt;
  opt.super_pod = {3, 0};
  const outcome o = advise(x, w, opt);
  ASSERT_EQ(o.advice.status, defrag_status::advised) << o.advice.message;
  EXPECT_EQ(o.advice.moved_jobs.size(), 1u);
  ASSERT_EQ(o.advice.placements.size(), 2u);
  EXPECT_EQ(o.c.super_pod_id(o.advice.placements[0].node), o.c.super_pod_id(o.advice.placements[1].node));
  ASSERT_TRUE(o.advice.moves[0].to);
  // The moved pod leaves the block's super-pod's nodes the block takes.
  for (const binding& b : o.advice.placements) EXPECT_NE(b.node, *o.advice.moves[0].to);
}

TEST(Defrag, SearchLimitIsReported) {
  world x;
  x.add_node("a");
  x.add_node("b");
  x.run("", "default/x", "a", range(0, 3));
  x.run("", "default/y", "b", range(0, 3));
  outcome o{must_build(x.nodes), gang("default/big", 1, 8), {}, {}};
  o.p = plan(o.c, o.w);
  const auto running = x.running(o.c);
  const defrag_advice a = advise_defrag(o.c, o.w, o.p, 0, running, {.plan = {}, .max_trials = 0});
  EXPECT_EQ(a.status, defrag_status::search_limit);
  EXPECT_EQ(a.trials, 0);
}

// Applies the advice on the plan's final state by hand: the moved pods' chips
// are given back, the gang's placements and the moved pods' destinations taken
// (each must be free), and the gang's placements must be what `plan` finds on
// the state with the moves' sources freed.
struct applied {
  bool ok = true;
  std::string why;
};

placement_state final_of(const cluster& c, const workload& w, const plan_result& p) {
  placement_state s(c);
  for (const binding& b : p.bindings) {
    chip_mask m = 0;
    for (int chip : b.chips) m |= chip_bit(chip);
    s.take(b.node, m, w.pods[b.pod].npus, w.pods[b.pod].cpu_milli, w.pods[b.pod].memory_bytes);
  }
  return s;
}

chip_mask mask_of(const std::vector<int>& chips) {
  chip_mask m = 0;
  for (int chip : chips) m |= chip_bit(chip);
  return m;
}

// Whether the gang fits with these jobs moved away (their chips given back).
bool fits_without(const cluster& c, const workload& w, const plan_result& p, std::size_t job,
                  const std::vector<running_job>& running, const std::vector<std::string>& moved) {
  placement_state s = final_of(c, w, p);
  for (const running_job& r : running) {
    const std::string name = r.job.name.empty() ? r.pods.front().name : r.job.name;
    if (std::find(moved.begin(), moved.end(), name) == moved.end()) continue;
    for (std::size_t i = 0; i < r.pods.size(); ++i) {
      chip_mask held = 0;
      for (int chip : chips_of(c.in_use(r.nodes[i])))
        if (c.holder(r.nodes[i], chip) == r.pods[i].name) held |= chip_bit(chip);
      s.give_back(r.nodes[i], held, r.pods[i].npus, 0, 0);
    }
  }
  const plan_result r = plan(c, only_job(w, job), s);
  return !r.gangs.empty() && r.gangs.front().admitted;
}

// Seeded clusters of A2 nodes with scattered small pods and one pending gang
// of whole-node pods: every advice, applied, is a valid placement, and leaving
// out any one moved job makes the gang not fit.
TEST(DefragProperties, AdviceAppliedFitsAndIsMinimalByInclusion) {
  int advised = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 rng(seed);
    world x;
    const int nodes = 3 + static_cast<int>(rng() % 6);
    for (int i = 0; i < nodes; ++i) x.add_node("n" + std::to_string(i));
    int pods = 0;
    for (int i = 0; i < nodes; ++i) {
      // 0, 1 or 2 pods of 2 or 4 NPUs on each node, some in two-pod gangs.
      int at = 0;
      for (int k = 0; k < static_cast<int>(rng() % 3); ++k) {
        const int size = rng() % 2 == 0 ? 2 : 4;
        if (at + size > 8) break;
        const std::string pod = "default/p" + std::to_string(pods++);
        const std::string job = rng() % 4 == 0 ? "default/g" + std::to_string(pods / 2) : "";
        x.run(job, pod, "n" + std::to_string(i), range(at, at + size - 1));
        at += size;
      }
    }
    const int want = 1 + static_cast<int>(rng() % 3);
    const outcome o = advise(x, gang("default/big", want, 8));
    const auto running = x.running(o.c);
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " + o.advice.message);
    ASSERT_NE(o.advice.status, defrag_status::search_limit);
    if (o.advice.status != defrag_status::advised) continue;
    ++advised;
    // Applied by hand: sources given back, the gang and the destinations taken on free chips.
    placement_state s = final_of(o.c, o.w, o.p);
    for (const pod_move& m : o.advice.moves) s.give_back(m.from, mask_of(m.from_chips), static_cast<int>(m.from_chips.size()), 0, 0);
    const auto take = [&](node_id n, const std::vector<int>& chips) {
      const chip_mask m = mask_of(chips);
      ASSERT_EQ(s.used(n) & m, 0u) << "chip given twice on " << o.c.name(n);
      ASSERT_EQ(m & ~o.c.inventory(n), 0u);
      s.take(n, m, static_cast<int>(chips.size()), 0, 0);
    };
    for (const binding& b : o.advice.placements) take(b.node, b.chips);
    for (const pod_move& m : o.advice.moves) {
      ASSERT_TRUE(m.to);
      take(*m.to, m.to_chips);
    }
    EXPECT_EQ(o.advice.placements.size(), static_cast<std::size_t>(want));
    EXPECT_TRUE(fits_without(o.c, o.w, o.p, 0, running, o.advice.moved_jobs));
    for (const std::string& left : o.advice.moved_jobs) {
      std::vector<std::string> fewer;
      for (const std::string& j : o.advice.moved_jobs)
        if (j != left) fewer.push_back(j);
      EXPECT_FALSE(fits_without(o.c, o.w, o.p, 0, running, fewer)) << "not minimal: " << left << " is not needed";
    }
  }
  EXPECT_GT(advised, 40);  // the generator makes fragmented clusters often enough to test something
}

}  // namespace
}  // namespace npusched
