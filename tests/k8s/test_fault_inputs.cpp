// Fault inputs of decode_snapshot: NodeD / switch health, L1 link-down chips,
// CheckCode verification (and the SHA-256 and Go JSON encoding under it), and
// the running jobs handed to the fault logic (docs/kubernetes.md "Fault inputs").

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "builders.hpp"
#include "digest.hpp"
#include "go_json.hpp"

namespace npusched::k8s::test {
namespace {

node_id node_of(const snapshot& s, const std::string& name) {
  auto id = s.cluster.find(name);
  if (!id) ADD_FAILURE() << "node " << name << " not in the cluster";
  return id.value_or(node_id{0});
}

node_health health(const snapshot& s, const std::string& name) { return s.cluster.health(node_of(s, name)); }

chip_mask chips(std::initializer_list<int> ids) {
  chip_mask m = 0;
  for (int c : ids) m |= chip_bit(c);
  return m;
}

std::string excluded_reason(const snapshot& s, const std::string& node) {
  for (const auto& e : s.excluded_nodes)
    if (e.node == node) return e.reason;
  return "";
}

/// A node with a healthy ClusterD device record, the base of most cases.
std::vector<json> healthy_node(const std::string& name = "n1") {
  return {npu_node(name), clusterd_cm({{name, clusterd_record(name)}})};
}

std::vector<json> plus(std::vector<json> items, const std::vector<json>& more) {
  items.insert(items.end(), more.begin(), more.end());
  return items;
}

json device_plugin_cm_with_switch(const std::string& node, const json& sw, const json& cfg = device_info_cfg()) {
  json cm = device_plugin_cm(node, cfg);
  cm["data"]["SwitchInfoCfg"] = sw.dump();
  return cm;
}

json scheduler_cim(const std::string& value) {
  return scheduler_cm(init_params_yaml({{"useClusterInfoManager", value}}));
}

// ---------------------------------------------------------------------------
// SHA-256 and the Go encoding

TEST(Sha256, Fips180_4TestVectorsAndPaddingBoundaries) {
  struct sha_case {
    const char* rule;
    std::string input;
    const char* want;
  };
  const sha_case cases[] = {
      {"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"448_bit_message", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"one_million_a", std::string(1000000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
      // Lengths around the one-block / two-block padding edge (values from Python's hashlib).
      {"55_bytes_pad_fits", std::string(55, 'a'), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {"56_bytes_pad_spills", std::string(56, 'a'), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {"63_bytes", std::string(63, 'a'), "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {"64_bytes_whole_block", std::string(64, 'a'),
       "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {"119_bytes", std::string(119, 'a'), "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {"120_bytes", std::string(120, 'a'), "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    EXPECT_EQ(detail::sha256_hex(c.input), c.want);
  }
}

TEST(GoJson, StringsAreEscapedAsGoEncodingJsonDoes) {
  struct escape_case {
    const char* rule;
    std::string input;
    std::string want;
  };
  const escape_case cases[] = {
      {"plain_ascii_is_kept", "Ascend910-0,Ascend910-1", "\"Ascend910-0,Ascend910-1\""},
      {"quote_and_backslash", "a\"b\\c", "\"a\\\"b\\\\c\""},
      {"html_characters_are_escaped", "<a>&b", "\"\\u003ca\\u003e\\u0026b\""},
      {"short_escapes", "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""},
      {"other_control_bytes_lowercase_hex", std::string("\x01\x1f", 2), "\"\\u0001\\u001f\""},
      {"nul_byte", std::string(1, '\0'), "\"\\u0000\""},
      {"del_is_not_escaped", "\x7f", "\"\x7f\""},
      {"non_ascii_is_kept", "caf\xc3\xa9 \xe6\x95\x85\xe9\x9a\x9c", "\"caf\xc3\xa9 \xe6\x95\x85\xe9\x9a\x9c\""},
      {"line_and_paragraph_separators", "\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\""},
      {"invalid_utf8_byte_is_replaced", "a\xff" "b", "\"a\\ufffdb\""},
      {"truncated_sequence_is_replaced_per_byte", "\xe2\x80", "\"\\ufffd\\ufffd\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    std::string out;
    detail::append_go_string(out, c.input);
    EXPECT_EQ(out, c.want);
  }
}

TEST(GoJson, RecordShapesInGoStructOrderWithSortedMaps) {
  struct shape_case {
    const char* rule;
    std::optional<std::string> (*encode)(std::string_view);
    json value;
    std::optional<std::string> want;
  };
  const shape_case cases[] = {
      {"device_info_keys_sorted_unknown_dropped", detail::go_device_info,
       {{"UpdateTime", 7}, {"Extra", 1}, {"DeviceList", {{"b", "2"}, {"a", "<1>"}}}},
       R"({"DeviceList":{"a":"\u003c1\u003e","b":"2"},"UpdateTime":7})"},
      {"device_info_absent_members_are_zero", detail::go_device_info, json::object(),
       R"({"DeviceList":null,"UpdateTime":0})"},
      {"device_info_empty_map_stays_empty", detail::go_device_info, {{"DeviceList", json::object()}},
       R"({"DeviceList":{},"UpdateTime":0})"},
      {"device_info_float_time_does_not_decode", detail::go_device_info, {{"UpdateTime", 1.5}}, std::nullopt},
      {"device_info_non_string_value_does_not_decode", detail::go_device_info, {{"DeviceList", {{"a", 1}}}},
       std::nullopt},
      {"node_info_fields_in_struct_order", detail::go_node_info, node_info("UnHealthy"),
       R"({"FaultDevList":[{"DeviceType":"CPU","DeviceId":1,"FaultCode":["00000011"],"FaultLevel":"SeparateFault"}],"NodeStatus":"UnHealthy"})"},
      {"node_info_empty_list_and_nil_entry", detail::go_node_info,
       {{"FaultDevList", json::array({nullptr})}, {"NodeStatus", "Healthy"}},
       R"({"FaultDevList":[null],"NodeStatus":"Healthy"})"},
      {"node_info_absent_list_is_null", detail::go_node_info, {{"NodeStatus", "Healthy"}, {"CmName", "x"}},
       R"({"FaultDevList":null,"NodeStatus":"Healthy"})"},
      {"node_info_string_device_id_does_not_decode", detail::go_node_info,
       {{"FaultDevList", json::array({{{"DeviceId", "1"}}})}}, std::nullopt},
      {"switch_info_fields_in_struct_order", detail::go_switch_info, switch_record("UnHealthy", 5),
       R"({"FaultCode":["000001c1"],"FaultLevel":"Separate","UpdateTime":5,"NodeStatus":"UnHealthy","FaultTimeAndLevelMap":{"000001c1":{"fault_time":1722845555,"fault_level":"Separate"}}})"},
      {"switch_info_absent_members", detail::go_switch_info, {{"NodeStatus", "Healthy"}},
       R"({"FaultCode":null,"FaultLevel":"","UpdateTime":0,"NodeStatus":"Healthy","FaultTimeAndLevelMap":null})"},
      {"not_an_object", detail::go_switch_info, json::array(), std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    EXPECT_EQ(c.encode(c.value.dump()), c.want);
  }
}

TEST(GoJson, NodeInfoHashIsPinned) {
  // The hash of the encoding above, computed independently with Python's hashlib.
  // (The NodeD sample in the reference docs carries 3a2934c3…, which does not
  // reproduce from the sample's own content: it looks hand-edited.)
  EXPECT_EQ(detail::sha256_hex(detail::go_node_info(node_info("UnHealthy").dump()).value()),
            "215f43b3551aaa62df1f78f345a0847f6b06f8b5a55e51efa30180a794ee6f0b");
  EXPECT_EQ(detail::sha256_hex(R"({"FaultCode":["a"],"FaultLevel":"NotHandle","UpdateTime":5,"NodeStatus":"Healthy","FaultTimeAndLevelMap":null})"),
            "d0b44bfa4f11af92ad981a72468dda8b06ac51da98eb8b57033f08c2f78f5f56");
}

// The reference's documented A3 DeviceInfoCfg sample (its CheckCode vector)
// (docs/en/scheduling/references/common_operations.md), untrimmed.
constexpr const char* vector19_device_info_cfg =
    R"json({"DeviceInfo":{"DeviceList":{"huawei.com/Ascend910":"Ascend910-0,Ascend910-1,Ascend910-2,Ascend910-3,Ascend910-5,Ascend910-6,Ascend910-7","huawei.com/Ascend910-Fault":"[{\"fault_type\":\"CardNetworkUnhealthy\",\"npu_name\":\"Ascend910-0\",\"large_model_fault_level\":\"PreSeparateNPU\",\"fault_level\":\"PreSeparateNPU\",\"fault_handling\":\"PreSeparateNPU\",\"fault_code\":\"81078603\",\"fault_time_and_level_map\":{\"81078603\":{\"fault_time\":1744168468259,\"fault_level\":\"PreSeparateNPU\"}}},{\"fault_type\":\"CardUnhealthy\",\"npu_name\":\"Ascend910-4\",\"large_model_fault_level\":\"SeparateNPU\",\"fault_level\":\"SeparateNPU\",\"fault_handling\":\"SeparateNPU\",\"fault_code\":\"A8028801,A4028801,80E18402,80E18401\",\"fault_time_and_level_map\":{\"80E18401\":{\"fault_time\":1744167455784,\"fault_level\":\"NotHandleFault\"},\"80E18402\":{\"fault_time\":1744167455784,\"fault_level\":\"SeparateNPU\"},\"A4028801\":{\"fault_time\":1744167455784,\"fault_level\":\"NotHandleFault\"},\"A8028801\":{\"fault_time\":1744167455784,\"fault_level\":\"SeparateNPU\"}}}]","huawei.com/Ascend910-NetworkUnhealthy":"Ascend910-0","huawei.com/Ascend910-Recovering":"","huawei.com/Ascend910-Unhealthy":"Ascend910-4"},"UpdateTime":1744182144},"SuperPodID":-2,"ServerIndex":-2,"CheckCode":"a550811fdfafb5717555526816af2ca4ac6c3e102f5907574048578e0c8fcc73"})json";

TEST(CheckCode, Vector19DocsDeviceInfoSampleReproduces) {
  const json cfg = json::parse(vector19_device_info_cfg);
  EXPECT_EQ(detail::sha256_hex(detail::go_device_info(cfg["DeviceInfo"].dump()).value()),
            "a550811fdfafb5717555526816af2ca4ac6c3e102f5907574048578e0c8fcc73");
  EXPECT_EQ(cfg["CheckCode"], "a550811fdfafb5717555526816af2ca4ac6c3e102f5907574048578e0c8fcc73");

  // The whole record decodes as trusted, and a one-byte change in it does not.
  json cm = device_plugin_cm("n1");
  cm["data"]["DeviceInfoCfg"] = vector19_device_info_cfg;
  snapshot s = decode_ok(list({npu_node("n1"), cm}));
  ASSERT_TRUE(s.excluded_nodes.empty()) << s.excluded_nodes[0].message;
  EXPECT_TRUE(s.untrusted.empty());
  const node_id n = node_of(s, "n1");
  EXPECT_EQ(s.cluster.unhealthy(n), chips({4}));
  EXPECT_EQ(s.cluster.network_unhealthy(n), chips({0}));
  EXPECT_EQ(s.cluster.link_down(n), 0u);  // 81078603 there is PreSeparateNPU, not NotHandleFault

  std::string tampered = vector19_device_info_cfg;
  tampered.replace(tampered.find("Ascend910-4\"}"), 11, "Ascend910-5");
  cm["data"]["DeviceInfoCfg"] = tampered;
  s = decode_ok(list({npu_node("n1"), cm}));
  EXPECT_EQ(excluded_reason(s, "n1"), "untrusted_device_info");
  ASSERT_EQ(s.untrusted.size(), 1u);
  EXPECT_EQ(s.untrusted[0].record, "device-info");
  EXPECT_EQ(s.untrusted[0].source, "kube-system/mindx-dl-deviceinfo-n1");
}

// ---------------------------------------------------------------------------
// CheckCode, per record kind

TEST(CheckCode, EachRecordKindIsTrustedOrNot) {
  json bad_dp = device_info_cfg(device_list(), 2000);
  bad_dp["CheckCode"] = "0000";
  json cd_good = clusterd_record("n1");
  cd_good["CheckCode"] = device_info_check_code({{"DeviceList", device_list()}, {"UpdateTime", 1000}});
  json cd_bad = clusterd_record("n1");
  cd_bad["CheckCode"] = "0000";
  json cd_bad_newer = clusterd_record("n1", device_list(), 5000);
  cd_bad_newer["CheckCode"] = "0000";
  json node_good = clusterd_node_record("n1", "UnHealthy");
  node_good["CheckCode"] = node_info_check_code(node_info("UnHealthy"));
  json node_bad = clusterd_node_record("n1", "Healthy");
  node_bad["CheckCode"] = "0000";
  json sw_good = switch_record("SubHealthy");
  sw_good["CheckCode"] = detail::sha256_hex(*detail::go_switch_info(sw_good.dump()));
  json sw_bad = switch_record("Healthy");
  sw_bad["CheckCode"] = "0000";
  json noded_unreadable = noded_cm("n1", node_info("Healthy"));
  noded_unreadable["data"]["NodeInfo"] = "{broken";

  struct untrusted_want {
    std::string record;
    std::string source;
  };
  struct code_case {
    const char* rule;
    std::vector<json> items;
    std::string want_excluded;  // "" = kept
    node_health want_health;
    std::vector<untrusted_want> want_untrusted;
    std::int32_t want_super_pod = -100;  // -100 = not checked; 7 device plugin, 3 ClusterD
  };
  const std::string dp_source = "kube-system/mindx-dl-deviceinfo-n1";
  const std::string cd_source = "mindx-dl/cluster-info-device-0";
  const code_case cases[] = {
      {"device_plugin_matching_code_is_used", {npu_node("n1"), device_plugin_cm("n1")}, "", node_health::healthy, {},
       7},
      {"device_plugin_mismatch_excludes_the_node",
       {npu_node("n1"), device_plugin_cm("n1", bad_dp)},
       "untrusted_device_info",
       node_health::healthy,
       {{"device-info", dp_source}}},
      {"device_plugin_mismatch_falls_back_to_older_clusterd",
       plus(healthy_node(), {device_plugin_cm("n1", bad_dp)}),
       "",
       node_health::healthy,
       {{"device-info", dp_source}},
       3},
      {"explicit_device_plugin_mismatch_falls_back_to_clusterd",
       plus(healthy_node(), {device_plugin_cm("n1", bad_dp), scheduler_cim("false")}),
       "",
       node_health::healthy,
       {{"device-info", dp_source}},
       3},
      {"explicit_clusterd_mismatch_without_fallback_excludes",
       {npu_node("n1"), clusterd_cm({{"n1", cd_bad}}), scheduler_cim("true")},
       "untrusted_device_info",
       node_health::healthy,
       {{"device-info", cd_source}}},
      {"explicit_clusterd_mismatch_falls_back_to_device_plugin",
       {npu_node("n1"), clusterd_cm({{"n1", cd_bad}}), device_plugin_cm("n1"), scheduler_cim("true")},
       "",
       node_health::healthy,
       {{"device-info", cd_source}},
       7},
      {"clusterd_entry_with_matching_code_is_used", {npu_node("n1"), clusterd_cm({{"n1", cd_good}})}, "",
       node_health::healthy, {}, 3},
      {"clusterd_entry_without_code_is_not_checked", healthy_node(), "", node_health::healthy, {}, 3},
      {"clusterd_distrusted_newer_shard_loses_to_trusted_older",
       {npu_node("n1"), clusterd_cm({{"n1", cd_good}}), clusterd_cm({{"n1", cd_bad_newer}}, "cluster-info-device-1")},
       "",
       node_health::healthy,
       {{"device-info", "mindx-dl/cluster-info-device-1"}},
       3},
      {"noded_matching_code_status_is_used", plus(healthy_node(), {noded_cm("n1", node_info("UnHealthy"))}), "",
       node_health::unhealthy, {}},
      {"noded_mismatch_takes_no_new_pods",
       plus(healthy_node(), {noded_cm("n1", node_info("Healthy"), "", "0000")}),
       "",
       node_health::pre_separate,
       {{"node-info", "mindx-dl/mindx-dl-nodeinfo-n1"}}},
      {"noded_mismatch_status_is_not_used",
       plus(healthy_node(), {noded_cm("n1", node_info("UnHealthy"), "", "0000")}),
       "",
       node_health::pre_separate,
       {{"node-info", "mindx-dl/mindx-dl-nodeinfo-n1"}}},
      {"noded_unreadable_takes_no_new_pods",
       plus(healthy_node(), {noded_unreadable}),
       "",
       node_health::pre_separate,
       {{"node-info", "mindx-dl/mindx-dl-nodeinfo-n1"}}},
      {"noded_bad_update_time_takes_no_new_pods",
       plus(healthy_node(), {noded_cm("n1", node_info("Healthy"), "yesterday")}),
       "",
       node_health::pre_separate,
       {{"node-info", "mindx-dl/mindx-dl-nodeinfo-n1"}}},
      {"clusterd_node_entry_matching_code", plus(healthy_node(), {clusterd_node_cm({{"n1", node_good}})}), "",
       node_health::unhealthy, {}},
      {"clusterd_node_entry_mismatch",
       plus(healthy_node(), {clusterd_node_cm({{"n1", node_bad}})}),
       "",
       node_health::pre_separate,
       {{"node-info", "mindx-dl/cluster-info-node-cm"}}},
      {"switch_device_plugin_matching_code",
       {npu_node("n1"), device_plugin_cm_with_switch("n1", sw_good)},
       "",
       node_health::sub_healthy,
       {}},
      {"switch_device_plugin_mismatch",
       {npu_node("n1"), device_plugin_cm_with_switch("n1", sw_bad)},
       "",
       node_health::pre_separate,
       {{"switch-info", dp_source}}},
      {"switch_clusterd_mismatch",
       plus(healthy_node(), {clusterd_switch_cm({{"n1", sw_bad}})}),
       "",
       node_health::pre_separate,
       {{"switch-info", "mindx-dl/cluster-info-switch-0"}}},
      {"switch_clusterd_without_code_is_not_checked",
       plus(healthy_node(), {clusterd_switch_cm({{"n1", switch_record("UnHealthy")}})}),
       "",
       node_health::unhealthy,
       {}},
      {"explicit_clusterd_ignores_device_plugin_node_info_entirely",
       plus(healthy_node(), {noded_cm("n1", node_info("UnHealthy"), "", "0000"), scheduler_cim("true")}),
       "",
       node_health::healthy,
       {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    snapshot s = decode_ok(list(c.items));
    EXPECT_EQ(excluded_reason(s, "n1"), c.want_excluded);
    if (c.want_excluded.empty()) {
      EXPECT_EQ(health(s, "n1"), c.want_health);
      if (c.want_super_pod != -100) {
        EXPECT_EQ(s.cluster.super_pod_id(node_of(s, "n1")), c.want_super_pod);
      }
    }
    ASSERT_EQ(s.untrusted.size(), c.want_untrusted.size());
    for (std::size_t i = 0; i < s.untrusted.size(); ++i) {
      EXPECT_EQ(s.untrusted[i].node, "n1");
      EXPECT_EQ(s.untrusted[i].record, c.want_untrusted[i].record);
      EXPECT_EQ(s.untrusted[i].source, c.want_untrusted[i].source);
      EXPECT_FALSE(s.untrusted[i].message.empty());
    }
  }
}

TEST(CheckCode, MessagesSayWhatWasWrong) {
  json bad = device_info_cfg();
  bad["CheckCode"] = "0000";
  json unreadable = noded_cm("n2", node_info("Healthy"));
  unreadable["data"]["NodeInfo"] = "[]";
  snapshot s =
      decode_ok(list(plus({npu_node("n1"), device_plugin_cm("n1", bad)}, plus(healthy_node("n2"), {unreadable}))));
  ASSERT_EQ(s.untrusted.size(), 2u);
  EXPECT_EQ(s.untrusted[0].message,
            "CheckCode \"0000\" does not match the content (its SHA-256 is " +
                device_info_check_code(bad["DeviceInfo"]) + ")");
  EXPECT_EQ(s.untrusted[1].message, "unreadable: NodeInfo is not a JSON object");
  ASSERT_EQ(s.excluded_nodes.size(), 1u);
  EXPECT_EQ(s.excluded_nodes[0].message,
            "the device-info record in kube-system/mindx-dl-deviceinfo-n1 fails its CheckCode and no other source "
            "has a trusted, readable record");
}

// ---------------------------------------------------------------------------
// Node health from NodeD and the switch

// A health table: each case's items decode to node n1 with health `want`,
// nothing excluded and nothing untrusted.
struct health_case {
  const char* rule;
  std::vector<json> items;
  node_health want;
};

void expect_health(const std::vector<health_case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    snapshot s = decode_ok(list(c.items));
    ASSERT_TRUE(s.excluded_nodes.empty()) << s.excluded_nodes[0].message;
    EXPECT_EQ(health(s, "n1"), c.want);
    EXPECT_TRUE(s.untrusted.empty());
  }
}

TEST(FaultInputs, NodeHealthMappingWorstWins) {
  json sub_annotated = npu_node("n1");
  sub_annotated["metadata"]["annotations"]["NodeHealthyStatus"] = "SubHealthy";
  json not_ready = npu_node("n1");
  not_ready["status"]["conditions"][0]["status"] = "False";
  const json cd = clusterd_cm({{"n1", clusterd_record("n1")}});
  const std::vector<health_case> cases = {
      {"no_reports_is_healthy", healthy_node(), node_health::healthy},
      {"noded_healthy", plus(healthy_node(), {noded_cm("n1", node_info("Healthy", false))}), node_health::healthy},
      {"noded_unhealthy", plus(healthy_node(), {noded_cm("n1", node_info("UnHealthy"))}), node_health::unhealthy},
      {"noded_pre_separate", plus(healthy_node(), {noded_cm("n1", node_info("PreSeparate"))}),
       node_health::pre_separate},
      {"noded_sub_healthy_counts_unlike_the_reference", plus(healthy_node(), {noded_cm("n1", node_info("SubHealthy"))}),
       node_health::sub_healthy},
      {"noded_unknown_status_is_healthy", plus(healthy_node(), {noded_cm("n1", node_info("Weird"))}),
       node_health::healthy},
      {"clusterd_node_unhealthy",
       plus(healthy_node(), {clusterd_node_cm({{"n1", clusterd_node_record("n1", "UnHealthy")}})}),
       node_health::unhealthy},
      {"clusterd_node_pre_separate",
       plus(healthy_node(), {clusterd_node_cm({{"n1", clusterd_node_record("n1", "PreSeparate")}})}),
       node_health::pre_separate},
      {"clusterd_node_sub_healthy",
       plus(healthy_node(), {clusterd_node_cm({{"n1", clusterd_node_record("n1", "SubHealthy")}})}),
       node_health::sub_healthy},
      {"switch_device_plugin_unhealthy",
       {npu_node("n1"), device_plugin_cm_with_switch("n1", switch_record("UnHealthy"))},
       node_health::unhealthy},
      {"switch_device_plugin_sub_healthy",
       {npu_node("n1"), device_plugin_cm_with_switch("n1", switch_record("SubHealthy"))}, node_health::sub_healthy},
      {"switch_pre_separate_is_not_a_switch_status",
       {npu_node("n1"), device_plugin_cm_with_switch("n1", switch_record("PreSeparate"))}, node_health::healthy},
      {"switch_clusterd_unhealthy", plus(healthy_node(), {clusterd_switch_cm({{"n1", switch_record("UnHealthy")}})}),
       node_health::unhealthy},
      {"switch_clusterd_sub_healthy", plus(healthy_node(), {clusterd_switch_cm({{"n1", switch_record("SubHealthy")}})}),
       node_health::sub_healthy},
      {"annotation_sub_healthy_and_noded_unhealthy", {sub_annotated, cd, noded_cm("n1", node_info("UnHealthy"))},
       node_health::unhealthy},
      {"annotation_sub_healthy_and_noded_healthy", {sub_annotated, cd, noded_cm("n1", node_info("Healthy"))},
       node_health::sub_healthy},
      {"not_ready_beats_noded_pre_separate", {not_ready, cd, noded_cm("n1", node_info("PreSeparate"))},
       node_health::not_ready},
      {"noded_sub_healthy_and_switch_unhealthy",
       plus(healthy_node(),
            {noded_cm("n1", node_info("SubHealthy")), clusterd_switch_cm({{"n1", switch_record("UnHealthy")}})}),
       node_health::unhealthy},
      {"noded_pre_separate_and_switch_sub_healthy",
       plus(healthy_node(),
            {noded_cm("n1", node_info("PreSeparate")), clusterd_switch_cm({{"n1", switch_record("SubHealthy")}})}),
       node_health::pre_separate},
      {"cpu_node_takes_noded_status_too", {cpu_node("n1"), noded_cm("n1", node_info("UnHealthy"))},
       node_health::unhealthy},
      {"report_for_another_node_does_not_apply", plus(healthy_node(), {noded_cm("n2", node_info("UnHealthy"))}),
       node_health::healthy},
  };
  expect_health(cases);
}

TEST(FaultInputs, NodeAndSwitchSourceChoiceByUpdateTime) {
  // 2024-01-01T00:00:00Z is 1704067200.
  const std::int64_t t0 = 1704067200;
  auto noded_at = [](const std::string& status, const std::string& time) {
    return noded_cm("n1", node_info(status), time);
  };
  auto cd_node_at = [](const std::string& status, std::int64_t time) {
    return clusterd_node_cm({{"n1", clusterd_node_record("n1", status, time)}});
  };
  auto dp_switch_at = [](const std::string& status, std::int64_t time) {
    return device_plugin_cm_with_switch("n1", switch_record(status, time));
  };
  auto cd_switch_at = [](const std::string& status, std::int64_t time,
                         const std::string& shard = "cluster-info-switch-0") {
    return clusterd_switch_cm({{"n1", switch_record(status, time)}}, shard);
  };
  const std::vector<health_case> cases = {
      {"noded_device_plugin_newer_wins",
       plus(healthy_node(), {noded_at("UnHealthy", "2024-01-01T00:00:01Z"), cd_node_at("Healthy", t0)}),
       node_health::unhealthy},
      {"noded_clusterd_newer_wins",
       plus(healthy_node(), {noded_at("UnHealthy", "2024-01-01T00:00:00Z"), cd_node_at("Healthy", t0 + 1)}),
       node_health::healthy},
      {"noded_tie_goes_to_clusterd",
       plus(healthy_node(), {noded_at("UnHealthy", "2024-01-01T00:00:00Z"), cd_node_at("PreSeparate", t0)}),
       node_health::pre_separate},
      {"noded_time_zone_offsets_are_honoured",
       plus(healthy_node(), {noded_at("UnHealthy", "2024-01-01T02:00:01+02:00"), cd_node_at("Healthy", t0)}),
       node_health::unhealthy},
      {"noded_without_update_time_is_oldest",
       plus(healthy_node(), {noded_at("UnHealthy", ""), cd_node_at("Healthy", 1)}), node_health::healthy},
      {"noded_explicit_false_reads_device_plugin_only",
       plus(healthy_node(), {noded_at("UnHealthy", "2024-01-01T00:00:00Z"), cd_node_at("Healthy", t0 + 5),
                             device_plugin_cm("n1"), scheduler_cim("false")}),
       node_health::unhealthy},
      {"noded_explicit_true_reads_clusterd_only",
       plus(healthy_node(), {noded_at("UnHealthy", "2024-01-01T00:00:05Z"), cd_node_at("Healthy", t0),
                             scheduler_cim("true")}),
       node_health::healthy},
      {"switch_device_plugin_newer_wins",
       plus(healthy_node(), {dp_switch_at("UnHealthy", 9), cd_switch_at("Healthy", 8)}),
       node_health::unhealthy},
      {"switch_clusterd_newer_wins", plus(healthy_node(), {dp_switch_at("UnHealthy", 8), cd_switch_at("Healthy", 9)}),
       node_health::healthy},
      {"switch_tie_goes_to_clusterd",
       plus(healthy_node(), {dp_switch_at("UnHealthy", 9), cd_switch_at("SubHealthy", 9)}),
       node_health::sub_healthy},
      {"switch_newer_clusterd_shard_wins",
       plus(healthy_node(), {cd_switch_at("Healthy", 9), cd_switch_at("UnHealthy", 10, "cluster-info-switch-1")}),
       node_health::unhealthy},
      {"switch_shard_tie_goes_to_first_shard",
       plus(healthy_node(), {cd_switch_at("SubHealthy", 9), cd_switch_at("UnHealthy", 9, "cluster-info-switch-1")}),
       node_health::sub_healthy},
  };
  expect_health(cases);
}

TEST(FaultInputs, ShardsThatAreNotJsonObjectsAreDocumentErrors) {
  for (const std::string name : {"cluster-info-node-cm", "cluster-info-switch-3"}) {
    SCOPED_TRACE(name);
    json cm = clusterd_switch_cm({}, name);
    cm["data"][name] = "[1]";
    auto r = decode_snapshot(list(plus(healthy_node(), {cm})).dump());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().path, "items[2].data[\"" + name + "\"]");
    EXPECT_EQ(r.err().message, "expected a JSON object, got array");
    cm["data"][name] = "";  // an emptied shard is fine
    EXPECT_TRUE(decode_snapshot(list(plus(healthy_node(), {cm})).dump()));
  }
}

// ---------------------------------------------------------------------------
// L1 link-down chips

TEST(FaultInputs, LinkDownChipsFromTheFaultJson) {
  struct link_case {
    const char* rule;
    json faults;
    chip_mask want_link_down;
    chip_mask want_sub_healthy;
  };
  const link_case cases[] = {
      {"code_at_not_handle_level", json::array({fault_entry(2, "NotHandleFault", "PreSeparateNPU", "81078603")}),
       chips({2}), 0},
      {"code_with_not_handle_handling", json::array({fault_entry(3, "PreSeparateNPU", "NotHandleFault", "81078603")}),
       chips({3}), 0},
      {"code_inside_a_list", json::array({fault_entry(1, "NotHandleFault", "NotHandleFault", "A8028801,81078603")}),
       chips({1}), 0},
      {"code_at_another_level_is_not_link_down",
       json::array({fault_entry(1, "PreSeparateNPU", "PreSeparateNPU", "81078603")}), 0, 0},
      {"other_code_is_not_link_down", json::array({fault_entry(1, "NotHandleFault", "NotHandleFault", "80E18401")}), 0,
       0},
      {"longer_code_is_not_link_down", json::array({fault_entry(1, "NotHandleFault", "NotHandleFault", "810786031")}),
       0, 0},
      {"chip_outside_inventory_is_ignored",
       json::array({fault_entry(12, "NotHandleFault", "NotHandleFault", "81078603")}), 0, 0},
      {"sub_health_and_link_down_are_separate",
       json::array({fault_entry(4, "SubHealthFault", "SubHealthFault", "80E18401"),
                    fault_entry(5, "NotHandleFault", "NotHandleFault", "81078603")}),
       chips({5}), chips({4})},
      {"several_chips", json::array({fault_entry(0, "NotHandleFault", "NotHandleFault", "81078603"),
                                     fault_entry(7, "NotHandleFault", "NotHandleFault", "81078603")}),
       chips({0, 7}), 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json dl = device_list();
    dl["huawei.com/Ascend910-Fault"] = c.faults.dump();
    snapshot s = decode_ok(list({npu_node("n1"), clusterd_cm({{"n1", clusterd_record("n1", dl)}})}));
    ASSERT_TRUE(s.excluded_nodes.empty()) << s.excluded_nodes[0].message;
    const node_id n = node_of(s, "n1");
    EXPECT_EQ(s.cluster.link_down(n), c.want_link_down);
    EXPECT_EQ(s.cluster.sub_healthy(n), c.want_sub_healthy);
  }
}

TEST(FaultInputs, BrokenLinkDownEntriesExcludeTheNode) {
  json bad_name = fault_entry(0, "NotHandleFault", "NotHandleFault", "81078603");
  bad_name["npu_name"] = "npu-0";
  json bad_code = fault_entry(0, "NotHandleFault", "NotHandleFault", "81078603");
  bad_code["fault_code"] = 81078603;
  for (const json& entry : {bad_name, bad_code}) {
    json dl = device_list();
    dl["huawei.com/Ascend910-Fault"] = json::array({entry}).dump();
    snapshot s = decode_ok(list({npu_node("n1"), clusterd_cm({{"n1", clusterd_record("n1", dl)}})}));
    EXPECT_EQ(excluded_reason(s, "n1"), "bad_device_info");
  }
}

// ---------------------------------------------------------------------------
// Running jobs

json group_pod(const std::string& name, const std::string& group, const std::string& node = "n1",
               const std::string& chip_list = "Ascend910-0", int npus = 1) {
  json p = node.empty() ? pending_pod("ns", name, npus, group) : running_pod("ns", name, node, chip_list, npus);
  p["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = group;
  return p;
}

const fault_job* job_named(const snapshot& s, const std::string& name) {
  for (const auto& j : s.fault_jobs)
    if (j.name == name) return &j;
  return nullptr;
}

TEST(FaultJobs, EveryVolcanoPodGroupButFinishedOnes) {
  json lone = running_pod("ns", "lone", "n1", "Ascend910-5", 1);  // no group: not a fault job
  json scheduler_plugins_pg = podgroup_in_phase("ns", "other", "Running");
  scheduler_plugins_pg["apiVersion"] = "scheduling.x-k8s.io/v1alpha1";
  json succeeded = group_pod("done-0", "done", "n1", "Ascend910-6");
  succeeded["status"]["phase"] = "Succeeded";
  snapshot s = decode_ok(list(plus(healthy_node(), {
      podgroup_in_phase("ns", "bound", "Running"), group_pod("b-0", "bound"), group_pod("b-1", "bound", ""),
      podgroup_in_phase("ns", "pending", "Inqueue"), group_pod("p-0", "pending", ""),
      podgroup_in_phase("ns", "restarting", "Pending"),  // its pods are gone for now
      scheduler_plugins_pg, group_pod("o-0", "other", "n1", "Ascend910-3"),
      group_pod("m-0", "missing", "n1", "Ascend910-4"),  // its PodGroup is not in the snapshot
      podgroup_in_phase("ns", "done", "Completed"), succeeded, lone})));
  std::vector<std::string> names;
  for (const fault_job& j : s.fault_jobs) names.push_back(j.name);
  // A group with nothing bound, or no pod at all, is a job too (its retry
  // budget and round record must outlive a job-level restart); one whose pods
  // all Succeeded is finished.
  EXPECT_EQ(names, (std::vector<std::string>{"ns/bound", "ns/pending", "ns/restarting"}));
  ASSERT_EQ(s.fault_jobs[0].pods.size(), 2u);  // the pending pod is a pod of the job too
  EXPECT_EQ(s.fault_jobs[0].pods[0].name, "ns/b-0");
  EXPECT_EQ(s.fault_jobs[0].pods[1].name, "ns/b-1");
  EXPECT_EQ(s.fault_jobs[0].pods[1].node, "");
  EXPECT_FALSE(s.fault_jobs[1].running);
  EXPECT_TRUE(s.fault_jobs[2].pods.empty());
}

TEST(FaultJobs, LabelsAndAnnotationsPodGroupFirstThenFirstPodByName) {
  struct label_case {
    const char* rule;
    json pg_labels, pg_annotations, pod_a_labels, pod_b_labels, pod_a_annotations;
    void (*check)(const fault_job&);
  };
  const json none = json::object();
  const label_case cases[] = {
      {"absent_labels_are_defaults", none, none, none, none, none,
       [](const fault_job& j) {
         EXPECT_EQ(j.scheduling, fault_scheduling::off);
         EXPECT_EQ(j.scheduling_label, "");
         EXPECT_FALSE(j.pod_rescheduling);
         EXPECT_FALSE(j.process_recover);
         EXPECT_EQ(j.fault_retry_times, 0);
         EXPECT_EQ(j.strategy, sub_healthy_strategy::ignore);
         EXPECT_FALSE(j.pod_level_only);
         EXPECT_FALSE(j.external_recovery);
         EXPECT_EQ(j.block_nodes, 0);
       }},
      {"fault_scheduling_grace", {{"fault-scheduling", "grace"}}, none, none, none, none,
       [](const fault_job& j) {
         EXPECT_EQ(j.scheduling, fault_scheduling::grace);
         EXPECT_EQ(j.scheduling_label, "grace");
       }},
      {"fault_scheduling_force", {{"fault-scheduling", "force"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.scheduling, fault_scheduling::force); }},
      {"fault_scheduling_off", {{"fault-scheduling", "off"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.scheduling, fault_scheduling::off); }},
      {"fault_scheduling_external_grace", {{"fault-scheduling", "external-grace"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.scheduling, fault_scheduling::external_grace); }},
      {"fault_scheduling_external_force", {{"fault-scheduling", "external-force"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.scheduling, fault_scheduling::external_force); }},
      {"fault_scheduling_other_is_unsupported", {{"fault-scheduling", "Grace"}}, none, none, none, none,
       [](const fault_job& j) {
         EXPECT_EQ(j.scheduling, fault_scheduling::unsupported);
         EXPECT_EQ(j.scheduling_label, "Grace");
       }},
      {"podgroup_label_beats_pod_label", {{"fault-scheduling", "force"}}, none, {{"fault-scheduling", "grace"}}, none,
       none, [](const fault_job& j) { EXPECT_EQ(j.scheduling, fault_scheduling::force); }},
      {"first_pod_by_name_when_podgroup_has_none", none, none, none, {{"fault-scheduling", "force"}}, none,
       [](const fault_job& j) { EXPECT_EQ(j.scheduling, fault_scheduling::force); }},
      {"pod_a_before_pod_b", none, none, {{"fault-scheduling", "grace"}}, {{"fault-scheduling", "force"}}, none,
       [](const fault_job& j) { EXPECT_EQ(j.scheduling, fault_scheduling::grace); }},
      {"pod_rescheduling_on", {{"pod-rescheduling", "on"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_TRUE(j.pod_rescheduling); }},
      {"pod_rescheduling_other_is_off", {{"pod-rescheduling", "true"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_FALSE(j.pod_rescheduling); }},
      {"process_recover_on", {{"process-recover-enable", "on"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_TRUE(j.process_recover); }},
      {"process_recover_pause_is_off", {{"process-recover-enable", "pause"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_FALSE(j.process_recover); }},
      {"fault_retry_times_integer", {{"fault-retry-times", "3"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.fault_retry_times, 3); }},
      {"fault_retry_times_plus_sign", {{"fault-retry-times", "+4"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.fault_retry_times, 4); }},
      {"fault_retry_times_unparsable_is_zero", {{"fault-retry-times", "3x"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.fault_retry_times, 0); }},
      {"fault_retry_times_negative_is_zero", {{"fault-retry-times", "-2"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.fault_retry_times, 0); }},
      {"strategy_grace_exit", {{"subHealthyStrategy", "graceExit"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.strategy, sub_healthy_strategy::grace_exit); }},
      {"strategy_force_exit", {{"subHealthyStrategy", "forceExit"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.strategy, sub_healthy_strategy::force_exit); }},
      {"strategy_hot_switch", {{"subHealthyStrategy", "hotSwitch"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.strategy, sub_healthy_strategy::hot_switch); }},
      {"strategy_unknown_is_ignore", {{"subHealthyStrategy", "exit"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.strategy, sub_healthy_strategy::ignore); }},
      {"pod_level_by_recover_policy_path", none, {{"huawei.com/recover_policy_path", "pod"}}, none, none, none,
       [](const fault_job& j) { EXPECT_TRUE(j.pod_level_only); }},
      {"recover_policy_path_job_is_not_pod_level", none, {{"huawei.com/recover_policy_path", "pod,job"}}, none, none,
       none, [](const fault_job& j) { EXPECT_FALSE(j.pod_level_only); }},
      {"pod_level_by_ome_label_presence", none, none, {{"ome.io/inferenceservice", ""}}, none, none,
       [](const fault_job& j) { EXPECT_TRUE(j.pod_level_only); }},
      {"pod_level_by_mindie_controller", {{"app", "mindie-ms-controller"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_TRUE(j.pod_level_only); }},
      {"pod_level_by_mindie_coordinator", none, none, {{"app", "mindie-ms-coordinator"}}, none, none,
       [](const fault_job& j) { EXPECT_TRUE(j.pod_level_only); }},
      {"other_app_is_not_pod_level", {{"app", "mindie-ms-server"}}, none, none, none, none,
       [](const fault_job& j) { EXPECT_FALSE(j.pod_level_only); }},
      {"external_recovery_by_annotation_presence", none, {{"ProcessRecoverStrategy", ""}}, none, none, none,
       [](const fault_job& j) { EXPECT_TRUE(j.external_recovery); }},
      {"external_recovery_from_a_pod", none, none, none, none, {{"ProcessRecoverStrategy", "retry"}},
       [](const fault_job& j) { EXPECT_TRUE(j.external_recovery); }},
      {"sp_block_in_nodes_of_sixteen", none, {{"sp-block", "32"}}, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.block_nodes, 2); }},
      {"sp_block_not_an_integer_is_zero", none, {{"sp-block", "two"}}, none, none, none,
       [](const fault_job& j) { EXPECT_EQ(j.block_nodes, 0); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json pg = podgroup_in_phase("ns", "g", "Running");
    pg["metadata"]["labels"] = c.pg_labels;
    pg["metadata"]["annotations"] = c.pg_annotations;
    json a = group_pod("g-a", "g", "n1", "Ascend910-0");
    json b = group_pod("g-b", "g", "n1", "Ascend910-1");
    a["metadata"]["labels"] = c.pod_a_labels;
    b["metadata"]["labels"] = c.pod_b_labels;
    for (const auto& [k, v] : c.pod_a_annotations.items()) a["metadata"]["annotations"][k] = v;
    snapshot s = decode_ok(list(plus(healthy_node(), {pg, b, a})));
    ASSERT_EQ(s.fault_jobs.size(), 1u);
    c.check(s.fault_jobs[0]);
  }
}

TEST(FaultJobs, BlockNodesFollowTheSuperPodNodeType) {
  struct block_case {
    const char* rule;
    const char* selector;  // "" = none
    const char* sp_block;
    int want;
  };
  const block_case cases[] = {
      {"sixteen_chip_super_pod", "module-a3-16-super-pod", "64", 4},
      {"eight_die_super_pod", "module-a3-8-super-pod", "16", 2},
      {"no_selector_is_sixteen", "", "16", 1},
      {"less_than_a_node_is_zero", "", "8", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    json pg = podgroup_in_phase("ns", "g", "Running");
    pg["metadata"]["annotations"]["sp-block"] = c.sp_block;
    json p = group_pod("g-0", "g");
    if (*c.selector) p["spec"]["nodeSelector"] = {{"accelerator-type", c.selector}};
    snapshot s = decode_ok(list(plus(healthy_node(), {pg, p})));
    ASSERT_EQ(s.fault_jobs.size(), 1u);
    EXPECT_EQ(s.fault_jobs[0].block_nodes, c.want);
  }
}

TEST(FaultJobs, OwnerRunningAndGangSize) {
  json owned = podgroup_in_phase("ns", "owned", "Running");
  owned["metadata"]["ownerReferences"] = json::array(
      {{{"kind", "Other"}, {"name", "x"}, {"uid", "not-controller"}},
       {{"kind", "Job"}, {"name", "train"}, {"uid", "job-uid-1"}, {"controller", true}}});
  owned["spec"]["minMember"] = 3;
  json unowned = podgroup_in_phase("ns", "unowned", "Unknown");
  unowned["metadata"]["annotations"]["huawei.com/schedule_minAvailable"] = "2";
  json no_status = podgroup_in_phase("ns", "no-status", "");
  json pending_phase = podgroup_in_phase("ns", "inqueue", "Pending");
  json rs_owned = podgroup_in_phase("ns", "rs", "Running");
  rs_owned["metadata"]["ownerReferences"] =
      json::array({{{"kind", "ReplicaSet"}, {"name", "web"}, {"uid", "rs-uid"}, {"controller", true}}});
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata", {{"name", "web"}, {"namespace", "ns"}}},
             {"spec", {{"replicas", 4}}}};
  snapshot s = decode_ok(list(plus(
      healthy_node(),
      {owned, group_pod("owned-0", "owned", "n1", "Ascend910-0"), unowned,
       group_pod("unowned-0", "unowned", "n1", "Ascend910-1"), no_status,
       group_pod("ns-0", "no-status", "n1", "Ascend910-2"), pending_phase,
       group_pod("iq-0", "inqueue", "n1", "Ascend910-3"), rs_owned, rs,
       group_pod("rs-0", "rs", "n1", "Ascend910-4")})));
  ASSERT_EQ(s.fault_jobs.size(), 5u);
  const fault_job* j = job_named(s, "ns/owned");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->owner_uid, "job-uid-1");
  EXPECT_TRUE(j->running);
  EXPECT_EQ(j->min_available, 3);
  j = job_named(s, "ns/unowned");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->owner_uid, "pg-uid-unowned");
  EXPECT_TRUE(j->running);  // Unknown counts as running
  EXPECT_EQ(j->min_available, 2);  // the annotation, as minMember is 1
  EXPECT_TRUE(job_named(s, "ns/no-status")->running);
  EXPECT_FALSE(job_named(s, "ns/inqueue")->running);
  j = job_named(s, "ns/rs");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->owner_uid, "rs-uid");
  EXPECT_EQ(j->min_available, 4);  // the ReplicaSet's replicas
}

TEST(FaultJobs, EveryPodField) {
  json a = group_pod("g-a", "g", "n1", "Ascend910-1,Ascend910-3", 2);
  a["metadata"]["annotations"]["hccl/rankIndex"] = "0";
  a["metadata"]["labels"]["training.kubeflow.org/replica-type"] = "worker";
  a["metadata"]["labels"]["fault-type"] = "Separate";
  a["metadata"]["creationTimestamp"] = "2024-01-01T00:00:10Z";
  json b = group_pod("g-b", "g", "n1", "Ascend910-2", 1);
  b["metadata"]["annotations"]["huawei.com/AscendReal"] = "Ascend910-5,Ascend910-40,npu-1";  // real chips win
  b["metadata"]["annotations"]["needVolcanoOpe"] = "delete";
  b["metadata"]["deletionTimestamp"] = "2024-01-01T00:01:00Z";
  b["status"]["containerStatuses"] =
      json::array({{{"name", "main"}, {"lastState", {{"terminated", {{"exitCode", 137}}}}}}});
  json c = group_pod("g-c", "g", "n1", "Ascend910-6", 1);
  c["status"]["phase"] = "Failed";
  c["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = "g-c-7";
  json d = group_pod("g-d", "g", "", "", 0);  // pending, no NPUs
  d["status"]["containerStatuses"] =
      json::array({{{"name", "main"}, {"lastState", {{"terminated", {{"exitCode", 0}}}}}}});
  snapshot s = decode_ok(list(plus(healthy_node(), {podgroup_in_phase("ns", "g", "Running"), d, c, b, a})));
  ASSERT_EQ(s.fault_jobs.size(), 1u);
  const fault_job& j = s.fault_jobs[0];
  EXPECT_TRUE(j.npu_job);
  ASSERT_EQ(j.pods.size(), 4u);

  fault_pod want_a;
  want_a.name = "ns/g-a";
  want_a.uid = "uid-g-a";
  want_a.node = "n1";
  want_a.chips = chips({1, 3});
  want_a.npus = 2;
  want_a.rank = 0;
  want_a.created = 1704067210;
  want_a.fault_type_label = "Separate";
  want_a.worker_replica = true;
  EXPECT_EQ(j.pods[0], want_a);

  fault_pod want_b;
  want_b.name = "ns/g-b";
  want_b.uid = "uid-g-b";
  want_b.node = "n1";
  want_b.chips = chips({5});  // names that do not parse or lie outside 0..31 are skipped
  want_b.npus = 1;
  want_b.created = 1704067200;
  want_b.failed = true;  // lastState exit code 137
  want_b.phase_failed = false;  // an exit code alone is not phase Failed
  want_b.terminating = true;
  want_b.hot_switch_delete = true;
  EXPECT_EQ(j.pods[1], want_b);

  EXPECT_EQ(j.pods[2].name, "ns/g-c");
  EXPECT_TRUE(j.pods[2].failed);  // phase Failed: kept, a business-plane failure is a fault
  EXPECT_TRUE(j.pods[2].phase_failed);
  EXPECT_EQ(j.pods[2].rank, 7);
  EXPECT_FALSE(j.pods[2].worker_replica);

  EXPECT_EQ(j.pods[3].name, "ns/g-d");
  EXPECT_EQ(j.pods[3].node, "");
  EXPECT_EQ(j.pods[3].chips, 0u);
  EXPECT_FALSE(j.pods[3].failed);  // exit code 0
  EXPECT_EQ(j.pods[3].rank, std::nullopt);
}

TEST(FaultJobs, NonNpuJob) {
  json p = group_pod("cpu-0", "cpu", "n1", "", 0);
  snapshot s = decode_ok(list(plus(healthy_node(), {podgroup_in_phase("ns", "cpu", "Running"), p})));
  ASSERT_EQ(s.fault_jobs.size(), 1u);
  EXPECT_FALSE(s.fault_jobs[0].npu_job);
}

// ---------------------------------------------------------------------------
// Determinism

TEST(FaultInputs, DeterministicUnderShuffledItems) {
  json bad_dp = device_info_cfg();
  bad_dp["CheckCode"] = "0000";
  json link = device_list();
  link["huawei.com/Ascend910-Fault"] =
      json::array({fault_entry(1, "NotHandleFault", "NotHandleFault", "81078603")}).dump();
  json pg = podgroup_in_phase("ns", "g", "Running");
  pg["metadata"]["labels"]["fault-scheduling"] = "grace";
  std::vector<json> items = {
      npu_node("n1"), npu_node("n2"), npu_node("n3"), npu_node("n4"), cpu_node("c1"),
      clusterd_cm({{"n1", clusterd_record("n1", link)}, {"n2", clusterd_record("n2")}}),
      clusterd_cm({{"n3", clusterd_record("n3", device_list(), 3000)}}, "cluster-info-device-1"),
      device_plugin_cm("n3", bad_dp), device_plugin_cm("n4", bad_dp),
      noded_cm("n2", node_info("PreSeparate"), "2024-01-01T00:00:00Z"),
      noded_cm("n1", node_info("Healthy"), "", "0000"),
      clusterd_node_cm(
          {{"n2", clusterd_node_record("n2", "UnHealthy", 5)}, {"c1", clusterd_node_record("c1", "SubHealthy")}}),
      clusterd_switch_cm({{"n3", switch_record("SubHealthy", 10)}}),
      clusterd_switch_cm({{"n3", switch_record("UnHealthy", 10)}}, "cluster-info-switch-1"),
      pg, group_pod("g-1", "g", "n1", "Ascend910-1"), group_pod("g-0", "g", "n2", "Ascend910-0"),
      group_pod("g-2", "g", ""), podgroup_in_phase("ns", "h", "Running"), group_pod("h-0", "h", "n3", "Ascend910-2"),
  };
  const snapshot base = decode_ok(list(items));
  ASSERT_EQ(base.untrusted.size(), 3u);
  EXPECT_EQ(base.untrusted[0].node, "n1");
  EXPECT_EQ(base.untrusted[1].node, "n3");
  EXPECT_EQ(base.untrusted[2].node, "n4");
  EXPECT_EQ(excluded_reason(base, "n4"), "untrusted_device_info");
  EXPECT_EQ(health(base, "n1"), node_health::pre_separate);
  EXPECT_EQ(health(base, "n2"), node_health::pre_separate);  // the device-plugin NodeD report is newer
  EXPECT_EQ(health(base, "n3"), node_health::sub_healthy);    // shard tie → first shard
  EXPECT_EQ(health(base, "c1"), node_health::sub_healthy);
  EXPECT_EQ(base.cluster.link_down(node_of(base, "n1")), chips({1}));
  ASSERT_EQ(base.fault_jobs.size(), 2u);

  std::mt19937 rng(20240601);
  for (int round = 0; round < 8; ++round) {
    std::vector<json> shuffled = items;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const snapshot s = decode_ok(list(shuffled));
    EXPECT_EQ(describe(s), describe(base));
    EXPECT_EQ(s.fault_jobs, base.fault_jobs);
    EXPECT_EQ(s.untrusted, base.untrusted);
    for (std::uint32_t i = 0; i < s.cluster.size(); ++i) {
      const node_id n{i};
      EXPECT_EQ(s.cluster.link_down(n), base.cluster.link_down(n));
    }
  }
}

// Rule: the fault path reads huawei.com/schedule_minAvailable with the gang
// reader of the plan path; a value that reader refuses is reported under the
// fault report's `warnings` with that reader's message, not dropped.
TEST(FaultJobs, UnreadableMinAvailableIsReportedAsAWarning) {
  json bad = podgroup_in_phase("ns", "bad", "Running");
  bad["metadata"]["annotations"]["huawei.com/schedule_minAvailable"] = "two";
  json good = podgroup_in_phase("ns", "good", "Running");
  good["metadata"]["annotations"]["huawei.com/schedule_minAvailable"] = "1";
  snapshot s = decode_ok(list(plus(healthy_node(), {bad, group_pod("bad-0", "bad", "n1", "Ascend910-0"), good,
                                                    group_pod("good-0", "good", "n1", "Ascend910-1")})));
  ASSERT_EQ(s.fault_jobs.size(), 2u);
  ASSERT_EQ(s.fault_job_warnings.size(), 1u);
  const ome_warning& w = s.fault_job_warnings.at("ns/bad");
  EXPECT_EQ(w.code, "invalid_min_available");
  EXPECT_EQ(w.object, "PodGroup ns/bad");
  EXPECT_EQ(w.path, "metadata.annotations[\"huawei.com/schedule_minAvailable\"]");
  EXPECT_EQ(w.message, "job ns/bad: annotation huawei.com/schedule_minAvailable \"two\" is not a non-negative integer");
  auto report = faults_of_snapshot(s, "", 1700000000);
  ASSERT_TRUE(report.ok());
  const json out = json::parse(*report);
  ASSERT_TRUE(out.contains("warnings"));
  ASSERT_EQ(out["warnings"].size(), 1u);
  EXPECT_EQ(out["warnings"][0]["code"], "invalid_min_available");
  EXPECT_EQ(out["warnings"][0]["message"], w.message);

  // Readable values give no `warnings` key (the report's shape is unchanged).
  snapshot clean = decode_ok(list(plus(healthy_node(), {good, group_pod("good-0", "good", "n1", "Ascend910-1")})));
  EXPECT_TRUE(clean.fault_job_warnings.empty());
  auto clean_report = faults_of_snapshot(clean, "", 1700000000);
  ASSERT_TRUE(clean_report.ok());
  EXPECT_FALSE(json::parse(*clean_report).contains("warnings"));
}

}  // namespace
}  // namespace npusched::k8s::test
