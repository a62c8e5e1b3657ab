#include "npusched/topology.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "topology_rules.hpp"

namespace npusched {

namespace {

using namespace detail;

// The lowest `k` chips of `m`, ascending.
std::vector<int> lowest(chip_mask m, int k) {
  std::vector<int> out;
  out.reserve(static_cast<std::size_t>(k));
  while (m != 0 && static_cast<int>(out.size()) < k) {
    out.push_back(std::countr_zero(m));
    m &= m - 1;
  }
  return out;
}

// 910B-16 cross-ring pairing: standalone jobs pair chip l with l+8 only;
// distributed jobs pair the i-th free chip of each ring.
std::vector<int> b16_cross(chip_mask top, bool distributed) {
  std::vector<int> out;
  if (distributed) {
    std::vector<int> left = chips_of(top & ring_low8), right = chips_of(top & ring_high8);
    const std::size_t n = std::min(left.size(), right.size());
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(left[i]);
      out.push_back(right[i]);
    }
  } else {
    for (int l : chips_of(top & ring_low8 & (top >> 8))) {
      out.push_back(l);
      out.push_back(l + 8);
    }
  }
  return out;
}

std::string legal_list(accelerator_type t) {
  switch (t) {
    case accelerator_type::module_910_x8: return "1, 2, 4 or 8";
    case accelerator_type::module_910b_8:
    case accelerator_type::card: return "1 to 8";
    case accelerator_type::half: return "1, 2 or 4";
    case accelerator_type::module_910b_16: return "1 to 8, 10, 12, 14 or 16";
    default: return "";
  }
}

}  // namespace

shape_fit judge(accelerator_type t, int k, chip_mask top, bool distributed) noexcept {
  return detail::judge(t, k, top, distributed);
}

std::optional<std::int64_t> node_score(accelerator_type t, int k, chip_mask top, bool distributed,
                                       const score_inputs& in) noexcept {
  if (detail::judge(t, k, top, distributed) != shape_fit::fits) return std::nullopt;
  return detail::score_fitting(t, k, top, distributed, in);
}

std::vector<int> module_ring_priority(int k) {
  switch (k) {
    case 0: return {0, 1, 2, 3, 4};
    case 1: return {1, 3, 2, 4};
    case 2: return {2, 4, 3};
    case 4: return {4};
    case 8: return {8};
    default: return {};
  }
}

bool is_legal_request(accelerator_type t, int k, const job_shape& job) noexcept {
  const int max = max_chips(t);
  if (k < 1 || k > max) return false;
  switch (t) {
    case accelerator_type::module_910_x8: return k == 1 || k == 2 || k == 4 || k == 8;
    case accelerator_type::module_910b_8:
    case accelerator_type::card: return true;
    case accelerator_type::half: return k != 3;
    case accelerator_type::module_910b_16: return k <= 8 || k % 2 == 0;
    case accelerator_type::module_a3_16:
    case accelerator_type::module_a3_16_super_pod:
    case accelerator_type::module_a3_8_super_pod:
      if (job.total_npus == 1) return job.npu_tasks == 1;
      return job.total_npus % 2 == 0 && k % 2 == 0;
    case accelerator_type::none: return false;
  }
  return false;
}

std::optional<std::string> check_request(accelerator_type t, int k, const job_shape& job) {
  if (is_legal_request(t, k, job)) return std::nullopt;
  const int max = max_chips(t);
  if (t == accelerator_type::none) return std::string("the node has no NPUs");
  if (k < 1 || k > max) return fmt::format("{} NPUs per pod is outside 1..{} for {}", k, max, to_string(t));
  if (is_a3_type(t)) {
    if (job.total_npus == 1)
      return fmt::format("a single-die request is legal only for a one-pod job ({} NPU pods)", job.npu_tasks);
    if (job.total_npus % 2 != 0)
      return fmt::format("{} requires an even job total (whole chips of two dies), got {}", to_string(t),
                         job.total_npus);
    return fmt::format("{} requires an even per-pod request of 2..{} dies (whole chips), got {}", to_string(t), max,
                       k);
  }
  return fmt::format("{} NPUs per pod is not legal for {} (legal: {})", k, to_string(t), legal_list(t));
}

std::vector<int> pick_chips(accelerator_type t, int k, chip_mask top, bool distributed) {
  if (detail::judge(t, k, top, distributed) != shape_fit::fits) return {};
  switch (t) {
    case accelerator_type::module_910_x8: {
      if (k == 8) return chips_of(top);
      const chip_mask rings[2] = {top & ring_low4, top & ring_high4};
      for (int p : module_ring_priority(k))
        for (chip_mask ring : rings)
          if (chip_count(ring) == p) return lowest(ring, k);
      return {};
    }
    case accelerator_type::module_910b_16: {
      if (k == 16) return chips_of(top);
      const chip_mask left = top & ring_low8, right = top & ring_high8;
      std::vector<int> cross = b16_cross(top, distributed);
      if (cross.size() <= 8) cross.clear();
      const int last = k <= 8 ? 8 : 16;
      const int step = k <= 8 ? 1 : 2;
      for (int p = k; p <= last; p += step) {
        if (chip_count(left) == p) return lowest(left, k);
        if (chip_count(right) == p) return lowest(right, k);
        if (static_cast<int>(cross.size()) == p) return {cross.begin(), cross.begin() + k};
      }
      return {};
    }
    case accelerator_type::module_a3_16:
    case accelerator_type::module_a3_16_super_pod:
    case accelerator_type::module_a3_8_super_pod: {
      if (chip_count(top) == k) return chips_of(top);
      const chip_mask whole = whole_pairs(top);
      if (k == 1) {
        // A die of a half-free chip first (keeps whole chips whole), lowest id.
        const chip_mask half = top & ~whole;
        return lowest(half != 0 ? half : top, 1);
      }
      return lowest(whole, k);  // whole chips, ascending chip id
    }
    case accelerator_type::module_910b_8:
    case accelerator_type::card:
    case accelerator_type::half: return lowest(top, k);
    case accelerator_type::none: return {};
  }
  return {};
}

}  // namespace npusched
