#pragma once
// A minimal SVG (XML) writer: elements, attributes and text, escaped once
// here. Attributes are written in the order given, so the output is
// byte-identical for identical calls.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace npusched::k8s::detail {

/// `text` with `&`, `<`, `>`, `"` and `'` as entities, and the control
/// characters XML 1.0 forbids (all below U+0020 but tab, LF and CR) as `?`.
[[nodiscard]] std::string xml_escape(std::string_view text);

/// One attribute: name (written as is) and value (escaped).
struct attr {
  std::string_view name;
  std::string value;
  attr(std::string_view n, std::string v) : name(n), value(std::move(v)) {}
  attr(std::string_view n, std::string_view v) : name(n), value(v) {}
  attr(std::string_view n, const char* v) : name(n), value(v) {}
  attr(std::string_view n, std::int64_t v) : name(n), value(std::to_string(v)) {}
  attr(std::string_view n, int v) : name(n), value(std::to_string(v)) {}
};
using attrs = std::vector<attr>;

/// Writes one element per line. `open` pushes an element that `close`
/// ends; `finish` ends the ones still open and returns the document.
class svg_writer {
 public:
  void open(std::string_view tag, const attrs& a = {});
  void close();
  /// `<tag .../>`.
  void leaf(std::string_view tag, const attrs& a = {});
  /// `<tag ...>text</tag>`.
  void text(std::string_view tag, const attrs& a, std::string_view content);
  /// Text written verbatim (a style sheet of fixed rules).
  void raw(std::string_view content) { out_ += content; }
  [[nodiscard]] std::string finish() &&;

 private:
  void start(std::string_view tag, const attrs& a);
  std::string out_;
  std::vector<std::string> open_;
};

}  // namespace npusched::k8s::detail
