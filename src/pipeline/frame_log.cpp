#include "frame_log.h"

#include <cerrno>
#include <cinttypes>
#include <cstring>

namespace qv {

FrameLog::~FrameLog() {
    if (f_) std::fclose(f_);
}

Result<void> FrameLog::open(const std::string &path) {
    f_ = std::fopen(path.c_str(), "w");
    if (!f_) return Error::make(ErrorKind::Output, path + ": cannot write the frame log: " + std::strerror(errno));
    std::setvbuf(f_, nullptr, _IOLBF, 1 << 16);
    std::fprintf(f_, "# event\tordinal\tpts_s\tdts_s\ttype\tkey\tmonotonic_ns\tshed\ttimed\treceived_ns\tdecoded_ns\tscaled_ns\tshown_ns\tdecoder\ttrick\n");
    return {};
}

void FrameLog::write(const char *event, const FrameInfo &i, int64_t now, bool timed, int64_t shownNs) {
    if (!f_) return;
    const double pts = static_cast<double>(i.ptsNs) / 1e9;
    char dts[32] = "-";
    if (i.dts != kNoTs) std::snprintf(dts, sizeof dts, "%.6f", static_cast<double>(i.dts) * i.tbNum / i.tbDen);
    std::fprintf(f_, "%s\t%s%" PRId64 "\t%.6f\t%s\t%c\t%d\t%" PRId64 "\t%d\t%d\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%s\t%d\n", event,
                 i.ordinalExact ? "" : "~", i.ordinal, pts, dts, i.pictType, i.key ? 1 : 0, now, i.shedLevel, timed ? 1 : 0,
                 i.recvNs, i.decodedNs, i.scaledNs, shownNs, i.decoder ? i.decoder : "software", i.trick ? 1 : 0);
}

} // namespace qv
