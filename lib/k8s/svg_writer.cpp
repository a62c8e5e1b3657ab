// The SVG writer behind `npusched show`.

#include "svg_writer.hpp"

namespace npusched::k8s::detail {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : c;
      }
    }
  }
  return out;
}

void svg_writer::start(std::string_view tag, const attrs& a) {
  out_ += '<';
  out_ += tag;
  for (const attr& x : a) {
    out_ += ' ';
    out_ += x.name;
    out_ += "=\"";
    out_ += xml_escape(x.value);
    out_ += '"';
  }
}

void svg_writer::open(std::string_view tag, const attrs& a) {
  start(tag, a);
  out_ += ">\n";
  open_.emplace_back(tag);
}

void svg_writer::close() {
  if (open_.empty()) return;
  out_ += "</" + open_.back() + ">\n";
  open_.pop_back();
}

void svg_writer::leaf(std::string_view tag, const attrs& a) {
  start(tag, a);
  out_ += "/>\n";
}

void svg_writer::text(std::string_view tag, const attrs& a, std::string_view content) {
  start(tag, a);
  out_ += '>';
  out_ += xml_escape(content);
  out_ += "</";
  out_ += tag;
  out_ += ">\n";
}

std::string svg_writer::finish() && {
  while (!open_.empty()) close();
  return std::move(out_);
}

}  // namespace npusched::k8s::detail
