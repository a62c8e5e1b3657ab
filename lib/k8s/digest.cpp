// SHA-256 and SHA-1 through OpenSSL's one-shot digest functions.

#include "digest.hpp"

#include <openssl/sha.h>

namespace npusched::k8s::detail {

namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

std::array<std::uint8_t, 32> sha256(std::string_view data) {
  std::array<std::uint8_t, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

std::string sha256_hex(std::string_view data) {
  const auto d = sha256(data);
  return hex(d.data(), d.size());
}

std::string sha1_hex(std::string_view data) {
  std::array<unsigned char, SHA_DIGEST_LENGTH> d{};
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return hex(d.data(), d.size());
}

}  // namespace npusched::k8s::detail
