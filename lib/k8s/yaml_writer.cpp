// to_yaml / to_yaml_documents: JSON trees as kubectl-style YAML. yaml-cpp's
// emitter does the quoting of YAML syntax; this file adds what the emitter
// leaves plain but a YAML 1.1 reader (Kubernetes') would not read back as a
// string. Rules: yaml_writer.hpp.

#include "yaml_writer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace npusched::k8s::detail {

namespace {

using ojson = nlohmann::ordered_json;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Plain words a YAML 1.1 reader takes for null, a bool or a merge key.
constexpr std::array<std::string_view, 28> special_words{
    "~",    "null", "Null", "NULL", "y",     "Y",     "yes",   "Yes", "YES", "n",
    "N",    "no",   "No",   "NO",   "true",  "True",  "TRUE",  "on",  "On",  "ON",
    "false", "False", "FALSE", "off", "Off", "OFF", "<<", "="};

// Whether the plain form of `s` could read as something other than this
// string. Broad on purpose: anything that starts like a number (also dates,
// times, sexagesimals, `0x1F`, `1_000`) is quoted, since quoting a string
// never changes what it reads as.
bool plain_reads_differently(std::string_view s) {
  if (s.empty()) return true;
  for (std::string_view w : special_words)
    if (s == w) return true;
  if (is_digit(s[0])) return true;
  if ((s[0] == '+' || s[0] == '-' || s[0] == '.') && s.size() > 1 && (is_digit(s[1]) || s[1] == '.')) return true;
  std::string lower;
  for (char c : s) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return lower == ".inf" || lower == "+.inf" || lower == "-.inf" || lower == ".nan";
}

// A literal block reads back exactly only with the default (clip) chomping:
// one final line break, and a first line that does not set a deeper
// indentation. Control characters other than tab force double quotes.
bool literal_block_fits(std::string_view s) {
  if (s.find('\n') == std::string_view::npos || s.back() != '\n') return false;
  if (s.size() >= 2 && s[s.size() - 2] == '\n') return false;
  if (s[0] == ' ' || s[0] == '\t' || s[0] == '\n') return false;
  for (char c : s)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == '\x7f') return false;
  return true;
}

void write_string(YAML::Emitter& out, const std::string& s) {
  if (literal_block_fits(s)) {
    // The emitter ends the block with a line break of its own.
    out << YAML::Literal << s.substr(0, s.size() - 1);
    return;
  }
  if (plain_reads_differently(s) || s.find('\n') != std::string::npos)
    out << YAML::DoubleQuoted;
  out << s;
}

// Shortest text that reads back to `d`, always marked as a float.
std::string float_text(double d) {
  if (std::isnan(d)) return ".nan";
  if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
  std::string t = fmt::format("{}", d);
  if (t.find('.') != std::string::npos) return t;
  const auto e = t.find('e');
  if (e == std::string::npos) return t + ".0";
  return t.insert(e, ".0");
}

void write_value(YAML::Emitter& out, const ojson& v) {
  switch (v.type()) {
    case ojson::value_t::object:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, item] : v.items()) {
        out << YAML::Key;
        write_string(out, key);
        out << YAML::Value;
        write_value(out, item);
      }
      out << YAML::EndMap;
      return;
    case ojson::value_t::array:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : v) write_value(out, item);
      out << YAML::EndSeq;
      return;
    case ojson::value_t::string:
      write_string(out, v.get_ref<const std::string&>());
      return;
    case ojson::value_t::boolean:
      out << v.get<bool>();
      return;
    case ojson::value_t::number_integer:
      out << v.get<std::int64_t>();
      return;
    case ojson::value_t::number_unsigned:
      out << v.get<std::uint64_t>();
      return;
    case ojson::value_t::number_float:
      out << float_text(v.get<double>());
      return;
    case ojson::value_t::null:
    case ojson::value_t::binary:
    case ojson::value_t::discarded:
      out << YAML::Null;
      return;
  }
}

}  // namespace

std::string to_yaml(const ojson& doc) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetMapFormat(YAML::Block);
  out.SetSeqFormat(YAML::Block);
  out.SetBoolFormat(YAML::TrueFalseBool);
  out.SetNullFormat(YAML::LowerNull);
  write_value(out, doc);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

std::string to_yaml_documents(const std::vector<std::pair<std::string, ojson>>& docs) {
  std::string text;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (i > 0) text += "---\n";
    const std::string& comment = docs[i].first;
    if (!comment.empty()) {
      std::size_t start = 0;
      while (start < comment.size()) {
        const auto end = std::min(comment.find('\n', start), comment.size());
        const std::string_view line(comment.data() + start, end - start);
        text += line.empty() ? std::string("#\n") : fmt::format("# {}\n", line);
        start = end + 1;
      }
    }
    text += to_yaml(docs[i].second);
  }
  return text;
}

}  // namespace npusched::k8s::detail
