// The audio clock: which stream time is being heard now, from what the audio
// device's callback last handed out. Pure arithmetic, so tests can drive it.
//
// The callback records a stamp: when it ran, the stream pts of the first
// sample it handed out, how much wall time those samples last, how long the
// device takes before they are heard (one buffer for a real device, none for
// SDL's disk writer), and the speed (stream ns per wall ns). Between
// callbacks the position moves with the wall clock; it never runs past what
// was handed out (an underrun or a stalled device stops the clock there
// instead of letting the video run ahead of the sound).
#pragma once

#include <algorithm>
#include <cstdint>

namespace qv {

struct AudioStamp {
    int64_t callbackNs = 0;   // monotonic time of the callback
    int64_t ptsNs = 0;        // stream pts of the first sample handed out
    int64_t spanNs = 0;       // wall duration of the samples handed out
    int64_t latencyNs = 0;    // from the callback until its first sample is heard
    double speed = 1.0;       // stream time per wall time of those samples
};

// Stream pts heard at nowNs.
inline int64_t heardAt(const AudioStamp &s, int64_t nowNs) {
    // Before the first handed-out sample plays, the previous buffer is still
    // playing: the line extends backwards, continuous across callbacks.
    const int64_t dt = std::min(nowNs - s.callbackNs - s.latencyNs, s.spanNs);
    return s.ptsNs + static_cast<int64_t>(static_cast<double>(dt) * s.speed);
}

// Order statistics of |A-V| for --stats and the bench: median and 99th
// percentile of values (sorted in place), in the values' unit.
inline void medianP99(int64_t *v, size_t n, int64_t &median, int64_t &p99) {
    median = p99 = 0;
    if (n == 0) return;
    std::sort(v, v + n);
    median = v[n / 2];
    p99 = v[std::min(n - 1, (n * 99) / 100)];
}

} // namespace qv
