#pragma once
/// \file result.hpp
/// `result<T>`: a value or an `error` naming the offending input field.
///
/// Real errors (bad input: a malformed document, an unknown enum value in a
/// field the caller must get right) are reported through `result`. A request
/// that simply does not fit is *not* an error: it is a `verdict` (see
/// `verdict.hpp`).

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace npusched {

/// What kind of input error an `error` is, so callers branch on a code and
/// never on message text. Stable names: `to_string`.
enum class error_code : std::uint8_t {
  invalid_value,       ///< a value that breaks a rule of its field (the default)
  malformed_document,  ///< not parseable JSON / YAML, or not the document shape expected
  wrong_type,          ///< a field of the wrong JSON type
  missing_field,       ///< a required field is absent
  out_of_range,        ///< a number outside its field's range
  unknown_value,       ///< an enumerated field with a value it does not take
  duplicate,           ///< an object, key or name given twice
  limit_exceeded,      ///< input larger or deeper than the reader accepts
};
/// `invalid_value`, `malformed_document`, `wrong_type`, `missing_field`,
/// `out_of_range`, `unknown_value`, `duplicate`, `limit_exceeded`.
[[nodiscard]] constexpr std::string_view to_string(error_code c) noexcept {
  switch (c) {
    case error_code::invalid_value: return "invalid_value";
    case error_code::malformed_document: return "malformed_document";
    case error_code::wrong_type: return "wrong_type";
    case error_code::missing_field: return "missing_field";
    case error_code::out_of_range: return "out_of_range";
    case error_code::unknown_value: return "unknown_value";
    case error_code::duplicate: return "duplicate";
    case error_code::limit_exceeded: return "limit_exceeded";
  }
  return "invalid_value";
}

/// An input error. `path` names the field, e.g. `items[3].metadata.name`;
/// `message` says what is wrong with it; `code` what kind of error it is.
/// `object` names the object the field is in when it is known (`Pod
/// serving/llama-decode-0`), so a reader need not count a List's items;
/// `path` then starts with that object's place (`items[3]`).
struct error {
  std::string path;
  std::string message;
  error_code code = error_code::invalid_value;
  std::string object{};

  /// `"<path>: <message>"`, or just the message when the path is empty;
  /// with an object, `"<object> (<place>): <rest of path>: <message>"`,
  /// e.g. `Pod serving/d-0 (items[3]): spec.priority: out of the int32 range`.
  [[nodiscard]] std::string what() const {
    std::string where = path;
    if (!object.empty()) {
      const std::size_t close = path.find(']');
      const std::size_t cut = close == std::string::npos ? path.size() : close + 1;
      std::string_view rest = std::string_view(path).substr(cut);
      if (rest.starts_with('.')) rest.remove_prefix(1);
      where = object + " (" + path.substr(0, cut) + ")";
      if (!rest.empty()) where += ": " + std::string(rest);
    }
    return where.empty() ? message : where + ": " + message;
  }
  friend bool operator==(const error&, const error&) = default;
};

/// Thrown only by the throwing accessor `result<T>::value()`.
class bad_result_access : public std::runtime_error {
 public:
  explicit bad_result_access(const error& e) : std::runtime_error(e.what()), err_(e) {}
  [[nodiscard]] const npusched::error& err() const noexcept { return err_; }

 private:
  npusched::error err_;
};

/// A value of type `T` or an `error`. Check `ok()` before `operator*`;
/// `value()` throws `bad_result_access` instead.
template <class T>
class [[nodiscard]] result {
 public:
  result(T v) : v_(std::move(v)) {}              // NOLINT(google-explicit-constructor)
  result(error e) : v_(std::move(e)) {}          // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  [[nodiscard]] const T& operator*() const& { return std::get<0>(v_); }
  [[nodiscard]] T& operator*() & { return std::get<0>(v_); }
  [[nodiscard]] T&& operator*() && { return std::get<0>(std::move(v_)); }
  [[nodiscard]] const T* operator->() const { return &std::get<0>(v_); }
  [[nodiscard]] T* operator->() { return &std::get<0>(v_); }

  /// The value, or throws `bad_result_access` carrying the error.
  [[nodiscard]] const T& value() const& {
    if (!ok()) throw bad_result_access(std::get<1>(v_));
    return std::get<0>(v_);
  }
  [[nodiscard]] T&& value() && {
    if (!ok()) throw bad_result_access(std::get<1>(v_));
    return std::get<0>(std::move(v_));
  }
  /// The error; precondition `!ok()`.
  [[nodiscard]] const error& err() const& { return std::get<1>(v_); }

 private:
  std::variant<T, error> v_;
};

}  // namespace npusched
