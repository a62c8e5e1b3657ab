// Reading outside JSON text under one set of rules (json_input.hpp).

#include "json_input.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "detail.hpp"
#include "npusched/k8s/limits.hpp"

namespace npusched::k8s::detail {

namespace {

bool identifier(std::string_view key) {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/// The first `n` bytes of `s` or fewer, cut before a UTF-8 continuation byte.
std::string utf8_prefix(std::string_view s, std::size_t n) {
  if (s.size() <= n) return std::string(s);
  while (n > 0 && continuation(static_cast<unsigned char>(s[n]))) --n;
  return std::string(s.substr(0, n));
}

/// Length of the well-formed UTF-8 sequence at `s[i]` (1..4), or 0 when the
/// bytes there are not one (overlong forms and surrogates included, as
/// Python's decoder refuses them).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (!continuation(b(k))) return 0;
  return n;
}

/// The reason in an nlohmann-json parse error, without its position prefix
/// and without the `last read` token, which can be the whole rest of a
/// string: the excerpt replaces it.
std::string parse_reason(std::string what) {
  if (auto col = what.find("column "); col != std::string::npos)
    if (auto colon = what.find(": ", col); colon != std::string::npos) what.erase(0, colon + 2);
  constexpr std::string_view last_read = "; last read: '";
  if (auto cut = what.find(last_read); cut != std::string::npos) {
    constexpr std::string_view expected = "'; expected ";
    const auto tail = what.rfind(expected);
    std::string rest = tail != std::string::npos && tail > cut ? what.substr(tail + 1) : std::string();
    what.erase(cut);
    what += rest;
  }
  return what;
}

/// Checks a document as nlohmann-json's SAX parser reads it, and builds the
/// DOM when given one. Paths are built only when an error is found.

/// The error for a key or string longer than its limit, or nothing. The path
/// quotes at most `max_excerpt_bytes` of a long key.
std::optional<error> too_long(std::string_view base, std::string_view text, bool is_key) {
  if (is_key ? text.size() <= max_key_bytes : text.size() <= max_string_bytes) return std::nullopt;
  if (is_key)
    return error{key_path(base, utf8_prefix(text, max_excerpt_bytes) + "…"),
                 fmt::format("a key of {} bytes; keys may have at most {}", text.size(), max_key_bytes),
                 error_code::limit_exceeded};
  return error{std::string(base), fmt::format("a string of {} bytes; strings may have at most {}", text.size(),
                                              max_string_bytes),
               error_code::limit_exceeded};
}

template <class Json>
class checker {
 public:
  using number_integer_t = typename Json::number_integer_t;
  using number_unsigned_t = typename Json::number_unsigned_t;
  using number_float_t = typename Json::number_float_t;
  using string_t = typename Json::string_t;
  using binary_t = typename Json::binary_t;
  using dom_t = nlohmann::detail::json_sax_dom_parser<Json>;

  checker(std::string_view text, std::string_view root, dom_t* dom) : text_(text), root_(root), dom_(dom) {}

  [[nodiscard]] const std::optional<error>& failure() const { return err_; }

  bool null() { return value() && (!dom_ || dom_->null()); }
  bool boolean(bool v) { return value() && (!dom_ || dom_->boolean(v)); }
  bool number_integer(number_integer_t v) { return value() && (!dom_ || dom_->number_integer(v)); }
  bool number_unsigned(number_unsigned_t v) { return value() && (!dom_ || dom_->number_unsigned(v)); }
  bool number_float(number_float_t v, const string_t& s) {
    if (!value()) return false;
    // An integer beyond 64 bits reaches here as a double: it would lose digits.
    if (s.find_first_of(".eE") == string_t::npos)
      return stop(where(), error_code::out_of_range,
                  fmt::format("integer out of range (it does not fit 64 bits): {}", excerpt(s)));
    return !dom_ || dom_->number_float(v, s);
  }
  bool string(string_t& s) {
    (void)value();
    if (auto e = too_long(where(), s, false)) return stop(std::move(e->path), e->code, std::move(e->message));
    return !dom_ || dom_->string(s);
  }
  bool binary(binary_t& b) { return value() && (!dom_ || dom_->binary(b)); }
  bool start_object(std::size_t n) { return open(true) && (!dom_ || dom_->start_object(n)); }
  bool start_array(std::size_t n) { return open(false) && (!dom_ || dom_->start_array(n)); }
  bool end_object() {
    stack_.pop_back();
    return !dom_ || dom_->end_object();
  }
  bool end_array() {
    stack_.pop_back();
    return !dom_ || dom_->end_array();
  }
  bool key(string_t& k) {
    frame& f = stack_.back();
    f.has_key = false;  // the path is the object's, not its previous member's
    if (auto e = too_long(where(), k, true)) return stop(std::move(e->path), e->code, std::move(e->message));
    if (!f.keys.insert(k).second) {
      f.has_key = false;
      return stop(member_path(where(), k), error_code::duplicate, "the key is given twice");
    }
    f.key = k;
    f.has_key = true;
    return !dom_ || dom_->key(k);
  }
  template <class Exception>
  bool parse_error(std::size_t position, const std::string& /*last_token*/, const Exception& ex) {
    if (ex.id == 406) {  // number overflow: the number was read but not given to us
      (void)value();
      const std::string token = std::string(ex.what());
      const auto q = token.find('\'');
      const auto q2 = token.rfind('\'');
      const std::string number = q != std::string::npos && q2 > q ? token.substr(q + 1, q2 - q - 1) : std::string();
      return stop(where(), error_code::out_of_range,
                  fmt::format("number out of range (beyond the double range): {}", excerpt(number)));
    }
    const std::size_t offset = std::min(position == 0 ? 0 : position - 1, text_.size());
    std::string message = offset >= text_.size()
                              ? fmt::format("malformed JSON at the end of the input (offset {}): ", offset)
                              : fmt::format("malformed JSON at offset {}: ", offset);
    message += parse_reason(ex.what());
    if (offset < text_.size()) {
      std::size_t from = offset > 16 ? offset - 16 : 0;
      while (from < offset && continuation(static_cast<unsigned char>(text_[from]))) ++from;
      message += ", near " + excerpt(text_, from);
    }
    return stop(std::string(root_), error_code::malformed_document, std::move(message));
  }

 private:
  struct frame {
    bool object = false;
    bool has_key = false;
    std::size_t count = 0;
    std::string key;
    std::unordered_set<std::string> keys;
  };

  bool value() {
    if (!stack_.empty() && !stack_.back().object) ++stack_.back().count;
    return true;
  }
  bool open(bool object) {
    (void)value();
    if (stack_.size() >= max_nesting_depth)
      return stop(where(), error_code::limit_exceeded, too_deep_message());
    stack_.push_back(frame{object, false, 0, {}, {}});
    return true;
  }
  [[nodiscard]] std::string where() const {
    std::string p(root_);
    for (const frame& f : stack_) {
      if (f.object && f.has_key) p = member_path(p, f.key);
      if (!f.object && f.count > 0) p = index_path(p, f.count - 1);
    }
    return p;
  }
  bool stop(std::string path, error_code code, std::string message) {
    if (!err_) err_ = error{std::move(path), std::move(message), code};
    return false;
  }

  std::string_view text_;
  std::string_view root_;
  dom_t* dom_;
  std::vector<frame> stack_;
  std::optional<error> err_;
};

std::optional<error> empty_document(std::string_view text, std::string_view root) {
  if (skip_bom(text).find_first_not_of(" \t\r\n") != std::string_view::npos) return std::nullopt;
  return error{std::string(root), "empty document (no JSON value)", error_code::malformed_document};
}

/// A path to a DOM value, built only when an error is found.
struct dom_path {
  const dom_path* up = nullptr;
  std::string_view key;
  std::size_t index = 0;
  bool is_key = false;
  [[nodiscard]] std::string str(std::string_view root) const {
    if (!up) return std::string(root);
    const std::string base = up->str(root);
    return is_key ? member_path(base, key) : index_path(base, index);
  }
};

/// Finds a key given twice in any object of a parsed document; recursion is
/// bounded by the parser's nesting limit.
class key_checker {
 public:
  explicit key_checker(std::string_view root) : root_(root) {}

  std::optional<error> check(simdjson::dom::element e, const dom_path& at) {
    using simdjson::dom::element_type;
    if (e.type() == element_type::STRING) {
      if (std::string_view(e).size() > max_string_bytes) return too_long(at.str(root_), std::string_view(e), false);
    } else if (e.type() == element_type::ARRAY) {
      std::size_t i = 0;
      for (simdjson::dom::element c : simdjson::dom::array(e)) {
        const dom_path child{&at, {}, i++, false};
        if (auto err = check(c, child)) return err;
      }
    } else if (e.type() == element_type::OBJECT) {
      const simdjson::dom::object o(e);
      if (auto dup = duplicate_key(o))
        return error{member_path(at.str(root_), *dup), "the key is given twice", error_code::duplicate};
      for (auto field : o) {
        if (field.key.size() > max_key_bytes) return too_long(at.str(root_), field.key, true);
        const dom_path child{&at, field.key, 0, true};
        if (auto err = check(field.value, child)) return err;
      }
    }
    return std::nullopt;
  }

 private:
  std::optional<std::string_view> duplicate_key(const simdjson::dom::object& o) {
    keys_.clear();
    for (auto field : o) keys_.push_back(field.key);
    if (keys_.size() <= 16) {
      for (std::size_t i = 1; i < keys_.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
          if (keys_[i] == keys_[j]) return keys_[i];
      return std::nullopt;
    }
    std::sort(keys_.begin(), keys_.end());
    const auto it = std::adjacent_find(keys_.begin(), keys_.end());
    if (it == keys_.end()) return std::nullopt;
    return *it;
  }

  std::string_view root_;
  std::vector<std::string_view> keys_;
};

}  // namespace

std::string member_path(std::string_view base, std::string_view key) {
  return identifier(key) ? field_path(base, key) : key_path(base, key);
}

std::string excerpt(std::string_view text, std::size_t from) {
  std::string out = "\"";
  std::size_t i = std::min(from, text.size());
  const std::size_t end = std::min(text.size(), i + max_excerpt_bytes);
  while (i < end) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8_length(text, i);
    if (n > 1 && i + n > end) break;  // a character the window would cut
    if (n == 0) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  if (i < text.size()) out += "…";
  out += '"';
  return out;
}

std::string short_text(std::string_view text) {
  const bool plain = text.size() <= max_excerpt_bytes && std::all_of(text.begin(), text.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
  });
  return plain ? std::string(text) : excerpt(text);
}

std::string bounded_message(std::string message) {
  if (message.size() <= max_message_bytes) return message;
  return utf8_prefix(message, max_message_bytes) + "…";
}

std::string too_deep_message() {
  return fmt::format("nested deeper than {} levels of arrays and objects", max_nesting_depth);
}

std::string_view skip_bom(std::string_view text) {
  return text.starts_with("\xEF\xBB\xBF") ? text.substr(3) : text;
}

std::optional<error> check_size(std::string_view text, std::string_view path) {
  if (text.size() <= max_input_bytes) return std::nullopt;
  return error{std::string(path),
               fmt::format("the document is {} bytes, more than the limit of {} bytes", text.size(), max_input_bytes),
               error_code::limit_exceeded};
}

std::optional<error> diagnose_json(std::string_view text, std::string_view root) {
  if (auto e = check_size(text, root)) return e;
  if (auto e = empty_document(text, root)) return e;
  checker<nlohmann::json> c(text, root, nullptr);
  (void)nlohmann::json::sax_parse(text, &c);
  return c.failure();
}

result<simdjson::dom::element> parse_json(simdjson::dom::parser& parser, std::string_view text,
                                          std::string_view root) {
  if (auto e = check_size(text, root)) return *e;
  // Before the parser sees it: an empty view may have no data at all, which
  // simdjson must not be given (found by the plan_faults fuzz target).
  if (auto e = empty_document(text, root)) return *e;
  if (parser.max_depth() != max_nesting_depth)
    if (parser.allocate(std::max<std::size_t>(parser.capacity(), 64), max_nesting_depth) != simdjson::SUCCESS)
      return error{std::string(root), "cannot allocate the JSON parser", error_code::limit_exceeded};
  const std::string_view body = skip_bom(text);
  simdjson::dom::element doc;
  if (auto code = parser.parse(body.data(), body.size(), true).get(doc)) {
    if (auto e = diagnose_json(text, root)) return *e;
    const bool too_deep = code == simdjson::DEPTH_ERROR;
    return error{std::string(root), fmt::format("JSON not accepted: {}", simdjson::error_message(code)),
                 too_deep ? error_code::limit_exceeded : error_code::malformed_document};
  }
  key_checker keys(root);
  if (auto e = keys.check(doc, dom_path{})) return *e;
  return doc;
}

template <class Json>
result<Json> parse_json_value(std::string_view text, std::string_view root) {
  if (auto e = check_size(text, root)) return *e;
  if (auto e = empty_document(text, root)) return *e;
  Json value;
  nlohmann::detail::json_sax_dom_parser<Json> dom(value, false);
  checker<Json> c(text, root, &dom);
  if (!Json::sax_parse(text, &c)) {
    if (c.failure()) return *c.failure();
    return error{std::string(root), "malformed JSON", error_code::malformed_document};
  }
  return value;
}

template result<nlohmann::json> parse_json_value<nlohmann::json>(std::string_view, std::string_view);
template result<nlohmann::ordered_json> parse_json_value<nlohmann::ordered_json>(std::string_view, std::string_view);

}  // namespace npusched::k8s::detail
