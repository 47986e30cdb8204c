// PacketRef: one compressed packet read by the demuxer, owned, moved between
// the demux stage and the decoders (never copied). Facts the stages need are
// kept beside it so they never have to look inside the AVPacket.
#pragma once

#include <cstdint>
#include <memory>

struct AVPacket;

namespace qv {

struct AvPacketDeleter {
    void operator()(AVPacket *p) const;
};
using AvPacketPtr = std::unique_ptr<AVPacket, AvPacketDeleter>;
AvPacketPtr allocPacket();

enum class StreamKind : uint8_t { Video, Audio };

struct PacketRef {
    AvPacketPtr pkt;
    StreamKind kind = StreamKind::Video;
    int64_t ptsNs = INT64_MIN;   // in the video's time line (0 = its first frame); INT64_MIN: none
    int64_t durationNs = 0;
    int size = 0;
    bool key = false;
    int64_t recvNs = 0;          // CLOCK_MONOTONIC when the demuxer got it (issue 14's latency log)
};

} // namespace qv
