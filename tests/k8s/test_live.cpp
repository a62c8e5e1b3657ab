// The live cluster: events in, the same answers as a one-shot decode of the
// objects it holds (the consistency rule of docs/live.md), resourceVersion
// handling, event errors, and readers beside a writer.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <functional>
#include <thread>

#include "live_world.hpp"

namespace npusched::k8s::test {
namespace {

constexpr std::int64_t now = 1'700'000'000;

live_plan_options at_now() {
  live_plan_options o;
  o.now_unix_seconds = now;
  return o;
}

/// The rule: after every event the live answers equal a fresh decode's.
TEST(LiveCluster, EventsGiveTheSameAnswersAsAOneShotDecode) {
  int checked = 0, with_bindings = 0, with_excluded = 0, with_actions = 0, with_errors = 0;
  for (std::uint64_t seed = 1; seed <= 1500; ++seed) {
    SCOPED_TRACE(seed);
    world w{rng{seed}, {}, {}, 0, 1};
    live_cluster live;
    // Half the sequences start from a loaded List, half from nothing.
    if (seed % 2 == 0) {
      for (int i = 0; i < 6; ++i) (void)w.event();
      ASSERT_FALSE(live.load(w.list_now().dump()));
    }
    for (int step = 0; step < 16; ++step) {
      auto [type, object] = w.event();
      auto applied = live.apply(type, object.dump());
      ASSERT_TRUE(applied.ok()) << applied.err().what();
      std::string want, want_f;
      const auto mismatch = live_mismatch(live, w.list_now().dump(), now, &want, &want_f);
      ASSERT_FALSE(mismatch) << *mismatch << "\nafter " << object.dump();
      with_errors += want.empty() ? 1 : 0;
      with_bindings += want.find("\"bindings\":[{") != std::string::npos;
      with_excluded += want.find("\"excluded_nodes\":[{") != std::string::npos;
      with_actions += want_f.find("\"actions\":[{") != std::string::npos;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 1500 * 16);
  // The sequences reach the interesting states, not just empty clusters.
  EXPECT_GT(with_bindings, checked / 10);
  EXPECT_GT(with_excluded, checked / 10);
  EXPECT_GT(with_actions, checked / 200);
  RecordProperty("with_bindings", with_bindings);
  RecordProperty("with_excluded", with_excluded);
  RecordProperty("with_actions", with_actions);
  RecordProperty("with_errors", with_errors);
}

TEST(LiveCluster, AnOlderResourceVersionIsIgnoredAndReported) {
  live_cluster live;
  json n = npu_node("n1");
  n["metadata"]["resourceVersion"] = "10";
  ASSERT_TRUE(live.apply(event_type::added, n.dump()).ok());
  json old = n;
  old["metadata"]["resourceVersion"] = "9";
  old["spec"]["unschedulable"] = true;
  auto r = live.apply(event_type::modified, old.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, event_outcome::stale);
  EXPECT_EQ(r->held_version, "10");
  EXPECT_EQ(r->object, "Node n1");
  // A version that is not a number is not comparable: applied.
  old["metadata"]["resourceVersion"] = "abc";
  EXPECT_EQ(live.apply(event_type::modified, old.dump())->outcome, event_outcome::applied);
}

TEST(LiveCluster, KindsNotReadAreIgnored) {
  live_cluster live;
  json d = {{"kind", "Deployment"}, {"metadata", {{"name", "d"}, {"namespace", "ns"}}}};
  EXPECT_EQ(live.apply(event_type::added, d.dump())->outcome, event_outcome::ignored);
  json cm = {{"kind", "ConfigMap"}, {"metadata", {{"name", "other"}, {"namespace", "ns"}}}};
  EXPECT_EQ(live.apply(event_type::added, cm.dump())->outcome, event_outcome::ignored);
}

TEST(LiveCluster, ABadObjectIsAnErrorAndChangesNothing) {
  live_cluster live;
  ASSERT_TRUE(live.apply(event_type::added, npu_node("n1").dump()).ok());
  const std::string before = *live.plan();
  json bad = npu_node("n1");
  bad["spec"]["unschedulable"] = "yes";
  auto r = live.apply(event_type::modified, bad.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().path, "object.spec.unschedulable");
  EXPECT_EQ(r.err().code, error_code::wrong_type);
  EXPECT_EQ(*live.plan(), before);
  auto malformed = live.apply(event_type::added, "{");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.err().code, error_code::malformed_document);
}

/// The model holds at most `max_nodes` Nodes and `max_pods` Pods: one more
/// is a limit_exceeded error that changes nothing, and an update of one held
/// stays allowed at the limit.
TEST(LiveCluster, NodesAndPodsBeyondTheLimitAreErrorsThatChangeNothing) {
  live_options o;
  o.max_nodes = 2;
  o.max_pods = 1;
  live_cluster live(o);
  ASSERT_TRUE(live.apply(event_type::added, npu_node("n1").dump()).ok());
  ASSERT_TRUE(live.apply(event_type::added, npu_node("n2").dump()).ok());
  const std::string before = *live.plan();
  auto third = live.apply(event_type::added, npu_node("n3").dump());
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.err().code, error_code::limit_exceeded);
  EXPECT_EQ(third.err().path, "object");
  EXPECT_NE(third.err().message.find("more than 2 nodes"), std::string::npos) << third.err().message;
  EXPECT_EQ(*live.plan(), before);
  json relabelled = npu_node("n2");
  relabelled["metadata"]["labels"]["team"] = "a";
  EXPECT_TRUE(live.apply(event_type::modified, relabelled.dump()).ok());

  ASSERT_TRUE(live.apply(event_type::added, pending_pod("serving", "p0", 8).dump()).ok());
  auto second = live.apply(event_type::added, pending_pod("serving", "p1", 8).dump());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.err().code, error_code::limit_exceeded);
  EXPECT_NE(second.err().message.find("more than 1 pods"), std::string::npos) << second.err().message;
  EXPECT_EQ(live.stats().pods, 1u);
  EXPECT_TRUE(live.apply(event_type::modified, pending_pod("serving", "p0", 4).dump()).ok());
  // A whole snapshot is held to the same limits.
  auto load = live.load(list({npu_node("a"), npu_node("b"), npu_node("c")}).dump());
  ASSERT_TRUE(load);
  EXPECT_EQ(load->code, error_code::limit_exceeded);
  EXPECT_EQ(load->path, "items[2]");
}

TEST(LiveCluster, ApplyManyStopsAtTheFirstBadEventNamingIt) {
  live_cluster live;
  json events = json::array({{{"type", "ADDED"}, {"object", npu_node("n1")}},
                             {{"type", "BOOKMARK"}, {"object", {{"kind", "Node"}}}},
                             {{"type", "UPDATED"}, {"object", npu_node("n2")}},
                             {{"type", "ADDED"}, {"object", npu_node("n3")}}});
  auto r = live.apply_many(events.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().path, "events[2].type");
  EXPECT_EQ(r.err().code, error_code::unknown_value);
  EXPECT_EQ(live.stats().nodes, 1u);
}

TEST(LiveCluster, LoadReplacesTheState) {
  live_cluster live;
  ASSERT_FALSE(live.load(list({npu_node("a"), npu_node("b")}).dump()));
  ASSERT_FALSE(live.load(list({npu_node("c")}).dump()));
  EXPECT_EQ(live.stats().nodes, 1u);
  auto bad = live.load("[]");
  ASSERT_TRUE(bad);
  EXPECT_EQ(live.stats().nodes, 1u);  // unchanged by the failed load
}

// Readers beside one writer (run under ThreadSanitizer by the TSan build):
// every answer a reader gets is one a fresh decode gives for some prefix of
// the events.
TEST(LiveCluster, ReadersSeeWholeEventsOnly) {
  world w{rng{99}, {}, {}, 0, 1};
  std::vector<std::pair<event_type, json>> events;
  std::set<std::string> valid;
  plan_json_options popt;
  popt.now_unix_seconds = now;
  valid.insert(*plan_json(w.list_now().dump(), popt));
  for (int i = 0; i < 40; ++i) {
    events.push_back(w.event());
    valid.insert(*plan_json(w.list_now().dump(), popt));
  }
  live_cluster live;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      while (!done.load()) {
        auto got = live.plan(at_now());
        if (!got.ok() || !valid.count(*got)) ++bad;
      }
    });
  for (const auto& [type, object] : events) ASSERT_TRUE(live.apply(type, object.dump()).ok());
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

// Every reader (plan, faults, explain, stats) beside a writer that mixes
// apply, apply_many and load: each answer is the answer of some whole prefix
// of the writes. The TSan stage of tools/test runs this under ThreadSanitizer.
TEST(LiveCluster, EveryReaderBesideEveryWriter) {
  world w{rng{7}, {}, {}, 0, 1};
  plan_json_options popt;
  popt.now_unix_seconds = now;
  faults_json_options fopt;
  fopt.now_unix_seconds = now;
  std::set<std::string> plans, faults;
  auto remember = [&] {
    const std::string list = w.list_now().dump();
    plans.insert(*plan_json(list, popt));
    faults.insert(*faults_json(list, fopt));
  };
  remember();
  // Writes: single events, batches of three, and a reload of the List so far.
  std::vector<std::function<void(live_cluster&)>> writes;
  for (int i = 0; i < 30; ++i) {
    if (i % 10 == 9) {
      const std::string list = w.list_now().dump();
      writes.emplace_back([list](live_cluster& l) { ASSERT_FALSE(l.load(list)); });
    } else if (i % 3 == 2) {
      json batch = json::array();
      for (int k = 0; k < 3; ++k) {
        auto [type, object] = w.event();
        batch.push_back({{"type", type == event_type::added     ? "ADDED"
                                  : type == event_type::deleted ? "DELETED"
                                                                : "MODIFIED"},
                         {"object", object}});
      }
      const std::string text = batch.dump();
      writes.emplace_back([text](live_cluster& l) { ASSERT_TRUE(l.apply_many(text).ok()); });
    } else {
      auto [type, object] = w.event();
      const std::string text = object.dump();
      writes.emplace_back([type, text](live_cluster& l) { ASSERT_TRUE(l.apply(type, text).ok()); });
    }
    remember();
  }
  live_cluster live;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  std::vector<std::thread> readers;
  readers.emplace_back([&] {
    while (!done.load()) {
      auto got = live.plan(at_now());
      if (!got.ok() || !plans.count(*got)) ++bad;
      ++reads;
    }
  });
  readers.emplace_back([&] {
    while (!done.load()) {
      auto got = live.faults("", now);
      if (!got.ok() || !faults.count(*got)) ++bad;
      ++reads;
    }
  });
  readers.emplace_back([&] {
    while (!done.load()) {
      auto got = live.explain(explain_target{explain_kind::pod, "ns", "p0"}, at_now());
      const live_stats st = live.stats();
      if (st.cluster_nodes > st.nodes || st.pending_pods > st.pods) ++bad;
      (void)got;  // the pod may not exist yet: an answer or an error, never a torn read
      ++reads;
    }
  });
  while (reads.load() < 3) std::this_thread::yield();  // every reader is running before the writes
  for (auto& write : writes) write(live);
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace npusched::k8s::test
