// Demuxer: one read of an input (a local file through the mmap reader, a
// pipe, a device, a URL), giving the packets of the video stream qv plays and
// of its best audio stream, in file order. The only owner of the input's
// AVFormatContext.
//
// Contract: used from one thread at a time (the demux stage, or a command
// like `qv frames` that reads and decodes on its own thread). A blocking
// read returns (as the end) soon after *interrupt turns true.
#pragma once

#include "qv/core/result.h"
#include "qv/media/packet.h"
#include "qv/media/packet_index.h"
#include "qv/media/stream_spec.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct AVStream;
struct AVFormatContext;

namespace qv {

struct DemuxOptions {
    bool useMmap = true;                             // local files through the mmap reader
    bool audio = true;                               // also give the best audio stream's packets
    const std::atomic<bool> *interrupt = nullptr;    // ends blocking reads when true
    // Live sources (issue 14): --latency=low asks for no probe delay (a small
    // probesize and analyzeduration, fflags nobuffer); avOptions are passed
    // to the demuxer and protocol as they are (--demuxer-opt=K=V; they win
    // over the profile's). One the input does not know is warned about.
    bool lowLatency = false;
    std::vector<std::pair<std::string, std::string>> avOptions;
    // --latency=low on an SDP file of one H.264 or HEVC stream over UDP:
    // qv receives the RTP packets itself (each frame handed on at its marker
    // bit, not when the next one begins) unless false (--rtp=ffmpeg).
    bool ownRtp = true;
};

// A network URL whose data comes as it is made (udp, rtp, srt, rtsp, rtmp,
// tcp), a camera, or an SDP file (an RTP session): qv reconnects it by
// default and counts its gaps.
bool isLiveUrl(const std::string &path);
// A URL as qv shows it (errors, --stats, screenshot names): without the
// user and password of scheme://user:pass@host/... (anything else as it is).
std::string withoutCredentials(const std::string &url);
// A path ending in .sdp (case-insensitive).
bool isSdpFile(const std::string &path);
// Standard input ("-", "pipe:"), a named pipe or /dev/stdin: read once, in order.
bool isPipeInput(const std::string &path);

class Input;
class RtpSource;

class Demuxer {
public:
    // Errors: Open (missing, unreadable, no server), Format (not media),
    // NoVideo (no video stream; hasAudio() may still be true: see openAny).
    static Result<std::unique_ptr<Demuxer>> open(const std::string &path, const DemuxOptions &opt);
    // As open(), but a file with sound and no picture opens too (video -1).
    static Result<std::unique_ptr<Demuxer>> openAny(const std::string &path, const DemuxOptions &opt);
    ~Demuxer();

    const std::string &path() const;
    bool hasVideo() const { return vidx_ >= 0; }
    bool hasAudio() const { return aidx_ >= 0; }
    // The video stream's facts (valid when hasVideo()).
    const StreamSpec &videoSpec() const { return spec_; }
    // Not a regular local file (pipe, device, URL): it cannot be read twice.
    bool isStream() const;
    // The input's duration (container), 0 when unknown.
    int64_t durationNs() const;
    // Stop giving audio packets (no one plays them).
    void dropAudio();

    // The next packet of the video or audio stream. False at the end of the
    // input (a read error other than EAGAIN also ends it, logged with -v).
    bool read(PacketRef &out);
    // The keyframe at or before ns (video time line), or the start.
    Result<void> seekTime(int64_t ns);
    // The packet with this decode index of the scan (a keyframe): by byte
    // position where timestamp seeks only land near (MPEG-TS, raw streams).
    Result<void> seekToPacket(const PacketIndex &index, int64_t decodeIndex);

    // For decoders (src/media only).
    AVStream *videoStream() const;
    AVStream *audioStream() const;
    int64_t originPts() const { return originPts_; }   // video start, stream time base; INT64_MIN: none

    // Live sources: a timestamp jump (backwards by more than half a second,
    // or forwards by more than ten: a sender that restarted) is folded away,
    // so the timeline goes on where it was; every packet's pts and dts are
    // shifted by the same offset. Counted. continueFrom() carries the
    // timeline over from the demuxer this one replaces (a reconnect).
    int64_t timestampJumps() const { return jumps_; }
    void continueFrom(const Demuxer &old);
    // qv's own RTP receiver (ownRtp): packets lost (sequence numbers
    // skipped) and frames handed on with a piece missing; -1 when FFmpeg
    // receives.
    int64_t rtpLost() const;
    int64_t rtpBroken() const;

private:
    Demuxer() = default;
    static Result<std::unique_ptr<Demuxer>> openImpl(const std::string &path, const DemuxOptions &opt, bool any);
    int seekStart();
    AVFormatContext *fmt() const;
    std::string path_;
    std::unique_ptr<Input> in_;
    std::unique_ptr<RtpSource> rtp_;   // in place of in_ (ownRtp)
    int vidx_ = -1, aidx_ = -1;
    StreamSpec spec_;
    bool byteSeek_ = false;
    int64_t originPts_ = INT64_MIN;
    int64_t originNs_ = 0;   // video start in ns (the audio's time line is shifted by it)
    bool live_ = false;          // a stream: timestamp jumps are folded away
    int64_t offsetNs_ = 0;       // added to every timestamp
    int64_t lastDtsNs_ = INT64_MIN, lastDurNs_ = 0;   // of the last video packet, offset included
    int64_t jumps_ = 0;
    void foldJumps(AVPacket *pkt, const AVStream *st, bool video);
};

} // namespace qv
