#include "qv/core/json.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <locale.h>

namespace qv::json {
namespace {

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

const Value kNull;
const std::string kEmpty;

void appendUtf8(std::string &o, uint32_t cp) {
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
size_t utf8Length(std::string_view s, size_t i) {
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

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

const char *typeName(Type t) {
    switch (t) {
    case Type::Null: return "null";
    case Type::Bool: return "a boolean";
    case Type::Int: return "an integer";
    case Type::Real: return "a number";
    case Type::String: return "a string";
    case Type::Array: return "an array";
    case Type::Object: return "an object";
    }
    return "?";
}

// ---- Value ----

Value Value::boolean(bool b) {
    Value v;
    v.type_ = Type::Bool;
    v.u_.b = b;
    return v;
}

Value Value::integer(int64_t i) {
    Value v;
    v.type_ = Type::Int;
    v.u_.i = i;
    return v;
}

Value Value::real(double d) {
    Value v;
    v.type_ = Type::Real;
    v.u_.d = d;
    return v;
}

Value Value::string(std::string s) {
    Value v;
    v.type_ = Type::String;
    v.s_ = std::move(s);
    return v;
}

Value Value::array() {
    Value v;
    v.type_ = Type::Array;
    return v;
}

Value Value::object() {
    Value v;
    v.type_ = Type::Object;
    return v;
}

Value Value::shallowCopy() const {
    Value v;
    v.type_ = type_;
    v.u_ = u_;
    v.s_ = s_;
    v.keys_ = keys_;
    return v;
}

Value::Value(const Value &o) : type_(o.type_), u_(o.u_), s_(o.s_), keys_(o.keys_) {
    // Children level by level with an explicit work list, not recursion.
    std::vector<std::pair<const Value *, Value *>> work{{&o, this}};
    while (!work.empty()) {
        auto [src, dst] = work.back();
        work.pop_back();
        dst->items_.reserve(src->items_.size());
        for (const Value &c : src->items_) dst->items_.push_back(c.shallowCopy());
        for (size_t k = 0; k < src->items_.size(); ++k)
            if (!src->items_[k].items_.empty()) work.emplace_back(&src->items_[k], &dst->items_[k]);
    }
}

Value::Value(Value &&o) noexcept
    : type_(o.type_), u_(o.u_), s_(std::move(o.s_)), items_(std::move(o.items_)), keys_(std::move(o.keys_)) {
    o.type_ = Type::Null;
}

Value &Value::operator=(const Value &o) {
    if (this != &o) {
        Value t(o);
        *this = std::move(t);
    }
    return *this;
}

Value &Value::operator=(Value &&o) noexcept {
    if (this != &o) {
        // o may be one of our own descendants: take it out first; what we
        // held goes with old (destroyed iteratively).
        Value in(std::move(o));
        Value old(std::move(*this));
        type_ = in.type_;
        u_ = in.u_;
        s_ = std::move(in.s_);
        items_ = std::move(in.items_);
        keys_ = std::move(in.keys_);
    }
    return *this;
}

Value::~Value() { releaseChildren(); }

void Value::releaseChildren() noexcept {
    if (items_.empty()) return;
    // Every descendant is moved onto one flat list before it is destroyed,
    // so no destructor ever runs with children of its own.
    std::vector<Value> pending = std::move(items_);
    items_.clear();
    while (!pending.empty()) {
        Value v = std::move(pending.back());
        pending.pop_back();
        for (Value &c : v.items_) pending.push_back(std::move(c));
        v.items_.clear();
    }
}

double Value::asDouble() const {
    if (type_ == Type::Int) return static_cast<double>(u_.i);
    if (type_ == Type::Real) return u_.d;
    return 0;
}

const Value &Value::at(size_t k) const { return k < items_.size() ? items_[k] : kNull; }

const std::string &Value::keyAt(size_t k) const { return k < keys_.size() ? keys_[k] : kEmpty; }

const Value *Value::find(std::string_view key) const {
    if (type_ != Type::Object) return nullptr;
    for (size_t k = 0; k < keys_.size(); ++k)
        if (keys_[k] == key) return &items_[k];
    return nullptr;
}

Value &Value::push(Value v) {
    items_.push_back(std::move(v));
    return items_.back();
}

Value &Value::set(std::string key, Value v) {
    for (size_t k = 0; k < keys_.size(); ++k)
        if (keys_[k] == key) return items_[k] = std::move(v);
    keys_.push_back(std::move(key));
    items_.push_back(std::move(v));
    return items_.back();
}

bool Value::operator==(const Value &o) const {
    std::vector<std::pair<const Value *, const Value *>> work{{this, &o}};
    while (!work.empty()) {
        auto [a, b] = work.back();
        work.pop_back();
        if (a->type_ != b->type_ || a->items_.size() != b->items_.size() || a->keys_ != b->keys_ || a->s_ != b->s_)
            return false;
        if (a->type_ == Type::Bool && a->u_.b != b->u_.b) return false;
        if (a->type_ == Type::Int && a->u_.i != b->u_.i) return false;
        if (a->type_ == Type::Real && !(a->u_.d == b->u_.d)) return false;
        for (size_t k = 0; k < a->items_.size(); ++k) work.emplace_back(&a->items_[k], &b->items_[k]);
    }
    return true;
}

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
                uint32_t cp;
                if (!hex4(cp)) return false;
                if (cp >= 0xdc00 && cp <= 0xdfff) return failB(at, "a lone low surrogate (\\udc00..\\udfff)");
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    uint32_t lo;
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

// ---- writer ----

void Writer::beforeValue() {
    if (afterKey_) {
        afterKey_ = false;
        return;
    }
    if (!stack_.empty()) {
        if (stack_.back()) out_ += ", ";
        stack_.back() = 1;
    }
    wrote_ = true;
}

Writer &Writer::beginObject() {
    beforeValue();
    out_ += '{';
    stack_.push_back(0);
    return *this;
}

Writer &Writer::endObject() {
    out_ += '}';
    if (!stack_.empty()) stack_.pop_back();
    return *this;
}

Writer &Writer::beginArray() {
    beforeValue();
    out_ += '[';
    stack_.push_back(0);
    return *this;
}

Writer &Writer::endArray() {
    out_ += ']';
    if (!stack_.empty()) stack_.pop_back();
    return *this;
}

Writer &Writer::key(std::string_view name) {
    beforeValue();
    out_ += quoted(name);
    out_ += ": ";
    afterKey_ = true;
    return *this;
}

Writer &Writer::null() {
    beforeValue();
    out_ += "null";
    return *this;
}

Writer &Writer::boolean(bool b) {
    beforeValue();
    out_ += b ? "true" : "false";
    return *this;
}

Writer &Writer::integer(int64_t i) {
    beforeValue();
    char b[24];
    const int n = std::snprintf(b, sizeof b, "%lld", static_cast<long long>(i));
    out_.append(b, static_cast<size_t>(n));
    return *this;
}

Writer &Writer::real(double v, int digits) {
    if (!std::isfinite(v)) return null();
    if (v == 0) v = 0;   // -0 would read back as the integer 0 and write as "0"
    beforeValue();
    char b[40];
    CLocale c;
    int n = 0;
    if (digits > 0) {
        n = std::snprintf(b, sizeof b, "%.*g", std::min(digits, 17), v);
    } else {
        for (int prec : {6, 15, 16, 17}) {   // %g first where it is exact
            n = std::snprintf(b, sizeof b, "%.*g", prec, v);
            if (std::strtod(b, nullptr) == v) break;
        }
    }
    out_.append(b, static_cast<size_t>(n));
    return *this;
}

Writer &Writer::fixed(double v, int decimals) {
    if (!std::isfinite(v)) return null();
    beforeValue();
    decimals = std::clamp(decimals, 0, 17);
    char b[400];   // %f of 1e308 is 309 digits
    CLocale c;
    const int n = std::snprintf(b, sizeof b, "%.*f", decimals, v);
    out_.append(b, static_cast<size_t>(std::min(n, static_cast<int>(sizeof b) - 1)));
    return *this;
}

Writer &Writer::string(std::string_view s) {
    beforeValue();
    out_ += quoted(s);
    return *this;
}

Writer &Writer::raw(std::string_view json) {
    beforeValue();
    out_ += json;
    return *this;
}

Writer &Writer::value(const Value &root) {
    // Explicit stack of (container, next child): no recursion.
    struct Item {
        const Value *v;
        size_t next;
    };
    std::vector<Item> work;
    const Value *v = &root;
    for (;;) {
        if (v) {
            switch (v->type()) {
            case Type::Null: null(); break;
            case Type::Bool: boolean(v->asBool()); break;
            case Type::Int: integer(v->asInt()); break;
            case Type::Real: real(v->asDouble()); break;
            case Type::String: string(v->asString()); break;
            case Type::Array:
                beginArray();
                work.push_back({v, 0});
                break;
            case Type::Object:
                beginObject();
                work.push_back({v, 0});
                break;
            }
            v = nullptr;
        }
        if (work.empty()) break;
        Item &top = work.back();
        if (top.next < top.v->size()) {
            if (top.v->isObject()) key(top.v->keyAt(top.next));
            v = &top.v->at(top.next++);
        } else {
            if (top.v->isObject()) endObject();
            else endArray();
            work.pop_back();
        }
    }
    return *this;
}

std::string quoted(std::string_view s) {
    std::string o;
    o.reserve(s.size() + 2);
    o += '"';
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const size_t n = utf8Length(s, i);
            if (n) {
                o.append(s.data() + i, n);
                i += n;
            } else {
                o += "\xef\xbf\xbd";   // U+FFFD for a byte that is not UTF-8
                ++i;
            }
            continue;
        }
        switch (c) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        case '\t': o += "\\t"; break;
        default:
            if (c < 0x20) {
                char b[8];
                std::snprintf(b, sizeof b, "\\u%04x", c);
                o += b;
            } else {
                o += static_cast<char>(c);
            }
        }
        ++i;
    }
    o += '"';
    return o;
}

std::string write(const Value &v) {
    Writer w;
    w.value(v);
    return w.take();
}

} // namespace qv::json
