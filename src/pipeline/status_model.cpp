#include "status_model.h"

#include "qv/pipeline/trick.h"

#include <algorithm>
#include <cstdio>

namespace qv {

void StatusModel::say(const std::string &text, int64_t nowNs) {
    std::snprintf(message_, sizeof message_, "%s", text.c_str());
    messageUntilNs_ = nowNs + 2000000000LL;
}

const std::string &StatusModel::line(const PlayerSnapshot &s, const StatusExtras &x, const PacketIndex *index,
                                     int64_t nowNs) {
    if (!visible_) {
        line_.clear();
        return line_;
    }
    tui::StatusInfo t;
    const FrameInfo &i = s.frame;
    t.paused = s.paused;
    t.speed = s.speed;
    if (s.trick) {
        formatTrick(s.speed, trick_, sizeof trick_);
        t.trick = trick_;
    }
    t.posNs = i.ptsNs;
    t.durationNs = s.durationNs;
    t.ordinal = i.ordinal;
    t.ordinalExact = i.ordinalExact;
    t.totalFrames = s.frameCount;
    t.ptsNs = i.ptsNs;
    t.hasDts = i.dts != kNoTs;
    if (t.hasDts) t.dtsSec = static_cast<double>(i.dts) * i.tbNum / i.tbDen;
    t.pictType = i.pictType;
    t.key = i.key;
    t.pktSize = i.pktSize;
    t.decodeNs = i.decodeNs;
    t.decoder = i.decoder;
    t.fps = x.fps;
    t.drops = s.dropped;
    t.shed = s.shedLevel;
    t.driftNs = x.driftNs;
    t.latNs = x.latNs;
    t.latDecNs = x.latDecNs;
    t.latScaleNs = x.latScaleNs;
    t.latDispNs = x.latDispNs;
    for (int k = 0; k < 3; ++k) t.queues[k] = x.queues[k];
    if (index && i.ordinalExact) {
        tui::formatGopMap(index->keyOrdinals(), index->frameCount(), i.ordinal, 16, gopMap_);
        t.gopMap = gopMap_;
    }
    if (x.prompt) t.message = x.prompt;
    else if (nowNs < messageUntilNs_) t.message = message_;
    tui::formatStatus(t, line_);
    return line_;
}

double FpsMeter::fps() const {
    const int n = static_cast<int>(std::min<int64_t>(count_, kWindow));
    if (n < 2) return 0;
    const int64_t newest = times_[(count_ - 1) % kWindow];
    const int64_t oldest = times_[(count_ - n) % kWindow];
    if (newest <= oldest) return 0;
    return (n - 1) * 1e9 / static_cast<double>(newest - oldest);
}

} // namespace qv
