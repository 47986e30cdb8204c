#include "qv/media/video_decoder.h"

#include "hw_download.h"
#include "hw_keep.h"
#include "hwdec_open.h"
#include "input.h"
#include "qv/core/log.h"
#include "qv/media/demuxer.h"
#include "qv/media/live_window.h"
#include "qv/media/prime.h"
#include "qv/media/ts_math.h"
#include "qv/sync/clock.h"

#include <algorithm>
#include <cstdlib>

namespace qv {

namespace {
constexpr int kMaxConsecutiveErrors = 200;
constexpr uint64_t kMeta = 1024;   // far more packets than any decoder holds back
constexpr int kHwErrorsToSwitch = 3;   // hardware decode errors in a row after frames came: a switch to software
constexpr int kHwNoFrameErrors = 12;   // errors before any frame: the hardware decodes nothing, software from the start
} // namespace

struct VideoDecoder::Impl {
    CodecCtxPtr dec;
    AVStream *st = nullptr;
    AVRational tb{1, 1};
    std::string path;
    struct PacketMeta {
        int64_t pts, dts, pos;
        int size;
        uint32_t epoch;      // flushes so far when it was sent
        bool nonRefShed;     // sent while non-reference frames were skipped
        bool used;           // a frame came out of it
        int64_t recvNs;      // when the demuxer got it
    };
    uint32_t epoch = 1;
    int64_t nonRefSent = 0, nonRefUsed = 0, nonRefFlushed = 0;
    // Packets sent while non-reference frames were skipped that gave no
    // frame (and were not flushed away by a seek): skipped by the decoder.
    // The few still inside the decoder count too until they come out.
    void publish(SourceStats &s) const {
        s.skippedNonRef.store(std::max<int64_t>(0, nonRefSent - nonRefUsed - nonRefFlushed), std::memory_order_relaxed);
    }
    PacketMeta meta[kMeta] = {};
    uint64_t seq = 0;
    // Hardware decoding (hwName null: the software decoder).
    HwFormatChoice choice;
    HwDownloader download;
    AvFramePtr raw;                   // the hardware frame on its way down
    const char *hwName = nullptr;     // the hwaccel or wrapper that opened (interned)
    const char *software = nullptr;   // "software" (interned)
    bool wrapper = false;
    int wantFmt = -1;                 // the software decoder's pixel format (downloads are converted to it)
    bool downloadFailed = false;
    // Frames kept on the GPU (hw_keep.h): asked by the display, given up
    // for good when a frame cannot be mapped (said once).
    bool keepPrime = false, primeRefused = false;
    std::unique_ptr<PrimeStandIn> standIn;   // QV_TEST_HWDEC_PRIME (test only)
};

VideoDecoder::~VideoDecoder() = default;

Result<std::unique_ptr<VideoDecoder>> VideoDecoder::open(const Demuxer &d, const DecoderOptions &opt) {
    if (!d.hasVideo()) return Error::make(ErrorKind::NoVideo, "no video stream");
    std::unique_ptr<VideoDecoder> v(new VideoDecoder());
    v->impl_ = std::make_unique<Impl>();
    Impl &m = *v->impl_;
    m.st = d.videoStream();
    m.path = d.path();
    m.software = internName("software");
    v->quiet_ = opt.quietFallback;
    v->opt_ = opt;
    v->hw_.asked = hwdecRequestText(opt.hwdec);
    HwOpen hw = openHardware(d.path(), m.st, opt.hwdec, m.choice);
    if (hw.ctx) {
        m.dec = std::move(hw.ctx);
        m.hwName = internName(hw.name);
        m.wrapper = hw.wrapper;
        v->hw_.tried = hw.name;
        log::info("hwdec: %s opened; frames will tell whether it decodes", hw.name.c_str());
        // Test only (README: tests): the hardware path fails after N frames,
        // so the mid-stream switch runs through the real pipeline.
        if (const char *e = std::getenv("QV_TEST_HWDEC_FAIL_AFTER"); e && *e) v->failAfter_ = std::atoll(e);
        // Test only (README: tests): a named software decoder stands in for
        // one that hands out dma-bufs (hw_keep.h).
        if (const char *e = std::getenv("QV_TEST_HWDEC_PRIME"); e && *e && m.wrapper) {
            std::string why;
            m.standIn = PrimeStandIn::open(e, why);
            if (!m.standIn) log::warn("QV_TEST_HWDEC_PRIME: %s", why.c_str());
        }
    } else {
        auto dec = openDecoder(d.path(), m.st, opt.threads, opt.lowDelay);
        if (!dec) return dec.takeError();
        m.dec = std::move(dec.value());
        if (hw.asked) v->fallBack(hw.why);
    }
    m.wantFmt = d.videoSpec().pixFmt;
    v->fastAlways_ = opt.fast;
    if (opt.fast) m.dec->skip_loop_filter = AVDISCARD_ALL;
    v->spec_ = d.videoSpec();
    if (v->spec_.pixFmt < 0) v->spec_.pixFmt = m.dec->pix_fmt;
    m.tb = m.st->time_base;
    v->startPts_ = m.st->start_time != AV_NOPTS_VALUE ? m.st->start_time : INT64_MIN;
    v->frameNs_ = av_rescale(1000000000, v->spec_.fpsDen, v->spec_.fpsNum);
    return v;
}

void VideoDecoder::setShed(DecodeShed s) {
    if (s == shed_) return;
    shed_ = s;
    AVCodecContext *c = impl_->dec.get();
    c->skip_loop_filter = fastAlways_ || s >= DecodeShed::LoopFilter ? AVDISCARD_ALL : AVDISCARD_DEFAULT;
    c->skip_frame = s >= DecodeShed::NonRef ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
}

// Only with the surfaces asked for at open (hwdec.keepSurfaces): a fixed
// pool without them runs dry while kept frames travel the pipeline.
void VideoDecoder::setKeepPrime(bool on) { impl_->keepPrime = on && opt_.hwdec.keepSurfaces > 0; }

void VideoDecoder::send(PacketRef &p) {
    Impl &m = *impl_;
    AVPacket *pkt = p.pkt.get();
    stats_.packets.fetch_add(1, std::memory_order_relaxed);
    if (pkt->flags & AV_PKT_FLAG_CORRUPT) stats_.corruptPackets.fetch_add(1, std::memory_order_relaxed);
    // Tag the packet: the decoder hands a packet's pts to the frame made
    // from it, so the tag says which packet each frame came from (its real
    // pts, dts, position and size are kept here).
    Impl::PacketMeta &pm = m.meta[m.seq % kMeta];
    pm.epoch = m.epoch;
    if (shed_ >= DecodeShed::NonRef) ++m.nonRefSent;
    pm.nonRefShed = shed_ >= DecodeShed::NonRef;
    pm.used = false;
    pm.pts = pkt->pts;
    pm.dts = pkt->dts;
    pm.pos = pkt->pos;
    pm.size = pkt->size;
    pm.recvNs = p.recvNs;
    fedRecvNs_ = p.recvNs;
    pkt->pts = static_cast<int64_t>(m.seq++);
    const int64_t t0 = monotonicNs();
    const int r = avcodec_send_packet(m.dec.get(), pkt);
    pendingDecodeNs_ += monotonicNs() - t0;
    av_packet_unref(pkt);
    m.publish(stats_);
    if (r < 0 && r != AVERROR(EAGAIN)) {
        stats_.corruptPackets.fetch_add(1, std::memory_order_relaxed);
        ++consecutiveErrors_;
    }
}

void VideoDecoder::sendEnd() { avcodec_send_packet(impl_->dec.get(), nullptr); }

VideoDecoder::Got VideoDecoder::receive(FrameRef &out) {
    if (!out.frame) out.frame = allocFrame();
    for (;;) {
        if (!switchWhy_.empty()) return switchToSoftware() ? Got::Switched : Got::Failed;
        const int64_t t0 = monotonicNs();
        const int r = avcodec_receive_frame(impl_->dec.get(), out.frame.get());
        pendingDecodeNs_ += monotonicNs() - t0;
        if (r >= 0) {
            if (!takeFrame(out)) continue;
            fill(out);
            return Got::Frame;
        }
        if (r == AVERROR(EAGAIN)) {
            if (impl_->hwName && !anyFrame_ && consecutiveErrors_ >= kHwNoFrameErrors) {
                switchWhy_ = "no frame came out (" + std::to_string(consecutiveErrors_) + " errors)";
                continue;
            }
            if (consecutiveErrors_ > kMaxConsecutiveErrors && !anyFrame_) break;
            return Got::NeedInput;
        }
        if (r == AVERROR_EOF) return Got::End;
        // A frame the decoder gave up on: skip it, count it.
        stats_.corruptPackets.fetch_add(1, std::memory_order_relaxed);
        if (impl_->hwName && anyFrame_ && ++hwErrors_ >= kHwErrorsToSwitch)
            switchWhy_ = std::to_string(hwErrors_) + " decode errors in a row";
        else if (impl_->hwName && !anyFrame_ && consecutiveErrors_ + 1 >= kHwNoFrameErrors)
            switchWhy_ = "no frame came out (" + std::to_string(consecutiveErrors_ + 1) + " errors)";
        if (++consecutiveErrors_ > kMaxConsecutiveErrors && !anyFrame_) break;
    }
    if (impl_->hwName)   // the file may be fine: the decoder asked for is what fails (no switch to software yet)
        error_ = Error::make(ErrorKind::Decode, std::string("--hwdec: ") + impl_->hwName + " opened but decoded no frame (" +
                                                    std::to_string(stats_.corruptPackets.load()) + " errors on " +
                                                    std::to_string(stats_.packets.load()) +
                                                    " packets); --hwdec=no decodes in software");
    else
        error_ = Error::make(ErrorKind::Decode, "cannot decode the video: " + std::to_string(stats_.corruptPackets.load()) +
                                                    " of " + std::to_string(stats_.packets.load()) + " packets corrupt");
    return Got::Failed;
}

void VideoDecoder::fallBack(const std::string &why) {
    hw_.running = "software";
    hw_.why = why;
    if (!quiet_ && !hwAnnounced_) {
        if (hw_.asked == "default")   // no --hwdec: a verdict of hwdec-probe made qv try it
            log::warn("hwdec (no --hwdec; hwdec-probe found it exact here): decoding in software: %s", why.c_str());
        else
            log::warn("--hwdec=%s: decoding in software: %s", hw_.asked.c_str(), why.c_str());
    }
    hwAnnounced_ = true;
}

// A frame as it came out of the decoder -> the frame qv passes on: stale
// ones dropped, hardware frames downloaded (hw_download.h), and which
// decoder really made it told by its format.
bool VideoDecoder::takeFrame(FrameRef &out) {
    Impl &m = *impl_;
    AVFrame *f = out.frame.get();
    // Made from a packet sent before the last flush (some hardware and
    // wrapper decoders hand those out after a flush): never shown.
    const int64_t tag = f->pts;
    if (tag != AV_NOPTS_VALUE && tag >= 0 && static_cast<uint64_t>(tag) < m.seq && m.seq - static_cast<uint64_t>(tag) <= kMeta &&
        m.meta[static_cast<uint64_t>(tag) % kMeta].epoch != m.epoch) {
        av_frame_unref(f);
        stats_.staleDropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    const char *made = m.software;
    if (m.hwName) {
        const bool hwFrame = f->hw_frames_ctx != nullptr;
        if (!hwFrame && !m.wrapper) {
            // get_format was not offered the hardware format: FFmpeg decodes
            // this stream in software.
            if (!hwAnnounced_)
                fallBack(std::string(m.hwName) + ": the hardware did not take this stream (the decoder offered " +
                         (m.choice.offered.empty() ? "nothing else" : m.choice.offered) + ")");
        } else {
            if (!m.raw) m.raw = allocFrame();
            av_frame_move_ref(m.raw.get(), f);
            std::string why;
            const bool kept = m.keepPrime && !m.primeRefused && keepFrame(m.raw.get(), f);
            if (!kept && !m.download.download(m.raw.get(), f, m.wantFmt, why)) {
                // The frame cannot come down (no surfaces, the device lost):
                // software from this frame on.
                av_frame_unref(m.raw.get());
                m.downloadFailed = true;
                switchWhy_ = "download failed: " + why;
                return false;
            }
            if (failAfter_ >= 0 && hwOut_ >= failAfter_) {
                av_frame_unref(f);
                switchWhy_ = "QV_TEST_HWDEC_FAIL_AFTER=" + std::to_string(failAfter_) + " (test)";
                return false;
            }
            ++hwOut_;
            hwErrors_ = 0;
            if (hwFrame) stats_.hwFrames.fetch_add(1, std::memory_order_relaxed);
            if (kept) stats_.primeKept.fetch_add(1, std::memory_order_relaxed);
            made = m.hwName;
            if (hw_.running != m.hwName) {
                hw_.running = m.hwName;
                hw_.why.clear();
            }
        }
    }
    stats_.decoder.store(made, std::memory_order_relaxed);
    out.info.decoder = made;
    return true;
}

// raw (a hardware frame, or the stand-in's software one) -> f as a DRM
// PRIME frame, not downloaded. False: raw is untouched and comes down.
bool VideoDecoder::keepFrame(AVFrame *raw, AVFrame *f) {
    Impl &m = *impl_;
    std::string why;
    // A CUDA frame as it is: the vulkan display copies it onto its device
    // (vk_frames.h). A Vulkan decoder's frames are of its own device, which
    // the display cannot sample: mapped to DRM PRIME below, like VA-API's.
    if (opt_.hwdec.keepHwFrames && raw->format == AV_PIX_FMT_CUDA && isHwSurfaceFrame(raw)) {
        av_frame_move_ref(f, raw);
        return true;
    }
    if (!opt_.hwdec.keepPrimeFrames) return false;   // kept only as CUDA/Vulkan frames (above)
    if (raw->hw_frames_ctx || raw->format == AV_PIX_FMT_DRM_PRIME) {
        if (keepAsPrime(raw, f, why)) return true;
        // This hwcontext cannot export its surfaces: every frame comes down.
        m.primeRefused = true;
        log::info("hwdec: %s: frames downloaded, not kept on the GPU: %s", m.hwName, why.c_str());
        return false;
    }
    if (!m.standIn) return false;   // a wrapper decoder's software frames: nothing to keep
    if (m.standIn->wrap(raw, f, why)) return true;
    log::info("QV_TEST_HWDEC_PRIME: frame passed in memory: %s", why.c_str());
    return false;
}

bool VideoDecoder::switchToSoftware() {
    Impl &m = *impl_;
    const std::string why = std::move(switchWhy_);
    switchWhy_.clear();
    auto dec = openDecoder(m.path, m.st, opt_.threads, opt_.lowDelay);
    if (!dec) {
        error_ = Error::make(ErrorKind::Decode, std::string(m.hwName ? m.hwName : "hwdec") + " failed (" + why +
                                                    ") and the software decoder did not open: " + dec.error().message);
        return false;
    }
    if (anyFrame_)
        log::warn("%s: %s failed mid-stream after frame %lld (%s): decoding in software from there, the same frames",
                  m.path.c_str(), m.hwName, static_cast<long long>(lastOrdinal_), why.c_str());
    else
        log::warn("%s: --hwdec: %s opened but %s: decoding in software from the first frame", m.path.c_str(), m.hwName,
                  why.c_str());
    m.dec = std::move(dec.value());
    m.hwName = nullptr;
    m.wrapper = false;
    m.raw.reset();
    m.standIn.reset();
    const DecodeShed s = shed_;
    shed_ = DecodeShed::None;
    setShed(s);   // the new context gets the shedding now in force
    if (fastAlways_) m.dec->skip_loop_filter = AVDISCARD_ALL;
    hw_.running = "software";
    hw_.why = anyFrame_ ? "switched mid-stream: " + why : why;
    stats_.hwSwitches.fetch_add(1, std::memory_order_relaxed);
    resumeOrdinal_ = lastOrdinal_ >= 0 ? lastOrdinal_ + 1 : anyFrame_ ? -1 : 0;
    stats_.hwSwitchedAt.store(resumeOrdinal_, std::memory_order_relaxed);
    hwErrors_ = 0;
    consecutiveErrors_ = 0;
    const int64_t keepPts = lastPtsNs_;
    flush(false);
    lastPtsNs_ = keepPts;   // resumePtsNs(): where to go on without an index
    return true;
}

void VideoDecoder::flush(bool fromStart) {
    avcodec_flush_buffers(impl_->dec.get());   // keep the decoder, drop its state
    Impl &m = *impl_;
    for (uint64_t k = m.seq > kMeta ? m.seq - kMeta : 0; k < m.seq; ++k) {
        const Impl::PacketMeta &p = m.meta[k % kMeta];
        if (p.epoch == m.epoch && p.nonRefShed && !p.used) ++m.nonRefFlushed;
    }
    ++m.epoch;
    m.publish(stats_);
    lastPtsNs_ = kNoTs;
    ordinalExact_ = fromStart;
    ordinal_ = 0;
    faultyPts_ = faultyDts_ = 0;
    lastGuessPts_ = lastGuessDts_ = INT64_MIN;
}

// FFmpeg's best-effort timestamp rule (the one ffmpeg and ffprobe show),
// applied to the real pts the tag stands for.
int64_t VideoDecoder::guessPts(int64_t pts, int64_t dts) {
    if (dts != AV_NOPTS_VALUE) {
        faultyDts_ += dts <= lastGuessDts_;
        lastGuessDts_ = dts;
    } else if (pts != AV_NOPTS_VALUE) {
        lastGuessDts_ = pts;
    }
    if (pts != AV_NOPTS_VALUE) {
        faultyPts_ += pts <= lastGuessPts_;
        lastGuessPts_ = pts;
    } else if (dts != AV_NOPTS_VALUE) {
        lastGuessPts_ = dts;
    }
    if ((faultyPts_ <= faultyDts_ || dts == AV_NOPTS_VALUE) && pts != AV_NOPTS_VALUE) return pts;
    return dts;
}

void VideoDecoder::fill(FrameRef &out) {
    Impl &m = *impl_;
    AVFrame *f = out.frame.get();
    FrameInfo &i = out.info;
    anyFrame_ = true;
    if (f->decode_error_flags || (f->flags & AV_FRAME_FLAG_CORRUPT))
        stats_.corruptFrames.fetch_add(1, std::memory_order_relaxed);
    consecutiveErrors_ = 0;
    // Which packet this frame came from (see the tag in send()).
    Impl::PacketMeta pm{AV_NOPTS_VALUE, f->pkt_dts, -1, ff::packetSize(f), 0, false, true, 0};
    const int64_t tag = f->pts;
    if (tag != AV_NOPTS_VALUE && tag >= 0 && static_cast<uint64_t>(tag) < m.seq && m.seq - static_cast<uint64_t>(tag) <= kMeta) {
        Impl::PacketMeta &slot = m.meta[static_cast<uint64_t>(tag) % kMeta];
        if (slot.nonRefShed && !slot.used) {
            ++m.nonRefUsed;
            m.publish(stats_);
        }
        slot.used = true;
        pm = slot;
    }
    f->pts = pm.pts;
    int64_t known = -1;   // ordinal from the index
    if (idx_) {
        const int64_t d = idx_->find(pm.pos, pm.pts == AV_NOPTS_VALUE ? INT64_MIN : pm.pts,
                                     pm.dts == AV_NOPTS_VALUE ? INT64_MIN : pm.dts);
        if (d >= 0) known = idx_->packets()[static_cast<size_t>(d)].ordinal;
    } else if (live_) {
        known = live_->ordinalOf(pm.pts == AV_NOPTS_VALUE ? INT64_MIN : pm.pts, pm.dts == AV_NOPTS_VALUE ? INT64_MIN : pm.dts);
    }
    // FFmpeg's guess runs on the frame's pkt_dts (the dts fed when the frame
    // came out); the dts qv shows is the frame's own packet's.
    const int64_t pts = guessPts(pm.pts, f->pkt_dts);
    if (startPts_ == INT64_MIN && pts != AV_NOPTS_VALUE) startPts_ = pts;
    const char *decoder = i.decoder;
    i = FrameInfo{};
    i.decoder = decoder;
    i.tbNum = m.tb.num;
    i.tbDen = m.tb.den;
    i.pts = pts == AV_NOPTS_VALUE ? kNoTs : pts;
    i.dts = pm.dts == AV_NOPTS_VALUE ? kNoTs : pm.dts;
    const int64_t dur = ff::frameDuration(f);
    i.durationNs = dur > 0 ? ts::toNs(dur, m.tb) : frameNs_;
    if (known >= 0) {
        ordinal_ = known;
        ordinalExact_ = true;
    } else if (idx_ && idx_->timestamped()) {
        ordinalExact_ = false;   // a packet the scan did not see
    }
    if (pts != AV_NOPTS_VALUE)
        i.ptsNs = ts::toNs(ts::sub(pts, startPts_), m.tb);
    else if (ordinalExact_)
        i.ptsNs = ordinal_ * frameNs_;
    else
        i.ptsNs = lastPtsNs_ == kNoTs ? 0 : ts::add(lastPtsNs_, frameNs_);
    lastPtsNs_ = i.ptsNs;
    if (ordinalExact_) i.ordinal = ordinal_++;
    else i.ordinal = frameNs_ > 0 ? ts::add(i.ptsNs, frameNs_ / 2) / frameNs_ : 0;
    i.ordinalExact = ordinalExact_;
    lastOrdinal_ = ordinalExact_ ? i.ordinal : -1;
    i.pktSize = pm.size;
    i.pktPos = pm.pos;
    i.recvNs = pm.recvNs;
    i.decodedNs = monotonicNs();
    i.pictType = av_get_picture_type_char(f->pict_type);
    i.key = ff::isKeyFrame(f);
    i.decodeNs = pendingDecodeNs_;
    i.shedLevel = static_cast<uint8_t>(shed_);
    i.fedRecvNs = fedRecvNs_;
    stats_.decodeNs.fetch_add(pendingDecodeNs_, std::memory_order_relaxed);
    stats_.framesDecoded.fetch_add(1, std::memory_order_relaxed);
    pendingDecodeNs_ = 0;
}

} // namespace qv
