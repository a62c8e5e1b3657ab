// Properties of the whole adapter path on seeded random Kubernetes worlds
// (the generator of the live-model test): plans decoded from real objects
// keep every plan invariant; the output bytes do not depend on the order of
// the List's items or of any object's keys; fault actions never touch a job
// none of whose pods is faulty; the fault state round-trips losslessly.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "live_world.hpp"
#include "npusched/k8s/fault_state_json.hpp"
#include "npusched/k8s/pipeline.hpp"
#include "plan_checks.hpp"

namespace npusched::k8s::test {
namespace {

constexpr std::int64_t now = 1'700'000'000;
constexpr std::uint64_t worlds = 1000;

/// A world after `events` random events.
world world_after(std::uint64_t seed, int events) {
  world w{rng{seed}, {}, {}, 0, 1};
  for (int i = 0; i < events; ++i) (void)w.event();
  return w;
}

/// `j` written with every object's keys in a random order (arrays keep
/// theirs: their order means something).
std::string dump_with_shuffled_keys(const json& j, std::mt19937_64& g) {
  if (j.is_object()) {
    std::vector<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
    std::shuffle(keys.begin(), keys.end(), g);
    std::string out = "{";
    for (const auto& k : keys) {
      if (out.size() > 1) out += ',';
      out += json(k).dump() + ":" + dump_with_shuffled_keys(j[k], g);
    }
    return out + "}";
  }
  if (j.is_array()) {
    std::string out = "[";
    for (const auto& x : j) {
      if (out.size() > 1) out += ',';
      out += dump_with_shuffled_keys(x, g);
    }
    return out + "]";
  }
  return j.dump();
}

/// The same List with its items shuffled and every object's keys shuffled.
std::string shuffled_list(json list, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  auto& items = list["items"];
  std::vector<json> v(items.begin(), items.end());
  std::shuffle(v.begin(), v.end(), g);
  items = v;
  return dump_with_shuffled_keys(list, g);
}

result<std::string> plan_of(const std::string& text) {
  plan_json_options o;
  o.now_unix_seconds = now;
  return plan_json(text, o);
}

result<std::string> faults_of(const std::string& text, const std::string& state = "") {
  faults_json_options o;
  o.now_unix_seconds = now;
  o.state_json = state;
  return faults_json(text, o);
}

std::string text_of(const result<std::string>& r) { return r.ok() ? *r : "error: " + r.err().what(); }

TEST(AdapterProperties, PlansOfDecodedWorldsKeepEveryPlanInvariant) {
  int bound = 0;
  for (std::uint64_t seed = 1; seed <= worlds; ++seed) {
    SCOPED_TRACE(seed);
    const world w = world_after(seed, 40);
    auto snap = decode_snapshot(w.list_now().dump());
    if (!snap.ok()) continue;  // the generator makes some bad objects on purpose
    auto setup = setup_plan(*snap, {});
    ASSERT_TRUE(setup.ok()) << setup.err().what();
    ASSERT_FALSE(validate_workload(snap->workload).has_value());
    const plan_result r = plan(snap->cluster, snap->workload, setup->options);
    const auto broken = testing::plan_violations(snap->cluster, snap->workload, r);
    ASSERT_TRUE(broken.empty()) << testing::joined(broken);
    bound += static_cast<int>(r.bindings.size());
  }
  EXPECT_GT(bound, static_cast<int>(worlds) / 2);  // the worlds place pods, not just refuse them
}

TEST(AdapterProperties, OutputBytesDoNotDependOnItemOrKeyOrder) {
  int compared = 0;
  for (std::uint64_t seed = 1; seed <= worlds; ++seed) {
    SCOPED_TRACE(seed);
    const world w = world_after(seed, 30);
    const json list = w.list_now();
    const std::string text = list.dump();
    const std::string plan1 = text_of(plan_of(text));
    const std::string faults1 = text_of(faults_of(text));
    EXPECT_EQ(text_of(plan_of(text)), plan1) << "two runs differ";
    for (std::uint64_t k = 0; k < 2; ++k) {
      const std::string shuffled = shuffled_list(list, seed * 31 + k);
      ASSERT_EQ(text_of(plan_of(shuffled)), plan1) << shuffled;
      ASSERT_EQ(text_of(faults_of(shuffled)), faults1) << shuffled;
      ++compared;
    }
  }
  EXPECT_EQ(compared, static_cast<int>(2 * worlds));
}

/// A job that is plainly healthy, judged from the decoded objects without
/// the fault rules: every pod bound to a Ready, healthy node whose data is
/// trusted, using no unhealthy, recovering or sub-healthy chip, not failed,
/// not terminating, and carrying no ClusterD fault label.
bool plainly_healthy(const snapshot& snap, const fault_job& job) {
  std::set<std::string> excluded;
  for (const auto& e : snap.excluded_nodes) excluded.insert(e.node);
  for (const auto& p : job.pods) {
    if (p.failed || p.phase_failed || p.terminating || !p.fault_type_label.empty() || p.node.empty()) return false;
    if (excluded.count(p.node)) return false;
    const auto n = snap.cluster.find(p.node);
    if (!n || snap.cluster.health(*n) != node_health::healthy) return false;
    const chip_mask bad = snap.cluster.unhealthy(*n) | snap.cluster.recovering(*n) | snap.cluster.sub_healthy(*n) |
                          snap.cluster.link_down(*n);
    if ((p.chips & bad) != 0) return false;
  }
  return !job.pods.empty();
}

/// Runs the fault decision over a world that keeps changing, carrying the
/// state from call to call, and checks every call: an action never names a
/// pod of a plainly healthy job that the previous state holds no round for,
/// and the next state survives its JSON form unchanged.
TEST(AdapterProperties, FaultActionsNeverTouchHealthyJobsAndTheStateRoundTrips) {
  int actions = 0, healthy_jobs = 0, records = 0;
  for (std::uint64_t seed = 1; seed <= worlds; ++seed) {
    SCOPED_TRACE(seed);
    world w = world_after(seed, 20);
    fault_state state;
    for (int step = 0; step < 6; ++step) {
      for (int i = 0; i < 4; ++i) (void)w.event();
      auto snap = decode_snapshot(w.list_now().dump());
      if (!snap.ok()) continue;
      std::vector<std::string> unknown;
      for (const auto& e : snap->excluded_nodes) unknown.push_back(e.node);
      fault_options fopt;
      fopt.grace_over_time = snap->params.grace_over_time;
      const std::int64_t t = now + 60 * step;
      const fault_report r = decide_faults(snap->cluster, snap->fault_jobs, state, t, fopt, unknown);

      std::set<std::string> in_round;
      for (const auto& rec : state.jobs) in_round.insert(rec.job);
      std::set<std::string> untouchable;
      for (const auto& job : snap->fault_jobs)
        if (!in_round.count(job.name) && plainly_healthy(*snap, job)) {
          ++healthy_jobs;
          for (const auto& p : job.pods) untouchable.insert(p.name);
        }
      for (const auto& a : r.actions) {
        EXPECT_FALSE(untouchable.count(a.pod)) << a.pod << " of a healthy job: " << a.reason;
        ++actions;
      }

      const std::string encoded = encode_fault_state(r.next);
      auto back = decode_fault_state(encoded);
      ASSERT_TRUE(back.ok()) << back.err().what() << "\n" << encoded;
      EXPECT_EQ(*back, r.next) << encoded;
      EXPECT_EQ(encode_fault_state(*back), encoded);
      records += static_cast<int>(r.next.jobs.size());
      state = r.next;
    }
  }
  // The worlds reach faults, rounds in the state and healthy jobs beside them.
  EXPECT_GT(actions, static_cast<int>(worlds) / 10);
  EXPECT_GT(records, static_cast<int>(worlds) / 4);
  EXPECT_GT(healthy_jobs, static_cast<int>(worlds) / 10);
  RecordProperty("actions", actions);
  RecordProperty("records", records);
  RecordProperty("healthy_jobs", healthy_jobs);
}

/// The faults answer of a state written by the previous call is the same
/// whether the state comes as the library wrote it or with its keys shuffled.
TEST(AdapterProperties, FaultStateKeyOrderDoesNotMatter) {
  int with_state = 0;
  for (std::uint64_t seed = 1; seed <= worlds / 4; ++seed) {
    SCOPED_TRACE(seed);
    const world w = world_after(seed, 30);
    const std::string text = w.list_now().dump();
    auto snap = decode_snapshot(text);
    if (!snap.ok()) continue;
    const fault_report first = decide_faults(snap->cluster, snap->fault_jobs, {}, now);
    if (first.next.jobs.empty()) continue;
    const std::string state = encode_fault_state(first.next);
    std::mt19937_64 g(seed);
    const std::string shuffled = dump_with_shuffled_keys(json::parse(state), g);
    EXPECT_EQ(text_of(faults_of(text, shuffled)), text_of(faults_of(text, state)));
    ++with_state;
  }
  EXPECT_GT(with_state, 10);
}

}  // namespace
}  // namespace npusched::k8s::test
