#pragma once
/// \file json_view.hpp
/// Typed, path-aware access to a simdjson DOM, private to the Kubernetes
/// adapter. Every reader of an object kind goes through these accessors, so
/// a field of the wrong type is reported the same way everywhere: a
/// `decode_failure` carrying the field path (`items[3].spec.priority`), an
/// `error_code` and the message. Paths are chains of segments on the stack
/// and become strings only when an error is raised.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "npusched/result.hpp"

namespace npusched::k8s::detail {

/// A document error inside the adapter's readers; the public entry points
/// turn it into a `result` error.
struct decode_failure {
  error err;
};
[[noreturn]] void fail(std::string path, error_code code, std::string message);

/// One segment of a field path: the root (a prefix such as `items[3]`), a
/// field (`.name`), a map key (`["key"]`) or an array index (`[i]`).
struct json_path {
  enum class segment : std::uint8_t { root, field, key, index };
  const json_path* parent = nullptr;
  segment kind = segment::root;
  std::string_view name;  ///< root prefix, field or key
  std::size_t index = 0;
  [[nodiscard]] std::string str() const;
};

/// A JSON value and its path. Children point at their parent's path, so a
/// view must not outlive the view it was taken from.
struct json_view {
  simdjson::dom::element value;
  json_path path;

  [[nodiscard]] std::string where() const { return path.str(); }
  [[nodiscard]] bool is_object() const { return value.type() == simdjson::dom::element_type::OBJECT; }
  [[nodiscard]] bool is_array() const { return value.type() == simdjson::dom::element_type::ARRAY; }
  [[nodiscard]] bool is_string() const { return value.type() == simdjson::dom::element_type::STRING; }
  [[nodiscard]] bool is_null() const { return value.type() == simdjson::dom::element_type::NULL_VALUE; }
};

/// `object`, `array`, `string`, `number`, `boolean` or `null`.
[[nodiscard]] std::string_view type_name(simdjson::dom::element e);
[[noreturn]] void fail_type(const json_view& v, std::string_view want);

/// The root of a document (or of one object of it) under the path prefix `root`.
[[nodiscard]] inline json_view root_view(simdjson::dom::element e, std::string_view root) {
  return json_view{e, json_path{nullptr, json_path::segment::root, root, 0}};
}

/// Member `key` of object `obj`, or nothing when absent or null. `map_key`
/// selects the `["key"]` path form used for map entries.
[[nodiscard]] std::optional<json_view> member(const json_view& obj, std::string_view key, bool map_key = false);
/// Element `i` of array `arr`.
[[nodiscard]] json_view element_at(const json_view& arr, simdjson::dom::element e, std::size_t i);

[[nodiscard]] std::optional<json_view> opt_object(const json_view& obj, std::string_view key);
[[nodiscard]] std::optional<json_view> opt_array(const json_view& obj, std::string_view key);
[[nodiscard]] std::optional<std::string_view> opt_string(const json_view& obj, std::string_view key);
[[nodiscard]] std::optional<bool> opt_bool(const json_view& obj, std::string_view key);
/// An integer in `lo..hi` (the field's real type), or an `out_of_range`
/// failure giving that range; a fraction is `wrong_type`.
[[nodiscard]] std::optional<std::int64_t> opt_int(const json_view& obj, std::string_view key, std::int64_t lo,
                                                  std::int64_t hi);
/// `v` itself as a string / object, or a `wrong_type` failure.
[[nodiscard]] std::string_view as_string(const json_view& v);
void expect_object(const json_view& v);

/// Calls `f(key, value_view)` for each member of object `v` whose value is
/// a string (labels, annotations, nodeSelector, ConfigMap data); any other
/// value type is a `wrong_type` failure, a repeated key a `duplicate` one.
/// Keys come in document order.
template <class F>
void for_each_string(const json_view& v, F&& f);

/// Sorted key/value pairs of a string map, keys unique.
using string_pairs = std::vector<std::pair<std::string, std::string>>;
/// The string map at member `key` of `obj` (empty when absent), sorted by key.
[[nodiscard]] string_pairs opt_string_map(const json_view& obj, std::string_view key);
/// The value of `key` in sorted pairs, if present.
[[nodiscard]] const std::string* find_pair(const string_pairs& m, std::string_view key);

/// The text of a quantity: a string, or a JSON number as hand-written documents have it.
[[nodiscard]] std::optional<std::string> opt_quantity_text(const json_view& obj, std::string_view key);
/// A quantity scaled to an integer (3 = milli); a failure when it does not parse or is negative.
[[nodiscard]] std::optional<std::int64_t> opt_scaled_quantity(const json_view& obj, std::string_view key,
                                                              int scale_exp10);

/// Parses `text` with `parser` under the rules of every outside document
/// (json_input.hpp: limits, numbers, no key twice), or nothing. Used for
/// JSON inside strings, whose readers fail closed with their own message.
[[nodiscard]] std::optional<simdjson::dom::element> parse_inner(simdjson::dom::parser& parser, std::string_view text);

// ---------------------------------------------------------------------------

template <class F>
void for_each_string(const json_view& v, F&& f) {
  expect_object(v);
  for (auto field : simdjson::dom::object(v.value)) {
    json_view child{field.value, json_path{&v.path, json_path::segment::key, field.key, 0}};
    if (!child.is_string()) fail_type(child, "a string");
    f(field.key, std::string_view(field.value), child);
  }
}

}  // namespace npusched::k8s::detail
