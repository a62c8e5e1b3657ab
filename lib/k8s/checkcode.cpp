// MindCluster CheckCodes: the SHA-256 of a record's compact Go encoding.

#include <fmt/format.h>

#include "digest.hpp"
#include "objects.hpp"

namespace npusched::k8s::detail {

std::optional<code_check> check_code(simdjson::dom::element holder, const std::optional<std::string>& payload) {
  simdjson::dom::element code;
  if (holder.at_key("CheckCode").get(code) != simdjson::SUCCESS ||
      code.type() == simdjson::dom::element_type::NULL_VALUE)
    return std::nullopt;
  std::string_view have;
  if (code.get(have) != simdjson::SUCCESS) return code_check{true, "CheckCode is not a string"};
  if (!payload) return code_check{true, "the record does not decode into its producer's Go struct"};
  std::string want = sha256_hex(*payload);
  if (have == want) return std::nullopt;
  return code_check{false, fmt::format("CheckCode \"{}\" does not match the content (its SHA-256 is {})", have, want)};
}

}  // namespace npusched::k8s::detail
