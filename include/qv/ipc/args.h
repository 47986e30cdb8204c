// Strict readers for --input-ipc command arguments (pure; unit-tested).
//
// Each takes the argument as sent (nullptr: absent) and a name for messages,
// and gives the value or an Error (ErrorKind::Usage) whose message is one
// line for the error reply: "seek target: expected a number of seconds from
// -1000000000 to 1000000000, got 1e+300". Numbers may come as JSON numbers
// or as strings holding exactly one JSON number ("2.5", as mpv's clients
// send them); NaN, infinities, hex and trailing junk are never numbers.
#pragma once

#include "qv/core/json.h"
#include "qv/core/result.h"

#include <cstdint>
#include <string>

namespace qv::ipc {

struct Request;

// A real number in [lo, hi].
Result<double> numberArg(const json::Value *v, const char *what, double lo, double hi);

// A whole number in [lo, hi]: an integer (5, "5"), never 5.5 or 5e0.
Result<int64_t> integerArg(const json::Value *v, const char *what, int64_t lo, int64_t hi);

// yes/no: true, false, "yes", "no" (nothing else: not 1, "on", "maybe").
Result<bool> flagArg(const json::Value *v, const char *what);

// A string (any, empty included).
Result<std::string> stringArg(const json::Value *v, const char *what);

// Seconds (a number) as nanoseconds, |seconds| <= kMaxSeconds: far beyond
// any file, and the sum of two such values still fits in int64.
constexpr double kMaxSeconds = 1e9;
Result<int64_t> secondsArg(const json::Value *v, const char *what);

// mpv's seek flags: "relative" (the default) or "absolute", and "exact" or
// "keyframes", joined with '+' ("absolute+exact"); given as one argument or
// as two (mpv's older form: "absolute", "exact"). Unknown flags, empty
// parts and contradictions ("relative+absolute") are refused.
struct SeekFlags {
    enum class Precision { Default, Exact, Keyframes };
    bool absolute = false;
    Precision precision = Precision::Default;   // Default: --hr-seek's choice
};
Result<SeekFlags> seekFlags(const json::Value *flags, const json::Value *flags2 = nullptr);

// The number of arguments after the command name is in [min, max].
Result<void> argCount(const Request &r, size_t min, size_t max);

} // namespace qv::ipc
