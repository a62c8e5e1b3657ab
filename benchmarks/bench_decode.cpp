// Snapshot decode: `npusched::k8s::decode_snapshot` of a Kubernetes List
// (nodes, the ClusterD device ConfigMap, running and pending pods) written by
// `encode_snapshot` from a synthetic cluster, at 1k / 10k nodes.

#include <benchmark/benchmark.h>

#include <map>
#include <string>

#include "bench_common.hpp"
#include "npusched/k8s/decoded_snapshot.hpp"

namespace {

using namespace npusched;

/// The encoded List for `nodes` nodes and 100 pending pods, built on first use.
const std::string& list_of(int nodes) {
  static std::map<int, std::string> cache;
  auto it = cache.find(nodes);
  if (it == cache.end()) {
    const synthetic_cluster sc = generate_cluster(bench::options(nodes, 100));
    it = cache.emplace(nodes, k8s::encode_snapshot(sc.nodes, sc.pending)).first;
  }
  return it->second;
}

void BM_decode_snapshot(benchmark::State& st) {
  const int nodes = static_cast<int>(st.range(0));
  const std::string& json = list_of(nodes);
  std::size_t decoded = 0;
  for (auto _ : st) {
    result<k8s::snapshot> snap = k8s::decode_snapshot(json);
    if (!snap.ok()) {
      st.SkipWithError(snap.err().what().c_str());
      break;
    }
    decoded = snap->cluster.size();
    benchmark::DoNotOptimize(snap);
  }
  st.SetItemsProcessed(st.iterations() * nodes);  // items = nodes
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(json.size()));
  st.counters["nodes_decoded"] = static_cast<double>(decoded);
  st.counters["json_MB"] = static_cast<double>(json.size()) / 1e6;
}

BENCHMARK(BM_decode_snapshot)->ArgName("nodes")->Arg(1'000)->Arg(10'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
