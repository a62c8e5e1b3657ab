#pragma once
// A random Kubernetes world for the live model: objects come, change and go
// as watch events, and the List they make at any moment. Shared by the
// property test (tests/k8s/test_live.cpp, seeded) and the live-events fuzz
// target (fuzz/fuzz_live_events.cpp, driven by the fuzzer's bytes), so both
// check the same consistency rule on the same kinds of objects.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "builders.hpp"
#include "npusched/k8s/live.hpp"

namespace npusched::k8s::test {

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

inline std::string key_of(const json& o) {
  const auto& md = o["metadata"];
  return o["kind"].get<std::string>() + " " + md.value("namespace", "") + "/" + md["name"].get<std::string>();
}

/// The world: the objects a List of the cluster would hold right now, and
/// the events that made it so. `Random` gives `below(n)` (in [0, n)) and
/// `chance(percent)`: `rng` for the seeded property test, the fuzzer's input
/// bytes for its target.
template <class Random>
struct basic_world {
  Random r;
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
using world = basic_world<rng>;

/// The consistency rule of docs/live.md for one state: `live`'s plan and
/// faults (no fault state, at `now`) against `plan_json` / `faults_json` of
/// `list_text`, the List of the objects it holds. Nothing when they agree;
/// otherwise what differs. The one-shot answers go to `plan` / `faults`
/// (empty for an error) when given.
inline std::optional<std::string> live_mismatch(const live_cluster& live, const std::string& list_text,
                                                std::int64_t now, std::string* plan = nullptr,
                                                std::string* faults = nullptr) {
  plan_json_options popt;
  popt.now_unix_seconds = now;
  live_plan_options lopt;
  lopt.now_unix_seconds = now;
  const auto want = plan_json(list_text, popt);
  const auto got = live.plan(lopt);
  if (want.ok() != got.ok())
    return "plan: one-shot " + (want.ok() ? std::string("ok") : want.err().what()) + ", live " +
           (got.ok() ? std::string("ok") : got.err().what());
  if (want.ok() && *want != *got) return "plan: one-shot " + *want + "\nlive " + *got;
  faults_json_options fopt;
  fopt.now_unix_seconds = now;
  const auto want_f = faults_json(list_text, fopt);
  const auto got_f = live.faults("", now);
  if (want_f.ok() != got_f.ok()) return std::string("faults: one side is an error");
  if (want_f.ok() && *want_f != *got_f) return "faults: one-shot " + *want_f + "\nlive " + *got_f;
  if (plan) *plan = want.ok() ? *want : std::string();
  if (faults) *faults = want_f.ok() ? *want_f : std::string();
  return std::nullopt;
}

}  // namespace npusched::k8s::test
