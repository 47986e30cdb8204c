// qv's own receiver for the RTP session of an SDP file or an RTSP URL
// (issue 14, --latency=low): one H.264 or HEVC video stream over UDP,
// unicast or multicast (or RTSP's TCP), each access unit handed on when its
// marker packet arrives; and the sound beside it (PCMU, PCMA, L16, Opus,
// AAC), its timestamps put on the picture's time line (rtp.h RtpAvSync).
// The demuxer uses it in place of FFmpeg's sdp/rtp/rtsp demuxers; the
// streams' facts are in an AVFormatContext of its own (stream 0 the video,
// 1 the sound; never opened as an input), so decoders, the live window and
// the recorder see what they see for FFmpeg's demuxers.
#pragma once

#include "input.h"
#include "qv/media/rtp.h"
#include "qv/media/rtsp.h"
#include "qv/media/stream_spec.h"

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace qv {

class RtpSource {
public:
    // Reads the SDP file. Returns nullptr (and why) when qv cannot receive
    // it itself; an error when the file cannot be read or the port bound;
    // else a source whose first packet (a keyframe with its parameter sets)
    // has been received and decoded once for the picture's size. Blocks
    // until then, or until *interrupt.
    // soundIgnored: no one plays the sound (--no-audio): the sound is not
    // received (the video alone).
    static Result<std::unique_ptr<RtpSource>> open(const std::string &path, const std::atomic<bool> *interrupt,
                                                   bool soundIgnored, std::string &whyNot);
    // An rtsp:// URL: qv's own RTSP client (DESCRIBE, SETUP of the video
    // track over TCP, interleaved, or over UDP with rtsp_transport=udp,
    // PLAY; Basic or Digest authentication from the URL's user and
    // password; OPTIONS to keep the session; TEARDOWN at the end). nullptr
    // and why when the session is not one H.264/HEVC video stream (or the
    // options ask for what FFmpeg's client does): FFmpeg's client then.
    static Result<std::unique_ptr<RtpSource>> openRtsp(const std::string &url,
                                                       const std::vector<std::pair<std::string, std::string>> &options,
                                                       const std::atomic<bool> *interrupt, bool soundIgnored,
                                                       std::string &whyNot);
    ~RtpSource();

    AVFormatContext *fmt() const { return fmt_.get(); }
    const StreamSpec &spec() const { return spec_; }
    // The next access unit or audio frame, in the order they came (its
    // stream_index 0 or 1; pts and dts in its clock rate's time base; the
    // video's 0 at the first packet received, as FFmpeg's RTP demuxer
    // counts). False when interrupted. recvNs: when its last packet came
    // (CLOCK_MONOTONIC).
    bool next(AVPacket *pkt, int64_t &recvNs);
    const RtpCounters &counters() const { return depack_.counters(); }
    bool hasAudio() const { return adepack_ != nullptr; }
    int64_t brokenUnits() const { return broken_; }

private:
    RtpSource(const SdpVideo &v, const std::atomic<bool> *interrupt);
    Result<void> makeStream();   // the AVStreams, from sdp_
    // A UDP socket on the SDP's address and port (a multicast group
    // joined); rtcp: the one on port+1 beside it (best effort).
    Result<void> listen(const std::string &address, int port, int &fd, int &rtcp, bool wantRtcp);
    void startAudio();   // adepack_ and sync_ for sdp_.audio
    // RTSP
    Result<void> connectControl(const RtspUrl &u);
    Result<void> request(const std::string &method, const std::string &uri, const std::string &headers,
                         RtspResponse &resp);
    bool sendAll(const std::string &text, int64_t deadlineNs);
    // A request's text: CSeq, the session, the answer to the challenge.
    std::string requestText(const std::string &method, const std::string &uri, const std::string &headers);
    bool fill(int64_t deadlineNs);           // more bytes from the control connection into in_
    // One message off the control connection: an interleaved RTP packet
    // (depacketized, true) or a response (into *resp when wanted). False at
    // the end of the connection, when interrupted or at deadlineNs.
    bool readControl(RtspResponse *resp, bool &gotResponse, int64_t deadlineNs);
    void keepAlive(int64_t now);
    Result<void> bindUdpPair(int family, int &port, int &rtp, int &rtcp);
    Result<void> setupAudio(const std::string &base, bool tcp);
    // A SETUP's Transport header: interleaved channel and channel + 1 over
    // TCP, or a UDP port pair bound here (rtp, rtcp, port).
    Result<std::string> transportHeader(bool tcp, int channel, int &rtp, int &rtcp, int &port);
    void readRtcp(int fd, bool audio);
    void rtcp(const uint8_t *p, size_t n, bool audio);
    void closeAll();
    // One datagram into ready_; false when interrupted (or at deadlineNs, when not 0).
    bool receive(int64_t deadlineNs = 0);
    bool probe();            // the first keyframe decoded: the picture's facts into the stream
    void queue(const RtpAccessUnit &au, int64_t now);
    void queueAudio(const RtpAudioFrame &f, int64_t now);
    AVPacket *slot(int stream, int64_t now);   // the next free entry of ready_, nullptr when full
    void drop();                               // the entry at head_

    SdpVideo sdp_;
    const std::atomic<bool> *interrupt_;
    std::string path_;
    int fd_ = -1;            // RTP over UDP (an SDP file, RTSP over UDP)
    int rtcpFd_ = -1;        // the RTCP port beside it (sender reports read)
    int aFd_ = -1, aRtcpFd_ = -1;   // the sound's
    int ctl_ = -1;           // RTSP: the control connection (TCP: the RTP comes on it too)
    bool interleaved_ = false;
    bool ended_ = false;     // the control connection closed (or broke)
    int rtpChannel_ = 0, audioChannel_ = 2;
    RtspUrl rtsp_;
    std::string challenge_, session_, playUrl_, cnonce_;
    int cseq_ = 0, nonceCount_ = 0, timeoutS_ = 60;
    int64_t nextKeepaliveNs_ = 0;
    std::vector<uint8_t> in_;   // control connection bytes not yet taken
    size_t inHead_ = 0;
    FormatCtxPtr fmt_;
    StreamSpec spec_;
    RtpDepacketizer depack_;
    std::unique_ptr<RtpAudioDepacketizer> adepack_;
    RtpAvSync sync_{90000, 48000};
    RtpAvSync::Source syncSrc_ = RtpAvSync::None;
    int64_t syncUnits_ = 0;      // the offset in use (RtpAvSync's)
    bool disbelieved_ = false;   // said once
    bool aHaveBase_ = false;
    uint32_t aLastTs_ = 0;
    int64_t aUnwrapped_ = 0;
    int64_t lastVideoNs_ = 0;                  // when the latest video unit came
    int64_t vRestarts_ = 0, aRestarts_ = 0;    // the depacketizers' restarts seen
    // The latest sender report per stream (a restarted sender reports
    // before its first packet: taken when that SSRC's packets come).
    RtcpSenderReport lastSr_[2];
    bool haveLastSr_[2] = {false, false};
    // The SSRC of each stream when its base was taken: only its sender's
    // reports line the sound up (never one of a sender gone).
    uint32_t baseSsrc_[2] = {0, 0};
    bool haveBaseSsrc_[2] = {false, false};
    void takeReports();
    // A sender started again (a new SSRC, its numbers or clock): the
    // sound lined up anew, by arrival against the running video pts.
    void lineUpAgain(int64_t now);
    int64_t aWaitSinceNs_ = 0;   // the sound's new base waits for a video unit that came after this
    void dropAudio(const char *why);   // the picture alone from here (a sound that cannot be set up)
    std::vector<uint8_t> buf_;
    bool haveBase_ = false, keySeen_ = false;
    uint32_t lastTs_ = 0;
    int64_t unwrapped_ = 0;
    int64_t broken_ = 0;
    DtsFromPts dts_{0, 1};
    int64_t restarts_ = 0, lastPts_ = INT64_MIN;
    bool skipRasl_ = false;
    // Units and audio frames made whole and not yet taken (a video datagram
    // completes two at most, an AAC one up to 64 frames).
    static constexpr int kReady = 160;
    PacketPtr ready_[kReady];
    int64_t readyNs_[kReady] = {};
    int8_t readyStream_[kReady] = {};
    int head_ = 0, count_ = 0;
};

} // namespace qv
