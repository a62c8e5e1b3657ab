#include <array>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "detail.hpp"

namespace npusched::k8s::detail {

namespace {

constexpr std::uint64_t int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
constexpr std::size_t max_significant_digits = 18;
// Exponents beyond this make every representable quantity 0 or overflow;
// the bound keeps the arithmetic below away from huge loops.
constexpr int max_exponent = 100;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct suffix_scale {
  std::string_view name;
  int exp10;
  int exp2;
};

constexpr std::array<suffix_scale, 16> suffixes{{
    {"Ki", 0, 10}, {"Mi", 0, 20}, {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},  {"", 0, 0},    {"k", 3, 0},   {"M", 6, 0},
    {"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},
}};

// a · b, or nothing above int64 max.
std::optional<std::uint64_t> mul_checked(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > int64_max / a) return std::nullopt;
  return a * b;
}

}  // namespace

result<quantity> parse_quantity(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return error{"", fmt::format("\"{}\" is not a Kubernetes quantity: {}", text, why)};
  };
  std::size_t i = 0;
  quantity q;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    q.negative = text[i] == '-';
    ++i;
  }
  std::string digits;  // integer and fraction digits, without the point
  int fraction_digits = 0;
  bool any_digit = false;
  while (i < text.size() && is_digit(text[i])) {
    digits += text[i++];
    any_digit = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      digits += text[i++];
      ++fraction_digits;
      any_digit = true;
    }
  }
  if (!any_digit) return bad("no digits");

  const std::string_view suffix = text.substr(i);
  int exp10 = -fraction_digits;
  int exp2 = 0;
  bool known = false;
  for (const auto& s : suffixes) {
    if (s.name == suffix) {
      exp10 += s.exp10;
      exp2 = s.exp2;
      known = true;
      break;
    }
  }
  if (!known) {
    if (suffix.size() < 2 || (suffix[0] != 'e' && suffix[0] != 'E')) return bad("unknown suffix");
    std::string_view e = suffix.substr(1);
    bool e_negative = false;
    if (e[0] == '+' || e[0] == '-') {
      e_negative = e[0] == '-';
      e.remove_prefix(1);
    }
    int value = 0;
    const auto [end, ec] = std::from_chars(e.data(), e.data() + e.size(), value);
    if (e.empty() || ec != std::errc{} || end != e.data() + e.size() || !is_digit(e[0]))
      return bad("bad exponent");
    if (value > max_exponent) return bad("exponent out of range");
    exp10 += e_negative ? -value : value;
  }

  // Significant digits only: drop leading zeros, fold trailing zeros into the exponent.
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return quantity{};  // zero, whatever the sign and suffix
  digits.erase(0, first);
  while (digits.back() == '0') {
    digits.pop_back();
    ++exp10;
  }
  if (digits.size() > max_significant_digits) return bad("more than 18 significant digits");
  std::uint64_t value = 0;
  for (char c : digits) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  q.digits = value;
  q.exp10 = exp10;
  q.exp2 = exp2;
  return q;
}

std::optional<scaled_value> scale(const quantity& q, int scale_exp10) {
  std::uint64_t m = q.digits;
  if (m == 0) return scaled_value{};
  const int e = q.exp10 + scale_exp10;
  if (e > max_exponent) return std::nullopt;
  for (int b = 0; b < q.exp2; ++b) {
    auto next = mul_checked(m, 2);
    if (!next) return std::nullopt;
    m = *next;
  }
  scaled_value out;
  if (e >= 0) {
    for (int k = 0; k < e; ++k) {
      auto next = mul_checked(m, 10);
      if (!next) return std::nullopt;
      m = *next;
    }
  } else {
    // Divide by 10^-e, rounding away from zero; 10^19 already exceeds every m.
    std::uint64_t divisor = 1;
    bool huge = false;
    for (int k = 0; k < -e; ++k) {
      if (divisor > std::numeric_limits<std::uint64_t>::max() / 10) {
        huge = true;
        break;
      }
      divisor *= 10;
    }
    if (huge) {
      m = 1;
      out.exact = false;
    } else {
      const std::uint64_t rest = m % divisor;
      m = m / divisor + (rest != 0 ? 1 : 0);
      out.exact = rest == 0;
    }
  }
  if (m > int64_max) return std::nullopt;
  out.value = q.negative ? -static_cast<std::int64_t>(m) : static_cast<std::int64_t>(m);
  return out;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `pos`.
std::optional<unsigned> fixed_digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return std::nullopt;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return v;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  const auto year = fixed_digits(s, 0, 4);
  const auto month = fixed_digits(s, 5, 2);
  const auto day = fixed_digits(s, 8, 2);
  const auto hour = fixed_digits(s, 11, 2);
  const auto minute = fixed_digits(s, 14, 2);
  const auto second = fixed_digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) || *hour > 23 || *minute > 59 ||
      *second > 60)
    return std::nullopt;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == start) return std::nullopt;
  }
  std::int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const auto oh = fixed_digits(s, i + 1, 2);
    const auto om = fixed_digits(s, i + 4, 2);
    if (!oh || !om || s[i + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset = (s[i] == '+' ? 1 : -1) * (static_cast<std::int64_t>(*oh) * 3600 + static_cast<std::int64_t>(*om) * 60);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(*year, *month, *day);
  return days * 86400 + static_cast<std::int64_t>(*hour) * 3600 + static_cast<std::int64_t>(*minute) * 60 +
         static_cast<std::int64_t>(*second) - offset;
}

std::string format_rfc3339(std::int64_t t) {
  std::int64_t days = t / 86400;
  std::int64_t rest = t % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  const civil c = civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, rest / 3600, (rest / 60) % 60,
                     rest % 60);
}

std::optional<int> parse_chip_name(std::string_view name) {
  constexpr std::string_view prefix = "Ascend910-";
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view digits = name.substr(prefix.size());
  for (char c : digits)
    if (!is_digit(c)) return std::nullopt;
  const auto first = digits.find_first_not_of('0');
  if (first == std::string_view::npos) return 0;
  digits.remove_prefix(first);
  if (digits.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

std::string chip_name(int chip) { return fmt::format("Ascend910-{}", chip); }

chip_list parse_chip_list(std::string_view text) {
  chip_list out;
  if (text.empty()) return out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    const auto chip = parse_chip_name(item);
    if (!chip) {
      out.bad = std::string(item);
      out.chips.clear();
      return out;
    }
    out.chips.push_back(*chip);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string join_chip_names(const std::vector<int>& chips) {
  std::string out;
  for (int c : chips) {
    if (!out.empty()) out += ',';
    out += chip_name(c);
  }
  return out;
}

std::string field_path(std::string_view base, std::string_view name) {
  if (base.empty()) return std::string(name);
  std::string out(base);
  out += '.';
  out += name;
  return out;
}

std::string key_path(std::string_view base, std::string_view key) {
  std::string out(base);
  out += "[\"";
  for (char c : key) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += "\"]";
  return out;
}

std::string index_path(std::string_view base, std::size_t index) { return fmt::format("{}[{}]", base, index); }

}  // namespace npusched::k8s::detail
