// read_documents: YAML or JSON input files as a list of objects.

#include "documents.hpp"

#include <charconv>
#include <cmath>
#include <regex>
#include <string_view>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "json_input.hpp"
#include "npusched/k8s/limits.hpp"

namespace npusched::k8s::detail {

namespace {

using ojson = nlohmann::ordered_json;

bool one_of(std::string_view s, std::initializer_list<std::string_view> words) {
  for (auto w : words)
    if (s == w) return true;
  return false;
}

// A plain scalar as Kubernetes' YAML reader (YAML 1.1 resolution) types it.
ojson plain_scalar(const std::string& s) {
  if (one_of(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (one_of(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"})) return true;
  if (one_of(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"})) return false;
  static const std::regex integer("[-+]?[0-9]+");
  static const std::regex hex("0x[0-9a-fA-F]+");
  static const std::regex floating(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(s, integer)) {
    std::string_view t = s;
    if (t.front() == '+') t.remove_prefix(1);
    if (t.front() == '-') {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec == std::errc() && p == t.data() + t.size()) return v;
    } else {
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec == std::errc() && p == t.data() + t.size()) return v;
    }
    return std::stod(s);  // too long for 64 bits: a float, as YAML readers do
  }
  if (std::regex_match(s, hex)) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  if (std::regex_match(s, floating)) {
    const double d = std::stod(s);
    if (std::isfinite(d)) return d;
  }
  return s;
}

struct yaml_failure {
  YAML::Mark mark;
  std::string message;
  error_code code = error_code::malformed_document;
};

/// `n` as JSON; `depth` is its nesting level (1 for a document's root), held
/// to the limit JSON documents have.
ojson to_json(const YAML::Node& n, std::size_t depth = 1) {
  if ((n.IsSequence() || n.IsMap()) && depth > max_nesting_depth)
    throw yaml_failure{n.Mark(), too_deep_message(), error_code::limit_exceeded};
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& tag = n.Tag();
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return n.Scalar();  // quoted or explicitly a string
      return plain_scalar(n.Scalar());
    }
    case YAML::NodeType::Sequence: {
      ojson a = ojson::array();
      for (const auto& e : n) a.push_back(to_json(e, depth + 1));
      return a;
    }
    case YAML::NodeType::Map: {
      ojson o = ojson::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) throw yaml_failure{kv.first.Mark(), "a mapping key must be a scalar"};
        const std::string key = kv.first.Scalar();
        if (o.contains(key)) throw yaml_failure{kv.first.Mark(), fmt::format("duplicate key \"{}\"", key)};
        o[key] = to_json(kv.second, depth + 1);
      }
      return o;
    }
  }
  return nullptr;
}

// The YAML document a line falls in: the `---` separators above it, less a
// leading one that opens the first document.
std::size_t document_at_line(std::string_view text, int line) {
  std::size_t separators = 0;
  bool content_seen = false, leading = false;
  int current = 0;
  std::size_t pos = 0;
  while (pos <= text.size() && current < line) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view l = text.substr(pos, end - pos);
    if (l.substr(0, 3) == "---" && (l.size() == 3 || l[3] == ' ' || l[3] == '\r')) {
      if (!content_seen) leading = true;
      ++separators;
      content_seen = true;
    } else if (!l.empty() && l[0] != '#' && l.find_first_not_of(" \t\r") != std::string_view::npos) {
      content_seen = true;
    }
    ++current;
    pos = end + 1;
  }
  return leading && separators > 0 ? separators - 1 : separators;
}

// Objects of one parsed value: a List's items and an array's elements are separate.
void add_objects(std::vector<document>& out, std::string source, ojson value, bool top_array) {
  if (top_array && value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i)
      add_objects(out, fmt::format("{}[{}]", source, i), std::move(value[i]), false);
    return;
  }
  if (value.is_object() && value.contains("items") && value["items"].is_array()) {
    const auto kind = value.find("kind");
    if (kind != value.end() && kind->is_string() && kind->get<std::string>().ends_with("List")) {
      ojson& items = value["items"];
      for (std::size_t i = 0; i < items.size(); ++i)
        out.push_back(document{fmt::format("{}.items[{}]", source, i), std::move(items[i])});
      return;
    }
  }
  out.push_back(document{std::move(source), std::move(value)});
}

result<std::vector<document>> read_json(const source_document& in) {
  auto parsed = parse_json_value<ojson>(in.text, in.name);
  if (!parsed.ok()) return parsed.err();
  ojson value = std::move(*parsed);
  std::vector<document> out;
  if (value.is_array()) {
    add_objects(out, in.name, std::move(value), true);
  } else {
    add_objects(out, in.name + "[0]", std::move(value), false);
  }
  return out;
}

result<std::vector<document>> read_yaml(const source_document& in) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(in.text);
  } catch (const YAML::DeepRecursion& e) {
    return error{fmt::format("{}[{}]", in.name, document_at_line(in.text, e.mark.line)),
                 fmt::format("YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, too_deep_message()),
                 error_code::limit_exceeded};
  } catch (const YAML::Exception& e) {
    return error{fmt::format("{}[{}]", in.name, document_at_line(in.text, e.mark.line)),
                 fmt::format("malformed YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg),
                 error_code::malformed_document};
  }
  std::vector<document> out;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string source = fmt::format("{}[{}]", in.name, i);
    ojson value;
    try {
      value = to_json(nodes[i]);
    } catch (const yaml_failure& f) {
      const bool limit = f.code == error_code::limit_exceeded;
      return error{source,
                   fmt::format("{}YAML at line {}, column {}: {}", limit ? "" : "malformed ", f.mark.line + 1,
                               f.mark.column + 1, f.message),
                   f.code};
    }
    if (value.is_null()) continue;
    add_objects(out, source, std::move(value), false);
  }
  return out;
}

/// A document's text, JSON when it starts with `{` or `[`, else YAML.
result<std::vector<document>> read_text(const source_document& in) {
  const std::size_t first = in.text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (in.text[first] == '{' || in.text[first] == '[')) return read_json(in);
  return read_yaml(in);
}

}  // namespace

result<std::vector<document>> read_documents(const source_document& in) {
  if (auto e = check_size(in.text, in.name)) return *e;
  if (skip_bom(in.text).size() != in.text.size()) return read_text(source_document{in.name, in.text.substr(3)});
  return read_text(in);
}

}  // namespace npusched::k8s::detail
