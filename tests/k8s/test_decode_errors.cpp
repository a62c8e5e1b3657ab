// Document-level errors of decode_snapshot: each names the exact field path.

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "builders.hpp"
#include "npusched/plan.hpp"

namespace npusched::k8s::test {
namespace {

// items[0] = NPU node n1, items[1] = pending pod, items[2] = scheduler ConfigMap,
// items[3] = ClusterD shard, items[4] = device-plugin ConfigMap.
json base_document() {
  return list({npu_node("n1"), pending_pod("ns", "p", 2),
               scheduler_cm(init_params_yaml({{"useClusterInfoManager", "true"}})),
               clusterd_cm({{"n1", clusterd_record("n1")}}), device_plugin_cm("n1")});
}

struct error_case {
  const char* rule;
  std::function<std::string()> document;  // the text given to decode_snapshot
  const char* path;
  const char* message;  // a substring of the message
};

std::function<std::string()> edit(std::function<void(json&)> f) {
  return [f] {
    json d = base_document();
    f(d);
    return d.dump();
  };
}

std::function<std::string()> text(std::string s) {
  return [s] { return s; };
}

TEST(DecodeErrors, EveryBrokenDocumentNamesItsField) {
  const error_case cases[] = {
      {"malformed_json_says_where", text("{\"items\": [}"), "", "malformed JSON at offset 11"},
      {"malformed_json_truncated", text("{\"items\": ["), "", "malformed JSON at the end of the input (offset 11)"},
      {"empty_input", text(""), "", "empty document"},
      {"top_level_not_object", text("[]"), "", "expected a JSON object (a Kubernetes List), got array"},
      {"items_missing", text("{\"kind\":\"List\"}"), "items", "missing"},
      {"items_null", text("{\"items\":null}"), "items", "missing"},
      {"items_not_array", text("{\"items\":{}}"), "items", "expected an array, got object"},
      {"item_not_object", edit([](json& d) { d["items"][1] = "pod"; }), "items[1]", "expected an object, got string"},
      {"item_without_kind", edit([](json& d) { d["items"][1].erase("kind"); }), "items[1].kind", "missing"},
      {"kind_not_string", edit([](json& d) { d["items"][1]["kind"] = 7; }), "items[1].kind",
       "expected a string, got number"},
      {"item_without_metadata", edit([](json& d) { d["items"][0].erase("metadata"); }), "items[0].metadata.name",
       "missing"},
      {"metadata_not_object", edit([](json& d) { d["items"][0]["metadata"] = json::array(); }), "items[0].metadata",
       "expected an object, got array"},
      {"item_without_name", edit([](json& d) { d["items"][3]["metadata"].erase("name"); }),
       "items[3].metadata.name", "missing"},
      {"name_not_string", edit([](json& d) { d["items"][3]["metadata"]["name"] = 1; }), "items[3].metadata.name",
       "expected a string, got number"},
      {"name_empty", edit([](json& d) { d["items"][0]["metadata"]["name"] = ""; }), "items[0].metadata.name",
       "must not be empty"},
      {"namespace_not_string", edit([](json& d) { d["items"][1]["metadata"]["namespace"] = true; }),
       "items[1].metadata.namespace", "expected a string, got boolean"},
      {"labels_not_object", edit([](json& d) { d["items"][0]["metadata"]["labels"] = "a=b"; }),
       "items[0].metadata.labels", "expected an object, got string"},
      {"label_value_not_string", edit([](json& d) { d["items"][0]["metadata"]["labels"]["accelerator-type"] = 8; }),
       "items[0].metadata.labels[\"accelerator-type\"]", "expected a string, got number"},
      {"annotation_value_not_string",
       edit([](json& d) { d["items"][1]["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = json::object(); }),
       "items[1].metadata.annotations[\"scheduling.k8s.io/group-name\"]", "expected a string, got object"},
      {"creation_timestamp_not_rfc3339",
       edit([](json& d) { d["items"][1]["metadata"]["creationTimestamp"] = "yesterday"; }),
       "items[1].metadata.creationTimestamp", "\"yesterday\" is not an RFC 3339 time"},
      {"unschedulable_not_bool", edit([](json& d) { d["items"][0]["spec"]["unschedulable"] = "true"; }),
       "items[0].spec.unschedulable", "expected a boolean, got string"},
      {"node_status_not_object", edit([](json& d) { d["items"][0]["status"] = 1; }), "items[0].status",
       "expected an object, got number"},
      {"node_cpu_not_quantity", edit([](json& d) { d["items"][0]["status"]["allocatable"]["cpu"] = "lots"; }),
       "items[0].status.allocatable[\"cpu\"]", "\"lots\" is not a Kubernetes quantity"},
      {"node_memory_negative", edit([](json& d) { d["items"][0]["status"]["allocatable"]["memory"] = "-1Gi"; }),
       "items[0].status.allocatable[\"memory\"]", "is negative"},
      {"node_npu_capacity_wrong_type",
       edit([](json& d) { d["items"][0]["status"]["capacity"]["huawei.com/Ascend910"] = json::array(); }),
       "items[0].status.capacity[\"huawei.com/Ascend910\"]", "expected a quantity string, got array"},
      {"conditions_not_array", edit([](json& d) { d["items"][0]["status"]["conditions"] = json::object(); }),
       "items[0].status.conditions", "expected an array, got object"},
      {"condition_not_object", edit([](json& d) { d["items"][0]["status"]["conditions"][0] = "Ready"; }),
       "items[0].status.conditions[0]", "expected an object, got string"},
      {"condition_status_not_string", edit([](json& d) { d["items"][0]["status"]["conditions"][0]["status"] = true; }),
       "items[0].status.conditions[0].status", "expected a string, got boolean"},
      {"address_not_object", edit([](json& d) { d["items"][0]["status"]["addresses"][1] = 5; }),
       "items[0].status.addresses[1]", "expected an object, got number"},
      {"pod_npu_request_fraction",
       edit([](json& d) {
         d["items"][1]["spec"]["containers"][0]["resources"]["requests"]["huawei.com/Ascend910"] = "1.5";
       }),
       "items[1].spec.containers[0].resources.requests[\"huawei.com/Ascend910\"]", "\"1.5\" is not an integer"},
      {"pod_npu_request_milli",
       edit([](json& d) {
         d["items"][1]["spec"]["containers"][0]["resources"]["requests"]["huawei.com/Ascend910"] = "500m";
       }),
       "items[1].spec.containers[0].resources.requests[\"huawei.com/Ascend910\"]", "is not an integer"},
      {"pod_npu_request_negative",
       edit([](json& d) {
         d["items"][1]["spec"]["containers"][0]["resources"]["requests"]["huawei.com/Ascend910"] = "-2";
       }),
       "items[1].spec.containers[0].resources.requests[\"huawei.com/Ascend910\"]", "\"-2\" is negative"},
      {"pod_npu_request_garbage",
       edit([](json& d) {
         d["items"][1]["spec"]["containers"][0]["resources"]["requests"]["huawei.com/Ascend910"] = "two";
       }),
       "items[1].spec.containers[0].resources.requests[\"huawei.com/Ascend910\"]",
       "\"two\" is not a Kubernetes quantity"},
      {"pod_npu_limit_garbage",
       edit([](json& d) {
         d["items"][1]["spec"]["containers"][0]["resources"]["limits"]["huawei.com/Ascend910"] = "2x";
       }),
       "items[1].spec.containers[0].resources.limits[\"huawei.com/Ascend910\"]", "is not a Kubernetes quantity"},
      {"pod_npu_request_wrong_type",
       edit([](json& d) {
         d["items"][1]["spec"]["containers"][0]["resources"]["requests"]["huawei.com/Ascend910"] = true;
       }),
       "items[1].spec.containers[0].resources.requests[\"huawei.com/Ascend910\"]",
       "expected a quantity string, got boolean"},
      {"pod_cpu_not_quantity",
       edit([](json& d) { d["items"][1]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "1 core"; }),
       "items[1].spec.containers[0].resources.requests[\"cpu\"]", "is not a Kubernetes quantity"},
      {"pod_requests_not_object",
       edit([](json& d) { d["items"][1]["spec"]["containers"][0]["resources"]["requests"] = "cpu=1"; }),
       "items[1].spec.containers[0].resources.requests", "expected an object, got string"},
      {"containers_not_array", edit([](json& d) { d["items"][1]["spec"]["containers"] = json::object(); }),
       "items[1].spec.containers", "expected an array, got object"},
      {"container_not_object", edit([](json& d) { d["items"][1]["spec"]["containers"][0] = "main"; }),
       "items[1].spec.containers[0]", "expected an object, got string"},
      {"priority_not_integer", edit([](json& d) { d["items"][1]["spec"]["priority"] = "high"; }),
       "items[1].spec.priority", "expected an integer, got string"},
      {"priority_out_of_range", edit([](json& d) { d["items"][1]["spec"]["priority"] = 3000000000LL; }),
       "items[1].spec.priority", "is out of range (-2147483648..2147483647)"},
      {"scheduler_name_not_string", edit([](json& d) { d["items"][1]["spec"]["schedulerName"] = 1; }),
       "items[1].spec.schedulerName", "expected a string, got number"},
      {"node_selector_value_not_string",
       edit([](json& d) { d["items"][1]["spec"]["nodeSelector"] = {{"accelerator-type", 16}}; }),
       "items[1].spec.nodeSelector[\"accelerator-type\"]", "expected a string, got number"},
      {"phase_not_string", edit([](json& d) { d["items"][1]["status"]["phase"] = 0; }), "items[1].status.phase",
       "expected a string, got number"},
      {"duplicate_node", edit([](json& d) { d["items"].push_back(npu_node("n1")); }), "items[5].metadata.name",
       "duplicate Node n1 (also items[0])"},
      {"duplicate_pod", edit([](json& d) { d["items"].push_back(pending_pod("ns", "p", 1)); }),
       "items[5].metadata.name", "duplicate Pod ns/p (also items[1])"},
      {"duplicate_configmap", edit([](json& d) { d["items"].push_back(clusterd_cm({})); }), "items[5].metadata.name",
       "duplicate ConfigMap mindx-dl/cluster-info-device-0 (also items[3])"},
      {"scheduler_conf_not_yaml",
       edit([](json& d) { d["items"][2]["data"]["volcano-scheduler.conf"] = "configurations: [\n  - {name: x"; }),
       "items[2].data[\"volcano-scheduler.conf\"]", "not valid YAML: line"},
      {"scheduler_conf_not_mapping",
       edit([](json& d) { d["items"][2]["data"]["volcano-scheduler.conf"] = "- a\n- b\n"; }),
       "items[2].data[\"volcano-scheduler.conf\"]", "not a YAML mapping"},
      {"scheduler_conf_configurations_not_sequence",
       edit([](json& d) { d["items"][2]["data"]["volcano-scheduler.conf"] = "configurations: 3\n"; }),
       "items[2].data[\"volcano-scheduler.conf\"]", "configurations: expected a sequence"},
      {"scheduler_conf_arguments_not_mapping",
       edit([](json& d) {
         d["items"][2]["data"]["volcano-scheduler.conf"] = "configurations:\n- name: init-params\n  arguments: [1]\n";
       }),
       "items[2].data[\"volcano-scheduler.conf\"]", "configurations[0].arguments: expected a mapping"},
      {"scheduler_conf_argument_not_scalar",
       edit([](json& d) {
         d["items"][2]["data"]["volcano-scheduler.conf"] =
             "configurations:\n- name: init-params\n  arguments:\n    super-pod-size: [1]\n";
       }),
       "items[2].data[\"volcano-scheduler.conf\"]", "configurations[0].arguments.super-pod-size: expected a string"},
      {"scheduler_data_not_strings", edit([](json& d) { d["items"][2]["data"]["other"] = 1; }),
       "items[2].data[\"other\"]", "expected a string, got number"},
      {"clusterd_shard_not_json",
       edit([](json& d) { d["items"][3]["data"]["cluster-info-device-0"] = "{not json"; }),
       "items[3].data[\"cluster-info-device-0\"]", "not valid JSON"},
      {"clusterd_shard_not_object", edit([](json& d) { d["items"][3]["data"]["cluster-info-device-0"] = "[1]"; }),
       "items[3].data[\"cluster-info-device-0\"]", "expected a JSON object, got array"},
      {"device_plugin_data_not_strings", edit([](json& d) { d["items"][4]["data"]["DeviceInfoCfg"] = json::object(); }),
       "items[4].data[\"DeviceInfoCfg\"]", "expected a string, got object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    auto r = decode_snapshot(c.document());
    ASSERT_FALSE(r) << "decoded without error";
    EXPECT_EQ(r.err().path, c.path);
    EXPECT_NE(r.err().message.find(c.message), std::string::npos) << r.err().message;
  }
}

TEST(DecodeErrors, BaseDocumentDecodes) {
  auto r = decode_snapshot(base_document().dump());
  ASSERT_TRUE(r) << r.err().what();
  EXPECT_EQ(r->cluster.size(), 1u);
  EXPECT_EQ(r->workload.pods.size(), 1u);
}

// An empty view need not point anywhere (`std::string_view{}`): it is the
// empty document, read before any parser sees the pointer. Found by the
// plan_faults fuzz target (tests/data/fuzz_regressions/plan_faults/).
TEST(DecodeErrors, AnEmptyViewWithoutDataIsTheEmptyDocument) {
  auto r = decode_snapshot(std::string_view{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, error_code::malformed_document);
  EXPECT_EQ(r.err().message, "empty document (no JSON value)");
  EXPECT_FALSE(plan_json(std::string_view{}, {}).ok());
  EXPECT_FALSE(faults_json(std::string_view{}, {}).ok());
  EXPECT_FALSE(detail::go_device_info(std::string_view{}));
  EXPECT_FALSE(detail::go_node_info(std::string_view{}));
}

TEST(DecodeErrors, WhatJoinsPathAndMessage) {
  auto r = decode_snapshot("{\"items\":[{\"metadata\":{\"name\":\"x\"}}]}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().what(), "items[0].kind: missing");
}

TEST(DecodeErrors, UnknownKindsAndForeignConfigMapsAreNotRead) {
  json d = base_document();
  d["items"].push_back({{"kind", "Service"}, {"metadata", {{"name", "svc"}, {"labels", 5}}}, {"spec", 1}});
  d["items"].push_back({{"kind", "Deployment"}, {"metadata", {{"name", "rs"}}}, {"spec", {{"replicas", "x"}}}});
  d["items"].push_back({{"kind", "ConfigMap"}, {"metadata", {{"name", "other"}, {"namespace", "x"}}}, {"data", 1}});
  d["items"].push_back(
      {{"apiVersion", "scheduling.sigs.k8s.io/v1alpha1"}, {"kind", "PodGroup"}, {"metadata", {{"name", "pg"}}}});
  auto r = decode_snapshot(d.dump());
  ASSERT_TRUE(r) << r.err().what();
}

TEST(DecodeErrors, GangFieldsNameTheirPath) {
  struct gang_case {
    const char* rule;
    json item;
    std::string path;
  };
  const std::vector<gang_case> cases = {
      {"replicas_not_an_integer",
       {{"kind", "ReplicaSet"}, {"metadata", {{"name", "rs"}, {"namespace", "ns"}}}, {"spec", {{"replicas", "x"}}}},
       "spec.replicas"},
      {"replicas_negative",
       {{"kind", "ReplicaSet"}, {"metadata", {{"name", "rs"}, {"namespace", "ns"}}}, {"spec", {{"replicas", -1}}}},
       "spec.replicas"},
      {"min_member_negative",
       {{"apiVersion", "scheduling.volcano.sh/v1beta1"},
        {"kind", "PodGroup"},
        {"metadata", {{"name", "pg"}, {"namespace", "ns"}}},
        {"spec", {{"minMember", -2}}}},
       "spec.minMember"},
      {"min_resources_not_a_count",
       {{"apiVersion", "scheduling.volcano.sh/v1beta1"},
        {"kind", "PodGroup"},
        {"metadata", {{"name", "pg"}, {"namespace", "ns"}}},
        {"spec", {{"minResources", {{"huawei.com/Ascend910", "1.5"}}}}}},
       "spec.minResources[\"huawei.com/Ascend910\"]"},
      {"owner_reference_not_an_object",
       {{"apiVersion", "scheduling.volcano.sh/v1beta1"},
        {"kind", "PodGroup"},
        {"metadata", {{"name", "pg"}, {"namespace", "ns"}, {"ownerReferences", json::array({3})}}}},
       "metadata.ownerReferences[0]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json d = base_document();
    const std::size_t index = d["items"].size();
    d["items"].push_back(c.item);
    auto r = decode_snapshot(d.dump());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().path, "items[" + std::to_string(index) + "]." + c.path) << r.err().what();
  }
}

TEST(DecodeErrors, NullFieldsCountAsAbsent) {
  json d = base_document();
  d["items"][1]["metadata"]["creationTimestamp"] = nullptr;
  d["items"][1]["metadata"]["labels"] = nullptr;
  d["items"][0]["spec"]["unschedulable"] = nullptr;
  auto r = decode_snapshot(d.dump());
  ASSERT_TRUE(r) << r.err().what();
  EXPECT_EQ(r->workload.pods[0].created, 0);
}

}  // namespace
}  // namespace npusched::k8s::test

namespace npusched::k8s::test {
namespace {

// Replaces one random value somewhere in `doc` by a value of a random other type.
void mutate(json& doc, std::mt19937& rng) {
  json* at = &doc;
  for (int depth = 0; depth < 12; ++depth) {
    if (at->is_object() && !at->empty()) {
      auto it = at->begin();
      std::advance(it, static_cast<long>(rng() % at->size()));
      at = &*it;
    } else if (at->is_array() && !at->empty()) {
      at = &(*at)[rng() % at->size()];
    } else {
      break;
    }
    if (rng() % 4 == 0) break;
  }
  switch (rng() % 8) {
    case 0: *at = nullptr; break;
    case 1: *at = static_cast<int>(rng() % 40) - 20; break;
    case 2: *at = "Ascend910-" + std::to_string(rng() % 40); break;
    case 3: *at = json::array({1, "x"}); break;
    case 4: *at = json::object(); break;
    case 5: *at = true; break;
    case 6: *at = "1.5Gi"; break;
    default: *at = "{\"Ascend910-0\":{\"IP\":1}}"; break;
  }
}

TEST(DecodeErrors, MutatedDocumentsDecodeOrFailButNeverCrash) {
  const json doc = json::parse(read_data_file("k8s/small_cluster.json"));
  std::mt19937 rng(2024);
  int decoded = 0;
  for (int round = 0; round < 200; ++round) {
    json d = doc;
    for (int m = 0; m <= round % 3; ++m) mutate(d, rng);
    auto r = decode_snapshot(d.dump());
    if (!r) {
      EXPECT_FALSE(r.err().message.empty());
      continue;
    }
    ++decoded;
    const plan_result p = plan(r->cluster, r->workload);
    EXPECT_FALSE(encode_plan(*r, p, {}).empty());
  }
  EXPECT_GT(decoded, 0);
  // Truncated text: always a malformed-JSON error.
  const std::string text = doc.dump();
  for (std::size_t cut = 0; cut < text.size(); cut += 97) {
    auto r = decode_snapshot(std::string_view(text).substr(0, cut));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().path, "");
  }
}

}  // namespace
}  // namespace npusched::k8s::test
