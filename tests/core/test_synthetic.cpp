// Tests for the seeded synthetic cluster generator and the demo cluster
// (include/npusched/synthetic.hpp).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "npusched/cluster.hpp"
#include "npusched/plan.hpp"
#include "npusched/synthetic.hpp"
#include "npusched/topology.hpp"
#include "npusched/verdict.hpp"

namespace npusched {
namespace {

// ---------------------------------------------------------------------------
// Helpers

/// FNV-1a over a canonical serialisation of everything the generator writes,
/// so a pinned value proves "same options → same output" across builds.
class fingerprint {
 public:
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(static_cast<unsigned char>(v >> (8 * i)));
  }
  void add(std::int64_t v) { add(static_cast<std::uint64_t>(v)); }
  void add(int v) { add(static_cast<std::int64_t>(v)); }
  void add(std::string_view s) {
    add(static_cast<std::uint64_t>(s.size()));
    for (const char c : s) byte(static_cast<unsigned char>(c));
  }
  [[nodiscard]] std::uint64_t value() const { return h_; }

 private:
  void byte(unsigned char b) {
    h_ ^= b;
    h_ *= 0x100000001b3ULL;
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

std::uint64_t fingerprint_of(const synthetic_cluster& sc) {
  fingerprint f;
  for (const node_spec& n : sc.nodes) {
    f.add(n.name);
    f.add(static_cast<int>(n.type));
    for (const auto& [k, v] : n.labels) {
      f.add(k);
      f.add(v);
    }
    f.add(static_cast<int>(n.health));
    f.add(static_cast<int>(n.schedulable));
    f.add(n.super_pod_id);
    f.add(n.rack_id);
    f.add(n.server_index);
    f.add(std::uint64_t{n.inventory});
    f.add(std::uint64_t{n.unhealthy});
    f.add(std::uint64_t{n.recovering});
    f.add(std::uint64_t{n.network_unhealthy});
    f.add(std::uint64_t{n.sub_healthy});
    f.add(static_cast<int>(n.network_health_known));
    for (const chip_holder& h : n.in_use) {
      f.add(h.chip);
      f.add(h.pod);
    }
    f.add(n.npu_allocatable);
    f.add(n.npu_requested);
    f.add(n.cpu_allocatable_milli);
    f.add(n.memory_allocatable_bytes);
    f.add(n.cpu_requested_milli);
    f.add(n.memory_requested_bytes);
  }
  for (const job_spec& j : sc.pending.jobs) {
    f.add(j.name);
    f.add(j.shape.npu_tasks);
    f.add(j.shape.total_npus);
    f.add(j.handler ? static_cast<int>(*j.handler) : -1);
    f.add(static_cast<int>(j.refuse_sub_healthy));
  }
  for (const pod_spec& p : sc.pending.pods) {
    f.add(p.name);
    f.add(static_cast<std::uint64_t>(p.job));
    f.add(p.npus);
    f.add(p.cpu_milli);
    f.add(p.memory_bytes);
    for (const auto& [k, v] : p.node_selector) {
      f.add(k);
      f.add(v);
    }
    f.add(p.priority);
    f.add(p.created);
  }
  return f.value();
}

std::string label_of(const node_spec& n, std::string_view key) {
  for (const auto& [k, v] : n.labels)
    if (k == key) return v;
  return "<absent>";
}

/// Held chips grouped by pod, per node.
std::map<std::string, chip_mask> holders_by_pod(const node_spec& n) {
  std::map<std::string, chip_mask> out;
  for (const chip_holder& h : n.in_use) out[h.pod] |= chip_bit(h.chip);
  return out;
}

int held_chips(const synthetic_cluster& sc) {
  int held = 0;
  for (const node_spec& n : sc.nodes) held += static_cast<int>(n.in_use.size());
  return held;
}

int total_chips(const synthetic_cluster& sc) {
  int total = 0;
  for (const node_spec& n : sc.nodes) total += chip_count(n.inventory);
  return total;
}

/// A per-type index as node names write it: five digits, zero-padded.
std::string fmt_index(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05d", i);
  return buf;
}

synthetic_options options(std::uint64_t seed, int nodes) {
  synthetic_options o;
  o.seed = seed;
  o.nodes = nodes;
  return o;
}

// ---------------------------------------------------------------------------
// Determinism

TEST(Synthetic, SameOptionsGiveIdenticalClusters) {
  synthetic_options o = options(42, 500);
  o.pending_pods = 50;
  const synthetic_cluster a = generate_cluster(o);
  const synthetic_cluster b = generate_cluster(o);
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (std::size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].name, b.nodes[i].name);
    EXPECT_EQ(a.nodes[i].unhealthy, b.nodes[i].unhealthy);
    EXPECT_EQ(a.nodes[i].in_use, b.nodes[i].in_use);
  }
  EXPECT_EQ(fingerprint_of(a), fingerprint_of(b));
}

TEST(Synthetic, DifferentSeedsGiveDifferentClusters) {
  const synthetic_cluster a = generate_cluster(options(1, 200));
  const synthetic_cluster b = generate_cluster(options(2, 200));
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  // Same names and types (the mix depends only on the fractions) ...
  for (std::size_t i = 0; i < a.nodes.size(); ++i) EXPECT_EQ(a.nodes[i].name, b.nodes[i].name);
  // ... but a different occupancy.
  int differing = 0;
  for (std::size_t i = 0; i < a.nodes.size(); ++i)
    if (a.nodes[i].in_use != b.nodes[i].in_use) ++differing;
  EXPECT_GT(differing, 50);
  EXPECT_NE(fingerprint_of(a), fingerprint_of(b));
}

// The generator uses a fixed integer PRNG and integer thresholds only, so its
// output is pinned: a change here is a change of every seeded benchmark and
// simulation. Update the constants only on purpose.
TEST(Synthetic, OutputIsPinnedForAFixedSeed) {
  synthetic_options o = options(1, 200);
  o.pending_pods = 20;
  EXPECT_EQ(fingerprint_of(generate_cluster(o)), 0xcdc80b380b450805ULL);
  EXPECT_EQ(fingerprint_of(demo_cluster()), 0x161efa69e8ca6947ULL);
}

// ---------------------------------------------------------------------------
// Validity

TEST(Synthetic, EveryNodeValidatesAndTheClusterBuilds) {
  for (const std::uint64_t seed : {1ULL, 7ULL, 123456789ULL}) {
    synthetic_options o = options(seed, 1000);
    o.chip_fault_rate = 0.05;  // exercise the fault masks harder than the default
    o.node_fault_rate = 0.05;
    const synthetic_cluster sc = generate_cluster(o);
    for (const node_spec& n : sc.nodes) {
      const auto err = validate_node(n);
      EXPECT_FALSE(err.has_value()) << n.name << ": " << (err ? err->what() : "");
    }
    const result<cluster> c = build_cluster(sc.nodes);
    ASSERT_TRUE(c.ok()) << c.err().what();
    EXPECT_EQ(c->size(), 1000U);
  }
}

TEST(Synthetic, NodeNamesAreUnique) {
  synthetic_options o = options(3, 2000);
  o.super_pod_size = 7;
  const synthetic_cluster sc = generate_cluster(o);
  std::set<std::string> names;
  for (const node_spec& n : sc.nodes) EXPECT_TRUE(names.insert(n.name).second) << n.name;
}

TEST(Synthetic, EmptyAndDegenerateOptions) {
  EXPECT_TRUE(generate_cluster(options(1, 0)).nodes.empty());
  synthetic_options o = options(1, 10);
  o.mix = {{accelerator_type::module_910b_8, 0.85}, {accelerator_type::module_a3_16, 0.15}};
  o.super_pod_size = 0;  // invalid, and clamped to 1 when generated anyway
  o.occupancy = 2.0;     // invalid, and clamped to 1
  EXPECT_TRUE(validate_synthetic_options(o).has_value());
  const synthetic_cluster sc = generate_cluster(o);
  ASSERT_EQ(sc.nodes.size(), 10U);
  EXPECT_EQ(std::count_if(sc.nodes.begin(), sc.nodes.end(),
                          [](const node_spec& n) { return n.type == accelerator_type::module_910b_8; }),
            9);  // round(8.5) = 9; the last type takes the rest
  EXPECT_EQ(std::count_if(sc.nodes.begin(), sc.nodes.end(),
                          [](const node_spec& n) { return n.type == accelerator_type::module_a3_16; }),
            1);
}

// ---------------------------------------------------------------------------
// Type mix, names and labels

TEST(Synthetic, TypeMixFollowsTheFractions) {
  synthetic_options o = options(5, 1000);
  const synthetic_cluster sc = generate_cluster(o);
  std::map<accelerator_type, int> count;
  for (const node_spec& n : sc.nodes) ++count[n.type];
  EXPECT_EQ(count[accelerator_type::module_910b_8], 400);
  EXPECT_EQ(count[accelerator_type::module_a3_16], 300);
  EXPECT_EQ(count[accelerator_type::module_a3_16_super_pod], 300);
  EXPECT_EQ(count.size(), 3U);
}

TEST(Synthetic, NamesInventoryAndLabelsAreAsDocumented) {
  synthetic_options o = options(9, 100);
  o.super_pod_size = 10;
  const synthetic_cluster sc = generate_cluster(o);
  ASSERT_EQ(sc.nodes.size(), 100U);
  EXPECT_EQ(sc.nodes[0].name, "a2-00000");
  EXPECT_EQ(sc.nodes[39].name, "a2-00039");
  EXPECT_EQ(sc.nodes[40].name, "a3-00000");
  EXPECT_EQ(sc.nodes[70].name, "sp0-00000");
  EXPECT_EQ(sc.nodes[79].name, "sp0-00009");
  EXPECT_EQ(sc.nodes[80].name, "sp1-00000");
  EXPECT_EQ(sc.nodes[99].name, "sp2-00009");
  for (const node_spec& n : sc.nodes) {
    const std::string want_type{to_string(n.type)};
    EXPECT_EQ(label_of(n, "accelerator-type"), want_type) << n.name;
    EXPECT_EQ(label_of(n, "host-arch"), "huawei-arm") << n.name;
    EXPECT_EQ(label_of(n, "accelerator"), "huawei-Ascend910") << n.name;
    EXPECT_EQ(label_of(n, "kubernetes.io/hostname"), n.name) << n.name;
    EXPECT_EQ(n.inventory, first_chips(max_chips(n.type))) << n.name;
    EXPECT_TRUE(n.schedulable);
    EXPECT_TRUE(n.network_health_known);
    EXPECT_EQ(n.recovering, 0U);
    EXPECT_EQ(n.cpu_allocatable_milli, 192'000);
    EXPECT_EQ(n.memory_allocatable_bytes, std::int64_t{3} << 39);
  }
}

TEST(Synthetic, SuperPodPositions) {
  synthetic_options o = options(11, 100);
  o.mix = {{accelerator_type::module_a3_16_super_pod, 1.0}};
  o.super_pod_size = 48;
  const synthetic_cluster sc = generate_cluster(o);
  ASSERT_EQ(sc.nodes.size(), 100U);
  for (std::size_t i = 0; i < sc.nodes.size(); ++i) {
    const node_spec& n = sc.nodes[i];
    const int pod = static_cast<int>(i) / 48;
    const int index = static_cast<int>(i) % 48;
    EXPECT_EQ(n.type, accelerator_type::module_a3_16_super_pod);
    EXPECT_EQ(n.super_pod_id, pod) << n.name;
    EXPECT_EQ(n.server_index, index) << n.name;
    EXPECT_EQ(n.rack_id, index / 8) << n.name;
    char want[32];
    std::snprintf(want, sizeof want, "sp%d-%05d", pod, index);
    EXPECT_EQ(n.name, want);
  }
  // Non-SuperPoD nodes are in no super-pod.
  for (const node_spec& n : generate_cluster(options(11, 100)).nodes)
    if (!is_super_pod_type(n.type)) {
      EXPECT_EQ(n.super_pod_id, -1) << n.name;
      EXPECT_EQ(n.server_index, -1) << n.name;
      EXPECT_EQ(n.rack_id, -1) << n.name;
    }
}

// ---------------------------------------------------------------------------
// Occupancy and running pods

TEST(Synthetic, OccupancyIsNearTheRequestedFraction) {
  for (const double occ : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    synthetic_options o = options(21, 4000);
    o.occupancy = occ;
    const synthetic_cluster sc = generate_cluster(o);
    const double got = static_cast<double>(held_chips(sc)) / static_cast<double>(total_chips(sc));
    // Faulty chips are never held and A3 fills in die pairs, so the held
    // fraction runs slightly under the target.
    EXPECT_NEAR(got, occ, 0.04) << "occupancy " << occ;
  }
}

TEST(Synthetic, OccupancyExtremes) {
  synthetic_options o = options(4, 300);
  o.occupancy = 0.0;
  EXPECT_EQ(held_chips(generate_cluster(o)), 0);
  o.occupancy = 1.0;
  o.chip_fault_rate = 0.0;
  o.node_fault_rate = 0.0;
  const synthetic_cluster full = generate_cluster(o);
  EXPECT_EQ(held_chips(full), total_chips(full));
}

TEST(Synthetic, SomeNodesStayIdleAtHalfOccupancy) {
  // Large requests need idle nodes: at 50 % a realistic share stays free.
  const synthetic_cluster sc = generate_cluster(options(8, 2000));
  int idle = 0;
  for (const node_spec& n : sc.nodes)
    if (n.in_use.empty()) ++idle;
  EXPECT_GT(idle, 100);
  EXPECT_LT(idle, 1000);
}

TEST(Synthetic, HeldChipsAreInLegalShapes) {
  synthetic_options o = options(13, 3000);
  o.chip_fault_rate = 0.03;
  const synthetic_cluster sc = generate_cluster(o);
  std::set<std::string> all_pods;
  for (const node_spec& n : sc.nodes) {
    int index = 0;
    for (const auto& [pod, mask] : holders_by_pod(n)) {
      EXPECT_TRUE(all_pods.insert(pod).second) << pod << " runs on two nodes";
      EXPECT_EQ(pod.rfind("default/run-" + n.name + "-", 0), 0U) << pod;
      EXPECT_EQ(mask & n.unhealthy, 0U) << pod << " holds an unhealthy chip";
      const int k = chip_count(mask);
      if (n.type == accelerator_type::module_910b_8) {
        EXPECT_TRUE(k == 1 || k == 2 || k == 4 || k == 8) << pod << " holds " << k;
      } else {
        ASSERT_TRUE(is_a3_type(n.type));
        EXPECT_TRUE(k == 2 || k == 4 || k == 8 || k == 16) << pod << " holds " << k;
        for (int c = 0; c < 8; ++c) {
          const chip_mask pair = chip_bit(2 * c) | chip_bit(2 * c + 1);
          EXPECT_TRUE((mask & pair) == 0 || (mask & pair) == pair) << pod << " holds half of chip " << c;
        }
      }
      ++index;
    }
    // Holder names are numbered 0..n-1 per node.
    std::set<std::string> want;
    for (int i = 0; i < index; ++i) want.insert("default/run-" + n.name + "-" + std::to_string(i));
    std::set<std::string> got;
    for (const auto& [pod, mask] : holders_by_pod(n)) got.insert(pod);
    EXPECT_EQ(got, want) << n.name;
  }
}

// ---------------------------------------------------------------------------
// Mixes of any accelerator type

const std::vector<accelerator_type> every_type = {
    accelerator_type::module_910_x8,  accelerator_type::module_910b_8,          accelerator_type::module_910b_16,
    accelerator_type::module_a3_16,   accelerator_type::module_a3_16_super_pod, accelerator_type::module_a3_8_super_pod,
    accelerator_type::card,           accelerator_type::half};

TEST(SyntheticMix, PodSizesComeFromTheTopologyRules) {
  EXPECT_EQ(power_of_two_sizes(accelerator_type::module_910b_8, true), (std::vector<int>{1, 2, 4, 8}));
  EXPECT_EQ(power_of_two_sizes(accelerator_type::module_a3_16, true), (std::vector<int>{2, 4, 8, 16}));
  EXPECT_EQ(power_of_two_sizes(accelerator_type::module_a3_16, false), (std::vector<int>{1, 2, 4, 8, 16}));
  EXPECT_EQ(power_of_two_sizes(accelerator_type::half, false), (std::vector<int>{1, 2, 4}));
  for (const accelerator_type t : every_type)
    for (const bool distributed : {false, true})
      for (const int k : power_of_two_sizes(t, distributed))
        EXPECT_TRUE(is_legal_request(t, k, distributed ? job_shape{2, 2 * k} : job_shape{1, k})) << to_string(t);
}

TEST(SyntheticMix, EveryTypeGeneratesValidNodesAndLegalHeldShapes) {
  for (const accelerator_type t : every_type) {
    SCOPED_TRACE(std::string(to_string(t)));
    synthetic_options o = options(21, 60);
    o.mix = {{t, 1.0}};
    o.super_pod_size = 16;
    o.pending_pods = 30;
    ASSERT_FALSE(validate_synthetic_options(o).has_value());
    const synthetic_cluster sc = generate_cluster(o);
    ASSERT_EQ(sc.nodes.size(), 60U);
    ASSERT_TRUE(build_cluster(sc.nodes).ok());
    const std::vector<int> sizes = power_of_two_sizes(t, true);
    for (const node_spec& n : sc.nodes) {
      EXPECT_EQ(n.type, t);
      if (is_super_pod_type(t)) {
        EXPECT_EQ(n.name, "sp" + std::to_string(n.super_pod_id) + "-" + fmt_index(n.server_index)) << n.name;
      } else {
        EXPECT_EQ(n.name.rfind(synthetic_name_prefix(t), 0), 0U) << n.name;
      }
      for (const auto& [pod, mask] : holders_by_pod(n)) {
        const int k = chip_count(mask);
        EXPECT_NE(std::find(sizes.begin(), sizes.end(), k), sizes.end()) << pod << " holds " << k;
        EXPECT_EQ(judge(t, k, mask, true), shape_fit::fits) << pod << " holds an illegal shape";
      }
    }
    for (const job_spec& j : sc.pending.jobs) EXPECT_EQ(j.handler, t);
  }
}

TEST(SyntheticMix, CountsRoundInOrderAndTheLastTypeTakesTheRest) {
  synthetic_options o = options(3, 7);
  o.mix = {{accelerator_type::module_910b_8, 1.0 / 3}, {accelerator_type::module_a3_16, 1.0 / 3},
           {accelerator_type::card, 1.0 / 3}};
  ASSERT_FALSE(validate_synthetic_options(o).has_value());
  std::map<accelerator_type, int> count;
  for (const node_spec& n : generate_cluster(o).nodes) ++count[n.type];
  EXPECT_EQ(count[accelerator_type::module_910b_8], 2);  // round(2.33)
  EXPECT_EQ(count[accelerator_type::module_a3_16], 2);
  EXPECT_EQ(count[accelerator_type::card], 3);
}

TEST(SyntheticMix, SuperPodIdsRunOnAcrossSuperPodTypes) {
  synthetic_options o = options(4, 20);
  o.mix = {{accelerator_type::module_a3_16_super_pod, 0.5}, {accelerator_type::module_a3_8_super_pod, 0.5}};
  o.super_pod_size = 4;
  std::map<std::int32_t, std::set<accelerator_type>> types_of;
  for (const node_spec& n : generate_cluster(o).nodes) types_of[n.super_pod_id].insert(n.type);
  ASSERT_EQ(types_of.size(), 6U);  // 10 nodes of each type: super-pods 0-2, then 3-5
  for (const auto& [id, types] : types_of) {
    EXPECT_EQ(types.size(), 1U) << "super-pod " << id << " mixes types";
    EXPECT_EQ(*types.begin(), id < 3 ? accelerator_type::module_a3_16_super_pod : accelerator_type::module_a3_8_super_pod);
  }
}

struct options_case {
  const char* rule;
  void (*change)(synthetic_options&);
  const char* path;
  error_code code;
};

TEST(SyntheticMix, OptionsOutOfRangeAreErrorsNamingTheField) {
  const options_case cases[] = {
      {"nodes_negative", [](synthetic_options& o) { o.nodes = -1; }, "nodes", error_code::out_of_range},
      {"nodes_too_many", [](synthetic_options& o) { o.nodes = 1'000'001; }, "nodes", error_code::out_of_range},
      {"pending_negative", [](synthetic_options& o) { o.pending_pods = -1; }, "pending_pods", error_code::out_of_range},
      {"super_pod_size_zero", [](synthetic_options& o) { o.super_pod_size = 0; }, "super_pod_size", error_code::out_of_range},
      {"occupancy_above_one", [](synthetic_options& o) { o.occupancy = 1.5; }, "occupancy", error_code::out_of_range},
      {"occupancy_nan", [](synthetic_options& o) { o.occupancy = std::nan(""); }, "occupancy", error_code::out_of_range},
      {"chip_rate_negative", [](synthetic_options& o) { o.chip_fault_rate = -0.1; }, "chip_fault_rate", error_code::out_of_range},
      {"node_rate_above_one", [](synthetic_options& o) { o.node_fault_rate = 2; }, "node_fault_rate", error_code::out_of_range},
      {"mix_empty", [](synthetic_options& o) { o.mix.clear(); }, "mix", error_code::invalid_value},
      {"mix_none", [](synthetic_options& o) { o.mix = {{accelerator_type::none, 1.0}}; }, "mix[0].type", error_code::unknown_value},
      {"mix_twice", [](synthetic_options& o) { o.mix = {{accelerator_type::card, 0.5}, {accelerator_type::card, 0.5}}; },
       "mix[1].type", error_code::duplicate},
      {"share_zero", [](synthetic_options& o) { o.mix = {{accelerator_type::card, 0.0}, {accelerator_type::half, 1.0}}; },
       "mix[0].share", error_code::out_of_range},
      {"share_above_one", [](synthetic_options& o) { o.mix = {{accelerator_type::card, 1.5}}; }, "mix[0].share", error_code::out_of_range},
      {"shares_short_of_one", [](synthetic_options& o) { o.mix = {{accelerator_type::card, 0.5}, {accelerator_type::half, 0.4}}; },
       "mix", error_code::invalid_value},
  };
  EXPECT_FALSE(validate_synthetic_options(synthetic_options{}).has_value());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    synthetic_options o;
    c.change(o);
    const auto e = validate_synthetic_options(o);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->path, c.path) << e->what();
    EXPECT_EQ(e->code, c.code) << e->what();
  }
}

TEST(SyntheticMix, MixTextIsReadEntryByEntry) {
  const auto ok = parse_mix("module-910b-8:0.4,module-a3-16:0.3,module-a3-16-super-pod:0.3");
  ASSERT_TRUE(ok.ok()) << ok.err().what();
  EXPECT_EQ(*ok, default_mix());
  const std::pair<const char*, const char*> bad[] = {
      {"", "mix[0]"},                             // no entry at all
      {"module-910b-8", "mix[0]"},                // no share
      {"module-910b-8:0.5,", "mix[1]"},           // an empty entry
      {"gpu:1", "mix[0].type"},                   // not an accelerator type
      {"module-910b-8:0.4x", "mix[0].share"},     // not a number
      {"module-910b-8:1,card:", "mix[1].share"},  // an empty share
  };
  for (const auto& [text, path] : bad) {
    SCOPED_TRACE(text);
    const auto r = parse_mix(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().path, path) << r.err().what();
  }
}

TEST(Synthetic, SuperPodNodesAreHeldWholeOrIdle) {
  synthetic_options o = options(17, 500);
  o.mix = {{accelerator_type::module_a3_16_super_pod, 1.0}};
  o.chip_fault_rate = 0.0;
  const synthetic_cluster sc = generate_cluster(o);
  int whole = 0;
  for (const node_spec& n : sc.nodes) {
    const auto pods = holders_by_pod(n);
    if (pods.empty()) continue;
    ASSERT_EQ(pods.size(), 1U) << n.name;
    EXPECT_EQ(pods.begin()->second, n.inventory) << n.name;
    ++whole;
  }
  EXPECT_NEAR(static_cast<double>(whole) / 500.0, 0.5, 0.08);
}

TEST(Synthetic, CountsAreConsistentWithHolders) {
  const synthetic_cluster sc = generate_cluster(options(19, 1000));
  for (const node_spec& n : sc.nodes) {
    const int k = static_cast<int>(n.in_use.size());
    EXPECT_EQ(n.npu_requested, k) << n.name;
    EXPECT_EQ(n.npu_allocatable, chip_count(n.inventory) - chip_count(n.unhealthy)) << n.name;
    const int max = max_chips(n.type);
    EXPECT_EQ(n.cpu_requested_milli, 128'000 / max * k) << n.name;
    EXPECT_EQ(n.memory_requested_bytes, (std::int64_t{1} << 40) / max * k) << n.name;
    EXPECT_LE(n.cpu_requested_milli, n.cpu_allocatable_milli);
    EXPECT_LE(n.memory_requested_bytes, n.memory_allocatable_bytes);
  }
}

// ---------------------------------------------------------------------------
// Faults

TEST(Synthetic, NoFaultsWhenTheRatesAreZero) {
  synthetic_options o = options(23, 500);
  o.chip_fault_rate = 0.0;
  o.node_fault_rate = 0.0;
  for (const node_spec& n : generate_cluster(o).nodes) {
    EXPECT_EQ(n.health, node_health::healthy) << n.name;
    EXPECT_EQ(n.unhealthy | n.network_unhealthy | n.sub_healthy, 0U) << n.name;
  }
}

TEST(Synthetic, FaultRatesAreRespected) {
  synthetic_options o = options(29, 5000);
  o.chip_fault_rate = 0.04;
  o.node_fault_rate = 0.02;
  const synthetic_cluster sc = generate_cluster(o);
  int bad_chips = 0;
  int net_chips = 0;
  int bad_nodes = 0;
  int sub_nodes = 0;
  for (const node_spec& n : sc.nodes) {
    bad_chips += chip_count(n.unhealthy);
    net_chips += chip_count(n.network_unhealthy);
    EXPECT_EQ(n.unhealthy & n.network_unhealthy, 0U) << n.name;
    if (n.health == node_health::unhealthy) ++bad_nodes;
    if (n.health == node_health::sub_healthy) {
      ++sub_nodes;
      EXPECT_NE(n.sub_healthy, 0U) << n.name;
    }
    EXPECT_TRUE(n.health == node_health::healthy || n.health == node_health::sub_healthy ||
                n.health == node_health::unhealthy);
  }
  const double chips = total_chips(sc);
  EXPECT_NEAR(bad_chips / chips, 0.04, 0.005);
  EXPECT_NEAR(net_chips / chips, 0.02 * 0.96, 0.004);
  EXPECT_NEAR(bad_nodes / 5000.0, 0.02, 0.006);
  EXPECT_NEAR(sub_nodes / 5000.0, 0.02 * 0.98, 0.006);
}

// ---------------------------------------------------------------------------
// Pending pods

TEST(Synthetic, PendingPodsAreStandaloneLegalRequests) {
  synthetic_options o = options(31, 1000);
  o.pending_pods = 2000;
  const synthetic_cluster sc = generate_cluster(o);
  ASSERT_EQ(sc.pending.pods.size(), 2000U);
  ASSERT_EQ(sc.pending.jobs.size(), 2000U);
  EXPECT_FALSE(validate_workload(sc.pending).has_value());
  std::map<accelerator_type, int> per_type;
  std::map<int, int> per_k;
  for (std::size_t i = 0; i < sc.pending.pods.size(); ++i) {
    const pod_spec& p = sc.pending.pods[i];
    char want[48];
    std::snprintf(want, sizeof want, "default/pend-%05zu", i);
    EXPECT_EQ(p.name, want);
    ASSERT_LT(p.job, sc.pending.jobs.size());
    EXPECT_EQ(p.job, i) << "each pod is its own job";
    const job_spec& j = sc.pending.jobs[p.job];
    EXPECT_EQ(j.name, "");
    EXPECT_EQ(j.shape.npu_tasks, 1);
    EXPECT_EQ(j.shape.total_npus, p.npus);
    ASSERT_TRUE(j.handler.has_value());
    ASSERT_EQ(p.node_selector.size(), 1U);
    EXPECT_EQ(p.node_selector[0].first, "accelerator-type");
    EXPECT_EQ(p.node_selector[0].second, std::string(to_string(*j.handler)));
    if (*j.handler == accelerator_type::module_910b_8) {
      EXPECT_TRUE(p.npus == 1 || p.npus == 2 || p.npus == 4 || p.npus == 8) << p.name;
    } else {
      EXPECT_TRUE(is_a3_type(*j.handler));
      EXPECT_TRUE(p.npus == 1 || p.npus == 2 || p.npus == 4 || p.npus == 8 || p.npus == 16) << p.name;
    }
    EXPECT_EQ(p.cpu_milli, 8'000);
    EXPECT_EQ(p.memory_bytes, std::int64_t{64} << 30);
    EXPECT_EQ(p.priority, 0);
    if (i > 0) {
      EXPECT_GT(p.created, sc.pending.pods[i - 1].created);
    }
    ++per_type[*j.handler];
    ++per_k[p.npus];
  }
  // Types in proportion to the node counts (40/30/30), every size drawn.
  EXPECT_NEAR(per_type[accelerator_type::module_910b_8] / 2000.0, 0.4, 0.05);
  EXPECT_NEAR(per_type[accelerator_type::module_a3_16] / 2000.0, 0.3, 0.05);
  EXPECT_NEAR(per_type[accelerator_type::module_a3_16_super_pod] / 2000.0, 0.3, 0.05);
  for (const int k : {1, 2, 4, 8, 16}) EXPECT_GT(per_k[k], 50) << k;
}

TEST(Synthetic, PendingPodsOnlyTargetGeneratedTypes) {
  synthetic_options o = options(37, 50);
  o.mix = {{accelerator_type::module_910b_8, 1.0}};
  o.pending_pods = 100;
  const synthetic_cluster sc = generate_cluster(o);
  for (const job_spec& j : sc.pending.jobs) EXPECT_EQ(j.handler, accelerator_type::module_910b_8);
}

TEST(Synthetic, PendingPodsDoNotChangeTheNodes) {
  synthetic_options o = options(41, 300);
  const synthetic_cluster without = generate_cluster(o);
  o.pending_pods = 10;
  const synthetic_cluster with = generate_cluster(o);
  ASSERT_EQ(with.nodes.size(), without.nodes.size());
  for (std::size_t i = 0; i < with.nodes.size(); ++i) EXPECT_EQ(with.nodes[i].in_use, without.nodes[i].in_use);
}

TEST(Synthetic, GeneratedWorkloadPlansWithoutDoubleBooking) {
  synthetic_options o = options(43, 400);
  o.pending_pods = 200;
  const synthetic_cluster sc = generate_cluster(o);
  const result<cluster> c = build_cluster(sc.nodes);
  ASSERT_TRUE(c.ok()) << c.err().what();
  const plan_result r = plan(*c, sc.pending);
  EXPECT_EQ(r.bindings.size() + r.unschedulable.size(), sc.pending.pods.size());
  EXPECT_GT(r.bindings.size(), 100U);
  std::map<std::uint32_t, chip_mask> taken;
  for (const binding& b : r.bindings) {
    const pod_spec& p = sc.pending.pods[b.pod];
    EXPECT_EQ(static_cast<int>(b.chips.size()), p.npus) << p.name;
    for (const int chip : b.chips) {
      EXPECT_NE(c->free(b.node) & chip_bit(chip), 0U) << p.name << " got a chip that was not free";
      EXPECT_EQ(taken[b.node.value] & chip_bit(chip), 0U) << p.name << " got a chip twice";
      taken[b.node.value] |= chip_bit(chip);
    }
  }
}

// ---------------------------------------------------------------------------
// Demo

TEST(Demo, ValidatesAndBuilds) {
  const synthetic_cluster d = demo_cluster();
  ASSERT_EQ(d.nodes.size(), 18U);
  for (const node_spec& n : d.nodes) EXPECT_FALSE(validate_node(n).has_value()) << n.name;
  EXPECT_TRUE(build_cluster(d.nodes).ok());
  EXPECT_FALSE(validate_workload(d.pending).has_value());
  EXPECT_EQ(d.pending.pods.size(), 18U);
}

TEST(Demo, IsDeterministic) { EXPECT_EQ(fingerprint_of(demo_cluster()), fingerprint_of(demo_cluster())); }

TEST(Demo, TellsTheReadmeStory) {
  const synthetic_cluster d = demo_cluster();
  const result<cluster> c = build_cluster(d.nodes);
  ASSERT_TRUE(c.ok());
  const plan_result r = plan(*c, d.pending);

  std::map<std::string, std::pair<std::string, std::vector<int>>> placed;
  for (const binding& b : r.bindings)
    placed[d.pending.pods[b.pod].name] = {std::string(c->name(b.node)), b.chips};
  std::map<std::string, verdict> refused;
  for (const unplaced& u : r.unschedulable) refused[d.pending.pods[u.pod].name] = u.why;

  using chips = std::vector<int>;
  EXPECT_EQ(placed["serving/llama-decode-0"], std::make_pair(std::string("a2-node-1"), chips{4, 5, 6, 7}));
  EXPECT_EQ(placed["serving/llama-prefill-0"].first, "a2-node-2");
  EXPECT_TRUE(placed.count("serving/router-0"));
  EXPECT_EQ(placed["serving/a3-decode-0"].first, "a3-node-2");
  EXPECT_EQ(placed["serving/a3-small-0"], std::make_pair(std::string("a3-node-1"), chips{9}));
  // The SGLang P/D service on the SuperPoD.
  std::set<std::string> decode_b_nodes;
  for (int rank = 0; rank < 4; ++rank) {
    const auto& [node, chips_of_pod] = placed["serving/sglang-decode-b-" + std::to_string(rank)];
    EXPECT_EQ(node.substr(0, 4), "sp0-") << rank;
    EXPECT_EQ(chips_of_pod.size(), 16U);
    decode_b_nodes.insert(node);
  }
  EXPECT_EQ(decode_b_nodes.size(), 4U);
  for (int rank = 0; rank < 2; ++rank)
    EXPECT_EQ(placed["serving/sglang-prefill-b-" + std::to_string(rank)].first.substr(0, 4), "sp1-") << rank;
  for (int rank = 0; rank < 4; ++rank) {
    const auto& v = refused["serving/sglang-decode-c-" + std::to_string(rank)];
    EXPECT_EQ(v.code, reason::superpod_capacity) << rank;
    EXPECT_TRUE(v.resolvable);
  }
  ASSERT_EQ(r.super_pod_jobs.size(), 3U);
  EXPECT_EQ(r.super_pod_jobs[0].selection.blocks_by_phase[static_cast<std::size_t>(superpod_phase::best_fit)], 2);
  EXPECT_EQ(r.super_pod_jobs[1].selection.blocks_by_phase[static_cast<std::size_t>(superpod_phase::best_fit)], 1);
  EXPECT_FALSE(r.super_pod_jobs[2].selection.placed);
  EXPECT_EQ(r.super_pod_jobs[2].selection.available, 0);
  EXPECT_EQ(r.bindings.size(), 11U);

  ASSERT_EQ(r.unschedulable.size(), 7U);
  EXPECT_EQ(refused["serving/a3-odd-0"].code, reason::invalid_request);
  EXPECT_FALSE(refused["serving/a3-odd-0"].resolvable);
  EXPECT_EQ(refused["serving/a3-prefill-0"].code, reason::topology_mismatch);
  EXPECT_TRUE(refused["serving/a3-prefill-0"].resolvable);
  EXPECT_EQ(refused["serving/llama-prefill-1"].code, reason::insufficient_npu);
  EXPECT_TRUE(refused["serving/llama-prefill-1"].resolvable);
}

}  // namespace
}  // namespace npusched
