#pragma once
/// \file sha256.hpp
/// MindCluster `CheckCode` support, private to `npusched::k8s`: SHA-256
/// (FIPS 180-4) and the compact Go `encoding/json` form of the record shapes
/// whose hash the producers write (docs/kubernetes.md, "Fault inputs").

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace npusched::k8s::detail {

/// The SHA-256 digest of `data`.
[[nodiscard]] std::array<std::uint8_t, 32> sha256(std::string_view data);
/// The digest as 64 lowercase hex digits (Go's `hex.EncodeToString`).
[[nodiscard]] std::string sha256_hex(std::string_view data);

/// Appends `s` as Go's `json.Marshal` writes a string: quoted; `"` `\` and
/// `\b \f \n \r \t` with their short escapes (Go ≥ 1.22), other control bytes
/// as `\u00xx`; `<` `>` `&` as `\u003c` `\u003e` `\u0026` (HTML-safe);
/// U+2028 / U+2029 as `\u2028` / `\u2029`; an invalid UTF-8 byte as `\ufffd`.
void append_go_string(std::string& out, std::string_view s);

/// The compact Go encoding of the payload a `CheckCode` covers, as Go would
/// re-encode the value after decoding it into the producer's struct: fields
/// in struct order, unknown members dropped, absent or null members as the
/// zero value (`""`, `0`; `null` for maps and slices), map keys sorted
/// bytewise. Nothing when the value does not decode into the struct (a
/// member of the wrong JSON type, a non-integer or out-of-range number).
///
/// - `go_device_info`: `{DeviceList map[string]string, UpdateTime int64}`
///   (the device plugin's `DeviceInfo`).
/// - `go_node_info`: `{FaultDevList []*{DeviceType string, DeviceId int64,
///   FaultCode []string, FaultLevel string}, NodeStatus string}` (NodeD's `NodeInfo`).
/// - `go_switch_info`: `{FaultCode []string, FaultLevel string, UpdateTime int64,
///   NodeStatus string, FaultTimeAndLevelMap map[string]{fault_time int64, fault_level string}}`.
[[nodiscard]] std::optional<std::string> go_device_info(const nlohmann::json& value);
[[nodiscard]] std::optional<std::string> go_node_info(const nlohmann::json& value);
[[nodiscard]] std::optional<std::string> go_switch_info(const nlohmann::json& value);

}  // namespace npusched::k8s::detail
