#include "harness.hpp"

#include <cstdio>
#include <cstdlib>

#include "npusched/k8s/fault_state_json.hpp"
#include "npusched/k8s/pipeline.hpp"
#include "targets.hpp"

namespace npusched::fuzz {

using namespace npusched::k8s;
using namespace npusched::k8s::test;

std::string utf8(std::string_view text) {
  return json::parse(json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace)).get<std::string>();
}

namespace {

std::vector<json> seed_items() {
  return {npu_node("n0", "module-910b-8", 8),
          npu_node("n1", "module-a3-16", 16),
          device_plugin_cm("n1"),
          running_pod("ns", "running-0", "n0", "Ascend910-0,Ascend910-1", 2),
          podgroup("ns", "g0"),
          pending_pod("ns", "pending-0", 4, "g0"),
          pending_pod("ns", "pending-1", 8)};
}

}  // namespace

std::string seed_list_with(const json& extra) {
  std::vector<json> items = seed_items();
  items.push_back(extra);
  return list(std::move(items)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string seed_list() { return list(seed_items()).dump(); }

void run_pipeline(std::string_view list_json) {
  auto snap = decode_snapshot(list_json);
  if (!snap) return;
  auto setup = setup_plan(*snap, input_options{});
  if (!setup) invariant_broken("setup_plan failed without a fault state: " + setup.err().what());
  (void)plan_snapshot(*snap, *setup, fuzz_now);
  auto faults = faults_of_snapshot(*snap, "", fuzz_now);
  if (!faults) invariant_broken("faults_of_snapshot failed without a fault state: " + faults.err().what());
}

mode_and_rest split_mode(std::string_view input) {
  if (input.empty()) return {};
  return {static_cast<std::uint8_t>(input[0]), input.substr(1)};
}

void invariant_broken(std::string_view what) {
  std::fprintf(stderr, "npusched fuzz: invariant broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace npusched::fuzz
