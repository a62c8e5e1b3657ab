// The live cluster model (npusched::k8s::live_cluster) on a synthetic
// cluster: one event, and one scheduling cycle (the events since the last
// cycle, then a plan of the pending pods), at 10k and 100k nodes.

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_common.hpp"
#include "npusched/k8s/live.hpp"

namespace {

using namespace npusched;

/// A 1-NPU pod `serving/bench-<i>`, bound to `node` holding `chip`, or pending.
std::string pod_json(int i, const std::string& node, int chip, std::uint64_t version) {
  const std::string binding = node.empty() ? "" : fmt::format(R"("nodeName":"{}",)", node);
  const std::string annotation = node.empty() ? "{}" : fmt::format(R"({{"huawei.com/Ascend910":"Ascend910-{}"}})", chip);
  return fmt::format(
      R"({{"kind":"Pod","metadata":{{"name":"bench-{}","namespace":"serving","uid":"u{}","resourceVersion":"{}",)"
      R"("creationTimestamp":"2024-01-01T00:00:00Z","annotations":{}}},"spec":{{{}"schedulerName":"other",)"
      R"("containers":[{{"name":"c","resources":{{"requests":{{"cpu":"1","huawei.com/Ascend910":"1"}},)"
      R"("limits":{{"huawei.com/Ascend910":"1"}}}}}}]}},"status":{{"phase":"{}"}}}})",
      i, i, version, annotation, binding, node.empty() ? "Pending" : "Running");
}

/// The device plugin's ConfigMap of `node` with `unhealthy` chips.
std::string device_cm_json(const std::string& node, const std::string& unhealthy, std::uint64_t version) {
  const std::string cfg = fmt::format(
      R"({{"DeviceInfo":{{"DeviceList":{{"huawei.com/Ascend910":"","huawei.com/Ascend910-Unhealthy":"{}",)"
      R"("huawei.com/Ascend910-Recovering":"","huawei.com/Ascend910-NetworkUnhealthy":""}},"UpdateTime":{}}}}})",
      unhealthy, 2'000'000'000 + version);
  std::string quoted;
  for (char c : cfg) {
    if (c == '"') quoted += '\\';
    quoted += c;
  }
  return fmt::format(R"({{"kind":"ConfigMap","metadata":{{"name":"mindx-dl-deviceinfo-{}","namespace":"kube-system",)"
                     R"("resourceVersion":"{}"}},"data":{{"DeviceInfoCfg":"{}"}}}})",
                     node, version, quoted);
}

struct live_fixture {
  std::unique_ptr<k8s::live_cluster> live;
  std::vector<std::string> nodes;  // healthy A2 nodes with a free chip, for the events
  std::vector<int> free_chip;      // a free chip of each
};

/// A live model loaded with the List of `nodes` nodes and 100 pending pods.
live_fixture& fixture_of(int nodes) {
  static std::map<int, live_fixture> cache;
  auto it = cache.find(nodes);
  if (it != cache.end()) return it->second;
  const auto& f = bench::cluster_of(nodes, 100);
  live_fixture out;
  out.live = std::make_unique<k8s::live_cluster>();
  if (auto e = out.live->load(k8s::encode_snapshot(f.spec.nodes, f.spec.pending))) std::abort();
  for (std::uint32_t id = 0; id < f.built.size() && out.nodes.size() < 200; ++id) {
    const node_id n{id};
    if (f.built.type(n) != accelerator_type::module_910b_8 || f.built.free(n) == 0 ||
        f.built.health(n) != node_health::healthy)
      continue;
    out.nodes.emplace_back(f.built.name(n));
    out.free_chip.push_back(chips_of(f.built.free(n)).front());
  }
  if (!out.live->plan().ok()) std::abort();  // brings the derived state up to date
  return cache.emplace(nodes, std::move(out)).first->second;
}

/// One pod event (bind or unbind, alternating), then the read that brings
/// the state up to date.
void BM_live_pod_event(benchmark::State& st) {
  auto& f = fixture_of(static_cast<int>(st.range(0)));
  static std::uint64_t version = 1'000'000;
  int i = 0;
  for (auto _ : st) {
    const bool bind = (i & 1) == 0;
    const std::string text = pod_json(0, bind ? f.nodes[0] : "", f.free_chip[0], ++version);
    auto r = f.live->apply(k8s::event_type::modified, text);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(f.live->stats());
    ++i;
  }
}

/// One device-info update of one node, then the read that brings the state up to date.
void BM_live_device_event(benchmark::State& st) {
  auto& f = fixture_of(static_cast<int>(st.range(0)));
  static std::uint64_t version = 2'000'000;
  int i = 0;
  for (auto _ : st) {
    const std::string text =
        device_cm_json(f.nodes[1], (i & 1) ? fmt::format("Ascend910-{}", f.free_chip[1]) : "", ++version);
    auto r = f.live->apply(k8s::event_type::modified, text);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(f.live->stats());
    ++i;
  }
}

/// One scheduling cycle: 100 pod events and 10 device-info updates applied
/// as one batch, then a plan of the 100 pending pods.
void BM_live_cycle(benchmark::State& st) {
  auto& f = fixture_of(static_cast<int>(st.range(0)));
  static std::uint64_t version = 3'000'000;
  int round = 0;
  for (auto _ : st) {
    st.PauseTiming();
    std::string events = "[";
    const bool bind = (round & 1) == 0;
    for (int p = 0; p < 100; ++p)
      events += fmt::format(R"({}{{"type":"MODIFIED","object":{}}})", p ? "," : "",
                            pod_json(p, bind ? f.nodes[static_cast<std::size_t>(p)] : "", f.free_chip[static_cast<std::size_t>(p)],
                                     ++version));
    for (int d = 0; d < 10; ++d)
      events += fmt::format(R"(,{{"type":"MODIFIED","object":{}}})",
                            device_cm_json(f.nodes[100 + static_cast<std::size_t>(d)],
                                           bind ? fmt::format("Ascend910-{}", f.free_chip[100 + static_cast<std::size_t>(d)]) : "",
                                           ++version));
    events += "]";
    st.ResumeTiming();
    auto applied = f.live->apply_many(events);
    auto placed = f.live->plan();
    if (!applied.ok() || !placed.ok()) {
      st.SkipWithError("cycle failed");
      break;
    }
    benchmark::DoNotOptimize(placed);
    ++round;
  }
}

BENCHMARK(BM_live_pod_event)->ArgName("nodes")->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_live_device_event)->ArgName("nodes")->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_live_cycle)->ArgName("nodes")->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
BENCHMARK_MAIN();
