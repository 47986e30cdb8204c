// qv's own receiver for the RTP session of an SDP file (issue 14,
// --latency=low): one H.264 or HEVC video stream over UDP, unicast or
// multicast, each access unit handed on when its marker packet arrives.
// The demuxer uses it in place of FFmpeg's sdp/rtp demuxers; the stream's
// facts are in an AVFormatContext of its own (one AVStream, never opened
// as an input), so decoders, the live window and the recorder see what they
// see for FFmpeg's demuxers.
#pragma once

#include "input.h"
#include "qv/media/rtp.h"
#include "qv/media/stream_spec.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace qv {

class RtpSource {
public:
    // Reads the SDP file. Returns nullptr (and why) when qv cannot receive
    // it itself; an error when the file cannot be read or the port bound;
    // else a source whose first packet (a keyframe with its parameter sets)
    // has been received and decoded once for the picture's size. Blocks
    // until then, or until *interrupt.
    static Result<std::unique_ptr<RtpSource>> open(const std::string &path, const std::atomic<bool> *interrupt,
                                                   std::string &whyNot);
    ~RtpSource();

    AVFormatContext *fmt() const { return fmt_.get(); }
    const StreamSpec &spec() const { return spec_; }
    // The next access unit (pts and dts in the clock rate's time base, 0 at
    // the first packet received, as FFmpeg's RTP demuxer counts). False when
    // interrupted. recvNs: when its last packet came (CLOCK_MONOTONIC).
    bool next(AVPacket *pkt, int64_t &recvNs);
    const RtpCounters &counters() const { return depack_.counters(); }
    int64_t brokenUnits() const { return broken_; }

private:
    RtpSource(const SdpVideo &v, const std::atomic<bool> *interrupt);
    Result<void> listen();
    // One datagram into ready_; false when interrupted (or at deadlineNs, when not 0).
    bool receive(int64_t deadlineNs = 0);
    bool probe();            // the first keyframe decoded: the picture's facts into the stream
    void queue(const RtpAccessUnit &au, int64_t now);

    SdpVideo sdp_;
    const std::atomic<bool> *interrupt_;
    std::string path_;
    int fd_ = -1;
    FormatCtxPtr fmt_;
    StreamSpec spec_;
    RtpDepacketizer depack_;
    std::vector<uint8_t> buf_;
    bool haveBase_ = false, keySeen_ = false;
    uint32_t lastTs_ = 0;
    int64_t unwrapped_ = 0;
    int64_t broken_ = 0;
    DtsFromPts dts_{0, 1};
    bool warnedOrder_ = false;
    // Units made whole and not yet taken (a datagram can complete two).
    static constexpr int kReady = 4;
    PacketPtr ready_[kReady];
    int64_t readyNs_[kReady] = {};
    int head_ = 0, count_ = 0;
};

} // namespace qv
