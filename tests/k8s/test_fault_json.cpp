// The fault state's JSON form (round trip, exact error paths), the fault
// report's JSON, and the faults / plan-with-state pipelines.

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "builders.hpp"

namespace npusched::k8s::test {
namespace {

fault_state sample_state() {
  fault_state s;
  fault_job_record r{"ns/job", "owner", 1000, 1010, deletion_mode::grace, true, rescheduling_scope::blocks, {}};
  r.tasks.push_back({"ns/job-0", "u0", "n0", 5, std::nullopt, false, 0});
  r.tasks.push_back({"ns/job-1", "u1", "n1", 6, fault_type::card_unhealthy, true, std::nullopt});
  s.jobs.push_back(r);
  s.retries["ns/job"] = {"owner", 2};
  s.link_down["n1"] = 990;
  return s;
}

TEST(FaultStateJson, RoundTrip) {
  const fault_state s = sample_state();
  const std::string text = encode_fault_state(s);
  auto back = decode_fault_state(text);
  ASSERT_TRUE(back.ok()) << back.err().what();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(encode_fault_state(*back), text);
  EXPECT_EQ(text.substr(0, 40), R"({"jobs":[{"job":"ns/job","owner_uid":"ow)");
}

TEST(FaultStateJson, BytesOfTheEnumFields) {
  // delete_mode and scope are enums in C++; in JSON they stay the words and the integer level.
  EXPECT_EQ(encode_fault_state(sample_state()),
            R"({"jobs":[{"job":"ns/job","owner_uid":"owner","fault_time":1000,"deletion_done":1010,)"
            R"("delete_mode":"grace","delete_executed":true,"scope":1,"tasks":[)"
            R"({"pod":"ns/job-0","uid":"u0","node":"n0","created":5,"fault":null,"deleted":false,"rank":0},)"
            R"({"pod":"ns/job-1","uid":"u1","node":"n1","created":6,"fault":"CardUnhealthy","deleted":true,"rank":null}]}],)"
            R"("retries":{"ns/job":{"owner_uid":"owner","remaining":2}},"link_down":{"n1":990}})");
  fault_state s = sample_state();
  s.jobs[0].delete_mode = deletion_mode::none;
  s.jobs[0].scope = rescheduling_scope::job;
  const json j = json::parse(encode_fault_state(s));
  EXPECT_EQ(j["jobs"][0]["delete_mode"], "");
  EXPECT_EQ(j["jobs"][0]["scope"], 2);
  EXPECT_EQ(*decode_fault_state(j.dump()), s);
}

TEST(FaultStateJson, EmptyTextIsTheEmptyState) {
  auto s = decode_fault_state("  ");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, fault_state{});
  EXPECT_EQ(encode_fault_state(fault_state{}), R"({"jobs":[],"retries":{},"link_down":{}})");
}

TEST(FaultStateJson, ErrorsNameTheField) {
  const json good = json::parse(encode_fault_state(sample_state()));
  struct error_case {
    const char* rule;
    std::function<void(json&)> edit;
    std::string path;
  };
  const std::vector<error_case> cases = {
      {"not_an_object", [](json& j) { j = json::array(); }, "state"},
      {"jobs_missing", [](json& j) { j.erase("jobs"); }, "state.jobs"},
      {"job_name_not_a_string", [](json& j) { j["jobs"][0]["job"] = 3; }, "state.jobs[0].job"},
      {"unknown_fault_type", [](json& j) { j["jobs"][0]["tasks"][1]["fault"] = "Broken"; },
       "state.jobs[0].tasks[1].fault"},
      {"rank_not_an_integer", [](json& j) { j["jobs"][0]["tasks"][0]["rank"] = "0"; },
       "state.jobs[0].tasks[0].rank"},
      {"deleted_not_a_bool", [](json& j) { j["jobs"][0]["tasks"][0]["deleted"] = 1; },
       "state.jobs[0].tasks[0].deleted"},
      {"bad_delete_mode", [](json& j) { j["jobs"][0]["delete_mode"] = "gently"; }, "state.jobs[0].delete_mode"},
      {"scope_out_of_range", [](json& j) { j["jobs"][0]["scope"] = 3; }, "state.jobs[0].scope"},
      {"scope_negative", [](json& j) { j["jobs"][0]["scope"] = -1; }, "state.jobs[0].scope"},
      {"scope_not_an_integer", [](json& j) { j["jobs"][0]["scope"] = "job"; }, "state.jobs[0].scope"},
      {"negative_budget", [](json& j) { j["retries"]["ns/job"]["remaining"] = -1; },
       "state.retries[\"ns/job\"].remaining"},
      {"link_down_not_a_time", [](json& j) { j["link_down"]["n1"] = "soon"; }, "state.link_down[\"n1\"]"},
      {"duplicate_task", [](json& j) { j["jobs"][0]["tasks"][1]["pod"] = "ns/job-0"; },
       "state.jobs[0].tasks[1].pod"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json j = good;
    c.edit(j);
    auto r = decode_fault_state(j.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().path, c.path) << r.err().what();
  }
  EXPECT_EQ(decode_fault_state("{").err().path, "state");
}

// Two 8-chip nodes; job ns/job runs one pod on each, chip 3 of n1 breaks.
std::string faulty_snapshot() {
  std::vector<std::pair<std::string, json>> records;
  std::vector<json> items;
  for (const std::string node : {"n0", "n1", "n2"}) {
    items.push_back(npu_node(node));
    json list = device_list();
    if (node == "n1") list["huawei.com/Ascend910-Unhealthy"] = "Ascend910-3";
    records.emplace_back(node, clusterd_record(node, list));
  }
  items.push_back(clusterd_cm(records));
  json pg = podgroup("ns", "job");
  pg["metadata"]["labels"]["fault-scheduling"] = "grace";
  pg["metadata"]["labels"]["pod-rescheduling"] = "on";
  pg["status"] = {{"phase", "Running"}};
  items.push_back(pg);
  std::string all;
  for (int c = 0; c < 8; ++c) all += (c ? "," : "") + chip(c);
  for (int r = 0; r < 2; ++r) {
    json p = running_pod("ns", "job-" + std::to_string(r), "n" + std::to_string(r), all, 8);
    p["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = "job";
    p["metadata"]["annotations"]["hccl/rankIndex"] = std::to_string(r);
    items.push_back(p);
  }
  return list(items).dump();
}

TEST(FaultsJson, ReportsIsolationFaultJobsActionsAndState) {
  faults_json_options o;
  o.now_unix_seconds = 1000;
  auto out = faults_json(faulty_snapshot(), o);
  ASSERT_TRUE(out.ok()) << out.err().what();
  const json r = json::parse(*out);
  EXPECT_EQ(r["unusable_chips"], json::parse(R"([{"node":"n1","chips":["Ascend910-3"],"reason":"Unhealthy"}])"));
  EXPECT_EQ(r["fault_jobs"], json::parse(R"([{"group":"ns/job","fault_types":["CardUnhealthy"],"pods":["ns/job-1"],
                  "policy":"fault-scheduling=grace: deleted with the pod's grace period, forced after grace-over-time; pod-rescheduling=on: the fault pods (and their logical super-node when the fault spreads) are replaced"}])"));
  EXPECT_EQ(r["actions"],
            json::parse(R"([{"pod":"ns/job-1","action":"delete","mode":"grace","reason":"CardUnhealthy"}])"));
  ASSERT_EQ(r["state"]["jobs"].size(), 1u);
  EXPECT_EQ(r["state"]["jobs"][0]["delete_mode"], "grace");
  // The state goes back in: nothing new to do a second later, force after grace-over-time.
  o.state_json = r["state"].dump();
  o.now_unix_seconds = 1001;
  EXPECT_TRUE(json::parse(*faults_json(faulty_snapshot(), o))["actions"].empty());
  o.now_unix_seconds = 1000 + 901;
  EXPECT_EQ(json::parse(*faults_json(faulty_snapshot(), o))["actions"][0]["mode"], "force");
  // Determinism.
  EXPECT_EQ(*faults_json(faulty_snapshot(), o), *faults_json(faulty_snapshot(), o));
}

// Fault rules whose input side matters: Node readiness, pod phase versus
// container exit codes, a node's allocatable below what its pods request.

std::string all_chips(int from, int to) {
  std::string out;
  for (int c = from; c < to; ++c) out += (out.empty() ? "" : ",") + chip(c);
  return out;
}

json running_group(const std::string& name, const std::map<std::string, std::string>& labels) {
  json pg = podgroup("ns", name);
  for (const auto& [k, v] : labels) pg["metadata"]["labels"][k] = v;
  pg["status"] = {{"phase", "Running"}};
  return pg;
}

json group_member(const std::string& name, const std::string& group, const std::string& node, const std::string& chips,
                  int npus, int rank) {
  json p = running_pod("ns", name, node, chips, npus);
  p["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = group;
  p["metadata"]["annotations"]["hccl/rankIndex"] = std::to_string(rank);
  return p;
}

json faults_of(const std::vector<json>& items) {
  faults_json_options o;
  o.now_unix_seconds = 1000;
  auto out = faults_json(list(items).dump(), o);
  if (!out.ok()) ADD_FAILURE() << out.err().what();
  return out.ok() ? json::parse(*out) : json();
}

TEST(FaultRulesJson, NotReadyNodePodForcedAtOnce) {
  json n1 = npu_node("n1");
  n1["status"]["conditions"] = json::array({{{"type", "Ready"}, {"status", "False"}}});
  const json r = faults_of({npu_node("n0"), n1, clusterd_cm({{"n0", clusterd_record("n0")}, {"n1", clusterd_record("n1")}}),
                            running_group("job", {{"fault-scheduling", "grace"}}),
                            group_member("job-0", "job", "n0", all_chips(0, 8), 8, 0),
                            group_member("job-1", "job", "n1", all_chips(0, 8), 8, 1)});
  EXPECT_EQ(r["unusable_nodes"], json::parse(R"([{"node":"n1","reason":"NotReady"}])"));
  EXPECT_EQ(r["actions"], json::parse(R"([{"pod":"ns/job-0","action":"delete","mode":"grace","reason":"same job"},
                                          {"pod":"ns/job-1","action":"delete","mode":"force","reason":"NodeUnhealthy"}])"));
  EXPECT_EQ(r["state"]["jobs"][0]["delete_mode"], "grace");  // the job's mode: the healthy pod gets its grace period
}

TEST(FaultRulesJson, FailedPhaseNotExitCodeForcesAtOnce) {
  const std::map<std::string, std::string> labels = {
      {"fault-scheduling", "grace"}, {"fault-retry-times", "1"}, {"ome.io/inferenceservice", "svc"}};
  json a = group_member("a-0", "a", "n0", all_chips(0, 4), 4, 0);
  a["status"]["phase"] = "Failed";
  json b = group_member("b-0", "b", "n0", all_chips(4, 8), 4, 0);
  b["status"]["containerStatuses"] =
      json::array({{{"name", "main"}, {"lastState", {{"terminated", {{"exitCode", 1}}}}}}});
  const json r = faults_of({npu_node("n0"), clusterd_cm({{"n0", clusterd_record("n0")}}), running_group("a", labels),
                            running_group("b", labels), a, b});
  EXPECT_EQ(r["actions"], json::parse(R"([{"pod":"ns/a-0","action":"delete","mode":"force","reason":"pod-failed"},
                                          {"pod":"ns/b-0","action":"delete","mode":"grace","reason":"pod-failed"}])"));
}

TEST(FaultRulesJson, UnhealthyChipActsOnItsInstanceOnly) {
  // Chip 2 of n0 breaks: the device plugin lowers allocatable to 7 while the
  // two instances on n0 still request 4 + 4. Only the prefill instance goes.
  json n0 = npu_node("n0");
  n0["status"]["allocatable"]["huawei.com/Ascend910"] = "7";
  json devices = device_list();
  devices["huawei.com/Ascend910-Unhealthy"] = chip(2);
  const std::map<std::string, std::string> labels = {
      {"fault-scheduling", "force"}, {"pod-rescheduling", "on"}, {"ome.io/inferenceservice", "svc"}};
  const json r = faults_of({n0, clusterd_cm({{"n0", clusterd_record("n0", devices)}}), running_group("prefill", labels),
                            running_group("decode", labels),
                            group_member("prefill-0", "prefill", "n0", all_chips(0, 4), 4, 0),
                            group_member("decode-0", "decode", "n0", all_chips(4, 8), 4, 0)});
  EXPECT_EQ(r["unusable_nodes"], json::array());
  EXPECT_EQ(r["actions"],
            json::parse(R"([{"pod":"ns/prefill-0","action":"delete","mode":"force","reason":"CardUnhealthy"}])"));
  ASSERT_EQ(r["fault_jobs"].size(), 1u);
  EXPECT_EQ(r["fault_jobs"][0]["group"], "ns/prefill");
}

TEST(FaultsJson, BadStateIsAnError) {
  faults_json_options o;
  o.state_json = R"({"jobs":3})";
  auto out = faults_json(faulty_snapshot(), o);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.err().path, "state.jobs");
}

TEST(PlanJsonWithState, ReplacementAvoidsThePreviousFaultNode) {
  // The job's pod ran on n0 and faulted there; n0 is healthy again. Its
  // replacement goes to n2 although n0 would score the same.
  std::vector<std::pair<std::string, json>> records;
  std::vector<json> items;
  for (const std::string node : {"n0", "n2"}) {
    items.push_back(npu_node(node));
    records.emplace_back(node, clusterd_record(node));
  }
  items.push_back(clusterd_cm(records));
  items.push_back(podgroup("ns", "job"));
  items.push_back(pending_pod("ns", "job-0", 8, "job"));
  fault_state s;
  s.jobs.push_back({"ns/job", "", 1000, 1001, deletion_mode::force, true, rescheduling_scope::pods, {{"ns/job-0", "u", "n0", 1, fault_type::node_unhealthy, true, 0}}});
  plan_json_options o;
  auto without = plan_json(list(items).dump(), o);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(json::parse(*without)["bindings"][0]["node"], "n0");
  o.fault_state_json = encode_fault_state(s);
  auto with = plan_json(list(items).dump(), o);
  ASSERT_TRUE(with.ok()) << with.err().what();
  EXPECT_EQ(json::parse(*with)["bindings"][0]["node"], "n2");
}

}  // namespace
}  // namespace npusched::k8s::test
