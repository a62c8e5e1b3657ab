// Targets on whole documents: the snapshot List, the plan and faults
// pipelines, the fault state, and OME / what-if documents.

#include <string>

#include "harness.hpp"
#include "npusched/k8s/fault_state_json.hpp"
#include "npusched/k8s/ome.hpp"
#include "npusched/k8s/pipeline.hpp"
#include "targets.hpp"

namespace npusched::fuzz {

using namespace npusched::k8s;

void snapshot(std::string_view input) { (void)decode_snapshot(input); }

// The mode byte gives the options the CLI takes beside the List: bit 0 an
// explicit --super-pod-size (bits 1-3: 0..7, 0 being an error), bit 4 an
// explicit --reserve-nodes (bits 5-6, minus one: -1..2). Both pipelines must
// answer the same way twice (determinism is a contract).
void plan_faults(std::string_view input) {
  const auto [mode, text] = split_mode(input);
  plan_json_options popt;
  popt.now_unix_seconds = fuzz_now;
  if (mode & 1) popt.super_pod_size = (mode >> 1) & 7;
  if (mode & 16) popt.reserve_nodes = ((mode >> 5) & 3) - 1;
  const auto plan = plan_json(text, popt);
  const auto again = plan_json(text, popt);
  if (plan.ok() != again.ok() || (plan.ok() && *plan != *again)) invariant_broken("plan_json is not deterministic");
  faults_json_options fopt;
  fopt.now_unix_seconds = fuzz_now;
  const auto faults = faults_json(text, fopt);
  const auto faults_again = faults_json(text, fopt);
  if (faults.ok() != faults_again.ok() || (faults.ok() && *faults != *faults_again))
    invariant_broken("faults_json is not deterministic");
}

// A state that reads must write back to the same text, and the decisions
// the seed cluster's faults and plan take with it must not fail on it.
void fault_state(std::string_view input) {
  const auto state = decode_fault_state(input);
  if (!state) return;
  const std::string text = encode_fault_state(*state);
  const auto back = decode_fault_state(text);
  if (!back) invariant_broken("an encoded fault state does not read back: " + back.err().what());
  if (encode_fault_state(*back) != text) invariant_broken("the fault state does not round-trip: " + text);
  static const auto seed = decode_snapshot(seed_list());
  if (!seed) invariant_broken("the seed cluster does not decode: " + seed.err().what());
  if (auto r = faults_of_snapshot(*seed, input, fuzz_now); !r)
    invariant_broken("faults_of_snapshot refused a state decode_fault_state read: " + r.err().what());
  input_options opt;
  opt.fault_state_json = std::string(input);
  if (auto setup = setup_plan(*seed, opt); !setup)
    invariant_broken("setup_plan refused a state decode_fault_state read: " + setup.err().what());
}

// The document reader (YAML or JSON, one or many documents) and the
// expansion, its two writers, and the seed cluster planned with what it
// created, as `npusched plan --add` does.
void ome(std::string_view input) {
  const std::vector<source_document> docs{{"fuzz.yaml", std::string(input)}};
  const std::string context = seed_list();
  const auto e = expand_ome(docs, context);
  if (!e) return;
  (void)render_yaml(*e);
  (void)encode_expansion(*e);
  plan_json_options opt;
  opt.now_unix_seconds = fuzz_now;
  opt.add = docs;
  (void)plan_json(context, opt);
}

}  // namespace npusched::fuzz
