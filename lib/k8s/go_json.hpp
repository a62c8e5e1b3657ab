#pragma once
/// \file go_json.hpp
/// A Go-`encoding/json`-compatible writer for the MindCluster record shapes
/// whose `CheckCode` (a SHA-256) the producers compute over their compact
/// Go encoding. Private to `npusched::k8s`.

#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace npusched::k8s::detail {

/// Appends `s` as Go's `json.Marshal` writes a string: quoted; `"` `\` and
/// `\b \f \n \r \t` with their short escapes (Go ≥ 1.22), other control bytes
/// as `\u00xx`; `<` `>` `&` as `\u003c` `\u003e` `\u0026` (HTML-safe);
/// U+2028 / U+2029 as `\u2028` / `\u2029`; an invalid UTF-8 byte as `\ufffd`.
void append_go_string(std::string& out, std::string_view s);

/// The compact Go encoding of the payload a `CheckCode` covers, as Go would
/// re-encode the value after decoding it into the producer's struct: fields
/// in struct order, unknown members dropped, absent or null members as the
/// zero value (`""`, `0`; `null` for maps and slices), map keys sorted
/// bytewise (a repeated key: the last value, as Go's decoder keeps it).
/// Nothing when the value does not decode into the struct (a member of the
/// wrong JSON type, a non-integer or out-of-range number).
///
/// - `go_device_info`: `{DeviceList map[string]string, UpdateTime int64}`
///   (the device plugin's `DeviceInfo`).
/// - `go_node_info`: `{FaultDevList []*{DeviceType string, DeviceId int64,
///   FaultCode []string, FaultLevel string}, NodeStatus string}` (NodeD's `NodeInfo`).
/// - `go_switch_info`: `{FaultCode []string, FaultLevel string, UpdateTime int64,
///   NodeStatus string, FaultTimeAndLevelMap map[string]{fault_time int64, fault_level string}}`.
[[nodiscard]] std::optional<std::string> go_device_info(simdjson::dom::element value);
[[nodiscard]] std::optional<std::string> go_node_info(simdjson::dom::element value);
[[nodiscard]] std::optional<std::string> go_switch_info(simdjson::dom::element value);

/// The same, from JSON text (nothing when it is not valid JSON).
[[nodiscard]] std::optional<std::string> go_device_info(std::string_view json_text);
[[nodiscard]] std::optional<std::string> go_node_info(std::string_view json_text);
[[nodiscard]] std::optional<std::string> go_switch_info(std::string_view json_text);

}  // namespace npusched::k8s::detail
