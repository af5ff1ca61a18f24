// Strict number parsing shared by the library's text parsers (not installed).
#pragma once

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>
#include <system_error>

namespace nsdev::detail {

/**
 * parse_decimal - a whole string as an unsigned decimal number.
 * @text: digits only; no sign, no whitespace, no "0x".
 *
 * Return: the value, or std::nullopt if @text is empty, holds anything but
 * digits, or does not fit in T. Use is_digits() to tell the two apart.
 */
template <std::unsigned_integral T>
std::optional<T> parse_decimal(std::string_view text) {
    T value{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
    if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

/** is_digits - true if @text is non-empty and holds only '0'-'9'. */
inline bool is_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace nsdev::detail
