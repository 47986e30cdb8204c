#include "qv/ipc/args.h"

#include "qv/ipc/ipc.h"

#include <cmath>

namespace qv::ipc {
namespace {

// What was sent, for the message: 1e+300, "maybe", an object, nothing.
std::string describe(const json::Value *v) {
    if (!v) return "nothing";
    switch (v->type()) {
    case json::Type::Int:
    case json::Type::Real:
    case json::Type::Bool:
    case json::Type::Null: return json::write(*v);
    case json::Type::String: {
        const std::string &s = v->asString();
        if (s.size() <= 40) return json::quoted(s);
        std::string cut = s.substr(0, 40);
        while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xc0) == 0x80) cut.pop_back();
        if (!cut.empty() && static_cast<unsigned char>(cut.back()) >= 0xc0) cut.pop_back();
        return json::quoted(cut + "...");
    }
    default: return json::typeName(v->type());
    }
}

Error bad(const char *what, const std::string &expected, const json::Value *v) {
    return Error::make(ErrorKind::Usage, std::string(what) + ": expected " + expected + ", got " + describe(v));
}

// A JSON number, or a string that is exactly one JSON number.
bool asNumber(const json::Value *v, json::Value &out) {
    if (!v) return false;
    if (v->isNumber()) {
        out = *v;
        return true;
    }
    if (!v->isString() || v->asString().empty()) return false;
    json::Limits lim;
    lim.maxBytes = 64;
    lim.maxDepth = 0;
    auto p = json::parse(v->asString(), lim);
    if (!p || !p.value().isNumber()) return false;
    out = std::move(p).value();
    return true;
}

std::string num(double d) {
    if (d == std::trunc(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
    json::Writer w;
    w.real(d);
    return w.take();
}

} // namespace

Result<double> numberArg(const json::Value *v, const char *what, double lo, double hi) {
    json::Value n;
    const std::string expected = "a number from " + num(lo) + " to " + num(hi);
    if (!asNumber(v, n)) return bad(what, expected, v);
    const double d = n.asDouble();
    if (!std::isfinite(d) || d < lo || d > hi) return bad(what, expected, v);
    return d;
}

Result<int64_t> integerArg(const json::Value *v, const char *what, int64_t lo, int64_t hi) {
    json::Value n;
    const std::string expected = "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
    if (!asNumber(v, n) || !n.isInt()) return bad(what, expected, v);
    const int64_t i = n.asInt();
    if (i < lo || i > hi) return bad(what, expected, v);
    return i;
}

Result<bool> flagArg(const json::Value *v, const char *what) {
    if (v && v->isBool()) return v->asBool();
    if (v && v->isString()) {
        if (v->asString() == "yes") return true;
        if (v->asString() == "no") return false;
    }
    return bad(what, "yes or no", v);
}

Result<std::string> stringArg(const json::Value *v, const char *what) {
    if (v && v->isString()) return v->asString();
    return bad(what, "a string", v);
}

Result<int64_t> secondsArg(const json::Value *v, const char *what) {
    json::Value n;
    const std::string expected = "a number of seconds from " + num(-kMaxSeconds) + " to " + num(kMaxSeconds);
    if (!asNumber(v, n)) return bad(what, expected, v);
    if (n.isInt()) {
        const int64_t s = n.asInt();
        if (s < -static_cast<int64_t>(kMaxSeconds) || s > static_cast<int64_t>(kMaxSeconds))
            return bad(what, expected, v);
        return s * 1000000000;
    }
    const double d = n.asDouble();
    if (!std::isfinite(d) || d < -kMaxSeconds || d > kMaxSeconds) return bad(what, expected, v);
    return static_cast<int64_t>(std::llround(d * 1e9));
}

Result<SeekFlags> seekFlags(const json::Value *flags, const json::Value *flags2) {
    SeekFlags f;
    bool haveMode = false;
    for (const json::Value *v : {flags, flags2}) {
        if (!v) continue;
        if (!v->isString()) return bad("seek flags", "relative or absolute, +exact or +keyframes", v);
        const std::string &s = v->asString();
        size_t start = 0;
        for (;;) {
            const size_t plus = s.find('+', start);
            const std::string part = s.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
            const bool mode = part == "relative" || part == "absolute";
            const bool prec = part == "exact" || part == "keyframes";
            if (!mode && !prec)
                return Error::make(ErrorKind::Usage,
                                   part.empty() ? "seek flags: an empty flag in " + json::quoted(s)
                                                : "seek flags: unknown flag " + json::quoted(part) +
                                                      " (relative, absolute, exact, keyframes)");
            if (mode) {
                if (haveMode) return Error::make(ErrorKind::Usage, "seek flags: relative or absolute, only one");
                haveMode = true;
                f.absolute = part == "absolute";
            } else {
                if (f.precision != SeekFlags::Precision::Default)
                    return Error::make(ErrorKind::Usage, "seek flags: exact or keyframes, only one");
                f.precision = part == "exact" ? SeekFlags::Precision::Exact : SeekFlags::Precision::Keyframes;
            }
            if (plus == std::string::npos) break;
            start = plus + 1;
        }
    }
    return f;
}

Result<void> argCount(const Request &r, size_t min, size_t max) {
    const size_t n = r.args.size();
    if (n >= min && n <= max) return okResult();
    std::string want = min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
    return Error::make(ErrorKind::Usage, r.command + ": expected " + want + (max == 1 && min == max ? " argument" : " arguments") +
                                             ", got " + std::to_string(n));
}

} // namespace qv::ipc
