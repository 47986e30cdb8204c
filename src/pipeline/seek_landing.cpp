#include "qv/pipeline/seek_landing.h"

#include <algorithm>

namespace qv {

LandingDecision judgeLanding(Landing &l, int64_t ordinal, int64_t ptsNs, int64_t durationNs) {
    if (l.ordinal >= 0) {
        if (l.first && ordinal > l.ordinal && l.back < Landing::kMaxBack) {
            ++l.back;   // still the first frame after the next seek
            return {LandingVerdict::ReseekOrdinal, 0};
        }
        l.first = false;
        if (ordinal < l.ordinal) return {l.fill ? LandingVerdict::CacheOnly : LandingVerdict::Discard, 0};
        l = Landing{};   // reached (or passed, after kMaxBack tries): show what there is
        return {LandingVerdict::Deliver, 0};
    }
    if (l.timeNs != kNoTs) {
        if (l.first && ptsNs - durationNs / 2 > l.timeNs && l.timeBack < Landing::kMaxBack && l.timeNs > 0) {
            const int64_t margin = int64_t(1000000000) << l.timeBack;
            ++l.timeBack;
            return {LandingVerdict::ReseekTime, std::max<int64_t>(0, l.timeNs - margin)};
        }
        l.first = false;
        if (ptsNs + durationNs / 2 <= l.timeNs) return {LandingVerdict::Discard, 0};
        l = Landing{};
        return {LandingVerdict::Deliver, 0};
    }
    return {LandingVerdict::Deliver, 0};
}

} // namespace qv
