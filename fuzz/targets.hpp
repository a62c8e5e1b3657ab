#pragma once
// The fuzz targets: one function per entry point that reads outside data,
// each taking the fuzzer's bytes. A returned error is fine (bad input is
// expected); a target fails only on a real bug: a sanitizer report, an
// uncaught exception, or a broken invariant (`invariant_broken` aborts).
// The libFuzzer executables (fuzz_main.cpp) call one of them; the regression
// replay test (tests/k8s/test_fuzz_regressions.cpp) calls them on the saved
// inputs of tests/data/fuzz_regressions/<target>/ without libFuzzer.
// docs/fuzzing.md describes each target.

#include <cstdint>
#include <string_view>
#include <vector>

namespace npusched::fuzz {

/// A target: its name (the executable is `fuzz_<name>`, the regression
/// directory `tests/data/fuzz_regressions/<name>/`) and its entry function.
struct target {
  std::string_view name;
  void (*run)(std::string_view input);
};

void snapshot(std::string_view input);
void plan_faults(std::string_view input);
void device_info(std::string_view input);
void fault_list(std::string_view input);
void node_info(std::string_view input);
void cluster_info(std::string_view input);
void switch_info(std::string_view input);
void fault_state(std::string_view input);
void init_params(std::string_view input);
void ome(std::string_view input);
void live_events(std::string_view input);

/// Every target, in the order `tools/fuzz` runs them.
[[nodiscard]] const std::vector<target>& all_targets();

/// Prints `what` to standard error and aborts: a broken invariant, which
/// libFuzzer (and the replay test) report as a crash.
[[noreturn]] void invariant_broken(std::string_view what);

}  // namespace npusched::fuzz
