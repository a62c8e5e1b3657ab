/// \file synthetic.cpp
/// Seeded synthetic clusters and the demo cluster.
///
/// Determinism across platforms: every random draw comes from one
/// xoshiro256** stream seeded by splitmix64, consumed in a fixed order, and
/// every probability and fraction is turned into an integer threshold once
/// (a multiplication by a power of two, which is exact), so no floating-point
/// arithmetic that a compiler could contract or a library could implement
/// differently touches a draw.

#include "npusched/synthetic.hpp"

#include "npusched/topology.hpp"

#include <algorithm>
#include <charconv>
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace npusched {
namespace {

// ---------------------------------------------------------------------------
// Generator

constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = x;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

/// A probability as an integer threshold on 53 random bits.
struct chance_threshold {
  std::uint64_t t = 0;
};

constexpr std::uint64_t two_53 = std::uint64_t{1} << 53;
constexpr std::uint64_t two_32 = std::uint64_t{1} << 32;

chance_threshold threshold(double p) noexcept {
  if (!(p > 0.0)) return {0};  // also NaN
  if (p >= 1.0) return {two_53};
  return {static_cast<std::uint64_t>(p * 0x1p53)};
}

/// xoshiro256** (Blackman & Vigna), seeded through splitmix64.
class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept {
    for (auto& w : s_) w = splitmix64(seed);
  }

  std::uint64_t next() noexcept {
    const std::uint64_t out = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return out;
  }

  /// Uniform in [0, n); n > 0. Unbiased (rejects the short top range).
  std::uint64_t below(std::uint64_t n) noexcept {
    const std::uint64_t limit = (std::uint64_t{0} - n) % n;  // 2^64 mod n
    for (;;) {
      const std::uint64_t x = next();
      if (x >= limit) return x % n;
    }
  }

  std::uint64_t bits32() noexcept { return next() >> 32; }

  bool chance(chance_threshold p) noexcept { return (next() >> 11) < p.t; }

 private:
  std::array<std::uint64_t, 4> s_{};
};

// ---------------------------------------------------------------------------
// Node construction helpers

constexpr std::int64_t cpu_allocatable_milli = 192'000;                      // 192 cores
constexpr std::int64_t memory_allocatable_bytes = std::int64_t{3} << 39;     // 1.5 TiB
// A node fully held by running pods requests 128 cores and 1 TiB; a pod
// requests its share per NPU.
constexpr std::int64_t cpu_full_milli = 128'000;
constexpr std::int64_t memory_full_bytes = std::int64_t{1} << 40;
constexpr std::int64_t gib = std::int64_t{1} << 30;

std::vector<std::pair<std::string, std::string>> standard_labels(const std::string& name, accelerator_type t) {
  return {
      {"accelerator", "huawei-Ascend910"},
      {"accelerator-type", std::string(to_string(t))},
      {"host-arch", "huawei-arm"},
      {"kubernetes.io/hostname", name},
  };
}

node_spec make_node(std::string name, accelerator_type t) {
  node_spec n;
  n.labels = standard_labels(name, t);
  n.name = std::move(name);
  n.type = t;
  n.inventory = first_chips(max_chips(t));
  n.cpu_allocatable_milli = cpu_allocatable_milli;
  n.memory_allocatable_bytes = memory_allocatable_bytes;
  return n;
}

/// Records a running pod holding `chips` (in ascending id order) on `n`.
void add_running_pod(node_spec& n, const std::string& pod, chip_mask chips) {
  for (const int c : chips_of(chips)) n.in_use.push_back({c, pod});
  const int k = chip_count(chips);
  const int max = max_chips(n.type);
  n.npu_requested += k;
  n.cpu_requested_milli += cpu_full_milli / max * k;
  n.memory_requested_bytes += memory_full_bytes / max * k;
}

void finish_node(node_spec& n) {
  n.npu_allocatable = chip_count(n.inventory) - chip_count(n.unhealthy & n.inventory);
}

/// Per-node target fill in [0, slots], mean `occupancy · slots`: a fill
/// fraction drawn uniformly from [0, 2·occ] (occ ≤ ½) or [2·occ − 1, 1]
/// (occ > ½), then stochastically rounded. All in 32-bit fixed point.
int draw_fill(rng& g, std::uint64_t occ32, int slots) {
  const std::uint64_t x = g.bits32();
  std::uint64_t f = 0;  // fill fraction in units of 2^-32, ≤ 2^32
  if (occ32 <= two_32 / 2) {
    f = (2 * occ32 * x) >> 32;
  } else {
    f = 2 * occ32 - two_32 + (((2 * two_32 - 2 * occ32) * x) >> 32);
  }
  const std::uint64_t scaled = f * static_cast<std::uint64_t>(slots);
  std::uint64_t t = scaled >> 32;
  if (g.bits32() < (scaled & (two_32 - 1))) ++t;
  return static_cast<int>(std::min<std::uint64_t>(t, static_cast<std::uint64_t>(slots)));
}

/// Places running pods on `n` until `target` NPUs are held or no legal shape
/// fits: each pod draws k uniformly from `sizes` (the type's running-pod
/// sizes) among those that still fit (`largest_first`: takes the largest
/// instead, as whole-node SuperPoD jobs do). Chips are the ones the
/// scheduler itself would pick for a pod of a multi-pod job.
void occupy(rng& g, node_spec& n, std::span<const int> sizes, int target, bool largest_first) {
  int held = 0;
  int pod = 0;
  chip_mask avail = n.inventory & ~n.unhealthy;
  std::vector<int> options;
  for (;;) {
    options.clear();
    for (const int k : sizes)
      if (k <= target - held && judge(n.type, k, avail, true) == shape_fit::fits) options.push_back(k);
    if (options.empty()) return;
    const int k = largest_first ? options.back() : options[g.below(options.size())];
    chip_mask chips = 0;
    for (const int c : pick_chips(n.type, k, avail, true)) chips |= chip_bit(c);
    add_running_pod(n, fmt::format("default/run-{}-{}", n.name, pod++), chips);
    avail &= ~chips;
    held += k;
  }
}

/// Health draws shared by every generated node.
struct fault_draws {
  chance_threshold node;
  chance_threshold chip;
  chance_threshold network;  ///< chip_fault_rate / 2
};

void draw_health(rng& g, node_spec& n, const fault_draws& p) {
  if (g.chance(p.node)) n.health = node_health::unhealthy;
  const int max = max_chips(n.type);
  for (int c = 0; c < max; ++c)
    if (g.chance(p.chip)) n.unhealthy |= chip_bit(c);
  for (int c = 0; c < max; ++c)
    if ((n.unhealthy & chip_bit(c)) == 0 && g.chance(p.network)) n.network_unhealthy |= chip_bit(c);
  // Sub-health is rarer still: as often as a node fault, on one chip.
  if (g.chance(p.node)) {
    n.sub_healthy |= chip_bit(static_cast<int>(g.below(static_cast<std::uint64_t>(max))));
    if (n.health == node_health::healthy) n.health = node_health::sub_healthy;
  }
}

int count_of(int nodes, double fraction) {
  if (!(fraction > 0.0)) return 0;
  if (fraction >= 1.0) return nodes;
  return static_cast<int>(std::llround(static_cast<double>(nodes) * fraction));
}

constexpr int max_synthetic_nodes = 1'000'000;
constexpr double share_tolerance = 1e-9;

std::optional<error> rate_error(const char* path, double v) {
  if (v >= 0.0 && v <= 1.0) return std::nullopt;  // NaN fails both
  return error{path, fmt::format("{} is out of range (0..1)", v), error_code::out_of_range};
}

std::optional<error> count_error(const char* path, int v, int lo, int hi) {
  if (v >= lo && v <= hi) return std::nullopt;
  return error{path, fmt::format("{} is out of range ({}..{})", v, lo, hi), error_code::out_of_range};
}

constexpr std::int64_t created_base = 1'750'000'000;  // 2025-06-15, a fixed epoch for creation times

}  // namespace

std::vector<type_share> default_mix() {
  return {{accelerator_type::module_910b_8, 0.4},
          {accelerator_type::module_a3_16, 0.3},
          {accelerator_type::module_a3_16_super_pod, 0.3}};
}

std::optional<error> validate_synthetic_options(const synthetic_options& opt) {
  if (auto e = count_error("nodes", opt.nodes, 0, max_synthetic_nodes)) return e;
  if (auto e = count_error("pending_pods", opt.pending_pods, 0, max_synthetic_nodes)) return e;
  if (auto e = count_error("super_pod_size", opt.super_pod_size, 1, max_synthetic_nodes)) return e;
  if (auto e = rate_error("occupancy", opt.occupancy)) return e;
  if (auto e = rate_error("chip_fault_rate", opt.chip_fault_rate)) return e;
  if (auto e = rate_error("node_fault_rate", opt.node_fault_rate)) return e;
  if (opt.mix.empty()) return error{"mix", "names no accelerator type", error_code::invalid_value};
  double sum = 0.0;
  for (std::size_t i = 0; i < opt.mix.size(); ++i) {
    const type_share& t = opt.mix[i];
    const std::string at = fmt::format("mix[{}]", i);
    if (t.type == accelerator_type::none) return error{at + ".type", "is not an NPU type", error_code::unknown_value};
    for (std::size_t j = 0; j < i; ++j)
      if (opt.mix[j].type == t.type)
        return error{at + ".type", fmt::format("{} is given twice", to_string(t.type)), error_code::duplicate};
    if (!(t.share > 0.0 && t.share <= 1.0))
      return error{at + ".share", fmt::format("{} is out of range (0..1, above 0)", t.share), error_code::out_of_range};
    sum += t.share;
  }
  if (std::abs(sum - 1.0) > share_tolerance)
    return error{"mix", fmt::format("the shares sum to {}, not 1", sum), error_code::invalid_value};
  return std::nullopt;
}

result<std::vector<type_share>> parse_mix(std::string_view text) {
  std::vector<type_share> out;
  std::size_t start = 0;
  for (std::size_t i = 0; start <= text.size(); ++i) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string_view entry = text.substr(start, end - start);
    const std::string at = fmt::format("mix[{}]", i);
    const std::size_t colon = entry.rfind(':');
    if (colon == std::string_view::npos)
      return error{at, fmt::format("\"{}\" is not TYPE:SHARE", entry), error_code::malformed_document};
    const std::string_view label = entry.substr(0, colon);
    const std::string_view number = entry.substr(colon + 1);
    const auto type = parse_accelerator_type(label);
    if (!type || *type == accelerator_type::none)
      return error{at + ".type", fmt::format("\"{}\" is not an accelerator type", label), error_code::unknown_value};
    double share = 0.0;
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), share);
    if (ec != std::errc() || ptr != number.data() + number.size() || number.empty())
      return error{at + ".share", fmt::format("\"{}\" is not a number", number), error_code::invalid_value};
    out.push_back({*type, share});
    start = end + 1;
  }
  return out;
}

std::string_view synthetic_name_prefix(accelerator_type t) noexcept {
  switch (t) {
    case accelerator_type::module_910b_8: return "a2-";
    case accelerator_type::module_a3_16: return "a3-";
    case accelerator_type::module_910b_16: return "a2x16-";
    case accelerator_type::module_910_x8: return "m910-";
    case accelerator_type::card: return "card-";
    case accelerator_type::half: return "half-";
    default: return "sp";  // super-pod types: sp<P>-<index>
  }
}

synthetic_cluster generate_cluster(const synthetic_options& opt) {
  synthetic_cluster out;
  rng g(opt.seed);

  const int nodes = std::clamp(opt.nodes, 0, max_synthetic_nodes);
  const int pod_size = std::max(opt.super_pod_size, 1);
  // Node counts per type, in mix order; the last type takes the rest.
  std::vector<int> counts;
  int left = nodes;
  for (std::size_t i = 0; i < opt.mix.size(); ++i) {
    const int n = i + 1 == opt.mix.size() ? left : std::min(count_of(nodes, opt.mix[i].share), left);
    counts.push_back(n);
    left -= n;
  }

  const double occ = std::isnan(opt.occupancy) ? 0.0 : std::clamp(opt.occupancy, 0.0, 1.0);
  const auto occ32 = static_cast<std::uint64_t>(occ * 0x1p32);
  const chance_threshold occ_node = threshold(occ);
  const fault_draws faults{threshold(opt.node_fault_rate), threshold(opt.chip_fault_rate),
                           threshold(opt.chip_fault_rate / 2)};

  out.nodes.reserve(static_cast<std::size_t>(nodes));
  int super_pods = 0;  // super-pod ids are numbered across all super-pod types
  for (std::size_t ti = 0; ti < opt.mix.size(); ++ti) {
    const accelerator_type t = opt.mix[ti].type;
    const std::vector<int> sizes = power_of_two_sizes(t, true);
    const int max = max_chips(t);
    const bool super_pod = is_super_pod_type(t);
    const int first_pod = super_pods;
    for (int i = 0; i < counts[ti]; ++i) {
      if (super_pod) {
        const int pod = first_pod + i / pod_size;
        const int index = i % pod_size;
        node_spec n = make_node(fmt::format("sp{}-{:05d}", pod, index), t);
        n.super_pod_id = pod;
        n.server_index = index;
        n.rack_id = index / 8;
        draw_health(g, n, faults);
        // SuperPoD nodes serve whole-node jobs: a node is either held whole (or
        // as close to whole as its healthy dies allow) or idle.
        occupy(g, n, sizes, g.chance(occ_node) ? max : 0, true);
        finish_node(n);
        out.nodes.push_back(std::move(n));
        super_pods = pod + 1;
        continue;
      }
      node_spec n = make_node(fmt::format("{}{:05d}", synthetic_name_prefix(t), i), t);
      draw_health(g, n, faults);
      // A3 dies are filled in whole chips (die pairs).
      const int per = is_a3_type(t) ? 2 : 1;
      occupy(g, n, sizes, per * draw_fill(g, occ32, max / per), false);
      finish_node(n);
      out.nodes.push_back(std::move(n));
    }
  }

  // Pending pods: each its own standalone job, on a type drawn in proportion
  // to the node counts, with k uniform over the type's legal standalone sizes.
  const int pending = std::max(opt.pending_pods, 0);
  out.pending.jobs.reserve(static_cast<std::size_t>(pending));
  out.pending.pods.reserve(static_cast<std::size_t>(pending));
  std::vector<std::vector<int>> pending_sizes;
  for (const type_share& t : opt.mix) pending_sizes.push_back(power_of_two_sizes(t.type, false));
  for (int i = 0; i < pending; ++i) {
    std::size_t ti = 0;
    if (nodes > 0) {
      auto r = static_cast<int>(g.below(static_cast<std::uint64_t>(nodes)));
      while (ti + 1 < counts.size() && r >= counts[ti]) r -= counts[ti++];
    }
    const accelerator_type t = opt.mix.empty() ? accelerator_type::module_910b_8 : opt.mix[ti].type;
    const std::vector<int>& sizes = pending_sizes.empty() ? power_of_two_sizes(t, false) : pending_sizes[ti];
    const int k = sizes[g.below(sizes.size())];

    job_spec job;
    job.shape = job_shape{1, k};
    job.handler = t;
    out.pending.jobs.push_back(std::move(job));

    pod_spec p;
    p.name = fmt::format("default/pend-{:05d}", i);
    p.job = out.pending.jobs.size() - 1;
    p.npus = k;
    p.cpu_milli = 8'000;
    p.memory_bytes = 64 * gib;
    p.node_selector = {{"accelerator-type", std::string(to_string(t))}};
    p.priority = 0;
    p.created = created_base + i;
    out.pending.pods.push_back(std::move(p));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Demo

namespace {

chip_mask mask_of(std::initializer_list<int> ids) {
  chip_mask m = 0;
  for (const int d : ids) m |= chip_bit(d);
  return m;
}

void add_pending(workload& w, std::string name, int npus, std::optional<accelerator_type> t, std::int64_t cpu_milli,
                 std::int64_t memory_bytes, std::int64_t created) {
  job_spec job;
  job.shape = job_shape{1, npus};
  job.handler = t;
  w.jobs.push_back(std::move(job));

  pod_spec p;
  p.name = std::move(name);
  p.job = w.jobs.size() - 1;
  p.npus = npus;
  p.cpu_milli = cpu_milli;
  p.memory_bytes = memory_bytes;
  if (t) p.node_selector = {{"accelerator-type", std::string(to_string(*t))}};
  p.created = created;
  w.pods.push_back(std::move(p));
}

/// A PodGroup `name` of `pods` whole-node pods on `t`, ranks 0.., with `sp-block`.
void add_superpod_job(workload& w, const std::string& name, int pods, accelerator_type t, int sp_block,
                      std::int64_t created) {
  job_spec job;
  job.name = name;
  job.shape = job_shape{pods, pods * max_chips(t)};
  job.handler = t;
  job.sp_block = sp_block;
  w.jobs.push_back(std::move(job));
  for (int r = 0; r < pods; ++r) {
    pod_spec p;
    p.name = name + "-" + std::to_string(r);
    p.job = w.jobs.size() - 1;
    p.npus = max_chips(t);
    p.cpu_milli = 64'000;
    p.memory_bytes = 512 * gib;
    p.node_selector = {{"accelerator-type", std::string(to_string(t))}};
    p.created = created;
    p.rank = r;
    w.pods.push_back(std::move(p));
  }
}

}  // namespace

synthetic_cluster demo_cluster() {
  // The story, in the order `plan` considers the pending pods (all priority
  // 0, so by creation time):
  //  1. llama-decode-0 (4 NPUs, A2) lands on a2-node-1 next to the running
  //     qwen-decode-0 rather than on the idle a2-node-2 (binpack: of two
  //     equally healthy nodes the fuller one scores higher).
  //  2. llama-prefill-0 (8, A2) takes a2-node-2, the only idle healthy A2.
  //  3. router-0 requests no NPU: CPU and memory only.
  //  4. a3-decode-0 (16, A3) takes the idle a3-node-2 whole.
  //  5. a3-small-0 (1 die, A3) goes to a3-node-1's half-free chip (die 9).
  //  6. a3-odd-0 (3 dies, A3) is illegal: A3 pods take whole chips (even k),
  //     only a lone 1-die pod may take half a chip → invalid_request.
  //  7. a3-prefill-0 (4, A3) sees 4 free dies on a3-node-1, but on three
  //     different chips: only chip 7 is whole → topology_mismatch (resolvable).
  //  8. llama-prefill-1 (8, A2): no healthy A2 node has 8 free NPUs any more;
  //     a2-node-3 has them but NodeD reports it unhealthy → insufficient_npu.
  // Then an SGLang P/D service on an Atlas 900 A3 SuperPoD (super-pod 0 with
  // six idle nodes, super-pod 1 with seven, two of which run decode instance
  // a; reserve-nodes 2):
  //  9. sglang-decode-b: 4 whole nodes, sp-block 32 → two logical super-nodes
  //     of 2 nodes; super-pod 0 holds exactly two blocks above its reserve
  //     (best fit), super-pod 1 would leave a fragment.
  // 10. sglang-prefill-b: 2 whole nodes, sp-block 32 → one block from
  //     super-pod 1, which keeps its reserve (super-pod 0 would dip into it).
  // 11. sglang-decode-c: 4 whole nodes, sp-block 64 → one block of 4 nodes.
  //     Five nodes are free (2 + 3), enough NPUs for the cluster-wide check,
  //     but no super-pod has 4: hard means hard → superpod_capacity.
  synthetic_cluster out;
  const auto a2 = accelerator_type::module_910b_8;
  const auto a3 = accelerator_type::module_a3_16;

  node_spec a2n1 = make_node("a2-node-1", a2);
  add_running_pod(a2n1, "serving/qwen-decode-0", mask_of({0, 1, 2, 3}));

  node_spec a2n2 = make_node("a2-node-2", a2);

  node_spec a2n3 = make_node("a2-node-3", a2);
  a2n3.health = node_health::unhealthy;

  node_spec a3n1 = make_node("a3-node-1", a3);
  add_running_pod(a3n1, "serving/qwen-prefill-0", mask_of({0, 1, 2, 3, 4, 5, 6, 7}));
  add_running_pod(a3n1, "serving/embed-0", mask_of({8}));
  add_running_pod(a3n1, "serving/embed-1", mask_of({10}));
  add_running_pod(a3n1, "serving/embed-2", mask_of({12}));

  node_spec a3n2 = make_node("a3-node-2", a3);

  for (node_spec* n : {&a2n1, &a2n2, &a2n3, &a3n1, &a3n2}) {
    finish_node(*n);
    out.nodes.push_back(std::move(*n));
  }
  const auto sp = accelerator_type::module_a3_16_super_pod;
  for (int pod = 0; pod < 2; ++pod) {
    const int size = pod == 0 ? 6 : 7;
    for (int i = 0; i < size; ++i) {
      node_spec n = make_node("sp" + std::to_string(pod) + "-node-" + std::to_string(i + 1), sp);
      n.super_pod_id = pod;
      n.server_index = i;
      n.rack_id = 0;
      if (pod == 1 && i < 2) add_running_pod(n, "serving/sglang-decode-a-" + std::to_string(i), first_chips(16));
      finish_node(n);
      out.nodes.push_back(std::move(n));
    }
  }

  workload& w = out.pending;
  std::int64_t t = created_base;
  add_pending(w, "serving/llama-decode-0", 4, a2, 16'000, 128 * gib, t++);
  add_pending(w, "serving/llama-prefill-0", 8, a2, 32'000, 256 * gib, t++);
  add_pending(w, "serving/router-0", 0, std::nullopt, 4'000, 8 * gib, t++);
  add_pending(w, "serving/a3-decode-0", 16, a3, 32'000, 256 * gib, t++);
  add_pending(w, "serving/a3-small-0", 1, a3, 8'000, 64 * gib, t++);
  add_pending(w, "serving/a3-odd-0", 3, a3, 8'000, 64 * gib, t++);
  add_pending(w, "serving/a3-prefill-0", 4, a3, 16'000, 128 * gib, t++);
  add_pending(w, "serving/llama-prefill-1", 8, a2, 32'000, 256 * gib, t++);
  add_superpod_job(w, "serving/sglang-decode-b", 4, sp, 32, t++);
  add_superpod_job(w, "serving/sglang-prefill-b", 2, sp, 32, t++);
  add_superpod_job(w, "serving/sglang-decode-c", 4, sp, 64, t++);
  return out;
}

synthetic_cluster serving_demo_cluster() {
  synthetic_cluster out;
  const auto ready = [](node_spec& n) {
    if (n.type != accelerator_type::none) n.labels.emplace_back(serving_demo_model_label, "Ready");
  };
  for (int i = 1; i <= 4; ++i) {
    node_spec n = make_node("a2-node-" + std::to_string(i), accelerator_type::module_910b_8);
    if (i == 4) add_running_pod(n, "search/embed-0", mask_of({0, 1, 2, 3}));
    ready(n);
    finish_node(n);
    out.nodes.push_back(std::move(n));
  }
  for (int pod = 0; pod < 2; ++pod) {
    for (int i = 0; i < 8; ++i) {
      node_spec n = make_node("sp" + std::to_string(pod) + "-node-" + std::to_string(i + 1),
                              accelerator_type::module_a3_16_super_pod);
      n.super_pod_id = pod;
      n.server_index = i;
      n.rack_id = pod;
      if (pod == 0 && i >= 6) add_running_pod(n, "training/pretrain-" + std::to_string(i - 6), first_chips(16));
      ready(n);
      finish_node(n);
      out.nodes.push_back(std::move(n));
    }
  }
  for (int i = 1; i <= 2; ++i) {
    node_spec n = make_node("cpu-node-" + std::to_string(i), accelerator_type::none);
    n.labels = {{"kubernetes.io/hostname", n.name}};
    finish_node(n);
    out.nodes.push_back(std::move(n));
  }
  return out;
}

}  // namespace npusched
