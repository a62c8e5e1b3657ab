#pragma once
/// \file json_input.hpp
/// Reading JSON text that comes from outside, under one set of rules for
/// every entry point (docs/limits.md), private to the Kubernetes adapter:
///
/// - at most `max_input_bytes` bytes; a leading UTF-8 byte-order mark is skipped;
/// - at most `max_nesting_depth` levels of arrays and objects;
/// - every number fits a double, and every integer (no fraction, no
///   exponent) fits 64 bits (`out_of_range` with the number's path);
/// - no object has a key twice (`duplicate` with the second key's path):
///   Go's `encoding/json`, which the reference uses, takes the last, simdjson
///   and nlohmann-json readers here would take the first or the last, so a
///   repeated key would be read silently differently;
/// - a syntax error says where (`at offset N`, 0-based; `at the end of the
///   input (offset N)` for a cut document) and quotes at most
///   `max_excerpt_bytes` of the text, cut on a UTF-8 boundary.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "npusched/result.hpp"

namespace npusched::k8s::detail {

/// The path of member `key` under `base`: `base.key` for a key of letters,
/// digits and `_` not starting with a digit, else `base["key"]`.
[[nodiscard]] std::string member_path(std::string_view base, std::string_view key);

/// `"…"`: `text` from byte `from`, at most `max_excerpt_bytes` of it, cut
/// on a UTF-8 boundary (`…` marks a cut), with quotes, backslashes, control
/// characters and bytes that are not UTF-8 escaped, so the result is valid
/// UTF-8 whatever the input.
[[nodiscard]] std::string excerpt(std::string_view text, std::size_t from = 0);

/// `text` as it is when it is at most `max_excerpt_bytes` of printable
/// UTF-8 without quotes or backslashes, else its `excerpt`: for names
/// (kinds, namespaces, object names) put into messages.
[[nodiscard]] std::string short_text(std::string_view text);

/// `message` cut to at most `max_message_bytes` on a UTF-8 boundary, with `…`.
[[nodiscard]] std::string bounded_message(std::string message);

/// The message of a document nested deeper than `max_nesting_depth`, for
/// JSON and YAML readers alike.
[[nodiscard]] std::string too_deep_message();

/// `text` without a leading UTF-8 byte-order mark.
[[nodiscard]] std::string_view skip_bom(std::string_view text);

/// A `limit_exceeded` error at `path` when `text` is longer than `max_input_bytes`.
[[nodiscard]] std::optional<error> check_size(std::string_view text, std::string_view path);

/// The first way `text` breaks the rules above, as an error whose path is
/// `root` followed by the place; nothing when it keeps them. Linear in the
/// size of `text`.
[[nodiscard]] std::optional<error> diagnose_json(std::string_view text, std::string_view root);

/// Parses `text` with `parser` under the rules above: the document's root,
/// or the error (paths start at `root`).
[[nodiscard]] result<simdjson::dom::element> parse_json(simdjson::dom::parser& parser, std::string_view text,
                                                        std::string_view root);

/// The same rules, read into an nlohmann-json value (`nlohmann::json` or
/// `nlohmann::ordered_json`).
template <class Json>
[[nodiscard]] result<Json> parse_json_value(std::string_view text, std::string_view root);

}  // namespace npusched::k8s::detail
