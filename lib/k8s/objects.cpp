// What every object kind shares: metadata, kind and name.

#include "objects.hpp"

#include <charconv>
#include <climits>
#include <limits>

#include <fmt/format.h>

#include "npusched/k8s/limits.hpp"

#include "detail.hpp"
#include "json_input.hpp"

namespace npusched::k8s::detail {

std::variant<int, std::string> npu_count(std::string_view text) {
  auto q = parse_quantity(text);
  if (!q) return q.err().message;
  auto s = scale(*q, 0);
  if (q->negative && q->digits != 0) return fmt::format("\"{}\" is negative", text);
  if (!s || !s->exact) return fmt::format("\"{}\" is not an integer", text);
  if (s->value > INT_MAX) return fmt::format("\"{}\" is out of range", text);
  return static_cast<int>(s->value);
}

std::int64_t add_saturating(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out))
    return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

kind_and_name read_kind_and_name(const json_view& item) {
  expect_object(item);
  kind_and_name out;
  auto kind = opt_string(item, "kind");
  if (!kind) fail(field_path(item.where(), "kind"), error_code::missing_field, "missing");
  out.kind = *kind;
  auto md = opt_object(item, "metadata");
  if (!md) fail(field_path(item.where(), "metadata.name"), error_code::missing_field, "missing");
  auto name = opt_string(*md, "name");
  if (!name) fail(md->where() + ".name", error_code::missing_field, "missing");
  if (name->empty()) fail(md->where() + ".name", error_code::invalid_value, "must not be empty");
  out.name = *name;
  out.ns = opt_string(*md, "namespace").value_or("");
  out.resource_version = opt_string(*md, "resourceVersion").value_or("");
  out.api_version = opt_string(item, "apiVersion").value_or("");
  return out;
}

void check_annotation_size(const json_view& item) {
  const auto md = opt_object(item, "metadata");
  if (!md) return;
  if (auto annotations = opt_object(*md, "annotations")) {
    std::size_t bytes = 0;
    for (auto field : simdjson::dom::object(annotations->value)) {
      bytes += field.key.size();
      if (field.value.is_string()) bytes += std::string_view(field.value).size();
    }
    if (bytes > max_annotation_bytes)
      fail(annotations->where(), error_code::limit_exceeded,
           fmt::format("the annotations take {} bytes; the API server allows {} (256 KiB)", bytes,
                       max_annotation_bytes));
  }
}

std::string object_name(const kind_and_name& id) {
  if (id.ns.empty()) return fmt::format("{} {}", short_text(id.kind), short_text(id.name));
  return fmt::format("{} {}/{}", short_text(id.kind), short_text(id.ns), short_text(id.name));
}

object_meta read_meta(const json_view& item, std::string_view default_ns) {
  const auto md = *opt_object(item, "metadata");  // presence checked by read_kind_and_name
  object_meta m;
  m.name = *opt_string(md, "name");
  m.ns = opt_string(md, "namespace").value_or(default_ns);
  m.uid = opt_string(md, "uid").value_or("");
  m.resource_version = opt_string(md, "resourceVersion").value_or("");
  if (auto ts = opt_string(md, "creationTimestamp")) {
    m.created = parse_rfc3339(*ts);
    if (!m.created)
      fail(md.where() + ".creationTimestamp", error_code::invalid_value,
           fmt::format("\"{}\" is not an RFC 3339 time", *ts));
  }
  m.deleting = member(md, "deletionTimestamp").has_value();
  return m;
}

}  // namespace npusched::k8s::detail
