#include "json_util.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace qv::json {
using namespace detail;
// ---- parser ----

class Parser {
public:
    Parser(std::string_view s, const Limits &l) : s_(s), limits_(l) {}

    Result<Value> run() {
        if (s_.size() > limits_.maxBytes)
            return fail(0, "longer than " + std::to_string(limits_.maxBytes) + " bytes");
        // Open containers, innermost last; each holds its members so far.
        std::vector<Value> open;
        Value done;
        bool haveRoot = false;
        for (;;) {
            // A value is expected here.
            ws();
            if (i_ >= s_.size()) return fail(i_, open.empty() ? "no JSON value" : "the text ends inside a value");
            const char c = s_[i_];
            Value v;
            if (c == '{' || c == '[') {
                if (static_cast<int>(open.size()) >= limits_.maxDepth)
                    return fail(i_, "nested deeper than " + std::to_string(limits_.maxDepth) + " levels");
                ++i_;
                open.push_back(c == '{' ? Value::object() : Value::array());
                ws();
                const char close = c == '{' ? '}' : ']';
                if (i_ < s_.size() && s_[i_] == close) {
                    ++i_;
                    v = std::move(open.back());
                    open.pop_back();
                } else {
                    if (c == '{' && !memberKey(open.back())) return error_;
                    continue;
                }
            } else if (c == '"') {
                std::string str;
                if (!string(str)) return error_;
                v = Value::string(std::move(str));
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                if (!number(v)) return error_;
            } else if (literal("true")) {
                v = Value::boolean(true);
            } else if (literal("false")) {
                v = Value::boolean(false);
            } else if (literal("null")) {
                v = Value();
            } else {
                return fail(i_, "expected a value");
            }
            // v is complete: add it to its container; close containers.
            for (;;) {
                if (open.empty()) {
                    done = std::move(v);
                    haveRoot = true;
                    break;
                }
                Value &top = open.back();
                top.items_.push_back(std::move(v));
                ws();
                const char close = top.type_ == Type::Object ? '}' : ']';
                if (i_ < s_.size() && s_[i_] == ',') {
                    ++i_;
                    if (top.type_ == Type::Object && !memberKey(top)) return error_;
                    break;   // the next value
                }
                if (i_ < s_.size() && s_[i_] == close) {
                    ++i_;
                    if (top.type_ == Type::Object && !uniqueKeys(top)) return error_;
                    v = std::move(top);
                    open.pop_back();
                    continue;
                }
                return fail(i_, top.type_ == Type::Object ? "expected ',' or '}'" : "expected ',' or ']'");
            }
            if (haveRoot) break;
        }
        ws();
        if (i_ != s_.size()) return fail(i_, "trailing characters after the JSON value");
        return done;
    }

private:
    Result<Value> error_ = Value();

    bool failB(size_t at, const std::string &msg) {
        error_ = fail(at, msg);
        return false;
    }
    static Error fail(size_t at, const std::string &msg) {
        return Error::make(ErrorKind::Format, "byte " + std::to_string(at) + ": " + msg);
    }

    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }

    bool literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        return true;
    }

    // "name" : (the value follows)
    bool memberKey(Value &obj) {
        ws();
        if (i_ >= s_.size() || s_[i_] != '"') return failB(i_, "expected a member name in quotes");
        std::string k;
        if (!string(k)) return false;
        ws();
        if (i_ >= s_.size() || s_[i_] != ':') return failB(i_, "expected ':' after a member name");
        ++i_;
        obj.keys_.push_back(std::move(k));
        return true;
    }

    bool uniqueKeys(const Value &obj) {
        const auto &k = obj.keys_;
        if (k.size() < 2) return true;
        if (k.size() <= 8) {
            for (size_t a = 0; a < k.size(); ++a)
                for (size_t b = a + 1; b < k.size(); ++b)
                    if (k[a] == k[b]) return failB(i_ - 1, "duplicate member name \"" + k[a] + "\"");
            return true;
        }
        std::vector<std::string_view> sorted(k.begin(), k.end());
        std::sort(sorted.begin(), sorted.end());
        auto d = std::adjacent_find(sorted.begin(), sorted.end());
        if (d != sorted.end()) return failB(i_ - 1, "duplicate member name \"" + std::string(*d) + "\"");
        return true;
    }

    bool hex4(uint32_t &out) {
        if (i_ + 4 > s_.size()) return failB(i_, "\\u needs four hex digits");
        out = 0;
        for (int k = 0; k < 4; ++k) {
            const int h = hexDigit(s_[i_ + k]);
            if (h < 0) return failB(i_, "\\u needs four hex digits");
            out = out << 4 | static_cast<uint32_t>(h);
        }
        i_ += 4;
        return true;
    }

    bool string(std::string &out) {
        const size_t start = i_;
        ++i_;   // the opening quote
        for (;;) {
            // A run of plain bytes at once.
            size_t j = i_;
            while (j < s_.size()) {
                const auto c = static_cast<unsigned char>(s_[j]);
                if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
                ++j;
            }
            out.append(s_.data() + i_, j - i_);
            i_ = j;
            if (i_ >= s_.size()) return failB(start, "a string is not closed");
            const auto c = static_cast<unsigned char>(s_[i_]);
            if (c == '"') {
                ++i_;
                return true;
            }
            if (c < 0x20) return failB(i_, "a control character inside a string (escape it)");
            if (c >= 0x80) {
                const size_t n = utf8Length(s_, i_);
                if (n == 0) return failB(i_, "a string is not valid UTF-8");
                out.append(s_.data() + i_, n);
                i_ += n;
                continue;
            }
            // A backslash.
            if (++i_ >= s_.size()) return failB(start, "a string is not closed");
            const char e = s_[i_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                const size_t at = i_ - 2;
                uint32_t cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xdc00 && cp <= 0xdfff) return failB(at, "a lone low surrogate (\\udc00..\\udfff)");
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    uint32_t lo = 0;
                    if (i_ + 2 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u')
                        return failB(at, "a high surrogate without its low half");
                    i_ += 2;
                    if (!hex4(lo)) return false;
                    if (lo < 0xdc00 || lo > 0xdfff) return failB(at, "a high surrogate without its low half");
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
                appendUtf8(out, cp);
                break;
            }
            default: return failB(i_ - 2, std::string("an unknown escape \\") + e);
            }
        }
    }

    bool number(Value &out) {
        const size_t start = i_;
        bool neg = false;
        if (s_[i_] == '-') {
            neg = true;
            ++i_;
        }
        const auto digit = [&](size_t k) { return k < s_.size() && s_[k] >= '0' && s_[k] <= '9'; };
        if (!digit(i_)) return failB(start, "a number needs digits");
        if (s_[i_] == '0' && digit(i_ + 1)) return failB(start, "a number with a leading zero");
        const size_t intStart = i_;
        while (digit(i_)) ++i_;
        const size_t intEnd = i_;
        bool integral = true;
        if (i_ < s_.size() && s_[i_] == '.') {
            integral = false;
            ++i_;
            if (!digit(i_)) return failB(start, "a number needs digits after '.'");
            while (digit(i_)) ++i_;
        }
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            integral = false;
            ++i_;
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
            if (!digit(i_)) return failB(start, "a number needs digits in its exponent");
            while (digit(i_)) ++i_;
        }
        if (integral) {
            // Accumulate as unsigned magnitude; beyond int64 it is a Real.
            uint64_t m = 0;
            bool over = false;
            for (size_t k = intStart; k < intEnd && !over; ++k) {
                const uint64_t d = static_cast<uint64_t>(s_[k] - '0');
                if (m > (UINT64_MAX - d) / 10) over = true;
                else m = m * 10 + d;
            }
            const uint64_t lim = neg ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX);
            if (!over && m <= lim) {
                out = Value::integer(neg ? (m == lim ? INT64_MIN : -static_cast<int64_t>(m)) : static_cast<int64_t>(m));
                return true;
            }
        }
        const std::string text(s_.substr(start, i_ - start));
        CLocale c;
        errno = 0;
        const double d = std::strtod(text.c_str(), nullptr);
        if (!std::isfinite(d)) return failB(start, "a number too large for a double");
        out = Value::real(d);
        return true;
    }

    std::string_view s_;
    const Limits &limits_;
    size_t i_ = 0;
};

Result<Value> parse(std::string_view text, const Limits &limits) { return Parser(text, limits).run(); }

} // namespace qv::json
