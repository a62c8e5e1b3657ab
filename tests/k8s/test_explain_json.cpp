// explain_json: per-rule counts that add up with the broken-data nodes, one
// case per suggestion kind, targets (missing, running, malformed), determinism.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>

#include "builders.hpp"
#include "npusched/k8s/explain.hpp"
#include "npusched/k8s/live.hpp"

namespace npusched::k8s::test {
namespace {

explain_json_options target(explain_kind kind, const std::string& ns, const std::string& name) {
  explain_json_options o;
  o.target = {kind, ns, name};
  return o;
}

json explain_ok(const json& doc, const explain_json_options& opt) {
  auto r = explain_json(doc.dump(), opt);
  if (!r) ADD_FAILURE() << r.err().what();
  return r ? json::parse(*r) : json::object();
}

// One node `n` with a ClusterD record, a node `broken` without one (left out
// for missing device data), and the given extra items.
std::vector<json> one_node(json node, json dl = device_list(), std::vector<json> extra = {}) {
  std::vector<json> items{std::move(node), npu_node("broken"), clusterd_cm({{"n", clusterd_record("n", std::move(dl))}})};
  items.insert(items.end(), extra.begin(), extra.end());
  return items;
}

struct exclusion_case {
  const char* rule;  // the `excluded` key the node lands under
  std::function<std::vector<json>()> items;
  const char* pod = "p";
};

std::vector<exclusion_case> exclusion_cases() {
  return {
      {"selector", [] { return one_node(cpu_node("n"), device_list(), {pending_pod("ns", "p", 8)}); }},
      {"illegal", [] { return one_node(npu_node("n", "module"), device_list(), {pending_pod("ns", "p", 3)}); }},
      {"cordoned",
       [] {
         json n = npu_node("n");
         n["spec"]["unschedulable"] = true;
         return one_node(n, device_list(), {pending_pod("ns", "p", 8)});
       }},
      {"unhealthy",
       [] {
         json n = npu_node("n");
         n["status"]["conditions"][0]["status"] = "False";
         return one_node(n, device_list(), {pending_pod("ns", "p", 8)});
       }},
      {"network_unknown",
       [] {
         json dl = device_list();
         dl.erase("huawei.com/Ascend910-NetworkUnhealthy");
         return one_node(npu_node("n"), dl,
                         {podgroup("ns", "g"), pending_pod("ns", "p", 8, "g"), pending_pod("ns", "q", 8, "g")});
       }},
      {"resources",
       [] {
         json p = pending_pod("ns", "p", 8);
         p["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "100";
         return one_node(npu_node("n"), device_list(), {p});
       }},
      {"npu_short",
       [] {
         return one_node(npu_node("n"), device_list(),
                         {running_pod("ns", "r", "n", "Ascend910-0,Ascend910-1", 2), pending_pod("ns", "p", 8)});
       }},
      {"topology",
       [] {
         return one_node(npu_node("n", "module"), device_list(),
                         {running_pod("ns", "r", "n", "Ascend910-0,Ascend910-1,Ascend910-6,Ascend910-7", 4),
                          pending_pod("ns", "p", 4)});
       }},
      {"feasible", [] { return one_node(npu_node("n"), device_list(), {pending_pod("ns", "p", 8)}); }},
  };
}

TEST(ExplainJson, ExcludedCountsOneNodePerRuleAndAddUpWithBrokenDataNodes) {
  const char* keys[] = {"selector",  "illegal",   "cordoned",    "unhealthy", "network_unknown",
                        "resources", "npu_short", "topology", "broken_data", "feasible"};
  for (const auto& c : exclusion_cases()) {
    SCOPED_TRACE(c.rule);
    const json out = explain_ok(list(c.items()), target(explain_kind::pod, "ns", c.pod));
    ASSERT_EQ(out["pods"].size(), 1u) << out.dump();
    const json& ex = out["pods"][0]["excluded"];
    int sum = 0;
    for (const char* k : keys) sum += ex[k].get<int>();
    EXPECT_EQ(ex["total"], 2);
    EXPECT_EQ(sum, 2) << ex.dump();
    EXPECT_EQ(ex["broken_data"], 1);
    EXPECT_EQ(ex[c.rule], 1) << ex.dump();
    EXPECT_EQ(out["pods"][0]["placed"], std::string(c.rule) == "feasible");
  }
}

TEST(ExplainJson, PlanMessagesCountTheBrokenDataNodes) {
  std::vector<json> items{npu_node("m"), npu_node("n"), npu_node("broken"),
                          clusterd_cm({{"m", clusterd_record("m")}, {"n", clusterd_record("n")}}),
                          running_pod("ns", "r", "m", "Ascend910-0,Ascend910-1", 2),
                          running_pod("ns", "s", "n", "Ascend910-0,Ascend910-1", 2), pending_pod("ns", "p", 8)};
  const auto planned = plan_json(list(items).dump(), {});
  ASSERT_TRUE(planned) << planned.err().what();
  const json out = json::parse(*planned);
  EXPECT_EQ(out["unschedulable"][0]["message"].get<std::string>().rfind(
                "0/3 nodes can take 8 NPUs: 2 have too few free NPUs, 1 were left out for broken or missing device "
                "data",
                0),
            0u)
      << out["unschedulable"][0]["message"];
}

// A super-pod gang of `pods` 16-NPU pods with the given sp-block.
std::vector<json> superpod_gang(std::vector<json> items, int pods, const std::string& sp_block) {
  json pg = podgroup("serving", "decode");
  pg["metadata"]["annotations"]["sp-block"] = sp_block;
  pg["spec"]["minMember"] = pods;
  items.push_back(pg);
  for (int i = 0; i < pods; ++i) {
    json p = pending_pod("serving", "decode-" + std::to_string(i), 16, "decode");
    p["spec"]["nodeSelector"]["accelerator-type"] = "module-a3-16-super-pod";
    p["metadata"]["annotations"]["hccl/rankIndex"] = std::to_string(i);
    items.push_back(p);
  }
  return items;
}

struct suggestion_case {
  const char* code;
  std::function<std::vector<json>()> items;
  explain_json_options opt;
  std::string message;
};

std::vector<suggestion_case> suggestion_cases() {
  return {
      {"missing_label",
       [] {
         json p = pending_pod("ns", "p", 8);
         p["spec"]["nodeSelector"]["models.ome.io/clusterbasemodel.m"] = "Ready";
         return one_node(npu_node("n"), device_list(), {p});
       },
       target(explain_kind::pod, "ns", "p"), "no node carries label models.ome.io/clusterbasemodel.m=Ready"},
      {"chip_recovering",
       [] {
         json dl = device_list();
         dl["huawei.com/Ascend910-Recovering"] = "Ascend910-5";
         return one_node(npu_node("n"), dl, {pending_pod("ns", "p", 8)});
       },
       target(explain_kind::pod, "ns", "p"),
       "chip Ascend910-5 on node n is recovering: once recovered the node has 8 free NPUs"},
      {"free_held_npus",
       [] {
         return one_node(npu_node("n"), device_list(),
                         {running_pod("ns", "z", "n", "Ascend910-0,Ascend910-1", 2), pending_pod("ns", "p", 8)});
       },
       target(explain_kind::pod, "ns", "p"), "free 2 NPUs on node n (held by pod ns/z)"},
      {"more_nodes",
       [] {
         json pg = podgroup("ns", "g");
         pg["spec"]["minMember"] = 2;
         return one_node(npu_node("n"), device_list(),
                         {pg, pending_pod("ns", "p", 8, "g"), pending_pod("ns", "q", 8, "g")});
       },
       target(explain_kind::group, "ns", "g"), "1 more free node with 8 NPUs"},
      {"more_pods",
       [] {
         json pg = podgroup("ns", "g");
         pg["spec"]["minMember"] = 3;
         return one_node(npu_node("n"), device_list(), {pg, pending_pod("ns", "p", 8, "g")});
       },
       target(explain_kind::group, "ns", "g"), "2 more pods in gang ns/g to reach min-available 3"},
      {"lower_sp_block", [] { return superpod_gang(superpod_cluster({3, 2}), 4, "64"); },
       target(explain_kind::group, "serving", "decode"), "lower sp-block to 32 (2 logical super-nodes of 2 nodes)"},
      {"superpod_nodes", [] { return superpod_gang(superpod_cluster({3, 2}), 4, "64"); },
       target(explain_kind::group, "serving", "decode"), "1 more free node in one super-pod (e.g. super-pod 0)"},
  };
}

TEST(ExplainJson, OneCasePerSuggestionKind) {
  for (const auto& c : suggestion_cases()) {
    SCOPED_TRACE(c.code);
    const json out = explain_ok(list(c.items()), c.opt);
    const auto& all = out["suggestions"];
    const auto it = std::find_if(all.begin(), all.end(), [&](const json& s) { return s["code"] == c.code; });
    ASSERT_NE(it, all.end()) << out.dump();
    EXPECT_EQ((*it)["message"], c.message);
  }
}

TEST(ExplainJson, KeysInTheDocumentedOrder) {
  // nlohmann::json sorts keys when parsing: the order is checked on the raw text.
  const std::string text = *explain_json(list(suggestion_cases()[2].items()).dump(), target(explain_kind::pod, "ns", "p"));
  EXPECT_EQ(text.rfind(R"({"target":{"kind":"pod","namespace":"ns","name":"p","status":"pending","running":[]},"pods":[{"pod":"ns/p","group":"","placed":false,"reason":"insufficient_npu",)", 0), 0u) << text;
  const auto at = [&](const char* key) { return text.find(std::string("\"") + key + "\":"); };
  EXPECT_LT(at("pods"), at("gangs"));
  EXPECT_LT(at("gangs"), at("super_pod_jobs"));
  EXPECT_LT(at("super_pod_jobs"), at("suggestions"));
  EXPECT_LT(at("suggestions"), at("defrag"));
  EXPECT_NE(text.find(R"("excluded":{"selector":0,"illegal":0,"cordoned":0,"unhealthy":0,"network_unknown":0,"resources":0,"npu_short":1,"topology":0,"broken_data":1,"feasible":0,"total":2})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("closest":[{"node":"n","usable":6,"short_by":2,"wrong_shape":false,"unhealthy_chips":[],"recovering_chips":[]}])"), std::string::npos) << text;
}

// Two nodes, each with four chips held: a 4-NPU pod without a group on `a`, and
// the two members of PodGroup `g` on `b` (two chips each). An 8-NPU pod fits
// nowhere; moving the solo pod (one pod) beats moving the gang (two).
std::vector<json> fragmented() {
  json rg0 = running_pod("ns", "g-0", "b", "Ascend910-0,Ascend910-1", 2);
  json rg1 = running_pod("ns", "g-1", "b", "Ascend910-2,Ascend910-3", 2);
  for (json* pod : {&rg0, &rg1}) (*pod)["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = "g";
  json pg = podgroup("ns", "g");
  pg["status"] = {{"phase", "Running"}};
  return {npu_node("a"),
          npu_node("b"),
          clusterd_cm({{"a", clusterd_record("a")}, {"b", clusterd_record("b")}}),
          running_pod("ns", "solo", "a", "Ascend910-0,Ascend910-1,Ascend910-2,Ascend910-3", 4),
          pg,
          rg0,
          rg1,
          pending_pod("ns", "big", 8)};
}

TEST(ExplainJson, DefragAdviceMovesTheSmallestJobWithItsDestination) {
  const json e = explain_ok(list(fragmented()), target(explain_kind::pod, "ns", "big"));
  ASSERT_EQ(e["defrag"].size(), 1u) << e.dump();
  const json& a = e["defrag"][0];
  EXPECT_EQ(a["group"], "ns/big");
  EXPECT_EQ(a["status"], "advised") << a.dump();
  EXPECT_EQ(a["moved_jobs"], json::array({"ns/solo"}));
  EXPECT_EQ(a["moves"], json::parse(R"([{"pod":"ns/solo","job":"ns/solo","from":"a",
      "from_chips":["Ascend910-0","Ascend910-1","Ascend910-2","Ascend910-3"],"to":"b",
      "to_chips":["Ascend910-4","Ascend910-5","Ascend910-6","Ascend910-7"],
      "super_pod_rank":null,"super_pod_id":null}])"));
  EXPECT_EQ(a["placements"][0]["node"], "a");
  EXPECT_EQ(a["placements"][0]["chips"].size(), 8u);
}

TEST(ExplainJson, DefragMovesAGangWholeWhenOnlyItsMembersBlock) {
  std::vector<json> items = fragmented();
  items.erase(items.begin() + 3);  // no solo pod: `a` is free, so make the pending pod need both nodes
  json pg = podgroup("ns", "big");
  pg["spec"]["minMember"] = 2;
  json b0 = pending_pod("ns", "big-0", 8, "big");
  json b1 = pending_pod("ns", "big-1", 8, "big");
  items.back() = pg;
  items.push_back(b0);
  items.push_back(b1);
  const json e = explain_ok(list(items), target(explain_kind::group, "ns", "big"));
  ASSERT_EQ(e["defrag"].size(), 1u) << e.dump();
  // Both nodes are needed, so the gang `g` would have nowhere to go.
  EXPECT_EQ(e["defrag"][0]["status"], "no_destination") << e.dump();
  EXPECT_EQ(e["defrag"][0]["moved_jobs"], json::array({"ns/g"}));
  EXPECT_EQ(e["defrag"][0]["moves"].size(), 2u);
  EXPECT_TRUE(e["defrag"][0]["moves"][0]["to"].is_null());
}

TEST(ExplainJson, LiveModelGivesTheOneShotDefragAdvice) {
  std::vector<json> items = fragmented();
  live_cluster live;
  ASSERT_FALSE(live.load(list(items).dump()));
  const explain_target t{explain_kind::pod, "ns", "big"};
  const auto same = [&](const std::vector<json>& now) {
    auto got = live.explain(t);
    auto want = explain_json(list(now).dump(), target(explain_kind::pod, "ns", "big"));
    ASSERT_TRUE(got.ok() && want.ok());
    EXPECT_EQ(*got, *want);
  };
  same(items);
  // The solo pod goes: `a` is free, the pod fits and there is nothing to advise.
  ASSERT_TRUE(live.apply(event_type::deleted, items[3].dump()).ok());
  items.erase(items.begin() + 3);
  same(items);
  EXPECT_EQ(json::parse(*live.explain(t))["defrag"], json::array());
}

TEST(ExplainJson, NoDefragForAGangThePlanAdmits) {
  const json e = explain_ok(list({npu_node("a"), clusterd_cm({{"a", clusterd_record("a")}}), pending_pod("ns", "p", 8)}),
                            target(explain_kind::pod, "ns", "p"));
  EXPECT_EQ(e["defrag"], json::array());
}

TEST(ExplainJson, PlacedPodNamesItsNodeAndTheRunnerUp) {
  std::vector<json> items{npu_node("a"), npu_node("b"),
                          clusterd_cm({{"a", clusterd_record("a")}, {"b", clusterd_record("b")}}),
                          running_pod("ns", "r", "b", "Ascend910-0", 1), pending_pod("ns", "p", 4)};
  const json out = explain_ok(list(items), target(explain_kind::pod, "ns", "p"));
  const json& p = out["pods"][0];
  EXPECT_EQ(p["placed"], true);
  EXPECT_TRUE(p["node"] == "a" || p["node"] == "b");
  ASSERT_TRUE(p["runner_up"].is_object()) << p.dump();
  EXPECT_NE(p["runner_up"]["node"], p["node"]);
  EXPECT_EQ(p["reason"], "");
  EXPECT_TRUE(out["suggestions"].empty());
}

TEST(ExplainJson, ServiceTargetsEveryPendingPodOfTheService) {
  std::vector<json> items = one_node(npu_node("n"));
  for (const char* name : {"llama-0", "llama-1"}) {
    json p = pending_pod("serving", name, 4, name);
    json pg = podgroup("serving", name);
    p["metadata"]["labels"]["ome.io/inferenceservice"] = "llama";
    pg["metadata"]["labels"]["ome.io/inferenceservice"] = "llama";
    items.push_back(p);
    items.push_back(pg);
  }
  json other = pending_pod("other", "llama-x", 4);
  other["metadata"]["labels"]["ome.io/inferenceservice"] = "llama";
  items.push_back(other);
  const json out = explain_ok(list(items), target(explain_kind::service, "serving", "llama"));
  ASSERT_EQ(out["pods"].size(), 2u) << out.dump();
  EXPECT_EQ(out["pods"][0]["pod"], "serving/llama-0");
  EXPECT_EQ(out["pods"][1]["pod"], "serving/llama-1");
}

TEST(ExplainJson, TargetsThatDoNotExistAreErrorsRunningOnesAreSaidSo) {
  const auto items = list(one_node(npu_node("n"), device_list(),
                                   {running_pod("ns", "r", "n", "Ascend910-0", 1), pending_pod("ns", "p", 8)}));
  auto missing = explain_json(items.dump(), target(explain_kind::pod, "ns", "nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.err().path, "target");
  EXPECT_NE(missing.err().message.find("pod ns/nope has no pending pod"), std::string::npos) << missing.err().what();
  auto group = explain_json(items.dump(), target(explain_kind::group, "ns", "g"));
  ASSERT_FALSE(group);
  EXPECT_NE(group.err().message.find("group ns/g"), std::string::npos);

  const json running = explain_ok(items, target(explain_kind::pod, "ns", "r"));
  EXPECT_EQ(running["target"]["status"], "running");
  EXPECT_EQ(running["target"]["running"], json::parse(R"([{"pod":"ns/r","node":"n"}])"));
  EXPECT_TRUE(running["pods"].empty());

  for (const auto& [kind, name] : std::vector<std::pair<std::string, std::string>>{
           {"node", "ns/p"}, {"pod", "p"}, {"pod", "/p"}, {"pod", "ns/"}, {"pod", "a/b/c"}}) {
    auto t = parse_explain_target(kind, name);
    ASSERT_FALSE(t) << kind << " " << name;
    EXPECT_EQ(t.err().path, "target");
  }
  auto ok = parse_explain_target("service", "serving/llama");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kind, explain_kind::service);
  EXPECT_EQ(ok->namespace_name, "serving");
  EXPECT_EQ(ok->name, "llama");
}

TEST(ExplainJson, DeterministicWhateverTheItemOrder) {
  for (const auto& c : suggestion_cases()) {
    SCOPED_TRACE(c.code);
    std::vector<json> items = c.items();
    const auto first = explain_json(list(items).dump(), c.opt);
    ASSERT_TRUE(first) << first.err().what();
    EXPECT_EQ(*explain_json(list(items).dump(), c.opt), *first);
    std::mt19937 rng(7);
    std::shuffle(items.begin(), items.end(), rng);
    EXPECT_EQ(*explain_json(list(items).dump(), c.opt), *first);
  }
}

}  // namespace
}  // namespace npusched::k8s::test
