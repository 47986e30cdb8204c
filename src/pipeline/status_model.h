// The status line's content: the frame on screen and the player's state
// (a PlayerSnapshot), plus what only the display stage knows (presented
// fps, drift, queue depths, a short message, the `g` prompt), formatted by
// tui::formatStatus. Display thread only; no allocation once warm.
#pragma once

#include "qv/media/packet_index.h"
#include "qv/pipeline/snapshot.h"
#include "qv/tui/status_line.h"

#include <cstdint>
#include <memory>
#include <string>

namespace qv {

struct StatusExtras {
    double fps = 0;
    int64_t driftNs = 0;
    int queues[3] = {0, -1, 0};
    const char *prompt = nullptr;
    int64_t latNs = -1, latDecNs = 0, latScaleNs = 0, latDispNs = 0;   // tui::StatusInfo's
};

class StatusModel {
public:
    StatusModel() { line_.reserve(1024); }
    // A message shown for two seconds.
    void say(const std::string &text, int64_t nowNs);
    // When the message runs out (0: none shown).
    int64_t messageUntilNs() const { return messageUntilNs_; }
    void expireMessage() { messageUntilNs_ = 0; }
    void toggle() { visible_ = !visible_; }
    // The line for this state (empty while hidden with `i`).
    const std::string &line(const PlayerSnapshot &s, const StatusExtras &x, const PacketIndex *index, int64_t nowNs);

private:
    std::string line_;
    char message_[160] = {0};
    int64_t messageUntilNs_ = 0;
    char gopMap_[32] = {0};
    char trick_[32] = {0};
    bool visible_ = true;
};

// Presented frames per second over the last 32 presentations.
class FpsMeter {
public:
    void add(int64_t nowNs) { times_[count_++ % kWindow] = nowNs; }
    double fps() const;

private:
    static constexpr int kWindow = 32;
    int64_t times_[kWindow] = {};
    int64_t count_ = 0;
};

} // namespace qv
