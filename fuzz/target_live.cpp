// The live model's event application: the fuzzer's bytes drive the random
// world of the live property test (tests/k8s/live_world.hpp) — which objects
// come, change and go — and after the sequence the model must answer as a
// one-shot decode of the List it holds (docs/live.md).

#include <string>

#include "live_world.hpp"
#include "targets.hpp"
#include "harness.hpp"

namespace npusched::fuzz {

using namespace npusched::k8s;
using namespace npusched::k8s::test;

namespace {

/// The world's random source, read from the input: one byte per choice,
/// zero once the input is used up.
struct byte_source {
  std::string_view bytes;
  std::size_t at = 0;
  [[nodiscard]] bool done() const { return at >= bytes.size(); }
  int below(int n) {
    const int b = done() ? 0 : static_cast<unsigned char>(bytes[at++]);
    return b % n;
  }
  bool chance(int percent) { return below(100) < percent; }
};

constexpr int max_events = 64;

}  // namespace

// The first byte chooses whether the model starts from a loaded List of the
// first six events (odd) or from nothing, as the property test does.
void live_events(std::string_view input) {
  const auto [mode, rest] = split_mode(input);
  basic_world<byte_source> w{byte_source{rest}, {}, {}, 0, 1};
  live_cluster live;
  if (mode % 2 == 1) {
    for (int i = 0; i < 6; ++i) (void)w.event();
    if (auto e = live.load(w.list_now().dump())) invariant_broken("the world's List does not load: " + e->what());
  }
  for (int step = 0; step < max_events && !w.r.done(); ++step) {
    auto [type, object] = w.event();
    auto applied = live.apply(type, object.dump());
    if (!applied) invariant_broken("a world event is refused: " + applied.err().what() + "\n" + object.dump());
  }
  if (const auto mismatch = live_mismatch(live, w.list_now().dump(), fuzz_now))
    invariant_broken("the live model differs from a one-shot decode: " + *mismatch);
}

}  // namespace npusched::fuzz
