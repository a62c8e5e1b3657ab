// decode_snapshot: a `kubectl get ... -o json` List, read object by object
// into the adapter's model (model.hpp), which derives the snapshot.

#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "detail.hpp"
#include "json_input.hpp"
#include "model.hpp"

namespace npusched::k8s {

namespace {

using detail::decode_failure;
using detail::fail;
using detail::json_view;

/// The key under which a List may hold an object once, or empty for kinds
/// that are not checked.
std::string unique_key(const detail::kind_and_name& id) {
  if (id.kind == "Node") return fmt::format("Node {}", id.name);
  if (id.kind == "ConfigMap") return fmt::format("ConfigMap {}/{}", id.ns, id.name);
  const std::string_view ns = id.ns.empty() ? "default" : id.ns;
  if (id.kind == "Pod" || id.kind == "ReplicaSet") return fmt::format("{} {}/{}", id.kind, ns, id.name);
  if (id.kind == "PodGroup" && detail::volcano_podgroup(id.api_version)) return fmt::format("PodGroup {}/{}", ns, id.name);
  return {};
}

simdjson::dom::element parsed_or_fail(simdjson::dom::parser& parser, std::string_view text, std::string_view root) {
  auto doc = detail::parse_json(parser, text, root);
  if (!doc.ok()) throw decode_failure{doc.err()};
  return *doc;
}

/// The objects of a List (`{"items": [...]}`) or, for what-if objects, of an array.
struct list_reader {
  detail::model& m;
  simdjson::dom::parser& inner;
  std::unordered_map<std::string, std::string> seen;  // unique key → where it was

  void read(const json_view& items, std::string_view prefix) {
    std::size_t i = 0;
    for (simdjson::dom::element e : simdjson::dom::array(items.value)) {
      const std::string root = fmt::format("{}[{}]", prefix, i++);
      const json_view item = detail::root_view(e, root);
      const auto id = detail::read_kind_and_name(item);
      try {
        if (std::string key = unique_key(id); !key.empty()) {
          auto [it, fresh] = seen.emplace(key, root);
          if (!fresh)
            fail(root + ".metadata.name", error_code::duplicate,
                 fmt::format("duplicate {} (also {})", key, it->second));
        }
        (void)m.apply(detail::change::upsert, item, inner);
      } catch (decode_failure& f) {
        if (f.err.object.empty() && f.err.path.starts_with(root)) f.err.object = detail::object_name(id);
        throw;
      }
    }
  }
};

}  // namespace

namespace detail {

/// Loads a List (and what-if objects) into `m`; errors throw `decode_failure`.
void load_list(model& m, std::string_view json_text, std::string_view extra_objects_json) {
  simdjson::dom::parser parser;
  simdjson::dom::parser inner;
  const simdjson::dom::element doc = parsed_or_fail(parser, json_text, "");
  if (doc.type() != simdjson::dom::element_type::OBJECT)
    fail("", error_code::wrong_type,
         fmt::format("expected a JSON object (a Kubernetes List), got {}", type_name(doc)));
  const json_view root = root_view(doc, "");
  auto items = member(root, "items");
  if (!items) fail("items", error_code::missing_field, "missing");
  if (!items->is_array()) fail_type(*items, "an array");
  list_reader reader{m, inner, {}};
  reader.read(*items, "items");
  if (extra_objects_json.empty()) return;
  simdjson::dom::parser extra_parser;
  simdjson::dom::element extra = parsed_or_fail(extra_parser, extra_objects_json, "extra_objects");
  if (extra.type() == simdjson::dom::element_type::OBJECT) {
    simdjson::dom::element list_items;
    if (extra.at_key("items").get(list_items))
      fail("extra_objects", error_code::wrong_type, "expected an array of objects or a List");
    extra = list_items;
  }
  if (extra.type() != simdjson::dom::element_type::ARRAY)
    fail("extra_objects", error_code::wrong_type, fmt::format("expected an array, got {}", type_name(extra)));
  reader.read(root_view(extra, "extra_objects"), "extra_objects");
}

}  // namespace detail

plan_options plan_options_of(const init_params& p) {
  plan_options o;
  o.super_pod = clamp(superpod_params{p.super_pod_size, p.reserve_nodes});
  return o;
}

result<snapshot> decode_snapshot(std::string_view json_text, const decode_options& opt) {
  try {
    detail::model m(opt.scheduler_name);
    detail::load_list(m, json_text, opt.extra_objects_json);
    if (auto e = m.refresh()) return *e;
    m.refresh_fault_jobs();
    std::vector<running_job> running;
    if (opt.running_jobs) running = m.running_jobs();
    snapshot snap = std::move(m).release();
    snap.running_jobs = std::move(running);
    return snap;
  } catch (const decode_failure& f) {
    return f.err;
  }
}

}  // namespace npusched::k8s
