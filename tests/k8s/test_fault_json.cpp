// The fault state's JSON form (round trip, exact error paths), the fault
// report's JSON, and the faults / plan-with-state pipelines.

#include <gtest/gtest.h>

#include <functional>

#include "builders.hpp"

namespace npusched::k8s::test {
namespace {

fault_state sample_state() {
  fault_state s;
  fault_job_record r{"ns/job", "owner", 1000, 1010, "grace", true, 1, {}};
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
  s.jobs.push_back({"ns/job", "", 1000, 1001, "force", true, 0, {{"ns/job-0", "u", "n0", 1, fault_type::node_unhealthy, true, 0}}});
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
