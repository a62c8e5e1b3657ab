// init-params from volcano-system/volcano-scheduler-configmap: parsing, defaults, clamping.

#include <gtest/gtest.h>

#include "builders.hpp"

namespace npusched::k8s::test {
namespace {

init_params decode_params(const std::vector<json>& items) { return decode_ok(list(items)).params; }

TEST(InitParams, DefaultsWithoutTheConfigMap) {
  const init_params p = decode_params({});
  EXPECT_FALSE(p.present);
  EXPECT_TRUE(p.use_cluster_info_manager);
  EXPECT_FALSE(p.use_cluster_info_manager_set);
  EXPECT_TRUE(p.self_maintain_available_card);
  EXPECT_EQ(p.super_pod_size, 48);
  EXPECT_EQ(p.reserve_nodes, 2);
  EXPECT_EQ(p.grace_over_time, 900);
}

TEST(InitParams, PresentWithoutArguments) {
  for (const char* conf : {"", "actions: allocate\n", "configurations: []\n",
                           "configurations:\n- name: init-params\n", "configurations:\n- name: other\n"}) {
    SCOPED_TRACE(conf);
    const init_params p = decode_params({scheduler_cm(conf)});
    EXPECT_TRUE(p.present);
    EXPECT_FALSE(p.use_cluster_info_manager_set);
    EXPECT_EQ(p.super_pod_size, 48);
  }
  json no_key = scheduler_cm("");
  no_key["data"].erase("volcano-scheduler.conf");
  EXPECT_TRUE(decode_params({no_key}).present);
  json other_namespace = scheduler_cm(init_params_yaml({{"super-pod-size", "8"}}));
  other_namespace["metadata"]["namespace"] = "kube-system";
  EXPECT_FALSE(decode_params({other_namespace}).present);
}

TEST(InitParams, ArgumentsAreRead) {
  struct param_case {
    const char* rule;
    std::vector<std::pair<std::string, std::string>> args;
    bool cim, cim_set, self_maintain;
    int size, reserve, grace;
  };
  const param_case cases[] = {
      {"cluster_info_manager_false", {{"useClusterInfoManager", "false"}}, false, true, true, 48, 2, 900},
      {"cluster_info_manager_true", {{"useClusterInfoManager", "true"}}, true, true, true, 48, 2, 900},
      {"cluster_info_manager_only_false_is_off", {{"useClusterInfoManager", "False"}}, true, true, true, 48, 2, 900},
      {"self_maintain_false", {{"self-maintain-available-card", "false"}}, true, false, false, 48, 2, 900},
      {"self_maintain_go_bool", {{"self-maintain-available-card", "0"}}, true, false, false, 48, 2, 900},
      {"self_maintain_garbage_keeps_default",
       {{"self-maintain-available-card", "nope"}}, true, false, true, 48, 2, 900},
      {"super_pod_size", {{"super-pod-size", "32"}}, true, false, true, 32, 2, 900},
      {"super_pod_size_garbage", {{"super-pod-size", "big"}}, true, false, true, 48, 2, 900},
      {"super_pod_size_zero", {{"super-pod-size", "0"}}, true, false, true, 48, 2, 900},
      {"reserve_nodes", {{"reserve-nodes", "4"}}, true, false, true, 48, 4, 900},
      {"reserve_nodes_negative", {{"reserve-nodes", "-1"}}, true, false, true, 48, 2, 900},
      {"reserve_nodes_zero_read_as_two", {{"reserve-nodes", "0"}}, true, false, true, 48, 2, 900},
      {"reserve_at_size_clamps_to_2", {{"super-pod-size", "8"}, {"reserve-nodes", "8"}}, true, false, true, 8, 2, 900},
      {"reserve_above_size_clamps_to_2", {{"super-pod-size", "3"}, {"reserve-nodes", "9"}}, true, false, true, 3, 2,
       900},
      {"reserve_with_tiny_size_clamps_to_0", {{"super-pod-size", "2"}, {"reserve-nodes", "5"}}, true, false, true, 2,
       0, 900},
      {"default_reserve_with_tiny_size", {{"super-pod-size", "1"}}, true, false, true, 1, 0, 900},
      {"grace_in_range", {{"grace-over-time", "60"}}, true, false, true, 48, 2, 60},
      {"grace_low_bound", {{"grace-over-time", "2"}}, true, false, true, 48, 2, 2},
      {"grace_high_bound", {{"grace-over-time", "3600"}}, true, false, true, 48, 2, 3600},
      {"grace_below_range", {{"grace-over-time", "1"}}, true, false, true, 48, 2, 900},
      {"grace_above_range", {{"grace-over-time", "3601"}}, true, false, true, 48, 2, 900},
      {"grace_garbage", {{"grace-over-time", "10m"}}, true, false, true, 48, 2, 900},
      {"plus_sign", {{"grace-over-time", "+30"}}, true, false, true, 48, 2, 30},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    const init_params p = decode_params({scheduler_cm(init_params_yaml(c.args))});
    EXPECT_TRUE(p.present);
    EXPECT_EQ(p.use_cluster_info_manager, c.cim);
    EXPECT_EQ(p.use_cluster_info_manager_set, c.cim_set);
    EXPECT_EQ(p.self_maintain_available_card, c.self_maintain);
    EXPECT_EQ(p.super_pod_size, c.size);
    EXPECT_EQ(p.reserve_nodes, c.reserve);
    EXPECT_EQ(p.grace_over_time, c.grace);
  }
}

// The reference reads reserve-nodes 0 like a missing value (2); the plan
// says so, and a caller's explicit value stands without the warning.
TEST(InitParams, ReserveNodesZeroIsReadAsTwoWithAWarningUnlessTheCallerGivesIt) {
  const json doc = list({npu_node("n1"), scheduler_cm(init_params_yaml({{"reserve-nodes", "0"}}))});
  const init_params p = decode_params({scheduler_cm(init_params_yaml({{"reserve-nodes", "0"}}))});
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_EQ(p.warnings[0].code, "reserve_nodes_zero");
  EXPECT_EQ(p.warnings[0].object, "ConfigMap volcano-system/volcano-scheduler-configmap");
  EXPECT_EQ(p.warnings[0].path, "data[\"volcano-scheduler.conf\"].configurations[1].arguments.reserve-nodes");
  plan_json_options opt;
  auto out = plan_json(doc.dump(), opt);
  ASSERT_TRUE(out.ok());
  EXPECT_NE(out->find("\"warnings\":[{\"code\":\"reserve_nodes_zero\""), std::string::npos);
  opt.reserve_nodes = 0;
  auto given = plan_json(doc.dump(), opt);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->find("\"warnings\""), std::string::npos);
}

TEST(InitParams, ValuesNotTakenAsWrittenAreWarnings) {
  const init_params p = decode_params({scheduler_cm(
      init_params_yaml({{"super-pod-size", "big"}, {"grace-over-time", "1"}, {"self-maintain-available-card", "x"}}))});
  ASSERT_EQ(p.warnings.size(), 3u);
  for (const auto& w : p.warnings) EXPECT_EQ(w.code, "init_param_defaulted");
  const init_params fine = decode_params({scheduler_cm(init_params_yaml({{"reserve-nodes", "4"}}))});
  EXPECT_TRUE(fine.warnings.empty());
}

TEST(InitParams, UnquotedYamlScalarsAndFirstEntryWins) {
  const std::string conf =
      "configurations:\n"
      "- name: init-params\n"
      "  arguments: {super-pod-size: 16, self-maintain-available-card: false, grace-over-time: ~}\n"
      "- name: init-params\n"
      "  arguments: {super-pod-size: 32}\n";
  const init_params p = decode_params({scheduler_cm(conf)});
  EXPECT_EQ(p.super_pod_size, 16);
  EXPECT_FALSE(p.self_maintain_available_card);
  EXPECT_EQ(p.grace_over_time, 900);
}

}  // namespace
}  // namespace npusched::k8s::test
