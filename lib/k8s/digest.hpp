#pragma once
/// \file digest.hpp
/// Hash digests the adapter needs, private to `npusched::k8s`, computed by
/// OpenSSL's libcrypto (maintained, with hardware SHA paths): SHA-256 for
/// MindCluster `CheckCode`s and OME's deterministic names, SHA-1 for the
/// LeaderWorkerSet group key.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace npusched::k8s::detail {

/// The SHA-256 digest of `data`.
[[nodiscard]] std::array<std::uint8_t, 32> sha256(std::string_view data);
/// The SHA-256 digest as 64 lowercase hex digits (Go's `hex.EncodeToString`).
[[nodiscard]] std::string sha256_hex(std::string_view data);
/// The SHA-1 digest as 40 lowercase hex digits.
[[nodiscard]] std::string sha1_hex(std::string_view data);

}  // namespace npusched::k8s::detail
