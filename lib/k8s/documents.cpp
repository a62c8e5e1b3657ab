// read_documents: YAML or JSON input files as a list of objects.

#include "documents.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <regex>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <string_view>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
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

/// Builds each document of a YAML stream as JSON straight from the parser's
/// events. yaml-cpp's own `LoadAll` is not used: on some malformed input (a
/// stray `,` or `}` at the top level) it keeps returning empty documents
/// without reading further, so the reading loop here stops once there are
/// more documents than the text has separators. Nesting is held to the limit
/// JSON documents have, and what anchors and aliases expand to is held to a
/// budget (`yaml_expansion_budget`), so a few lines of aliases cannot grow
/// into gigabytes.
class json_builder final : public YAML::EventHandler {
 public:
  explicit json_builder(std::size_t budget) : budget_(budget) {}

  /// The last document read, moved out.
  ojson take() { return std::exchange(root_, nullptr); }
  /// Where the parser was at the last event.
  const YAML::Mark& mark() const { return mark_; }

  void OnDocumentStart(const YAML::Mark& m) override {
    mark_ = m;
    stack_.clear();
    anchors_.clear();
    root_ = nullptr;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override {
    mark_ = m;
    spend(1);
    add(nullptr, nullptr, anchor, 1);
  }

  void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override {
    mark_ = m;
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw yaml_failure{m, "an alias to an anchor not defined before it"};
    spend(it->second.cost);
    const anchored& a = it->second;
    add(a.value, a.scalar ? &*a.scalar : nullptr, YAML::NullAnchor, a.cost);
  }

  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    mark_ = m;
    spend(1 + text.size());
    // Quoted (tag "!") or explicitly a string: the text as written; plain: typed.
    ojson value = tag == "!" || tag == "tag:yaml.org,2002:str" ? ojson(text) : plain_scalar(text);
    add(std::move(value), &text, anchor, 1 + text.size());
  }

  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(m, ojson::array(), anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(m, ojson::object(), anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct frame {
    ojson value;
    YAML::anchor_t anchor;
    std::size_t spent_before;
    std::optional<std::string> key;  // a mapping's key waiting for its value
  };
  struct anchored {
    ojson value;
    std::optional<std::string> scalar;  // the text, when the anchored node is a scalar
    std::size_t cost;
  };

  void spend(std::size_t n) {
    spent_ += n;
    if (spent_ > budget_)
      throw yaml_failure{mark_,
                         fmt::format("anchors and aliases expand this YAML past {} values and characters (twice the "
                                     "input's size plus 1 MiB)",
                                     budget_),
                         error_code::limit_exceeded};
  }

  void open(const YAML::Mark& m, ojson empty, YAML::anchor_t anchor) {
    mark_ = m;
    if (stack_.size() + 1 > max_nesting_depth) throw yaml_failure{m, too_deep_message(), error_code::limit_exceeded};
    if (awaiting_key()) throw yaml_failure{m, "a mapping key must be a scalar"};
    spend(1);
    stack_.push_back(frame{std::move(empty), anchor, spent_ - 1, std::nullopt});
  }

  void close() {
    frame f = std::move(stack_.back());
    stack_.pop_back();
    add(std::move(f.value), nullptr, f.anchor, spent_ - f.spent_before);
  }

  bool awaiting_key() const { return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key; }

  // `value` is complete: it is the root, the next element or a key or value of
  // the innermost mapping. `scalar` is its text when it is a scalar.
  void add(ojson value, const std::string* scalar, YAML::anchor_t anchor, std::size_t cost) {
    if (anchor != YAML::NullAnchor)
      anchors_[anchor] = anchored{value, scalar ? std::optional<std::string>(*scalar) : std::nullopt, cost};
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    frame& top = stack_.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(value));
    } else if (!top.key) {
      if (!scalar) throw yaml_failure{mark_, "a mapping key must be a scalar"};
      if (top.value.contains(*scalar)) throw yaml_failure{mark_, fmt::format("duplicate key \"{}\"", *scalar)};
      top.key = *scalar;
    } else {
      top.value[*top.key] = std::move(value);
      top.key.reset();
    }
  }

  std::size_t budget_;
  std::size_t spent_ = 0;
  YAML::Mark mark_;
  std::vector<frame> stack_;
  std::unordered_map<YAML::anchor_t, anchored> anchors_;
  ojson root_;
};

/// The most documents `text` can hold: one, and one more for each `---` or
/// `...` in it (counted anywhere, so never too few).
std::size_t most_documents(std::string_view text) {
  std::size_t n = 1;
  for (std::string_view marker : {"---", "..."})
    for (std::size_t at = text.find(marker); at != std::string_view::npos; at = text.find(marker, at + 3)) ++n;
  return n;
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
  std::vector<document> out;
  const auto at = [&](const YAML::Mark& m) { return fmt::format("{}[{}]", in.name, document_at_line(in.text, m.line)); };
  std::istringstream stream(in.text);
  json_builder builder(yaml_expansion_budget(in.text.size()));
  const std::size_t most = most_documents(in.text);
  try {
    YAML::Parser parser(stream);
    for (std::size_t index = 0; parser.HandleNextDocument(builder); ++index) {
      if (index >= most)
        throw yaml_failure{builder.mark(), "text that does not start a YAML document (a stray `,`, `]` or `}`?)"};
      ojson value = builder.take();
      if (value.is_null()) continue;
      add_objects(out, fmt::format("{}[{}]", in.name, index), std::move(value), false);
    }
  } catch (const YAML::DeepRecursion& e) {
    return error{at(e.mark),
                 fmt::format("YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, too_deep_message()),
                 error_code::limit_exceeded};
  } catch (const YAML::Exception& e) {
    return error{at(e.mark),
                 fmt::format("malformed YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg),
                 error_code::malformed_document};
  } catch (const yaml_failure& f) {
    const bool limit = f.code == error_code::limit_exceeded;
    return error{at(f.mark),
                 fmt::format("{}YAML at line {}, column {}: {}", limit ? "" : "malformed ", f.mark.line + 1,
                             f.mark.column + 1, f.message),
                 f.code};
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
