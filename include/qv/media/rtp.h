// RTP's own payloads for H.264 (RFC 6184) and HEVC (RFC 7798), received by
// qv itself (issue 14): FFmpeg's depacketizer hands its parser NAL-unit
// fragments and keeps the marker bit to itself, so a frame is known to be
// whole only when the next one begins (one frame interval late). Here an
// access unit ends on its marker bit. The sound beside it: PCMU, PCMA, L16
// (RFC 3551), Opus (RFC 7587) and AAC (RFC 3640, mpeg4-generic), lined up
// with the picture by RTSP's RTP-Info, RTCP sender reports, or arrival.
// Pure byte work: the SDP text in, the RTP packets in, Annex B access units
// and audio frames out (the sockets are rtp_source.cpp's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qv {

enum class RtpCodec : uint8_t { None, H264, Hevc };
enum class RtpAudioCodec : uint8_t { None, Pcmu, Pcma, L16, Opus, Aac };

// The sound stream of an SDP file beside the video (the first m=audio).
struct SdpAudio {
    RtpAudioCodec codec = RtpAudioCodec::None;
    std::string encoding;        // as the rtpmap names it
    std::string address;         // c= of its section, else the session's
    int port = 0;
    int payloadType = -1;
    int clockRate = 0;
    int channels = 1;
    std::string control;         // RTSP: its track URL, maybe relative
    // AAC (RFC 3640): the AU headers' field widths in bits, the samples
    // per access unit (at the config's core rate), how far apart access
    // units are in the RTP clock, and the AudioSpecificConfig (the
    // decoder's extradata).
    int sizeLength = 0, indexLength = 0, indexDeltaLength = 0;
    int frameSamples = 1024;
    int auDuration = 1024;
    std::vector<uint8_t> config;
};

// The one video stream of an SDP file that qv receives itself.
struct SdpVideo {
    RtpCodec codec = RtpCodec::None;
    std::string address;         // c= (session or media level): where to listen; empty: any
    int port = 0;                // m=video PORT
    int payloadType = -1;        // the m= line's first format
    int clockRate = 90000;
    bool tcp = false;            // m= transport is not RTP/AVP (UDP)
    int audioStreams = 0;        // m=audio lines
    SdpAudio audio;              // the first, when the sound is wanted and qv receives it itself
    int packetizationMode = 0;   // H.264: 0 single NAL, 1 non-interleaved, 2 interleaved
    bool donl = false;           // HEVC: sprop-max-don-diff > 0 (a DONL field in each unit)
    double fps = 0;              // a=framerate, 0 when absent
    std::string control;         // the video's a=control (RTSP: its track URL, maybe relative)
    std::string sessionControl;  // the session's a=control (RTSP: the aggregate URL)
    std::vector<uint8_t> paramSets;   // sprop-parameter-sets / sprop-vps,sps,pps in Annex B
};

// Parses an SDP file's text (or an RTSP DESCRIBE's). Returns an empty
// string when qv can receive its video (and its first audio stream) itself,
// else why not (a sentence: another codec, TCP, interleaved packetization,
// no video). The port is not checked (an RTSP description has 0).
// soundIgnored: the sound is not wanted (--no-audio): m=audio lines are
// left aside. Other m= lines (application data) are always left aside.
std::string parseSdpVideo(const std::string &text, SdpVideo &out, bool soundIgnored = false);

// One access unit, Annex B (00 00 00 01 before each NAL unit).
struct RtpAccessUnit {
    std::vector<uint8_t> data;
    uint32_t timestamp = 0;   // RTP's
    bool key = false;         // an IDR (H.264) or IRAP (HEVC) picture
    bool paramSets = false;   // carries SPS and PPS (and VPS)
    bool broken = false;      // a packet of it was lost (what came is kept, partial NAL units not)
    bool cra = false;         // HEVC: a CRA picture (its leading RASL pictures cannot be decoded when starting there)
    bool rasl = false;        // HEVC: a RASL picture
};

struct RtpCounters {
    int64_t packets = 0;
    int64_t lost = 0;          // sequence numbers skipped
    int64_t late = 0;          // a sequence number already passed (reordered, duplicated): dropped
    int64_t unsupported = 0;   // interleaved or unknown payload structures: dropped
    int64_t invalid = 0;       // not RTP version 2, truncated, another payload type
    int64_t noMarker = 0;      // units ended by the next timestamp (their marker packet lost)
    int64_t restarts = 0;      // a new SSRC, or sequence numbers started again
};

// The fixed header of an RTP packet (RFC 3550), and where its payload is.
struct RtpHeader {
    bool marker = false;
    uint16_t seq = 0;
    uint32_t timestamp = 0, ssrc = 0;
    size_t payload = 0, end = 0;   // the payload is [payload, end)
};
// False for a packet to drop: not RTP version 2, another payload type, or
// an extension or padding that does not fit (counted as invalid; packets
// of the payload type counted as packets).
bool parseRtpHeader(const uint8_t *pkt, size_t size, int payloadType, RtpHeader &h, RtpCounters &n);

// Sequence numbers of one stream (RFC 3550 A.1): lost, late and repeated
// packets, and senders that started again.
class RtpSequence {
public:
    enum Verdict : uint8_t {
        InOrder,
        Gap,       // packets lost before this one (counted in lost)
        Late,      // behind the last one: dropped (counted)
        Restart,   // a new SSRC, or the numbers started again (counted)
    };
    Verdict next(uint32_t ssrc, uint16_t seq, RtpCounters &n);
    // The sender's SSRC, once a packet came.
    bool ssrc(uint32_t &s) const {
        s = ssrc_;
        return haveSsrc_;
    }

private:
    static constexpr uint16_t kMaxMisorder = 100;
    bool haveSeq_ = false, haveSsrc_ = false;
    uint16_t seq_ = 0;
    uint32_t ssrc_ = 0;
    bool haveBad_ = false;   // a packet far behind: one more in sequence after it is a restart
    uint16_t badSeq_ = 0;
};

class RtpDepacketizer {
public:
    RtpDepacketizer(RtpCodec codec, int payloadType, bool donl = false);
    // One RTP packet (header included). Returns how many access units it
    // completed (0, 1 or 2: the last one ended without its marker, and this
    // packet's own): take them with unit(0..n-1) before the next push.
    int push(const uint8_t *pkt, size_t size);
    const RtpAccessUnit &unit(int i) const { return done_[i]; }
    const RtpCounters &counters() const { return n_; }
    bool ssrc(uint32_t &s) const { return seq_.ssrc(s); }

private:
    void nal(const uint8_t *p, size_t n);   // a whole NAL unit into cur_
    int finish();                           // cur_ into done_
    bool tooBig(size_t more);               // past kMaxUnitBytes: the unit is dropped
    // One FU-A (H.264) or FU (HEVC) fragment: the rebuilt NAL header starts
    // the unit on the start bit; the end bit ends it.
    void fragment(const uint8_t *header, size_t headerLen, int type, bool start, bool end, const uint8_t *body,
                  size_t bodyLen);
    void cutFragment();                     // the unit being reassembled is left out
    void payloadH264(const uint8_t *p, size_t n);
    void payloadHevc(const uint8_t *p, size_t n);
    void noteType(int type);

    static constexpr size_t kMaxUnitBytes = 64u << 20;   // no picture is larger
    RtpCodec codec_;
    int pt_;
    bool donl_;
    RtpSequence seq_;
    RtpAccessUnit cur_;
    bool curOpen_ = false;
    bool nextBroken_ = false;   // packets lost between units: the next one may miss its start
    bool sps_ = false, pps_ = false, vps_ = false;
    size_t fuStart_ = 0;       // where the fragmented NAL unit began in cur_
    bool fuActive_ = false;
    int ndone_ = 0;
    RtpAccessUnit done_[2];
    RtpCounters n_;
};

// One audio frame (an access unit for the decoder: a PCM packet's samples,
// an Opus packet, an AAC access unit).
struct RtpAudioFrame {
    std::vector<uint8_t> data;
    uint32_t timestamp = 0;   // RTP's (of its first sample)
    int samples = 0;          // at the clock rate; 0 when the payload does not say
};

class RtpAudioDepacketizer {
public:
    explicit RtpAudioDepacketizer(const SdpAudio &a);
    // One RTP packet (header included). Returns how many frames it
    // completed: take them with frame(0..n-1) before the next push.
    int push(const uint8_t *pkt, size_t size);
    const RtpAudioFrame &frame(int i) const { return frames_[static_cast<size_t>(i)]; }
    const RtpCounters &counters() const { return n_; }
    bool ssrc(uint32_t &s) const { return seq_.ssrc(s); }

private:
    RtpAudioFrame &add(uint32_t ts, int samples);
    void payloadAac(const RtpHeader &h, const uint8_t *p, size_t n);
    static constexpr int kMaxFrames = 64;   // per packet
    SdpAudio a_;
    int bytesPerSample_ = 1;   // PCM: per sample of all channels
    RtpSequence seq_;
    std::vector<RtpAudioFrame> frames_;   // kept, their buffers reused
    int nframes_ = 0;
    // AAC: an access unit in fragments (RFC 3640 3.2.3)
    std::vector<uint8_t> frag_;
    size_t fragSize_ = 0;
    uint32_t fragTs_ = 0;
    bool fragActive_ = false;
    RtpCounters n_;
};

// The samples an Opus packet (RFC 6716 3.1) holds at 48 kHz; 0 when its
// table of contents is malformed.
int opusPacketSamples(const uint8_t *p, size_t n);

// AudioSpecificConfig (ISO 14496-3 1.6.2.1): the channels (0 when the
// config does not say), the samples per frame of the core (1024 or 960; LD
// and ELD 512 or 480) and the core's sampling rate.
bool parseAacConfig(const std::vector<uint8_t> &config, int &channels, int &frameSamples, int *coreRate = nullptr);

// An RTCP sender report (RFC 3550 6.4.1): the sender's wall clock (NTP,
// 32.32 fixed point) at an RTP timestamp.
struct RtcpSenderReport {
    uint32_t ssrc = 0;
    uint64_t ntp = 0;
    uint32_t rtpTs = 0;
};
// The first sender report of a compound RTCP packet; false when none.
bool parseRtcpSenderReport(const uint8_t *p, size_t n, RtcpSenderReport &sr);

// RTSP's RTP-Info (RFC 2326 12.33): each stream's url, and the RTP
// timestamp its first packet after PLAY carries (all at the same instant).
struct RtpInfoEntry {
    std::string url;
    bool haveRtptime = false;
    uint32_t rtptime = 0;
};
std::vector<RtpInfoEntry> parseRtpInfo(const std::string &value);

// Where the sound's RTP timestamps fall on the picture's time line (pts 0
// at the first video unit received). From the best of: RTSP's RTP-Info
// (both streams' timestamps at the same instant), the two streams' first
// RTCP sender reports (their timestamps against one wall clock), and the
// arrival of their first packets. A source that puts the sound more than
// 2 s from where the arrival does is not believed (a camera's stale
// RTP-Info, a report without a clock): the arrival then.
class RtpAvSync {
public:
    enum Source : uint8_t { None, Arrival, SenderReports, RtpInfo };
    RtpAvSync(int videoRate, int audioRate) : vrate_(videoRate), arate_(audioRate) {}
    // The video unit the time line is counted from: its timestamp, arrival
    // and pts (in the video clock; 0 for the first one, the running pts
    // when lining up again after a sender restarted).
    void videoFirst(uint32_t ts, int64_t arrivalNs, int64_t pts = 0);
    void audioFirst(uint32_t ts, int64_t arrivalNs);   // the sound's first packet (its base)
    void rtpInfo(uint32_t videoTs, uint32_t audioTs);
    void senderReport(bool audio, uint64_t ntp, uint32_t rtpTs);
    // The sound's pts (in its clock rate) = its timestamp counted from its
    // first packet + offset. None until both first packets came.
    // *disbelieved: a better source was set aside for the arrival.
    Source offset(int64_t &units, bool *disbelieved = nullptr) const;

private:
    int vrate_, arate_;
    bool haveV_ = false, haveA_ = false, haveInfo_ = false, haveSrV_ = false, haveSrA_ = false;
    uint32_t vbase_ = 0, abase_ = 0, infoV_ = 0, infoA_ = 0, srRtpV_ = 0, srRtpA_ = 0;
    int64_t vpts0_ = 0;
    int64_t vArrNs_ = 0, aArrNs_ = 0;
    uint64_t srNtpV_ = 0, srNtpA_ = 0;
};

// Decode times for frames that RTP gives presentation times only: with
// `reorder` frames of reordering (the decoder's has_b_frames), each frame's
// dts is the smallest pts among it and the frames before it not yet taken,
// i.e. the pts sequence sorted and delayed by `reorder` frames; the first
// ones extrapolated back by `step`. Increasing and never after the pts. A
// frame that breaks that (the stream reorders more than said) gets none
// (INT64_MIN) and the reordering depth grows by one (frames get none while
// the deeper buffer fills). restart() after a discontinuity (a sender that
// restarted): as new.
class DtsFromPts {
public:
    DtsFromPts(int reorder, int64_t step) : reorder_(reorder < 0 ? 0 : reorder > 15 ? 15 : reorder), step_(step) {}
    int64_t next(int64_t pts);
    void restart() {
        count_ = 0;
        n_ = 0;
        last_ = INT64_MIN;
        grown_ = false;
    }
    int64_t misses() const { return misses_; }
    int reorder() const { return reorder_; }

private:
    int reorder_;
    int64_t step_;
    int64_t pending_[16] = {};   // sorted, ascending
    int count_ = 0;
    int64_t n_ = 0;
    int64_t first_ = 0, last_ = INT64_MIN;
    int64_t misses_ = 0;
    bool grown_ = false;
};

// The parameter sets (H.264 SPS, PPS; HEVC VPS, SPS, PPS) of an Annex B
// access unit, in Annex B: the stream's extradata when the SDP gave none
// (muxers such as Matroska and MP4 need it to record the stream).
std::vector<uint8_t> paramSetsOf(RtpCodec codec, const uint8_t *data, size_t size);

// Spaces, tabs and line ends off both ends (SDP and RTSP text).
std::string trimText(const std::string &s);

// Base64 (RFC 4648) to bytes; false on a character outside the alphabet.
bool base64Decode(const std::string &in, std::vector<uint8_t> &out);

} // namespace qv
