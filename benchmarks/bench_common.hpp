#pragma once
/// \file bench_common.hpp
/// Synthetic clusters shared by the benchmarks: generated once per size with
/// a fixed seed, outside every timed loop.

#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include "npusched/cluster.hpp"
#include "npusched/synthetic.hpp"

namespace npusched::bench {

/// The seed of every benchmark cluster.
inline constexpr std::uint64_t seed = 20250601;

/// The default synthetic mix (40 % A2, 30 % A3, 30 % SuperPoD, 50 % occupied,
/// 1 % chip and 0.5 % node faults) with `nodes` nodes and `pending` pods.
inline synthetic_options options(int nodes, int pending = 0) {
  synthetic_options o;
  o.seed = seed;
  o.nodes = nodes;
  o.pending_pods = pending;
  return o;
}

struct fixture {
  synthetic_cluster spec;
  npusched::cluster built;
};

/// The cluster of `nodes` nodes (and `pending` pending pods), built on first use.
inline const fixture& cluster_of(int nodes, int pending = 0) {
  static std::map<std::pair<int, int>, std::unique_ptr<fixture>> cache;
  auto& slot = cache[{nodes, pending}];
  if (!slot) {
    auto f = std::make_unique<fixture>();
    f->spec = generate_cluster(options(nodes, pending));
    f->built = build_cluster(f->spec.nodes).value();
    slot = std::move(f);
  }
  return *slot;
}

}  // namespace npusched::bench
