#include "qv/media/recorder.h"

#include "input.h"
#include "qv/core/log.h"
#include "qv/media/demuxer.h"

#include <cstdio>

namespace qv {

struct Recorder::Out {
    AVFormatContext *oc = nullptr;
    int streamOf[2] = {-1, -1};   // StreamKind (video 0, audio 1) -> output stream
    const AVStream *in[2] = {nullptr, nullptr};
    ~Out() {
        if (!oc) return;
        if (oc->pb) avio_closep(&oc->pb);
        avformat_free_context(oc);
    }
};

std::string Recorder::fileName() const {
    if (!o_.splitBytes && !o_.splitNs) return o_.path;
    const size_t slash = o_.path.rfind('/');
    size_t dot = o_.path.rfind('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) dot = o_.path.size();
    char n[16];
    std::snprintf(n, sizeof n, "-%03d", fileNo_);
    return o_.path.substr(0, dot) + n + o_.path.substr(dot);
}

Result<std::unique_ptr<Recorder>> Recorder::open(const Demuxer &d, const RecordOptions &o) {
    std::unique_ptr<Recorder> r(new Recorder());
    r->d_ = &d;
    r->o_ = o;
    if (auto f = r->openFile(); !f) return f.takeError();
    return r;
}

Recorder::~Recorder() { closeFile(); }

Result<void> Recorder::openFile() {
    auto out = std::make_unique<Out>();
    const std::string name = fileName();
    int r = avformat_alloc_output_context2(&out->oc, nullptr, nullptr, name.c_str());
    if (r < 0 || !out->oc)
        return Error::make(ErrorKind::Usage, name + ": cannot tell the container from the name (use .mkv, .ts, .mp4, ...)");
    const AVStream *in[2] = {d_->videoStream(), d_->audioStream()};
    for (int k = 0; k < 2; ++k) {
        if (!in[k]) continue;
        AVStream *st = avformat_new_stream(out->oc, nullptr);
        if (!st) return Error::make(ErrorKind::Internal, "out of memory");
        avcodec_parameters_copy(st->codecpar, in[k]->codecpar);
        st->codecpar->codec_tag = 0;
        st->time_base = in[k]->time_base;
        out->streamOf[k] = st->index;
        out->in[k] = in[k];
    }
    r = avio_open(&out->oc->pb, name.c_str(), AVIO_FLAG_WRITE);
    if (r < 0) return Error::make(ErrorKind::Output, name + ": cannot write (" + ff::errText(r) + ")");
    r = avformat_write_header(out->oc, nullptr);
    if (r < 0) return Error::make(ErrorKind::Output, name + ": cannot record these streams into it (" + ff::errText(r) + ")");
    out_ = std::move(out);
    lastDts_[0] = lastDts_[1] = INT64_MIN;
    rebase_ = true;
    endNs_ = 0;
    fileStartNs_ = 0;
    return {};
}

void Recorder::closeFile() {
    if (!out_) return;
    av_write_trailer(out_->oc);
    out_.reset();
}

void Recorder::write(const PacketRef &p) {
    if (failed_ || !p.pkt) return;
    const int k = p.kind == StreamKind::Video ? 0 : 1;
    const bool key = p.kind == StreamKind::Video && p.key;
    if (splitDue_ && (key || !out_->in[0])) {   // the next file starts at a keyframe
        closeFile();
        ++fileNo_;
        splitDue_ = false;
        if (auto r = openFile(); !r) {
            log::error("recording stopped: %s", r.error().message.c_str());
            failed_ = true;
            return;
        }
    }
    if (!out_ || out_->streamOf[k] < 0) return;
    const AVStream *ist = out_->in[k];
    const AVRational ns{1, 1000000000};
    const int64_t ts = p.pkt->dts != AV_NOPTS_VALUE ? p.pkt->dts : p.pkt->pts;
    if (ts == AV_NOPTS_VALUE) return;
    const int64_t tNs = av_rescale_q(ts, ist->time_base, ns);
    if (rebase_) {
        if (out_->in[0] && !key && lastDts_[0] == INT64_MIN) return;   // a file starts at a video keyframe
        shiftNs_ = endNs_ - tNs;
        rebase_ = false;
    }
    AVPacket *q = av_packet_clone(p.pkt.get());
    if (!q) return;
    const int64_t shift = av_rescale_q(shiftNs_, ns, ist->time_base);
    if (q->pts != AV_NOPTS_VALUE) q->pts += shift;
    if (q->dts != AV_NOPTS_VALUE) q->dts += shift;
    const int64_t dts = q->dts != AV_NOPTS_VALUE ? q->dts : q->pts;
    if (dts < 0 || (lastDts_[k] != INT64_MIN && dts <= lastDts_[k])) {   // before the file's start, or not monotonic
        av_packet_free(&q);
        return;
    }
    lastDts_[k] = dts;
    const int64_t endNs = tNs + shiftNs_ + (p.pkt->duration > 0 ? av_rescale_q(p.pkt->duration, ist->time_base, ns) : 0);
    if (endNs > endNs_) endNs_ = endNs;
    AVStream *ost = out_->oc->streams[out_->streamOf[k]];
    q->stream_index = ost->index;
    q->pos = -1;
    av_packet_rescale_ts(q, ist->time_base, ost->time_base);
    const int r = av_interleaved_write_frame(out_->oc, q);
    av_packet_free(&q);
    if (r < 0) {
        log::error("%s: recording stopped: %s", fileName().c_str(), ff::errText(r).c_str());
        failed_ = true;
        return;
    }
    if ((o_.splitBytes && avio_tell(out_->oc->pb) >= o_.splitBytes) || (o_.splitNs && endNs_ - fileStartNs_ >= o_.splitNs))
        splitDue_ = true;
}

} // namespace qv
