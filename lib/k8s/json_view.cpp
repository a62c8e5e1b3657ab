// Typed, path-aware access to a simdjson DOM (json_view.hpp).

#include "json_view.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "detail.hpp"
#include "json_input.hpp"

namespace npusched::k8s::detail {

using simdjson::dom::element_type;

void fail(std::string path, error_code code, std::string message) {
  throw decode_failure{error{std::move(path), bounded_message(std::move(message)), code}};
}

std::string json_path::str() const {
  if (kind == segment::root) return std::string(name);
  const std::string base = parent ? parent->str() : std::string();
  switch (kind) {
    case segment::field: return field_path(base, name);
    case segment::key: return key_path(base, name);
    case segment::index: return index_path(base, index);
    case segment::root: break;
  }
  return base;
}

std::string_view type_name(simdjson::dom::element e) {
  switch (e.type()) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "null";
}

void fail_type(const json_view& v, std::string_view want) {
  fail(v.where(), error_code::wrong_type, fmt::format("expected {}, got {}", want, type_name(v.value)));
}

std::optional<json_view> member(const json_view& obj, std::string_view key, bool map_key) {
  simdjson::dom::element e;
  if (obj.value.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
  if (e.type() == element_type::NULL_VALUE) return std::nullopt;
  return json_view{e, json_path{&obj.path, map_key ? json_path::segment::key : json_path::segment::field, key, 0}};
}

json_view element_at(const json_view& arr, simdjson::dom::element e, std::size_t i) {
  return json_view{e, json_path{&arr.path, json_path::segment::index, {}, i}};
}

std::optional<json_view> opt_object(const json_view& obj, std::string_view key) {
  auto c = member(obj, key);
  if (c && !c->is_object()) fail_type(*c, "an object");
  return c;
}

std::optional<json_view> opt_array(const json_view& obj, std::string_view key) {
  auto c = member(obj, key);
  if (c && !c->is_array()) fail_type(*c, "an array");
  return c;
}

std::string_view as_string(const json_view& v) {
  std::string_view s;
  if (v.value.get(s) != simdjson::SUCCESS) fail_type(v, "a string");
  return s;
}

void expect_object(const json_view& v) {
  if (!v.is_object()) fail_type(v, "an object");
}

std::optional<std::string_view> opt_string(const json_view& obj, std::string_view key) {
  auto c = member(obj, key);
  if (!c) return std::nullopt;
  return as_string(*c);
}

std::optional<bool> opt_bool(const json_view& obj, std::string_view key) {
  auto c = member(obj, key);
  if (!c) return std::nullopt;
  bool b = false;
  if (c->value.get(b) != simdjson::SUCCESS) fail_type(*c, "a boolean");
  return b;
}

std::optional<std::int64_t> opt_int(const json_view& obj, std::string_view key, std::int64_t lo, std::int64_t hi) {
  auto c = member(obj, key);
  if (!c) return std::nullopt;
  const auto out_of_range = [&](const auto v) {
    return fmt::format("{} is out of range ({}..{})", v, lo, hi);
  };
  switch (c->value.type()) {
    case element_type::INT64: {
      const auto v = std::int64_t(c->value);
      if (v < lo || v > hi) fail(c->where(), error_code::out_of_range, out_of_range(v));
      return v;
    }
    case element_type::UINT64: fail(c->where(), error_code::out_of_range, out_of_range(std::uint64_t(c->value)));
    default: fail_type(*c, "an integer");
  }
}

string_pairs opt_string_map(const json_view& obj, std::string_view key) {
  string_pairs out;
  auto c = member(obj, key);
  if (!c) return out;
  for_each_string(*c, [&](std::string_view k, std::string_view v, const json_view&) { out.emplace_back(k, v); });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i].first == out[i - 1].first)
      fail(key_path(c->where(), out[i].first), error_code::duplicate, "the key is given twice");
  return out;
}

const std::string* find_pair(const string_pairs& m, std::string_view key) {
  auto it = std::lower_bound(m.begin(), m.end(), key, [](const auto& p, std::string_view k) { return p.first < k; });
  return it != m.end() && it->first == key ? &it->second : nullptr;
}

std::optional<std::string> opt_quantity_text(const json_view& obj, std::string_view key) {
  auto c = member(obj, key, true);
  if (!c) return std::nullopt;
  switch (c->value.type()) {
    case element_type::STRING: return std::string(as_string(*c));
    case element_type::INT64: return fmt::format("{}", std::int64_t(c->value));
    case element_type::UINT64: return fmt::format("{}", std::uint64_t(c->value));
    case element_type::DOUBLE: return fmt::format("{}", double(c->value));
    default: fail_type(*c, "a quantity string");
  }
}

std::optional<std::int64_t> opt_scaled_quantity(const json_view& obj, std::string_view key, int scale_exp10) {
  auto text = opt_quantity_text(obj, key);
  if (!text) return std::nullopt;
  const std::string path = key_path(obj.where(), key);
  auto q = parse_quantity(*text);
  if (!q) fail(path, error_code::invalid_value, q.err().message);
  if (q->negative) fail(path, error_code::out_of_range, fmt::format("\"{}\" is negative", *text));
  auto s = scale(*q, scale_exp10);
  if (!s) fail(path, error_code::out_of_range, fmt::format("\"{}\" is out of range", *text));
  return s->value;
}

std::optional<simdjson::dom::element> parse_inner(simdjson::dom::parser& parser, std::string_view text) {
  auto e = parse_json(parser, text, "");
  if (!e.ok()) return std::nullopt;
  return *e;
}

}  // namespace npusched::k8s::detail
