#include "qv/tui/status_line.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace qv::tui {
namespace {
int fmtTime(char *buf, size_t n, int64_t ns) {
    if (ns < 0) ns = 0;
    int64_t ds = ns / 100000000;   // tenths of a second
    int64_t s = ds / 10;
    return std::snprintf(buf, n, "%02" PRId64 ":%02" PRId64 ".%" PRId64, s / 60, s % 60, ds % 10);
}
} // namespace

void formatStatus(const StatusInfo &s, std::string &out) {
    char pos[32], dur[32], total[32], line[512];
    fmtTime(pos, sizeof pos, s.posNs);
    if (s.durationNs > 0) fmtTime(dur, sizeof dur, s.durationNs);
    else std::snprintf(dur, sizeof dur, "--:--");
    if (s.totalFrames > 0) std::snprintf(total, sizeof total, "/%" PRId64, s.totalFrames);
    else total[0] = 0;
    char stateBuf[48];
    const char *state = s.paused ? "||" : ">";
    if (s.trick) {
        std::snprintf(stateBuf, sizeof stateBuf, "%s%s", s.paused ? "|| " : "", s.trick);
        state = stateBuf;
    }
    char queues[40];
    if (s.queues[1] < 0)   // no encode stage
        std::snprintf(queues, sizeof queues, "%d/%d", s.queues[0], s.queues[2]);
    else
        std::snprintf(queues, sizeof queues, "%d/%d/%d", s.queues[0], s.queues[1], s.queues[2]);
    char shed[24] = "";
    if (s.shed > 0) std::snprintf(shed, sizeof shed, " shed %d", s.shed);
    char dts[32] = "dts -";
    if (s.hasDts) std::snprintf(dts, sizeof dts, "dts %.3f", s.dtsSec);
    char lat[160] = "";
    if (s.latNs >= 0)
        std::snprintf(lat, sizeof lat, "  lat %" PRId64 " ms: dec %" PRId64 " scale %" PRId64 " disp %" PRId64,
                      s.latNs / 1000000, s.latDecNs / 1000000, s.latScaleNs / 1000000, s.latDispNs / 1000000);
    // Most useful first: a narrow terminal cuts the end of the line.
    int n = std::snprintf(line, sizeof line,
                          "%s %s/%s frame %s%" PRId64 "%s %c%s %d B pts %.3f %s dec %.1f ms%s%s%s%s%s"
                          "  %.1f fps drop %" PRId64 "%s q %s drift %+.1f ms %.2fx%s%s",
                          state, pos, dur, s.ordinalExact ? "" : "~", s.ordinal, total, s.pictType,
                          s.key ? "*" : "", s.pktSize, static_cast<double>(s.ptsNs) / 1e9, dts,
                          static_cast<double>(s.decodeNs) / 1e6, s.message ? "  " : "", s.message ? s.message : "",
                          s.gopMap ? "  " : "", s.gopMap ? s.gopMap : "", lat, s.fps, s.drops, shed, queues,
                          static_cast<double>(s.driftNs) / 1e6, s.speed, s.decoder ? " " : "", s.decoder ? s.decoder : "");
    if (n < 0) n = 0;
    if (static_cast<size_t>(n) >= sizeof line) n = sizeof line - 1;
    out.assign(line, static_cast<size_t>(n));
}

void formatGopMap(const std::vector<int64_t> &keys, int64_t total, int64_t ordinal, int width, char *out) {
    out[0] = 0;
    if (width < 3 || keys.empty()) return;
    // keys[i] <= ordinal < keys[i + 1]
    size_t i = 0;
    while (i + 1 < keys.size() && keys[i + 1] <= ordinal) ++i;
    const int64_t lo = keys[i > 0 ? i - 1 : 0];
    int64_t hi = i + 2 < keys.size() ? keys[i + 2] : (i + 1 < keys.size() ? keys[i + 1] : total - 1);
    if (total > 0 && i + 2 >= keys.size() && i + 1 < keys.size()) hi = std::max<int64_t>(keys[i + 1], total - 1);
    if (hi <= lo) hi = lo + 1;
    const int64_t span = hi - lo;
    auto col = [&](int64_t o) {
        int64_t c = (o - lo) * (width - 1) / span;
        return static_cast<int>(c < 0 ? 0 : c > width - 1 ? width - 1 : c);
    };
    for (int c = 0; c < width; ++c) out[c] = '-';
    for (int64_t k : keys)
        if (k >= lo && k <= hi) out[col(k)] = 'K';
    if (ordinal >= lo && ordinal <= hi) {
        const int c = col(ordinal);
        out[c] = out[c] == 'K' && std::binary_search(keys.begin(), keys.end(), ordinal) ? '#' : '|';
    }
    out[width] = 0;
}

} // namespace qv::tui
