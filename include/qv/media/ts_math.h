// Timestamp arithmetic that a damaged file cannot overflow.
//
// A container may hold any 64-bit value as a timestamp, start time or
// duration. Converted to nanoseconds they can exceed int64_t, and the
// difference of two of them can too: undefined behaviour in C++ (found by
// fuzz_media). Every conversion from a stream's units goes through toNs(),
// which keeps the result within +-kLimit (146 years), so one sum or difference
// of two converted values is always defined; add() and sub() saturate for
// the rest. INT64_MIN (AV_NOPTS_VALUE) stays "no timestamp".
#pragma once

extern "C" {
#include <libavutil/avutil.h>
#include <libavutil/mathematics.h>
}

#include <cstdint>

namespace qv::ts {

inline constexpr int64_t kLimit = (int64_t(1) << 62) - 1;

inline constexpr int64_t clamp(int64_t v) { return v < -kLimit ? -kLimit : v > kLimit ? kLimit : v; }

// a + b and a - b, saturated at +-INT64_MAX (never INT64_MIN, which means
// "no timestamp").
inline int64_t add(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : -INT64_MAX;
    return r == INT64_MIN ? -INT64_MAX : r;
}
inline int64_t sub(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? INT64_MAX : -INT64_MAX;
    return r == INT64_MIN ? -INT64_MAX : r;
}

// v in time base `from`, rescaled to `to` and clamped to +-kLimit.
// AV_NOPTS_VALUE in, AV_NOPTS_VALUE out.
inline int64_t rescale(int64_t v, AVRational from, AVRational to) {
    if (v == AV_NOPTS_VALUE) return AV_NOPTS_VALUE;
    if (from.num <= 0 || from.den <= 0 || to.num <= 0 || to.den <= 0) return 0;
    const int64_t r = av_rescale_q(v, from, to);
    // av_rescale_q answers INT64_MIN when the result does not fit.
    if (r == INT64_MIN) return v > 0 ? kLimit : -kLimit;
    return clamp(r);
}

inline int64_t toNs(int64_t v, AVRational tb) { return rescale(v, tb, AVRational{1, 1000000000}); }
inline int64_t fromNs(int64_t ns, AVRational tb) { return rescale(ns, AVRational{1, 1000000000}, tb); }

} // namespace qv::ts
