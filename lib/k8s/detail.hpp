#pragma once
/// \file detail.hpp
/// Internal helpers of the Kubernetes adapter: resource quantities, RFC 3339
/// timestamps, `Ascend910-N` chip names and error-path building. Private to
/// `npusched::k8s` (not installed); the adapter tests include it directly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "npusched/result.hpp"

namespace npusched::k8s::detail {

/// A Kubernetes resource quantity held exactly:
/// value = ±digits · 10^exp10 · 2^exp2. `digits` carries no trailing zeros
/// (they are folded into `exp10`), so equal values have equal fields.
struct quantity {
  bool negative = false;
  std::uint64_t digits = 0;
  int exp10 = 0;
  int exp2 = 0;
  friend bool operator==(const quantity&, const quantity&) = default;
};

/// Parses the Kubernetes quantity grammar: an optionally signed decimal
/// number (`4`, `.5`, `1.`, `-2.25`) followed by one suffix: binary SI
/// (`Ki` `Mi` `Gi` `Ti` `Pi` `Ei`), decimal SI (`n` `u` `m` `` `k` `M` `G` `T`
/// `P` `E`) or a decimal exponent (`e3`, `E-2`). No whitespace. At most 18
/// significant digits. Errors carry only a message (empty path).
[[nodiscard]] result<quantity> parse_quantity(std::string_view text);

/// `q · 10^scale` rounded away from zero to an integer (Kubernetes'
/// `Value()` for scale 0, `MilliValue()` for scale 3), with `exact` telling
/// whether no rounding happened. Nothing when it does not fit an `int64`.
struct scaled_value {
  std::int64_t value = 0;
  bool exact = true;
};
[[nodiscard]] std::optional<scaled_value> scale(const quantity& q, int scale_exp10);

/// Parses an RFC 3339 timestamp (`2024-05-01T12:00:00Z`,
/// `2024-05-01T14:00:00.5+02:00`) to unix seconds (fraction dropped).
[[nodiscard]] std::optional<std::int64_t> parse_rfc3339(std::string_view text);
/// Formats unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC), as Kubernetes prints it.
[[nodiscard]] std::string format_rfc3339(std::int64_t unix_seconds);

/// Parses `Ascend910-N` (N decimal digits only, leading zeros allowed, at
/// most 9 significant digits). Nothing for anything else.
[[nodiscard]] std::optional<int> parse_chip_name(std::string_view name);
/// `Ascend910-<chip>`.
[[nodiscard]] std::string chip_name(int chip);

/// A comma list of chip names (`Ascend910-0,Ascend910-3`); `""` is the empty
/// list. No whitespace is trimmed (as in the reference). On failure,
/// `bad` holds the first element that is not a chip name.
struct chip_list {
  std::vector<int> chips;
  std::optional<std::string> bad;
};
[[nodiscard]] chip_list parse_chip_list(std::string_view text);
/// Joins chip names with `,`, in the given order.
[[nodiscard]] std::string join_chip_names(const std::vector<int>& chips);

/// Error paths: `base.name`, `base["key"]` (quoted, `"` and `\` escaped), `base[i]`.
[[nodiscard]] std::string field_path(std::string_view base, std::string_view name);
[[nodiscard]] std::string key_path(std::string_view base, std::string_view key);
[[nodiscard]] std::string index_path(std::string_view base, std::size_t index);

}  // namespace npusched::k8s::detail
