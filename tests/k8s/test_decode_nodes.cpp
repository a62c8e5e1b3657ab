// Nodes: exclusion reasons, device-info sources, free-list rules, health, resources.

#include <gtest/gtest.h>

#include <functional>

#include "builders.hpp"

namespace npusched::k8s::test {
namespace {

node_id id_of(const snapshot& s, const std::string& name) {
  auto id = s.cluster.find(name);
  EXPECT_TRUE(id) << name << " is not in the cluster";
  return id.value_or(node_id{});
}

chip_mask mask(std::initializer_list<int> chips) {
  chip_mask m = 0;
  for (int c : chips) m |= chip_bit(c);
  return m;
}

// ---------------------------------------------------------------------------
// Exclusions

struct exclusion_case {
  const char* rule;
  std::function<void(json& node, json& list, std::vector<json>& extra)> edit;
  const char* reason;
  const char* message;  // substring
};

void set_list(json& list, const std::string& key, const std::string& value) {
  list["huawei.com/Ascend910" + key] = value;
}

TEST(DecodeNodes, BrokenMindClusterDataExcludesTheNode) {
  const exclusion_case cases[] = {
      {"label_missing_but_capacity", [](json& n, json&, auto&) { n["metadata"]["labels"].erase("accelerator-type"); },
       "missing_accelerator_type", "no accelerator-type label"},
      {"label_missing_only_base_device_infos",
       [](json& n, json&, auto&) {
         n["metadata"]["labels"].erase("accelerator-type");
         n["status"]["capacity"].erase("huawei.com/Ascend910");
         n["status"]["allocatable"].erase("huawei.com/Ascend910");
       },
       "missing_accelerator_type", "baseDeviceInfos"},
      {"label_missing_only_allocatable",
       [](json& n, json&, auto&) {
         n["metadata"]["labels"].erase("accelerator-type");
         n["metadata"].erase("annotations");
         n["status"]["capacity"].erase("huawei.com/Ascend910");
       },
       "missing_accelerator_type", ""},
      {"label_unknown", [](json& n, json&, auto&) { n["metadata"]["labels"]["accelerator-type"] = "module-x"; },
       "unknown_accelerator_type", "accelerator-type \"module-x\" is not a supported topology"},
      {"label_empty", [](json& n, json&, auto&) { n["metadata"]["labels"]["accelerator-type"] = ""; },
       "unknown_accelerator_type", "\"\""},
      {"capacity_negative", [](json& n, json&, auto&) { n["status"]["capacity"]["huawei.com/Ascend910"] = "-1"; },
       "bad_npu_count", "status.capacity[\"huawei.com/Ascend910\"]: \"-1\" is negative"},
      {"allocatable_fraction",
       [](json& n, json&, auto&) { n["status"]["allocatable"]["huawei.com/Ascend910"] = "1.5"; }, "bad_npu_count",
       "status.allocatable[\"huawei.com/Ascend910\"]: \"1.5\" is not an integer"},
      {"allocatable_garbage",
       [](json& n, json&, auto&) { n["status"]["allocatable"]["huawei.com/Ascend910"] = "eight"; }, "bad_npu_count",
       "is not a Kubernetes quantity"},
      {"allocatable_above_topology",
       [](json& n, json&, auto&) { n["status"]["allocatable"]["huawei.com/Ascend910"] = "9"; }, "bad_npu_count",
       "9 exceeds the 8 chips"},
      {"no_base_device_infos", [](json& n, json&, auto&) { n["metadata"].erase("annotations"); }, "no_device_info",
       "no baseDeviceInfos annotation"},
      {"label_without_any_npu_data",
       [](json& n, json&, auto&) {
         n["metadata"].erase("annotations");
         n["status"]["capacity"].erase("huawei.com/Ascend910");
         n["status"]["allocatable"].erase("huawei.com/Ascend910");
       },
       "no_device_info", "no baseDeviceInfos"},
      {"base_device_infos_not_json",
       [](json& n, json&, auto&) { n["metadata"]["annotations"]["baseDeviceInfos"] = "{"; }, "bad_device_info",
       "not a JSON object"},
      {"base_device_infos_not_object",
       [](json& n, json&, auto&) { n["metadata"]["annotations"]["baseDeviceInfos"] = "[]"; }, "bad_device_info",
       "not a JSON object"},
      {"base_device_info_entry_not_object",
       [](json& n, json&, auto&) {
         n["metadata"]["annotations"]["baseDeviceInfos"] = R"({"Ascend910-0":"10.0.0.1"})";
       },
       "bad_device_info", "entry \"Ascend910-0\" is not an object"},
      {"base_device_info_ip_not_string",
       [](json& n, json&, auto&) {
         n["metadata"]["annotations"]["baseDeviceInfos"] = R"({"Ascend910-0":{"IP":1}})";
       },
       "bad_device_info", "IP is not a string"},
      {"base_device_info_super_device_id_negative",
       [](json& n, json&, auto&) {
         n["metadata"]["annotations"]["baseDeviceInfos"] = R"({"Ascend910-0":{"SuperDeviceID":-1}})";
       },
       "bad_device_info", "SuperDeviceID is not a uint32"},
      {"chip_name_other_device",
       [](json& n, json&, auto&) { n["metadata"]["annotations"]["baseDeviceInfos"] = R"({"Ascend310-0":{}})"; },
       "bad_chip_name", "\"Ascend310-0\" is not a chip name"},
      {"chip_name_no_dash",
       [](json& n, json&, auto&) { n["metadata"]["annotations"]["baseDeviceInfos"] = R"({"npu0":{}})"; },
       "bad_chip_name", "\"npu0\""},
      {"chip_name_not_number",
       [](json& n, json&, auto&) { n["metadata"]["annotations"]["baseDeviceInfos"] = R"({"Ascend910-x":{}})"; },
       "bad_chip_name", "\"Ascend910-x\""},
      {"duplicate_chip_leading_zero",
       [](json& n, json&, auto&) {
         n["metadata"]["annotations"]["baseDeviceInfos"] = R"({"Ascend910-1":{},"Ascend910-01":{}})";
       },
       "duplicate_chip", "names chip 1 twice"},
      {"duplicate_chip_repeated_key",
       [](json& n, json&, auto&) {
         n["metadata"]["annotations"]["baseDeviceInfos"] = R"({"Ascend910-1":{},"Ascend910-1":{}})";
       },
       "duplicate_chip", "lists \"Ascend910-1\" more than once"},
      {"chip_out_of_range",
       [](json& n, json&, auto&) {
         n["metadata"]["annotations"]["baseDeviceInfos"] = R"({"Ascend910-0":{},"Ascend910-8":{}})";
       },
       "chip_out_of_range", "\"Ascend910-8\" is out of range for module-910b-8 (0..7)"},
      {"unhealthy_list_with_space",
       [](json&, json& l, auto&) { set_list(l, "-Unhealthy", "Ascend910-0, Ascend910-1"); },
       "bad_device_info", "DeviceList[\"huawei.com/Ascend910-Unhealthy\"]: \" Ascend910-1\" is not a chip name"},
      {"recovering_list_garbage", [](json&, json& l, auto&) { set_list(l, "-Recovering", "x"); }, "bad_device_info",
       "DeviceList[\"huawei.com/Ascend910-Recovering\"]: \"x\""},
      {"network_list_trailing_comma",
       [](json&, json& l, auto&) { set_list(l, "-NetworkUnhealthy", "Ascend910-1,"); }, "bad_device_info",
       "DeviceList[\"huawei.com/Ascend910-NetworkUnhealthy\"]: \"\" is not a chip name"},
      {"fault_not_json", [](json&, json& l, auto&) { set_list(l, "-Fault", "[{"); }, "bad_device_info",
       "DeviceList[\"huawei.com/Ascend910-Fault\"] is not a JSON array"},
      {"fault_entry_not_object", [](json&, json& l, auto&) { set_list(l, "-Fault", "[1]"); }, "bad_device_info",
       "[0] is not an object"},
      {"fault_sub_health_bad_npu_name",
       [](json&, json& l, auto&) {
         set_list(l, "-Fault", R"([{"npu_name":"card0","fault_handling":"SubHealthFault"}])");
       },
       "bad_device_info", "npu_name: \"card0\" is not a chip name"},
      {"pod_annotation_bad_chip",
       [](json&, json&, auto& extra) { extra.push_back(running_pod("ns", "r", "n1", "Ascend910-0;Ascend910-1", 2)); },
       "bad_device_info", "pod ns/r annotation huawei.com/Ascend910: \"Ascend910-0;Ascend910-1\""},
      {"pod_real_annotation_bad_chip",
       [](json&, json&, auto& extra) {
         json p = running_pod("ns", "r", "n1", "Ascend910-0", 1);
         p["metadata"]["annotations"]["huawei.com/AscendReal"] = "davinci0";
         extra.push_back(p);
       },
       "bad_device_info", "annotation huawei.com/AscendReal: \"davinci0\""},
      {"two_pods_claim_one_chip",
       [](json&, json&, auto& extra) {
         extra.push_back(running_pod("ns", "a", "n1", "Ascend910-0,Ascend910-1", 2));
         extra.push_back(running_pod("ns", "b", "n1", "Ascend910-1", 1));
       },
       "chip_conflict", "chip Ascend910-1 is claimed by pods ns/a and ns/b"},
      {"validate_node_rejects_empty_label_key", [](json& n, json&, auto&) { n["metadata"]["labels"][""] = "x"; },
       "invalid_node", "labels[0]: empty label key"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json node = npu_node("n1");
    json dl = device_list();
    std::vector<json> extra;
    c.edit(node, dl, extra);
    std::vector<json> items{node, clusterd_cm({{"n1", clusterd_record("n1", dl)}}), cpu_node("cpu")};
    items.insert(items.end(), extra.begin(), extra.end());
    snapshot s = decode_ok(list(items));
    ASSERT_EQ(s.excluded_nodes.size(), 1u);
    EXPECT_EQ(s.excluded_nodes[0].node, "n1");
    EXPECT_EQ(s.excluded_nodes[0].reason, c.reason);
    EXPECT_NE(s.excluded_nodes[0].message.find(c.message), std::string::npos) << s.excluded_nodes[0].message;
    EXPECT_FALSE(s.cluster.find("n1")) << "an excluded node is not a candidate";
    EXPECT_TRUE(s.cluster.find("cpu"));
    EXPECT_EQ(s.nodes.size(), s.cluster.size());
  }
}

TEST(DecodeNodes, RecordProblemsExcludeTheNode) {
  struct record_case {
    const char* rule;
    std::vector<json> items;
    const char* reason;
    const char* message;
  };
  json bad_list = clusterd_record("n1");
  bad_list["DeviceList"] = "none";
  json bad_time = clusterd_record("n1");
  bad_time["UpdateTime"] = "now";
  json bad_superpod = clusterd_record("n1");
  bad_superpod["SuperPodID"] = "3";
  json big_superpod = clusterd_record("n1");
  big_superpod["SuperPodID"] = 4294967296LL;
  json list_value = clusterd_record("n1");
  list_value["DeviceList"]["huawei.com/Ascend910-Unhealthy"] = 1;
  json dp_cm = device_plugin_cm("n1");
  dp_cm["data"]["DeviceInfoCfg"] = "{broken";
  json dp_no_info = device_plugin_cm("n1", json{{"SuperPodID", 1}});
  const std::string explicit_cim = init_params_yaml({{"useClusterInfoManager", "true"}});
  const std::string explicit_dp = init_params_yaml({{"useClusterInfoManager", "false"}});
  const record_case cases[] = {
      {"no_record_anywhere",
       {npu_node("n1")},
       "no_device_info",
       "neither ConfigMap kube-system/mindx-dl-deviceinfo-n1"},
      {"no_clusterd_record_when_explicit",
       {npu_node("n1"), device_plugin_cm("n1"), scheduler_cm(explicit_cim)},
       "no_device_info",
       "no mindx-dl-deviceinfo-n1 entry in any mindx-dl/cluster-info-device-* ConfigMap"},
      {"no_device_plugin_record_when_explicit",
       {npu_node("n1"), clusterd_cm({{"n1", clusterd_record("n1")}}), scheduler_cm(explicit_dp)},
       "no_device_info",
       "no ConfigMap kube-system/mindx-dl-deviceinfo-n1"},
      {"record_not_object", {npu_node("n1"), clusterd_cm({{"n1", json::array()}})}, "bad_device_info",
       "mindx-dl/cluster-info-device-0 is unreadable: the record is not a JSON object"},
      {"device_list_not_object", {npu_node("n1"), clusterd_cm({{"n1", bad_list}})}, "bad_device_info",
       "DeviceList is not an object"},
      {"device_list_value_not_string", {npu_node("n1"), clusterd_cm({{"n1", list_value}})}, "bad_device_info",
       "DeviceList[\"huawei.com/Ascend910-Unhealthy\"] is not a string"},
      {"update_time_not_integer", {npu_node("n1"), clusterd_cm({{"n1", bad_time}})}, "bad_device_info",
       "UpdateTime is not an integer"},
      {"super_pod_id_not_integer", {npu_node("n1"), clusterd_cm({{"n1", bad_superpod}})}, "bad_device_info",
       "SuperPodID is not an integer"},
      {"super_pod_id_out_of_range", {npu_node("n1"), clusterd_cm({{"n1", big_superpod}})}, "bad_device_info",
       "SuperPodID is out of the int32 range"},
      {"device_info_cfg_not_json", {npu_node("n1"), dp_cm}, "bad_device_info",
       "kube-system/mindx-dl-deviceinfo-n1 is unreadable: DeviceInfoCfg is not valid JSON"},
      {"device_info_cfg_without_device_info", {npu_node("n1"), dp_no_info}, "bad_device_info",
       "DeviceInfoCfg has no DeviceInfo"},
      // Fail closed: the unreadable record might be the newer one.
      {"unreadable_device_plugin_record_beside_clusterd",
       {npu_node("n1"), dp_cm, clusterd_cm({{"n1", clusterd_record("n1")}})},
       "bad_device_info",
       "DeviceInfoCfg is not valid JSON"},
      {"unreadable_chosen_record_when_explicit",
       {npu_node("n1"), dp_cm, clusterd_cm({{"n1", clusterd_record("n1")}}), scheduler_cm(explicit_dp)},
       "bad_device_info",
       "DeviceInfoCfg is not valid JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    snapshot s = decode_ok(list(c.items));
    ASSERT_EQ(s.excluded_nodes.size(), 1u);
    EXPECT_EQ(s.excluded_nodes[0].reason, c.reason);
    EXPECT_NE(s.excluded_nodes[0].message.find(c.message), std::string::npos) << s.excluded_nodes[0].message;
  }
}

TEST(DecodeNodes, ExplicitSourceIgnoresTheOtherRecord) {
  json dp_cm = device_plugin_cm("n1");
  dp_cm["data"]["DeviceInfoCfg"] = "{broken";
  snapshot s = decode_ok(list({npu_node("n1"), dp_cm, clusterd_cm({{"n1", clusterd_record("n1")}}),
                               scheduler_cm(init_params_yaml({{"useClusterInfoManager", "true"}}))}));
  EXPECT_TRUE(s.excluded_nodes.empty());
  EXPECT_EQ(s.cluster.super_pod_id(id_of(s, "n1")), 3);
}

TEST(DecodeNodes, ExcludedNodesAreSortedByName) {
  json b = npu_node("b");
  b["metadata"]["labels"]["accelerator-type"] = "weird";
  json a = npu_node("a");
  a["metadata"].erase("annotations");
  snapshot s = decode_ok(list({npu_node("z"), b, a, clusterd_cm({{"z", clusterd_record("z")}})}));
  ASSERT_EQ(s.excluded_nodes.size(), 2u);
  EXPECT_EQ(s.excluded_nodes[0].node, "a");
  EXPECT_EQ(s.excluded_nodes[1].node, "b");
  EXPECT_EQ(s.cluster.size(), 1u);
}

// ---------------------------------------------------------------------------
// Device-info sources

TEST(DecodeNodes, BothDeviceInfoFormsAreRead) {
  json dl = device_list();
  dl["huawei.com/Ascend910-Unhealthy"] = "Ascend910-3";
  json cfg = device_info_cfg(dl);
  snapshot s = decode_ok(list({npu_node("cd"), npu_node("dp"), clusterd_cm({{"cd", clusterd_record("cd")}}),
                               device_plugin_cm("dp", cfg)}));
  ASSERT_TRUE(s.excluded_nodes.empty()) << s.excluded_nodes[0].message;
  const node_id cd = id_of(s, "cd");
  const node_id dp = id_of(s, "dp");
  EXPECT_EQ(s.cluster.super_pod_id(cd), 3);
  EXPECT_EQ(s.cluster.rack_id(cd), 1);
  EXPECT_EQ(s.cluster.server_index(cd), 5);
  EXPECT_EQ(s.cluster.super_pod_id(dp), 7);
  EXPECT_EQ(s.cluster.rack_id(dp), -1);  // the device-plugin form has no RackID here
  EXPECT_EQ(s.cluster.server_index(dp), 2);
  EXPECT_EQ(s.cluster.unhealthy(dp), mask({3}));
  EXPECT_EQ(s.cluster.unhealthy(cd), 0u);
}

TEST(DecodeNodes, AbsentPositionsAreMinusOneNotZero) {
  json rec = clusterd_record("n1");
  rec.erase("SuperPodID");
  rec.erase("RackID");
  rec.erase("ServerIndex");
  snapshot s = decode_ok(list({npu_node("n1"), clusterd_cm({{"n1", rec}})}));
  const node_id n = id_of(s, "n1");
  EXPECT_EQ(s.cluster.super_pod_id(n), -1);
  EXPECT_EQ(s.cluster.rack_id(n), -1);
  EXPECT_EQ(s.cluster.server_index(n), -1);
}

TEST(DecodeNodes, SourceChoiceByUpdateTime) {
  struct source_case {
    const char* rule;
    std::int64_t device_plugin_time;
    std::int64_t clusterd_time;
    const char* use_cluster_info_manager;  // "" = not set
    std::int32_t want_super_pod;           // 7 = device plugin, 3 = ClusterD
  };
  const source_case cases[] = {
      {"device_plugin_newer", 2000, 1000, "", 7},
      {"clusterd_newer", 1000, 2000, "", 3},
      {"tie_goes_to_clusterd", 1000, 1000, "", 3},
      {"explicit_false_uses_device_plugin", 1000, 2000, "false", 7},
      {"explicit_true_uses_clusterd", 2000, 1000, "true", 3},
      {"anything_but_false_is_true", 2000, 1000, "no", 3},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    std::vector<json> items{npu_node("n1"),
                            device_plugin_cm("n1", device_info_cfg(device_list(), c.device_plugin_time)),
                            clusterd_cm({{"n1", clusterd_record("n1", device_list(), c.clusterd_time)}})};
    if (*c.use_cluster_info_manager)
      items.push_back(scheduler_cm(init_params_yaml({{"useClusterInfoManager", c.use_cluster_info_manager}})));
    snapshot s = decode_ok(list(items));
    ASSERT_TRUE(s.excluded_nodes.empty());
    EXPECT_EQ(s.cluster.super_pod_id(id_of(s, "n1")), c.want_super_pod);
  }
}

TEST(DecodeNodes, ClusterdShardsEmptyForeignKeysAndDuplicates) {
  json older = clusterd_cm({{"n1", clusterd_record("n1", device_list(), 5)}}, "cluster-info-device-1");
  json stale = clusterd_cm({}, "cluster-info-device-2");
  stale["data"]["cluster-info-device-2"] = "";  // stale shards are emptied
  json newer_record = clusterd_record("n1", device_list(), 9);
  newer_record["SuperPodID"] = 11;
  json newer = clusterd_cm({{"n1", newer_record}});
  snapshot s = decode_ok(list({npu_node("n1"), older, stale, newer}));
  ASSERT_TRUE(s.excluded_nodes.empty());
  EXPECT_EQ(s.cluster.super_pod_id(id_of(s, "n1")), 11) << "the newer of two shard entries wins";

  json foreign = clusterd_cm({{"n1", clusterd_record("n1")}});
  json e = json::parse(foreign["data"]["cluster-info-device-0"].get<std::string>());
  e["n2"] = json::array();  // not prefixed: ignored, not an unreadable record
  foreign["data"]["cluster-info-device-0"] = e.dump();
  snapshot s2 = decode_ok(list({npu_node("n1"), foreign}));
  EXPECT_TRUE(s2.excluded_nodes.empty());
}

// ---------------------------------------------------------------------------
// Free list

TEST(DecodeNodes, SelfMaintainedFreeList) {
  json dl = device_list();
  dl["huawei.com/Ascend910"] = "Ascend910-0";  // legacy list: ignored when self-maintaining
  dl["huawei.com/Ascend910-Unhealthy"] = "Ascend910-1,Ascend910-12";  // 12 is not in the inventory: ignored
  dl["huawei.com/Ascend910-Recovering"] = "Ascend910-2";
  dl["huawei.com/Ascend910-NetworkUnhealthy"] = "Ascend910-3";
  dl["huawei.com/Ascend910-Fault"] =
      R"([{"fault_type":"CardUnhealthy","npu_name":"Ascend910-4","fault_handling":"SubHealthFault"},)"
      R"({"fault_type":"CardUnhealthy","npu_name":"Ascend910-5","fault_handling":"SeparateNPU"},)"
      R"({"fault_type":"NodeUnhealthy","npu_name":"","fault_handling":"NotHandleFault"}])";
  json real = running_pod("ns", "real", "n1", "Ascend910-0", 1);
  real["metadata"]["annotations"]["huawei.com/AscendReal"] = "Ascend910-6";  // AscendReal wins
  json plain = running_pod("ns", "plain", "n1", "Ascend910-7,Ascend910-7,Ascend910-15", 1);
  json done = running_pod("ns", "done", "n1", "Ascend910-5", 1);
  done["status"]["phase"] = "Succeeded";
  json failed = running_pod("ns", "failed", "n1", "Ascend910-5", 1);
  failed["status"]["phase"] = "Failed";
  json elsewhere = running_pod("ns", "elsewhere", "n2", "Ascend910-5", 1);
  json no_annotation = running_pod("ns", "bare", "n1", "", 2);
  snapshot s = decode_ok(list({npu_node("n1"), clusterd_cm({{"n1", clusterd_record("n1", dl)}}), real, plain, done,
                               failed, elsewhere, no_annotation}));
  const node_id n = id_of(s, "n1");
  EXPECT_EQ(s.cluster.inventory(n), first_chips(8));
  EXPECT_EQ(s.cluster.unhealthy(n), mask({1}));
  EXPECT_EQ(s.cluster.recovering(n), mask({2}));
  EXPECT_EQ(s.cluster.network_unhealthy(n), mask({3}));
  EXPECT_TRUE(s.cluster.network_health_known(n));
  EXPECT_EQ(s.cluster.sub_healthy(n), mask({4}));
  EXPECT_EQ(s.cluster.in_use(n), mask({6, 7}));
  EXPECT_EQ(s.cluster.holder(n, 6), "ns/real");
  EXPECT_EQ(s.cluster.holder(n, 7), "ns/plain");
  EXPECT_EQ(s.cluster.free(n), mask({0, 3, 4, 5}));
  EXPECT_EQ(s.cluster.npu_requested(n), 4) << "Σ requests of the non-terminal pods bound here";
}

TEST(DecodeNodes, NetworkHealthUnknownWithoutTheKey) {
  json dl = device_list();
  dl.erase("huawei.com/Ascend910-NetworkUnhealthy");
  snapshot s = decode_ok(list({npu_node("n1"), clusterd_cm({{"n1", clusterd_record("n1", dl)}})}));
  EXPECT_FALSE(s.cluster.network_health_known(id_of(s, "n1")));
}

TEST(DecodeNodes, DevicePluginFreeListVerbatimWhenNotSelfMaintained) {
  json dl = device_list("Ascend910-0,Ascend910-1,Ascend910-9");
  dl["huawei.com/Ascend910-Unhealthy"] = "Ascend910-2";
  dl["huawei.com/Ascend910-Recovering"] = "Ascend910-3";
  json holder = running_pod("ns", "a", "n1", "Ascend910-4,Ascend910-0", 2);
  json broken = running_pod("ns", "b", "n1", "garbage", 1);  // informational only in this mode
  for (const char* how : {"init_params", "soft_share_label"}) {
    SCOPED_TRACE(how);
    json node = npu_node("n1");
    std::vector<json> items{clusterd_cm({{"n1", clusterd_record("n1", dl)}}), holder, broken};
    if (std::string_view(how) == "init_params")
      items.push_back(scheduler_cm(init_params_yaml({{"self-maintain-available-card", "false"}})));
    else
      node["metadata"]["labels"]["huawei.com/scheduler.chip1softsharedev.enable"] = "true";
    items.push_back(node);
    snapshot s = decode_ok(list(items));
    ASSERT_TRUE(s.excluded_nodes.empty()) << s.excluded_nodes[0].message;
    const node_id n = id_of(s, "n1");
    EXPECT_EQ(s.cluster.free(n), mask({0, 1}));
    EXPECT_EQ(s.cluster.in_use(n), mask({4, 5, 6, 7}));
    EXPECT_EQ(s.cluster.holder(n, 4), "ns/a");
    EXPECT_EQ(s.cluster.holder(n, 5), "(device-plugin)");
    EXPECT_EQ(s.cluster.holder(n, 0), "") << "a chip in the free list is free whatever a pod claims";
  }
}

TEST(DecodeNodes, VerbatimModeNeedsTheMainKey) {
  json dl = device_list();
  dl.erase("huawei.com/Ascend910");
  snapshot s = decode_ok(list({npu_node("n1"), clusterd_cm({{"n1", clusterd_record("n1", dl)}}),
                               scheduler_cm(init_params_yaml({{"self-maintain-available-card", "false"}}))}));
  ASSERT_EQ(s.excluded_nodes.size(), 1u);
  EXPECT_EQ(s.excluded_nodes[0].reason, "bad_device_info");
  EXPECT_NE(s.excluded_nodes[0].message.find("self-maintain-available-card is false"), std::string::npos);
}

TEST(DecodeNodes, VnpuEntriesAreNotChips) {
  json node = npu_node("n1", "module-910b-8", 2);
  json infos = json::parse(node["metadata"]["annotations"]["baseDeviceInfos"].get<std::string>());
  infos["Ascend910-2c-100-0"] = {{"IP", "x"}};
  node["metadata"]["annotations"]["baseDeviceInfos"] = infos.dump();
  snapshot s = decode_ok(list({node, clusterd_cm({{"n1", clusterd_record("n1")}})}));
  const node_id n = id_of(s, "n1");
  EXPECT_EQ(s.cluster.inventory(n), mask({0, 1}));
  EXPECT_EQ(s.nodes[n.value].device_count, 2);
}

// ---------------------------------------------------------------------------
// Node fields

TEST(DecodeNodes, HealthFromReadyAndNodeHealthyStatus) {
  struct health_case {
    const char* rule;
    const char* ready;       // nullptr = no conditions
    const char* annotation;  // nullptr = none
    node_health want;
  };
  const health_case cases[] = {
      {"ready_healthy", "True", nullptr, node_health::healthy},
      {"annotation_healthy", "True", "Healthy", node_health::healthy},
      {"unknown_annotation_value", "True", "Weird", node_health::healthy},
      {"unhealthy", "True", "UnHealthy", node_health::unhealthy},
      {"pre_separate", "True", "PreSeparate", node_health::pre_separate},
      {"sub_healthy", "True", "SubHealthy", node_health::sub_healthy},
      {"not_ready", "False", nullptr, node_health::not_ready},
      {"ready_unknown", "Unknown", nullptr, node_health::not_ready},
      {"no_ready_condition", nullptr, nullptr, node_health::not_ready},
      {"not_ready_beats_unhealthy", "False", "UnHealthy", node_health::not_ready},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json node = npu_node("n1");
    if (c.ready)
      node["status"]["conditions"] = json::array({{{"type", "MemoryPressure"}, {"status", "False"}},
                                                  {{"type", "Ready"}, {"status", c.ready}}});
    else
      node["status"].erase("conditions");
    if (c.annotation) node["metadata"]["annotations"]["NodeHealthyStatus"] = c.annotation;
    snapshot s = decode_ok(list({node, clusterd_cm({{"n1", clusterd_record("n1")}})}));
    EXPECT_EQ(s.cluster.health(id_of(s, "n1")), c.want);
  }
}

TEST(DecodeNodes, ResourcesLabelsAddressesAndCordon) {
  json node = npu_node("n1");
  node["status"]["allocatable"]["cpu"] = "62500m";
  node["status"]["allocatable"]["memory"] = "500M";
  node["status"]["allocatable"]["huawei.com/Ascend910"] = "7";
  node["spec"]["unschedulable"] = true;
  json a = running_pod("ns", "a", "n1", "Ascend910-0", 1);
  a["spec"]["containers"][0]["resources"] = {
      {"requests", {{"cpu", "1500m"}}},
      {"limits", {{"cpu", "4"}, {"memory", "1Gi"}, {"huawei.com/Ascend910", 1}}}};
  a["spec"]["containers"].push_back({{"name", "side"}, {"resources", {{"requests", {{"cpu", "0.5"}}}}}});
  a["spec"]["initContainers"] = json::array({{{"name", "init"}, {"resources", {{"requests", {{"cpu", "100"}}}}}}});
  json b = running_pod("ns", "b", "n1", "Ascend910-1", 1);
  b["spec"]["containers"][0]["resources"] = {{"requests", {{"memory", "1e3"}}}};
  snapshot s = decode_ok(list({node, a, b, clusterd_cm({{"n1", clusterd_record("n1")}})}));
  const node_id n = id_of(s, "n1");
  EXPECT_FALSE(s.cluster.schedulable(n));
  EXPECT_EQ(s.cluster.cpu_allocatable_milli(n), 62500);
  EXPECT_EQ(s.cluster.memory_allocatable_bytes(n), 500000000);
  EXPECT_EQ(s.cluster.npu_allocatable(n), 7);
  EXPECT_EQ(s.cluster.cpu_requested_milli(n), 2000) << "requests else limits, summed over containers";
  EXPECT_EQ(s.cluster.memory_requested_bytes(n), 1073741824 + 1000);
  EXPECT_EQ(s.cluster.npu_requested(n), 1) << "pod b requests no NPU even though it holds a chip";
  EXPECT_EQ(s.cluster.type(n), accelerator_type::module_910b_8);
  EXPECT_EQ(s.cluster.label(n, "kubernetes.io/hostname"), "n1");
  EXPECT_EQ(s.cluster.label(n, "accelerator-type"), "module-910b-8");
  const node_extra& x = s.nodes[n.value];
  EXPECT_EQ(x.internal_ip, "192.168.0.10") << "the first InternalIP";
  EXPECT_EQ(x.device_count, 8);
  EXPECT_EQ(x.devices.at(3), (device_info{"10.0.0.3", 103}));
}

TEST(DecodeNodes, AllocatableAbsentMeansDerive) {
  json node = npu_node("n1");
  node["status"]["allocatable"].erase("huawei.com/Ascend910");
  json dl = device_list();
  dl["huawei.com/Ascend910-Unhealthy"] = "Ascend910-0,Ascend910-1";
  snapshot s = decode_ok(list({node, clusterd_cm({{"n1", clusterd_record("n1", dl)}})}));
  EXPECT_EQ(s.cluster.npu_allocatable(id_of(s, "n1")), 6);
}

TEST(DecodeNodes, CpuNodesStayInTheCluster) {
  snapshot s = decode_ok(list({cpu_node("c1")}));
  ASSERT_EQ(s.cluster.size(), 1u);
  const node_id n = id_of(s, "c1");
  EXPECT_EQ(s.cluster.type(n), accelerator_type::none);
  EXPECT_EQ(s.cluster.inventory(n), 0u);
  EXPECT_EQ(s.cluster.cpu_allocatable_milli(n), 16000);
  EXPECT_EQ(s.cluster.memory_allocatable_bytes(n), std::int64_t{64} << 30);
  EXPECT_EQ(s.cluster.health(n), node_health::healthy);
  EXPECT_EQ(s.nodes[n.value].device_count, 0);
}

TEST(DecodeNodes, NodeExtrasFollowNodeIds) {
  json b = npu_node("b");
  b["status"]["addresses"] = json::array({{{"type", "InternalIP"}, {"address", "10.9.9.9"}}});
  snapshot s = decode_ok(list({b, cpu_node("c"), npu_node("a"), clusterd_cm({{"a", clusterd_record("a")},
                                                                              {"b", clusterd_record("b")}})}));
  ASSERT_EQ(s.nodes.size(), 3u);
  EXPECT_EQ(s.nodes[id_of(s, "b").value].internal_ip, "10.9.9.9");
  EXPECT_EQ(s.nodes[id_of(s, "a").value].internal_ip, "192.168.0.10");
  EXPECT_EQ(s.nodes[id_of(s, "c").value].internal_ip, "");
}

}  // namespace
}  // namespace npusched::k8s::test

namespace npusched::k8s::test {
namespace {

TEST(DecodeNodes, TaintsAndTolerations) {
  json node = npu_node("n1");
  node["spec"]["taints"] = json::array({{{"key", "npu"}, {"value", "maint"}, {"effect", "NoSchedule"}},
                                         {{"key", "soft"}, {"effect", "PreferNoSchedule"}}});
  json tolerant = pending_pod("ns", "tolerant", 1);
  tolerant["spec"]["tolerations"] = json::array({{{"key", "npu"}, {"operator", "Exists"}}});
  json plain = pending_pod("ns", "plain", 1);
  const snapshot s = decode_ok(list({node, clusterd_cm({{"n1", clusterd_record("n1")}}), tolerant, plain}));
  ASSERT_EQ(s.cluster.size(), 1u);
  ASSERT_EQ(s.cluster.hard_taints(node_id{0}).size(), 1u);
  EXPECT_EQ(s.cluster.hard_taints(node_id{0})[0], (taint{"npu", "maint", "NoSchedule"}));
  ASSERT_EQ(s.workload.pods.size(), 2u);
  EXPECT_EQ(s.workload.pods[1].tolerations, (std::vector<toleration>{{"npu", "Exists", "", ""}}));
  const plan_result r = plan(s.cluster, s.workload);
  ASSERT_EQ(r.bindings.size(), 1u);
  EXPECT_EQ(s.workload.pods[r.bindings[0].pod].name, "ns/tolerant");
  ASSERT_EQ(r.unschedulable.size(), 1u);
  EXPECT_EQ(r.unschedulable[0].why.code, reason::no_matching_node);
  // An effect Kubernetes would not accept: the node is left out, named.
  node["spec"]["taints"][0]["effect"] = "Sometimes";
  const snapshot bad = decode_ok(list({node, clusterd_cm({{"n1", clusterd_record("n1")}})}));
  ASSERT_EQ(bad.excluded_nodes.size(), 1u);
  EXPECT_EQ(bad.excluded_nodes[0].reason, "invalid_node");
  // Malformed: a taint that is not an object is a document error.
  node["spec"]["taints"] = json::array({3});
  auto doc = decode_snapshot(list({node}).dump());
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.err().path, "items[0].spec.taints[0]");
}

}  // namespace
}  // namespace npusched::k8s::test
