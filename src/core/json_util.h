// What qv's JSON parser and writer share (src/core only).
#pragma once

#include "qv/core/json.h"

#include <cstdint>
#include <locale.h>
#include <string>
#include <string_view>

namespace qv::json::detail {

// Numbers are read and written in the C locale whatever the process's
// LC_NUMERIC says (a decimal comma would break the format).
class CLocale {
public:
    CLocale() {
        static const locale_t c = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
        old_ = c ? uselocale(c) : static_cast<locale_t>(nullptr);
    }
    ~CLocale() {
        if (old_) uselocale(old_);
    }
    CLocale(const CLocale &) = delete;
    CLocale &operator=(const CLocale &) = delete;

private:
    locale_t old_;
};


inline void appendUtf8(std::string &o, uint32_t cp) {
    if (cp < 0x80) {
        o += static_cast<char>(cp);
    } else if (cp < 0x800) {
        o += static_cast<char>(0xc0 | (cp >> 6));
        o += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        o += static_cast<char>(0xe0 | (cp >> 12));
        o += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        o += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        o += static_cast<char>(0xf0 | (cp >> 18));
        o += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        o += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        o += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// Length of the well-formed UTF-8 sequence at s[i] (lead byte >= 0x80), or 0
// (overlong forms, surrogates and code points past U+10FFFF are not UTF-8).
inline size_t utf8Length(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
    const unsigned c = b(0);
    const auto cont = [&](size_t k) { return (b(k) & 0xc0) == 0x80; };
    if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        const unsigned c1 = b(1);
        if (c == 0xe0 && c1 < 0xa0) return 0;    // overlong
        if (c == 0xed && c1 >= 0xa0) return 0;   // surrogates
        return cont(1) && cont(2) ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        const unsigned c1 = b(1);
        if (c == 0xf0 && c1 < 0x90) return 0;    // overlong
        if (c == 0xf4 && c1 >= 0x90) return 0;   // past U+10FFFF
        return cont(1) && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
}

inline int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace qv::json::detail
