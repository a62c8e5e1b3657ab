// npusched._core: pybind11 registration only. The work is done by
// npusched::core and npusched::k8s; the Python API, the CLI and the exception
// classes live in bindings/python/npusched.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "npusched/k8s/explain.hpp"
#include "npusched/k8s/limits.hpp"
#include "npusched/k8s/live.hpp"
#include "npusched/k8s/metrics.hpp"
#include "npusched/k8s/ome.hpp"
#include "npusched/k8s/picture.hpp"
#include "npusched/k8s/decoded_snapshot.hpp"
#include "npusched/k8s/fault_state_json.hpp"
#include "npusched/k8s/pipeline.hpp"
#include "npusched/plan.hpp"
#include "npusched/result.hpp"
#include "npusched/synthetic.hpp"

namespace py = pybind11;

namespace {

/// The most nodes `synthetic_snapshot_json` generates: at the default
/// occupancy such a List is about 830 MB, under the 1 GiB input limit.
constexpr int max_generated_nodes = 300'000;

// Messages and paths quote input; bytes that are not UTF-8 become escapes
// instead of a UnicodeDecodeError.
py::str text(const std::string& s) {
  return py::reinterpret_steal<py::str>(PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "backslashreplace"));
}

// Errors map once, here. A `result` error is bad input by definition, so
// `bad_result_access` becomes npusched.InvalidInput. The class is defined in
// Python (npusched/_errors.py) and looked up when raised: no cached state.
void translate_errors(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const npusched::bad_result_access& e) {
    const py::object cls = py::module_::import("npusched._errors").attr("InvalidInput");
    const py::object exc = cls(text(e.what()));
    exc.attr("code") = std::string(npusched::to_string(e.err().code));
    exc.attr("path") = text(e.err().path);
    PyErr_SetObject(cls.ptr(), exc.ptr());
  }
}

// What-if documents as (name, text) pairs.
using documents = std::vector<std::pair<std::string, std::string>>;

std::vector<npusched::k8s::source_document> to_sources(const documents& docs) {
  std::vector<npusched::k8s::source_document> out;
  out.reserve(docs.size());
  for (const auto& [name, text] : docs) out.push_back({name, text});
  return out;
}

npusched::k8s::input_options inputs(const std::string& scheduler_name, std::optional<int> super_pod_size,
                                    std::optional<int> reserve_nodes, const std::string& extra_objects_json,
                                    const std::string& fault_state_json, const documents& add) {
  return {scheduler_name, super_pod_size, reserve_nodes, extra_objects_json, fault_state_json, to_sources(add), {}};
}

py::tuple event_tuple(const npusched::k8s::event_result& r) {
  return py::make_tuple(std::string(npusched::k8s::to_string(r.outcome)), r.object, r.held_version);
}

npusched::node_choice parse_policy(const std::string& policy) {
  const auto choice = npusched::parse_node_choice(policy);
  if (!choice)
    throw npusched::bad_result_access(npusched::error{
        "policy", "\"" + policy + "\" is not npusched, first-fit, random-ties or block-fit",
        npusched::error_code::unknown_value});
  return *choice;
}

npusched::k8s::live_plan_options live_options(std::int64_t now, std::optional<int> super_pod_size,
                                              std::optional<int> reserve_nodes, const std::string& fault_state_json,
                                              const std::string& policy = "npusched", std::uint64_t policy_seed = 0) {
  return {super_pod_size, reserve_nodes, fault_state_json, now, parse_policy(policy), policy_seed};
}

npusched::k8s::ome_expansion expanded(const documents& docs, const std::string& context_json) {
  return npusched::k8s::expand_ome(to_sources(docs), context_json).value();
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "npusched's compiled core. Private: use the `npusched` package.";
  py::register_local_exception_translator(translate_errors);
  m.attr("MAX_INPUT_BYTES") = npusched::k8s::max_input_bytes;
  m.attr("MAX_NESTING_DEPTH") = npusched::k8s::max_nesting_depth;

  using npusched::k8s::live_cluster;
  py::class_<live_cluster>(m, "LiveCluster",
                           "A cluster model fed by watch events (docs/live.md). Readers may run in many threads "
                           "while one thread applies events; every method releases the GIL.")
      .def(py::init([](const std::string& scheduler_name) {
             return std::make_unique<live_cluster>(npusched::k8s::live_options{scheduler_name});
           }),
           py::arg("scheduler_name") = "volcano")
      .def(
          "load",
          [](live_cluster& c, const std::string& list_json) {
            if (auto e = c.load(list_json)) throw npusched::bad_result_access(*e);
          },
          py::arg("list_json"), py::call_guard<py::gil_scoped_release>(),
          "Replaces the state with a Kubernetes List (JSON text).")
      .def(
          "apply",
          [](live_cluster& c, const std::string& type, const std::string& object_json) {
            auto t = npusched::k8s::parse_event_type(type);
            if (!t)
              throw npusched::bad_result_access(npusched::error{
                  "type", "\"" + type + "\" is not ADDED, MODIFIED or DELETED", npusched::error_code::unknown_value});
            const auto r = c.apply(*t, object_json).value();
            py::gil_scoped_acquire gil;
            return event_tuple(r);
          },
          py::arg("type"), py::arg("object_json"), py::call_guard<py::gil_scoped_release>(),
          "Applies one event; returns (outcome, object, held_version).")
      .def(
          "apply_many",
          [](live_cluster& c, const std::string& events_json) {
            const auto rs = c.apply_many(events_json).value();
            py::gil_scoped_acquire gil;
            py::list out;
            for (const auto& r : rs) out.append(event_tuple(r));
            return out;
          },
          py::arg("events_json"), py::call_guard<py::gil_scoped_release>(),
          "Applies a JSON array of {type, object} events as one step; returns a list of (outcome, object, held_version).")
      .def(
          "plan_json",
          [](const live_cluster& c, std::int64_t now, std::optional<int> super_pod_size, std::optional<int> reserve_nodes,
             const std::string& fault_state_json, const std::string& policy, std::uint64_t policy_seed) {
            return c.plan(live_options(now, super_pod_size, reserve_nodes, fault_state_json, policy, policy_seed))
                .value();
          },
          py::arg("now"), py::arg("super_pod_size") = py::none(), py::arg("reserve_nodes") = py::none(),
          py::arg("fault_state_json") = "", py::arg("policy") = "npusched", py::arg("policy_seed") = 0,
          py::call_guard<py::gil_scoped_release>(),
          "The plan of the current state as compact JSON (as plan_json); `policy` chooses each pod's node\n"
          "(npusched, block-fit, or the baselines first-fit and random-ties with `policy_seed`).")
      .def(
          "faults_json",
          [](const live_cluster& c, std::int64_t now, const std::string& state_json) {
            return c.faults(state_json, now).value();
          },
          py::arg("now"), py::arg("state_json") = "", py::call_guard<py::gil_scoped_release>(),
          "The fault decisions of the current state as compact JSON (as faults_json).")
      .def(
          "explain_json",
          [](const live_cluster& c, const std::string& kind, const std::string& target, std::int64_t now,
             std::optional<int> super_pod_size, std::optional<int> reserve_nodes, const std::string& fault_state_json) {
            const auto t = npusched::k8s::parse_explain_target(kind, target).value();
            return c.explain(t, live_options(now, super_pod_size, reserve_nodes, fault_state_json)).value();
          },
          py::arg("kind"), py::arg("target"), py::arg("now"), py::arg("super_pod_size") = py::none(),
          py::arg("reserve_nodes") = py::none(), py::arg("fault_state_json") = "",
          py::call_guard<py::gil_scoped_release>(), "The explanation of one target as compact JSON (as explain_json).")
      .def(
          "stats",
          [](const live_cluster& c) {
            const auto s = c.stats();
            return std::make_tuple(s.nodes, s.pods, s.cluster_nodes, s.pending_pods);
          },
          py::call_guard<py::gil_scoped_release>(), "(nodes, pods, cluster_nodes, pending_pods).");

  m.def(
      "plan_json",
      [](const std::string& snapshot_json, std::int64_t now, const std::string& scheduler_name,
         std::optional<int> super_pod_size, std::optional<int> reserve_nodes, const std::string& extra_objects_json,
         const std::string& fault_state_json, const documents& add, const std::string& policy,
         std::uint64_t policy_seed) {
        npusched::k8s::plan_json_options opt{
            inputs(scheduler_name, super_pod_size, reserve_nodes, extra_objects_json, fault_state_json, add), now};
        opt.choice = parse_policy(policy);
        opt.tie_seed = policy_seed;
        return npusched::k8s::plan_json(snapshot_json, opt).value();
      },
      py::arg("snapshot_json"), py::arg("now"), py::arg("scheduler_name") = "volcano",
      py::arg("super_pod_size") = py::none(), py::arg("reserve_nodes") = py::none(),
      py::arg("extra_objects_json") = "", py::arg("fault_state_json") = "", py::arg("add") = documents{},
      py::arg("policy") = "npusched", py::arg("policy_seed") = 0,
      py::call_guard<py::gil_scoped_release>(),
      "Decodes a Kubernetes List (JSON text), plans its pending pods (those whose\n"
      "spec.schedulerName is `scheduler_name`) and returns the plan as compact JSON:\n"
      "{\"bindings\":[...],\"unschedulable\":[...],\"excluded_nodes\":[...],\"super_pod_jobs\":[...],\"gangs\":[...]}.\n"
      "`now` is unix seconds (the pods' predicate-time). `super_pod_size` and\n"
      "`reserve_nodes` override the snapshot's init-params; `extra_objects_json` (an array\n"
      "or List) adds what-if objects for this call; `fault_state_json` makes each fault job's\n"
      "previous fault nodes score lower for its replacements. Raises\n"
      "npusched.InvalidInput when the document cannot be read; the message names the field.");

  m.def(
      "explain_json",
      [](const std::string& snapshot_json, const std::string& kind, const std::string& target, std::int64_t now,
         const std::string& scheduler_name, std::optional<int> super_pod_size, std::optional<int> reserve_nodes,
         const std::string& extra_objects_json, const std::string& fault_state_json, const documents& add) {
        const auto input = inputs(scheduler_name, super_pod_size, reserve_nodes, extra_objects_json, fault_state_json, add);
        return npusched::k8s::explain_json(snapshot_json,
                                           {input, npusched::k8s::parse_explain_target(kind, target).value(), now})
            .value();
      },
      py::arg("snapshot_json"), py::arg("kind"), py::arg("target"), py::arg("now"),
      py::arg("scheduler_name") = "volcano", py::arg("super_pod_size") = py::none(),
      py::arg("reserve_nodes") = py::none(), py::arg("extra_objects_json") = "", py::arg("fault_state_json") = "",
      py::arg("add") = documents{}, py::call_guard<py::gil_scoped_release>(),
      "Plans a Kubernetes List like plan_json and explains the pending pods of one target\n"
      "(`kind` is pod, group or service; `target` is NAMESPACE/NAME): per-rule node counts,\n"
      "closest nodes and suggestions, as compact JSON\n"
      "{\"target\":{...},\"pods\":[...],\"gangs\":[...],\"super_pod_jobs\":[...],\"suggestions\":[...]}.\n"
      "Raises npusched.InvalidInput for a bad document or a target that is neither pending nor running.");

  m.def(
      "faults_json",
      [](const std::string& snapshot_json, std::int64_t now, const std::string& state_json,
         const std::string& scheduler_name) {
        return npusched::k8s::faults_json(snapshot_json, {scheduler_name, now, state_json}).value();
      },
      py::arg("snapshot_json"), py::arg("now"), py::arg("state_json") = "", py::arg("scheduler_name") = "volcano",
      py::call_guard<py::gil_scoped_release>(),
      "Decodes a Kubernetes List, decides fault isolation and rescheduling given the previous\n"
      "state (JSON text, empty for none) and `now` (unix seconds), and returns\n"
      "{\"unusable_nodes\",\"unusable_chips\",\"fault_jobs\",\"actions\",\"state\",\"untrusted_records\"} as\n"
      "compact JSON. Raises npusched.InvalidInput for a bad document or state.");

  m.def(
      "show_svg",
      [](const std::string& snapshot_json, const std::string& scheduler_name, std::optional<int> super_pod_size,
         std::optional<int> reserve_nodes, const std::string& extra_objects_json, const std::string& fault_state_json,
         const documents& add, const std::string& title) {
        return npusched::k8s::show_svg(
                   snapshot_json,
                   {inputs(scheduler_name, super_pod_size, reserve_nodes, extra_objects_json, fault_state_json, add),
                    {title}})
            .value();
      },
      py::arg("snapshot_json"), py::arg("scheduler_name") = "volcano", py::arg("super_pod_size") = py::none(),
      py::arg("reserve_nodes") = py::none(), py::arg("extra_objects_json") = "", py::arg("fault_state_json") = "",
      py::arg("add") = documents{}, py::arg("title") = "", py::call_guard<py::gil_scoped_release>(),
      "Decodes a Kubernetes List, plans its pending pods as plan_json does and returns the\n"
      "cluster and the plan drawn as an SVG document (text). `title` is the heading (empty:\n"
      "a default). Raises npusched.InvalidInput when the document cannot be read.");

  m.def(
      "synthetic_snapshot_json",
      [](int nodes, std::uint64_t seed, const std::string& mix, int super_pod_size, double occupancy,
         double chip_fault_rate, double node_fault_rate, int pending_pods) {
        npusched::synthetic_options o;
        o.nodes = nodes;
        o.seed = seed;
        if (!mix.empty()) o.mix = npusched::parse_mix(mix).value();
        o.super_pod_size = super_pod_size;
        o.occupancy = occupancy;
        o.chip_fault_rate = chip_fault_rate;
        o.node_fault_rate = node_fault_rate;
        o.pending_pods = pending_pods;
        if (auto e = npusched::validate_synthetic_options(o)) throw npusched::bad_result_access(*e);
        // Every command reads at most max_input_bytes: refuse, before building
        // it, a List that would not fit (max_generated_nodes bounds the memory).
        if (nodes > max_generated_nodes)
          throw npusched::bad_result_access(npusched::error{
              "nodes", std::to_string(nodes) + " is more than the " + std::to_string(max_generated_nodes) +
                           " nodes a generated List may hold",
              npusched::error_code::limit_exceeded});
        const auto c = npusched::generate_cluster(o);
        std::string text = npusched::k8s::encode_snapshot(c.nodes, c.pending);
        if (text.size() > npusched::k8s::max_input_bytes)
          throw npusched::bad_result_access(npusched::error{
              "nodes", "the List would be " + std::to_string(text.size()) + " bytes, more than the " +
                  std::to_string(npusched::k8s::max_input_bytes) + " every command reads",
              npusched::error_code::limit_exceeded});
        return text;
      },
      py::arg("nodes"), py::arg("seed") = 1, py::arg("mix") = "", py::arg("super_pod_size") = 48,
      py::arg("occupancy") = 0.5, py::arg("chip_fault_rate") = 0.01, py::arg("node_fault_rate") = 0.005,
      py::arg("pending_pods") = 0, py::call_guard<py::gil_scoped_release>(),
      "A seeded synthetic cluster as a Kubernetes List (JSON text); the same arguments give the same\n"
      "text. `mix` is `type:share,...` (empty: the default mix). Raises npusched.InvalidInput for\n"
      "options out of range (docs/generate.md).");

  m.def(
      "metrics_json",
      [](const std::string& snapshot_json, const std::string& scheduler_name, const std::vector<int>& block_nodes,
         const std::vector<int>& request_sizes, bool legal_sizes) {
        return npusched::k8s::metrics_json(snapshot_json, {scheduler_name, block_nodes, request_sizes, legal_sizes})
            .value();
      },
      py::arg("snapshot_json"), py::arg("scheduler_name") = "volcano", py::arg("block_nodes") = std::vector<int>{},
      py::arg("request_sizes") = std::vector<int>{}, py::arg("legal_sizes") = false,
      py::call_guard<py::gil_scoped_release>(),
      "Fragmentation metrics of a Kubernetes List as compact JSON (docs/metrics.md). Raises\n"
      "npusched.InvalidInput when the document or an option cannot be read.");

  m.def(
      "expand_json",
      [](const documents& docs, const std::string& context_json) {
        return npusched::k8s::encode_expansion(expanded(docs, context_json));
      },
      py::arg("documents"), py::arg("context_json") = "", py::call_guard<py::gil_scoped_release>(),
      "Expands OME documents ((name, text) pairs, YAML or JSON) into the objects their controllers would\n"
      "create; runtimes and models are also looked up in `context_json` (a List). Returns\n"
      "{\"services\",\"warnings\",\"applied\",\"objects\"} as compact JSON. Raises npusched.InvalidInput.");

  m.def(
      "render_yaml",
      [](const documents& docs, const std::string& context_json) {
        return npusched::k8s::render_yaml(expanded(docs, context_json));
      },
      py::arg("documents"), py::arg("context_json") = "", py::call_guard<py::gil_scoped_release>(),
      "The expansion as YAML documents: what `kubectl apply` would get, then what the controllers\n"
      "would create (`npusched ome render`). Raises npusched.InvalidInput.");

  m.def(
      "demo_snapshot_json",
      [] {
        const auto demo = npusched::demo_cluster();
        return npusched::k8s::encode_snapshot(demo.nodes, demo.pending);
      },
      py::call_guard<py::gil_scoped_release>(),
      "The built-in demo cluster and its pending pods as a Kubernetes List (JSON text).");

  m.def(
      "serving_demo_snapshot_json",
      [] {
        const auto demo = npusched::serving_demo_cluster();
        return npusched::k8s::encode_snapshot(demo.nodes, demo.pending);
      },
      py::call_guard<py::gil_scoped_release>(),
      "The serving demo's cluster (Atlas 800I A2, an Atlas 900 A3 SuperPoD, CPU-only nodes) as a\n"
      "Kubernetes List (JSON text), without pending pods.");

  m.def(
      "version", [] { return std::string(NPUSCHED_VERSION); },
      "The package version the extension was built as (from pyproject.toml).");
}
