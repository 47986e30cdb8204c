#include "qv/tui/status_line.h"

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
    const char *state = s.paused ? "||" : ">";
    int n = std::snprintf(line, sizeof line,
                          "%s %s / %s  frame %s%" PRId64 "%s  pts %.3f  %c%s  %d B  %.1f fps  drop %" PRId64
                          "  drift %+.1f ms  %.2fx%s%s",
                          state, pos, dur, s.ordinalExact ? "" : "~", s.ordinal, total,
                          static_cast<double>(s.ptsNs) / 1e9, s.pictType, s.key ? "*" : "", s.pktSize,
                          s.fps, s.drops, static_cast<double>(s.driftNs) / 1e6, s.speed,
                          s.message ? "  " : "", s.message ? s.message : "");
    if (n < 0) n = 0;
    if (static_cast<size_t>(n) >= sizeof line) n = sizeof line - 1;
    out.assign(line, static_cast<size_t>(n));
}

} // namespace qv::tui
