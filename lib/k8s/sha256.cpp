// SHA-256 (FIPS 180-4) and the Go `encoding/json` re-encoding that MindCluster
// CheckCodes are computed over. Written here so that the adapter needs no
// crypto dependency for one digest per record.

#include "sha256.hpp"

#include <limits>

#include <nlohmann/json.hpp>

namespace npusched::k8s::detail {

namespace {

constexpr std::array<std::uint32_t, 64> round_constants = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

constexpr std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void compress(std::array<std::uint32_t, 8>& h, const std::uint8_t* block) {
  std::array<std::uint32_t, 64> w{};
  for (std::size_t i = 0; i < 16; ++i)
    w[i] = static_cast<std::uint32_t>(block[4 * i]) << 24 | static_cast<std::uint32_t>(block[4 * i + 1]) << 16 |
           static_cast<std::uint32_t>(block[4 * i + 2]) << 8 | static_cast<std::uint32_t>(block[4 * i + 3]);
  for (std::size_t i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (std::size_t i = 0; i < 64; ++i) {
    const std::uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                             round_constants[i] + w[i];
    const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += k;
}

// ---------------------------------------------------------------------------
// Go re-encoding. Each writer returns false when Go's decoder would refuse the value.

using json = nlohmann::json;

const json* field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

bool put_string(std::string& out, const json* v) {
  if (!v) {
    out += "\"\"";
    return true;
  }
  if (!v->is_string()) return false;
  append_go_string(out, v->get_ref<const std::string&>());
  return true;
}

bool put_int64(std::string& out, const json* v) {
  if (!v) {
    out += '0';
    return true;
  }
  if (v->is_number_unsigned()) {
    if (v->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    out += std::to_string(v->get<std::uint64_t>());
    return true;
  }
  if (!v->is_number_integer()) return false;
  out += std::to_string(v->get<std::int64_t>());
  return true;
}

bool put_string_slice(std::string& out, const json* v) {
  if (!v) {
    out += "null";
    return true;
  }
  if (!v->is_array()) return false;
  out += '[';
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (i > 0) out += ',';
    const json& e = (*v)[i];
    if (!put_string(out, e.is_null() ? nullptr : &e)) return false;
  }
  out += ']';
  return true;
}

// A Go map with string keys: sorted bytewise, which is also the order of
// nlohmann::json's std::map (char_traits<char> compares as unsigned char).
template <typename PutValue>
bool put_map(std::string& out, const json* v, PutValue put_value) {
  if (!v) {
    out += "null";
    return true;
  }
  if (!v->is_object()) return false;
  out += '{';
  bool first = true;
  for (const auto& [key, value] : v->items()) {
    if (!first) out += ',';
    first = false;
    append_go_string(out, key);
    out += ':';
    if (!put_value(out, value.is_null() ? nullptr : &value)) return false;
  }
  out += '}';
  return true;
}

template <typename Body>
std::optional<std::string> encode_object(const json& value, Body body) {
  if (!value.is_object()) return std::nullopt;
  std::string out;
  if (!body(out)) return std::nullopt;
  return out;
}

}  // namespace

std::array<std::uint8_t, 32> sha256(std::string_view data) {
  std::array<std::uint32_t, 8> h = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  std::size_t whole = data.size() / 64 * 64;
  for (std::size_t i = 0; i < whole; i += 64) compress(h, bytes + i);
  // The tail, the 0x80 marker and the 64-bit bit length fill one or two blocks.
  std::array<std::uint8_t, 128> tail{};
  const std::size_t rest = data.size() - whole;
  for (std::size_t i = 0; i < rest; ++i) tail[i] = bytes[whole + i];
  tail[rest] = 0x80;
  const std::size_t tail_size = rest + 1 + 8 <= 64 ? 64 : 128;
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  for (std::size_t i = 0; i < 8; ++i) tail[tail_size - 1 - i] = static_cast<std::uint8_t>(bits >> (8 * i));
  for (std::size_t i = 0; i < tail_size; i += 64) compress(h, tail.data() + i);
  std::array<std::uint8_t, 32> digest{};
  for (std::size_t i = 0; i < 8; ++i)
    for (std::size_t j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<std::uint8_t>(h[i] >> (24 - 8 * j));
  return digest;
}

std::string sha256_hex(std::string_view data) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (std::uint8_t b : sha256(data)) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

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

std::optional<std::string> go_device_info(const json& value) {
  return encode_object(value, [&](std::string& out) {
    out += "{\"DeviceList\":";
    if (!put_map(out, field(value, "DeviceList"), put_string)) return false;
    out += ",\"UpdateTime\":";
    if (!put_int64(out, field(value, "UpdateTime"))) return false;
    out += '}';
    return true;
  });
}

std::optional<std::string> go_node_info(const json& value) {
  return encode_object(value, [&](std::string& out) {
    out += "{\"FaultDevList\":";
    const json* list = field(value, "FaultDevList");
    if (!list) {
      out += "null";
    } else {
      if (!list->is_array()) return false;
      out += '[';
      for (std::size_t i = 0; i < list->size(); ++i) {
        if (i > 0) out += ',';
        const json& dev = (*list)[i];
        if (dev.is_null()) {  // a nil *FaultDev
          out += "null";
          continue;
        }
        if (!dev.is_object()) return false;
        out += "{\"DeviceType\":";
        if (!put_string(out, field(dev, "DeviceType"))) return false;
        out += ",\"DeviceId\":";
        if (!put_int64(out, field(dev, "DeviceId"))) return false;
        out += ",\"FaultCode\":";
        if (!put_string_slice(out, field(dev, "FaultCode"))) return false;
        out += ",\"FaultLevel\":";
        if (!put_string(out, field(dev, "FaultLevel"))) return false;
        out += '}';
      }
      out += ']';
    }
    out += ",\"NodeStatus\":";
    if (!put_string(out, field(value, "NodeStatus"))) return false;
    out += '}';
    return true;
  });
}

std::optional<std::string> go_switch_info(const json& value) {
  return encode_object(value, [&](std::string& out) {
    out += "{\"FaultCode\":";
    if (!put_string_slice(out, field(value, "FaultCode"))) return false;
    out += ",\"FaultLevel\":";
    if (!put_string(out, field(value, "FaultLevel"))) return false;
    out += ",\"UpdateTime\":";
    if (!put_int64(out, field(value, "UpdateTime"))) return false;
    out += ",\"NodeStatus\":";
    if (!put_string(out, field(value, "NodeStatus"))) return false;
    out += ",\"FaultTimeAndLevelMap\":";
    auto put_entry = [](std::string& o, const json* e) {
      if (e && !e->is_object()) return false;
      o += "{\"fault_time\":";
      if (!put_int64(o, e ? field(*e, "fault_time") : nullptr)) return false;
      o += ",\"fault_level\":";
      if (!put_string(o, e ? field(*e, "fault_level") : nullptr)) return false;
      o += '}';
      return true;
    };
    if (!put_map(out, field(value, "FaultTimeAndLevelMap"), put_entry)) return false;
    out += '}';
    return true;
  });
}

}  // namespace npusched::k8s::detail
