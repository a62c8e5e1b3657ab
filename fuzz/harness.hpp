#pragma once
// What the ConfigMap targets share: a small seed cluster (two NPU nodes, a
// running and a pending pod, a PodGroup) into which a target puts the one
// object whose payload the fuzzer writes, and the run of that List through
// the public pipeline (decode, plan, faults) the CLI and Python use.

#include <cstdint>
#include <string>
#include <string_view>

#include "builders.hpp"

namespace npusched::fuzz {

using json = nlohmann::json;

/// The time every target plans and decides faults at.
inline constexpr std::int64_t fuzz_now = 1'700'000'000;

/// `text` as valid UTF-8 (bytes that are not replaced by U+FFFD), so it can
/// be put in a JSON string of a built object. Invalid UTF-8 itself is the
/// snapshot target's business.
[[nodiscard]] std::string utf8(std::string_view text);

/// The seed cluster's List with `extra` added to its items, as JSON text.
[[nodiscard]] std::string seed_list_with(const json& extra);
/// The seed cluster's List alone.
[[nodiscard]] std::string seed_list();

/// decode_snapshot → plan_snapshot and faults_of_snapshot (no fault state):
/// what `npusched plan` and `npusched faults` do with a List. An error is
/// returned input, not a failure.
void run_pipeline(std::string_view list_json);

/// The first byte of `input` (0 when empty), and the rest: targets that read
/// a payload in several forms choose the form with it.
struct mode_and_rest {
  std::uint8_t mode = 0;
  std::string_view rest;
};
[[nodiscard]] mode_and_rest split_mode(std::string_view input);

}  // namespace npusched::fuzz
