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

#include "builders.hpp"
#include "npusched/k8s/live.hpp"

namespace npusched::k8s::test {
namespace {



/// A small deterministic generator (splitmix64), so sequences are the same everywhere.
struct rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }
};

std::string key_of(const json& o) {
  const auto& md = o["metadata"];
  return o["kind"].get<std::string>() + " " + md.value("namespace", "") + "/" + md["name"].get<std::string>();
}

/// The world: the objects a List of the cluster would hold right now, and
/// the events that made it so.
struct world {
  rng r;
  std::map<std::string, json> objects;
  std::vector<std::string> nodes;  // names ever used
  int next_pod = 0;
  std::uint64_t version = 1;

  json list_now() const {
    std::vector<json> items;
    for (const auto& [k, o] : objects) items.push_back(o);
    return list(items);
  }

  // Picks an existing object of `kind`, if any.
  const json* pick(const std::string& kind) {
    std::vector<const json*> of;
    for (const auto& [k, o] : objects)
      if (o["kind"] == kind) of.push_back(&o);
    return of.empty() ? nullptr : of[static_cast<std::size_t>(r.below(static_cast<int>(of.size())))];
  }

  json node(const std::string& name) {
    static const std::pair<const char*, int> types[] = {
        {"module-910b-8", 8}, {"module-a3-16", 16}, {"module-a3-16-super-pod", 16}, {"huawei-Ascend910", 8}};
    const auto& [type, chips] = types[r.below(4)];
    json n = npu_node(name, type, chips);
    if (r.chance(15)) n["spec"]["unschedulable"] = true;
    if (r.chance(10)) n["status"]["conditions"][0]["status"] = "False";
    if (r.chance(20)) n["metadata"]["labels"]["pool"] = "p" + std::to_string(r.below(3));
    return n;
  }

  json device_cm(const std::string& node, int chips) {
    std::string unhealthy;
    for (int c = 0; c < chips; ++c)
      if (r.chance(12)) unhealthy += (unhealthy.empty() ? "" : ",") + chip(c);
    json l = device_list();
    l["huawei.com/Ascend910-Unhealthy"] = unhealthy;
    return device_plugin_cm(node, device_info_cfg(l, 1000 + r.below(100)));
  }

  json shard() {
    std::vector<std::pair<std::string, json>> records;
    for (const auto& [k, o] : objects)
      if (o["kind"] == "Node" && r.chance(50)) {
        const std::string name = o["metadata"]["name"];
        json rec = clusterd_record(name, device_list(), 900 + r.below(300));
        rec["SuperPodID"] = r.below(2);
        rec["ServerIndex"] = r.below(8);
        records.emplace_back(name, rec);
      }
    return clusterd_cm(records);
  }

  json pod(const std::string& name) {
    const int npus = std::vector<int>{0, 1, 2, 4, 8, 16}[static_cast<std::size_t>(r.below(6))];
    const std::string group = r.chance(50) ? "g" + std::to_string(r.below(3)) : "";
    json p = pending_pod("ns", name, npus, group);
    if (r.chance(30)) p["spec"]["nodeSelector"]["accelerator-type"] = r.chance(50) ? "module-910b-8" : "module-a3-16";
    if (r.chance(45) && !nodes.empty()) {  // bound, holding some chips
      p["spec"]["nodeName"] = nodes[static_cast<std::size_t>(r.below(static_cast<int>(nodes.size())))];
      p["status"]["phase"] = r.chance(85) ? "Running" : (r.chance(50) ? "Failed" : "Succeeded");
      std::string chips;
      for (int c = 0; c < npus; ++c) chips += (chips.empty() ? "" : ",") + chip((c * 3 + r.below(2)) % 16);
      p["metadata"]["annotations"]["huawei.com/Ascend910"] = chips;
      p["metadata"]["labels"]["fault-scheduling"] = "force";
    }
    if (r.chance(10)) p["metadata"]["deletionTimestamp"] = "2024-01-02T00:00:00Z";
    if (r.chance(10)) p["metadata"]["labels"]["ome.io/inferenceservice"] = "svc";
    return p;
  }

  json group(const std::string& name) {
    json g = podgroup_in_phase("ns", name, r.chance(70) ? "Running" : "Pending");
    g["spec"]["minMember"] = r.below(4);
    if (r.chance(20)) g["metadata"]["annotations"]["sp-block"] = std::to_string(16 * (1 + r.below(2)));
    return g;
  }

  // One random event; returns (type, object).
  std::pair<event_type, json> event() {
    json o;
    event_type t = event_type::modified;
    switch (r.below(13)) {
      case 0:
      case 10: {  // a node comes or changes
        const std::string name = "n" + std::to_string(r.below(8));
        if (std::find(nodes.begin(), nodes.end(), name) == nodes.end()) nodes.push_back(name);
        o = node(name);
        break;
      }
      case 1: {  // a node goes
        if (const json* n = pick("Node"); n && r.chance(40)) {
          o = *n;
          t = event_type::deleted;
        } else {
          o = node("n" + std::to_string(r.below(8)));
        }
        break;
      }
      case 2:
      case 11:
      case 12: {  // device plugin record of a node
        const std::string name = "n" + std::to_string(r.below(8));
        o = device_cm(name, 16);
        if (r.chance(15)) t = event_type::deleted;
        break;
      }
      case 3: o = shard(); break;
      case 4:
        o = scheduler_cm(init_params_yaml({{"reserve-nodes", std::to_string(r.below(3))},
                                           {"useClusterInfoManager", r.chance(50) ? "true" : "false"},
                                           {"self-maintain-available-card", r.chance(80) ? "true" : "false"}}));
        break;
      case 5:
      case 6: o = pod("p" + std::to_string(next_pod++)); break;
      case 7: {  // a pod changes (binds, fails, ...) or goes
        if (const json* p = pick("Pod")) {
          o = pod(p->at("metadata").at("name"));
          if (r.chance(30)) t = event_type::deleted;
        } else {
          o = pod("p" + std::to_string(next_pod++));
        }
        break;
      }
      case 8: o = group("g" + std::to_string(r.below(3))); break;
      default: {
        json rs = {{"apiVersion", "apps/v1"},
                   {"kind", "ReplicaSet"},
                   {"metadata", {{"name", "rs"}, {"namespace", "ns"}}},
                   {"spec", {{"replicas", r.below(4)}}}};
        o = rs;
        if (r.chance(20)) t = event_type::deleted;
      }
    }
    o["metadata"]["resourceVersion"] = std::to_string(++version);
    const std::string k = key_of(o);
    if (t == event_type::deleted) {
      objects.erase(k);
    } else {
      if (!objects.count(k)) t = event_type::added;
      objects[k] = o;
    }
    return {t, o};
  }
};

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
      const std::string list_text = w.list_now().dump();
      plan_json_options popt;
      popt.now_unix_seconds = now;
      auto want = plan_json(list_text, popt);
      auto got = live.plan(at_now());
      ASSERT_EQ(want.ok(), got.ok()) << (want.ok() ? got.err().what() : want.err().what());
      if (want.ok()) {
        ASSERT_EQ(*got, *want) << "after " << object.dump();
      }
      with_errors += want.ok() ? 0 : 1;
      with_bindings += want.ok() && want->find("\"bindings\":[{") != std::string::npos;
      with_excluded += want.ok() && want->find("\"excluded_nodes\":[{") != std::string::npos;
      faults_json_options fopt;
      fopt.now_unix_seconds = now;
      auto want_f = faults_json(list_text, fopt);
      auto got_f = live.faults("", now);
      ASSERT_EQ(want_f.ok(), got_f.ok());
      if (want_f.ok()) {
        ASSERT_EQ(*got_f, *want_f) << "after " << object.dump();
      }
      with_actions += want_f.ok() && want_f->find("\"actions\":[{") != std::string::npos;
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
