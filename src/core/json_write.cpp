#include "json_util.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace qv::json {
using namespace detail;
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

