#pragma once
/// \file sha1.hpp
/// SHA-1 (FIPS 180-4), private to `npusched::k8s`: the LeaderWorkerSet
/// controller names a group by the SHA-1 of `<namespace>/<leader pod>`.

#include <string>
#include <string_view>

namespace npusched::k8s::detail {

/// The SHA-1 digest of `data` as 40 lowercase hex digits.
[[nodiscard]] std::string sha1_hex(std::string_view data);

}  // namespace npusched::k8s::detail
