// The Go `encoding/json` re-encoding that MindCluster CheckCodes are
// computed over (go_json.hpp), on simdjson elements.

#include "go_json.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace npusched::k8s::detail {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Each writer returns false when Go's decoder would refuse the value; a
// null `v` is an absent or null member (the zero value).
const element* field(element obj, std::string_view key, element& slot) {
  if (obj.at_key(key).get(slot) != simdjson::SUCCESS || slot.type() == element_type::NULL_VALUE) return nullptr;
  return &slot;
}

bool put_string(std::string& out, const element* v) {
  if (!v) {
    out += "\"\"";
    return true;
  }
  std::string_view s;
  if (v->get(s) != simdjson::SUCCESS) return false;
  append_go_string(out, s);
  return true;
}

bool put_int64(std::string& out, const element* v) {
  if (!v) {
    out += '0';
    return true;
  }
  if (v->type() != element_type::INT64) return false;  // UINT64 here is above the int64 range
  out += std::to_string(std::int64_t(*v));
  return true;
}

bool put_string_slice(std::string& out, const element* v) {
  if (!v) {
    out += "null";
    return true;
  }
  simdjson::dom::array arr;
  if (v->get(arr) != simdjson::SUCCESS) return false;
  out += '[';
  bool first = true;
  for (element e : arr) {
    if (!first) out += ',';
    first = false;
    if (!put_string(out, e.type() == element_type::NULL_VALUE ? nullptr : &e)) return false;
  }
  out += ']';
  return true;
}

// A Go map with string keys: written sorted bytewise.
template <typename PutValue>
bool put_map(std::string& out, const element* v, PutValue put_value) {
  if (!v) {
    out += "null";
    return true;
  }
  simdjson::dom::object obj;
  if (v->get(obj) != simdjson::SUCCESS) return false;
  std::vector<std::pair<std::string_view, element>> members;
  for (auto f : obj) members.emplace_back(f.key, f.value);
  // Stable, so among repeated keys the last stays last; Go keeps that one.
  std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i + 1 < members.size() && members[i + 1].first == members[i].first) continue;
    if (!first) out += ',';
    first = false;
    append_go_string(out, members[i].first);
    out += ':';
    const element& value = members[i].second;
    if (!put_value(out, value.type() == element_type::NULL_VALUE ? nullptr : &value)) return false;
  }
  out += '}';
  return true;
}

template <typename Body>
std::optional<std::string> encode_object(element value, Body body) {
  if (value.type() != element_type::OBJECT) return std::nullopt;
  std::string out;
  if (!body(out)) return std::nullopt;
  return out;
}

template <typename Encode>
std::optional<std::string> from_text(std::string_view text, Encode encode) {
  if (text.empty()) return std::nullopt;  // not JSON; and an empty view may have no data for simdjson
  simdjson::dom::parser parser;
  element e;
  if (parser.parse(text.data(), text.size(), true).get(e) != simdjson::SUCCESS) return std::nullopt;
  return encode(e);
}

}  // namespace

void append_go_string(std::string& out, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += digits[c >> 4];
            out += digits[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: copied when valid, else one U+FFFD per bad byte (as Go does).
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1fu;
    else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0fu;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07u;
    bool valid = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) valid = false;
      cp = cp << 6 | (cc & 0x3fu);
    }
    if (valid) {
      // Overlong forms, surrogates and values above U+10FFFF are invalid.
      if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        valid = false;
    }
    if (!valid) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
}

std::optional<std::string> go_device_info(element value) {
  return encode_object(value, [&](std::string& out) {
    element a, b;
    out += "{\"DeviceList\":";
    if (!put_map(out, field(value, "DeviceList", a), put_string)) return false;
    out += ",\"UpdateTime\":";
    if (!put_int64(out, field(value, "UpdateTime", b))) return false;
    out += '}';
    return true;
  });
}

std::optional<std::string> go_node_info(element value) {
  return encode_object(value, [&](std::string& out) {
    element slot;
    out += "{\"FaultDevList\":";
    const element* list = field(value, "FaultDevList", slot);
    if (!list) {
      out += "null";
    } else {
      simdjson::dom::array arr;
      if (list->get(arr) != simdjson::SUCCESS) return false;
      out += '[';
      bool first = true;
      for (element dev : arr) {
        if (!first) out += ',';
        first = false;
        if (dev.type() == element_type::NULL_VALUE) {  // a nil *FaultDev
          out += "null";
          continue;
        }
        if (dev.type() != element_type::OBJECT) return false;
        element f1, f2, f3, f4;
        out += "{\"DeviceType\":";
        if (!put_string(out, field(dev, "DeviceType", f1))) return false;
        out += ",\"DeviceId\":";
        if (!put_int64(out, field(dev, "DeviceId", f2))) return false;
        out += ",\"FaultCode\":";
        if (!put_string_slice(out, field(dev, "FaultCode", f3))) return false;
        out += ",\"FaultLevel\":";
        if (!put_string(out, field(dev, "FaultLevel", f4))) return false;
        out += '}';
      }
      out += ']';
    }
    element status;
    out += ",\"NodeStatus\":";
    if (!put_string(out, field(value, "NodeStatus", status))) return false;
    out += '}';
    return true;
  });
}

std::optional<std::string> go_switch_info(element value) {
  return encode_object(value, [&](std::string& out) {
    element f1, f2, f3, f4, f5;
    out += "{\"FaultCode\":";
    if (!put_string_slice(out, field(value, "FaultCode", f1))) return false;
    out += ",\"FaultLevel\":";
    if (!put_string(out, field(value, "FaultLevel", f2))) return false;
    out += ",\"UpdateTime\":";
    if (!put_int64(out, field(value, "UpdateTime", f3))) return false;
    out += ",\"NodeStatus\":";
    if (!put_string(out, field(value, "NodeStatus", f4))) return false;
    out += ",\"FaultTimeAndLevelMap\":";
    auto put_entry = [](std::string& o, const element* e) {
      if (e && e->type() != element_type::OBJECT) return false;
      element t, l;
      o += "{\"fault_time\":";
      if (!put_int64(o, e ? field(*e, "fault_time", t) : nullptr)) return false;
      o += ",\"fault_level\":";
      if (!put_string(o, e ? field(*e, "fault_level", l) : nullptr)) return false;
      o += '}';
      return true;
    };
    if (!put_map(out, field(value, "FaultTimeAndLevelMap", f5), put_entry)) return false;
    out += '}';
    return true;
  });
}

std::optional<std::string> go_device_info(std::string_view json_text) {
  return from_text(json_text, [](element e) { return go_device_info(e); });
}
std::optional<std::string> go_node_info(std::string_view json_text) {
  return from_text(json_text, [](element e) { return go_node_info(e); });
}
std::optional<std::string> go_switch_info(std::string_view json_text) {
  return from_text(json_text, [](element e) { return go_switch_info(e); });
}

}  // namespace npusched::k8s::detail
