// exportRange: plan (export_plan), then one output file written in order:
// re-encoded head, copied packets (with the sound), re-encoded tail.
#include "qv/media/export.h"

#include "export_encode.h"
#include "input.h"
#include "nal_splice.h"
#include "thumb_util.h"
#include "qv/media/export_plan.h"
#include "qv/media/probe.h"
#include "qv/media/packet_index.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace qv {

std::string ExportReport::summary() const {
    char b[512];
    if (stills >= 0) {
        std::snprintf(b, sizeof b, "stills: frames %lld..%lld (%.3f-%.3f s), %lld PNG%s, %s", static_cast<long long>(plan.from),
                      static_cast<long long>(plan.to), fromSec, toSec, static_cast<long long>(stills), stills == 1 ? "" : "s",
                      stillsPattern.c_str());
        return b;
    }
    int n = std::snprintf(b, sizeof b, "%s: frames %lld..%lld (%.3f-%.3f s), %lld copied, %lld re-encoded%s%s",
                          methodName(plan.method), static_cast<long long>(plan.from), static_cast<long long>(plan.to),
                          fromSec, toSec, static_cast<long long>(plan.copied()), static_cast<long long>(plan.reencoded()),
                          encoder.empty() ? "" : " with ", encoder.c_str());
    if (audioFromSec >= 0 && n > 0 && n < static_cast<int>(sizeof b))
        std::snprintf(b + n, sizeof b - n, ", sound %.3f-%.3f s", audioFromSec, audioToSec);
    else if (n > 0 && n < static_cast<int>(sizeof b))
        std::snprintf(b + n, sizeof b - n, ", no sound");
    return b;
}

namespace {

struct OutputFile {
    AVFormatContext *oc = nullptr;
    std::string tmp;
    bool committed = false;
    ~OutputFile() {
        if (oc) {
            if (oc->pb) avio_closep(&oc->pb);
            avformat_free_context(oc);
        }
        if (!committed && !tmp.empty()) ::unlink(tmp.c_str());
    }
};

std::string tempNameFor(const std::string &out) {
    const size_t slash = out.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : out.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? out : out.substr(slash + 1);
    return dir + "." + base + ".qv-part-" + std::to_string(::getpid());
}

int64_t entryPts(const IndexEntry &e) { return e.pts != INT64_MIN ? e.pts : e.dts; }

} // namespace

// The span frames [from, to] show: from's pts and the end of to (stream
// time base), and the same in seconds from the stream's start.
struct Span {
    int64_t off = 0, lastEnd = 0;
    double fromSec = 0, toSec = 0;
};
static Span spanOf(const PacketIndex &idx, int64_t from, int64_t to, AVRational tb) {
    const auto &pk = idx.packets();
    const IndexEntry &first = pk[static_cast<size_t>(idx.decodeIndexOf(from))];
    const IndexEntry &last = pk[static_cast<size_t>(idx.decodeIndexOf(to))];
    Span s;
    s.off = entryPts(first);
    s.lastEnd = to + 1 < idx.frameCount() ? entryPts(pk[static_cast<size_t>(idx.decodeIndexOf(to + 1))])
                                          : entryPts(last) + av_rescale(idx.frameNs, tb.den, int64_t(tb.num) * 1000000000);
    s.fromSec = av_q2d(tb) * (s.off - (idx.startPts != INT64_MIN ? idx.startPts : 0));
    s.toSec = s.fromSec + av_q2d(tb) * (s.lastEnd - s.off);
    return s;
}

static Result<ExportReport> exportStills(const std::string &path, const ExportRequest &req, const PacketIndex &idx, int64_t from,
                                  int64_t to, const std::string &pattern, const std::atomic<bool> &cancel) {
    auto planned = planExport(idx, from, to, false, true);   // the range checks of a video export
    if (!planned) return planned.takeError();
    ExportReport rep;
    rep.plan = planned.value();
    rep.stillsPattern = pattern;
    rep.stills = 0;
    auto in = Input::open(path, true, &cancel);
    if (!in) return in.takeError();
    const int vi = in.value()->bestVideoStream();
    if (vi < 0) return Error::make(ErrorKind::NoVideo, "no video stream");
    const StreamSpec spec = in.value()->videoSpec(vi);
    const Span span = spanOf(idx, from, to, in.value()->fmt()->streams[vi]->time_base);
    rep.fromSec = span.fromSec;
    rep.toSec = span.toSec;
    // A directory named with a trailing '/' is made when missing (and
    // removed again if the export fails).
    const std::string firstName = stillName(pattern, from + req.ordinalBase);
    const size_t slash = firstName.rfind('/');
    std::string madeDir;
    if (slash != std::string::npos && slash > 0) {
        const std::string dir = firstName.substr(0, slash);
        struct stat sb{};
        if (stat(dir.c_str(), &sb) != 0) {
            if (mkdir(dir.c_str(), 0777) != 0)
                return Error::make(ErrorKind::Output, dir + ": cannot make the directory (" + std::strerror(errno) + ")");
            madeDir = dir;
        }
    }
    std::vector<std::string> written;   // stills this run made (not those it replaced)
    const int64_t total = to - from + 1;
    auto r = decodeRange(
        path, idx, from, to,
        [&](AVFrame *f, int64_t ordinal, const AVStream *) -> Result<void> {
            auto rgb = frameToRgb(f, spec, 0);
            if (!rgb) return rgb.takeError();
            const std::string name = stillName(pattern, ordinal + req.ordinalBase);
            struct stat sb{};
            const bool existed = stat(name.c_str(), &sb) == 0;
            if (auto w = writePngRgb(name, rgb.value()->data[0], rgb.value()->width, rgb.value()->height,
                                     rgb.value()->linesize[0]);
                !w) {
                Error e = w.takeError();
                if (e.kind == ErrorKind::Output) return e;
                return Error::make(ErrorKind::Output, name + ": " + e.message);
            }
            if (!existed) written.push_back(name);
            ++rep.stills;
            if (req.progress) req.progress(static_cast<double>(rep.stills) / static_cast<double>(total));
            return {};
        },
        &cancel, req.threads);
    if (!r) {
        // All or nothing: what this run made goes (stills it replaced are
        // the new ones by then and stay).
        for (const std::string &n : written) unlink(n.c_str());
        if (!madeDir.empty()) rmdir(madeDir.c_str());
        return r.takeError();
    }
    return rep;
}

Result<ExportReport> exportRange(const std::string &path, const ExportRequest &req, std::shared_ptr<const PacketIndex> idx) {
    static const std::atomic<bool> kNever{false};
    const std::atomic<bool> &cancel = req.cancel ? *req.cancel : kNever;
    if (!idx) {
        auto s = scanPackets(path, cancel);
        if (!s) return s.takeError();
        idx = s.value();
    }
    auto toOrdinal = [&](const RangePoint &p) { return p.ordinal ? p.value : idx->ordinalAt(p.value); };
    const int64_t from = toOrdinal(req.from), to = toOrdinal(req.to);
    {
        struct stat sb{};
        const bool isDir = stat(req.output.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
        std::string pattern, why;
        if (stillsPattern(req.output, isDir, from == to, pattern, why)) {
            if (!why.empty()) return Error::make(ErrorKind::Usage, why);
            return exportStills(path, req, *idx, from, to, pattern, cancel);
        }
    }

    OutputFile of;
    int r = avformat_alloc_output_context2(&of.oc, nullptr, nullptr, req.output.c_str());
    if (r < 0 || !of.oc)
        return Error::make(ErrorKind::Usage, req.output + ": cannot tell the container from the name (use .mp4, .mkv, .mov, .ts, .webm)");
    const std::string fmtName = of.oc->oformat->name;
    const bool editList = fmtName == "mp4" || fmtName == "mov";

    auto planned = planExport(*idx, from, to, editList, req.reencode);
    if (!planned) return planned.takeError();
    ExportReport rep;
    rep.plan = planned.value();
    const ExportPlan &pl = rep.plan;

    auto in = Input::open(path, true, &cancel);
    if (!in) return in.takeError();
    AVFormatContext *fmt = in.value()->fmt();
    const int vi = in.value()->bestVideoStream();
    if (vi < 0) return Error::make(ErrorKind::NoVideo, "no video stream");
    const int ai = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, vi, nullptr, 0);
    AVStream *vst = fmt->streams[vi];
    AVStream *ast = ai >= 0 ? fmt->streams[ai] : nullptr;
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
        if (static_cast<int>(i) != vi && static_cast<int>(i) != ai) fmt->streams[i]->discard = AVDISCARD_ALL;

    of.tmp = tempNameFor(req.output);
    r = avio_open(&of.oc->pb, of.tmp.c_str(), AVIO_FLAG_WRITE);
    if (r < 0) {
        of.tmp.clear();
        return Error::make(ErrorKind::Output, req.output + ": cannot write (" + ff::errText(r) + ")");
    }
    const bool globalHeader = (of.oc->oformat->flags & AVFMT_GLOBALHEADER) != 0;
    const bool allEncoded = pl.copied() == 0;
    SegmentEncoder whole;
    AVStream *ovs = avformat_new_stream(of.oc, nullptr);
    if (!ovs) return Error::make(ErrorKind::Internal, "out of memory");
    if (allEncoded) {
        auto e = openSegmentEncoder(path, vst, req.encoder, false, globalHeader, req.threads);
        if (!e) return e.takeError();
        whole = std::move(e.value());
        rep.encoder = whole.name;
        avcodec_parameters_from_context(ovs->codecpar, whole.ctx.get());
    } else {
        avcodec_parameters_copy(ovs->codecpar, vst->codecpar);
        ovs->codecpar->codec_tag = 0;
    }
    ovs->time_base = vst->time_base;
    ovs->avg_frame_rate = vst->avg_frame_rate;
    ovs->sample_aspect_ratio = vst->sample_aspect_ratio;
    AVStream *oas = nullptr;
    if (ast) {
        oas = avformat_new_stream(of.oc, nullptr);
        if (!oas) return Error::make(ErrorKind::Internal, "out of memory");
        avcodec_parameters_copy(oas->codecpar, ast->codecpar);
        oas->codecpar->codec_tag = 0;
        oas->time_base = ast->time_base;
    }
    r = avformat_write_header(of.oc, nullptr);
    if (r < 0) return Error::make(ErrorKind::Output, req.output + ": cannot write this stream into " + fmtName + " (" + ff::errText(r) + ")");

    const auto &pk = idx->packets();
    const Span span = spanOf(*idx, from, to, vst->time_base);
    const int64_t off = span.off;   // stream time base: from's pts becomes 0
    const int64_t lastEnd = span.lastEnd;
    rep.fromSec = span.fromSec;
    rep.toSec = span.toSec;
    // dts shift of re-encoded head frames: below the copied key's own dts.
    int64_t headShift = 0;
    if (pl.copied() > 0) {
        const IndexEntry &k = pk[static_cast<size_t>(pl.copyDecFirst)];
        if (k.pts != INT64_MIN && k.dts != INT64_MIN) headShift = k.pts - k.dts;
    }
    const int64_t totalFrames = pl.to - pl.from + 1;
    int64_t framesDone = 0;
    auto progress = [&](int64_t done) {
        if (req.progress) req.progress(std::min(1.0, double(done) / double(totalFrames)));
    };
    auto write = [&](AVPacket *p, AVStream *ist, AVStream *ost) -> Result<void> {
        p->stream_index = ost->index;
        av_packet_rescale_ts(p, ist->time_base, ost->time_base);
        p->pos = -1;
        const int w = av_interleaved_write_frame(of.oc, p);
        if (w < 0) return Error::make(ErrorKind::Output, req.output + ": write failed (" + ff::errText(w) + ")");
        return {};
    };
    const bool hevc = vst->codecpar->codec_id == AV_CODEC_ID_HEVC;
    const bool nalCodec = hevc || vst->codecpar->codec_id == AV_CODEC_ID_H264;
    const NalFraming framing = nalFraming(hevc, vst->codecpar->extradata, static_cast<size_t>(vst->codecpar->extradata_size));
    auto encodeRun = [&](int64_t a, int64_t b, bool head) -> Result<void> {
        SegmentEncoder seg;
        AVCodecContext *enc = whole.ctx.get();
        if (!enc) {
            auto e = openSegmentEncoder(path, vst, req.encoder, true, false, req.threads);
            if (!e) return e.takeError();
            seg = std::move(e.value());
            enc = seg.ctx.get();
            rep.encoder = seg.name;
        }
        const int64_t base = framesDone;
        auto sink = [&](AVPacket *p) -> Result<void> {
            if (!allEncoded && nalCodec && framing.lengthSize > 0) {
                std::vector<uint8_t> v = toFraming(framing, p->data, static_cast<size_t>(p->size));
                AVPacket *q = av_packet_alloc();
                if (!q || av_new_packet(q, static_cast<int>(v.size())) < 0) return Error::make(ErrorKind::Internal, "out of memory");
                std::memcpy(q->data, v.data(), v.size());
                av_packet_copy_props(q, p);
                av_packet_unref(p);
                av_packet_move_ref(p, q);
                av_packet_free(&q);
            }
            if (p->pts != AV_NOPTS_VALUE) p->pts -= off;
            if (!allEncoded) p->dts = head ? p->pts - headShift : p->pts;
            else if (p->dts != AV_NOPTS_VALUE) p->dts -= off;
            return write(p, vst, ovs);
        };
        auto r2 = encodeSegment(path, *idx, a, b, enc, sink, [&](int64_t n) { progress(base + n); }, &cancel, req.threads);
        framesDone = base + (b - a + 1);
        return r2;
    };

    if (pl.headTo >= pl.headFrom)
        if (auto s = encodeRun(pl.headFrom, pl.headTo, true); !s) return s.takeError();

    // The copy pass: video packets of the plan, and the sound of the span.
    int64_t aFrom = 0, aTo = 0, aOff = 0;
    if (ast) {
        aOff = av_rescale_q(off, vst->time_base, ast->time_base);
        aFrom = aOff;
        aTo = av_rescale_q(lastEnd, vst->time_base, ast->time_base);
    }
    {
        int64_t seekTs = entryPts(pk[static_cast<size_t>(pl.copied() > 0 ? pl.copyDecFirst : idx->keyFor(from, 0))]);
        const IndexEntry &sk = pk[static_cast<size_t>(pl.copied() > 0 ? pl.copyDecFirst : idx->keyFor(from, 0))];
        if (sk.dts != INT64_MIN && sk.dts < seekTs) seekTs = sk.dts;
        const int64_t us = av_rescale_q(std::min(seekTs, off), vst->time_base, AVRational{1, AV_TIME_BASE}) - AV_TIME_BASE;
        if (av_seek_frame(fmt, -1, us, AVSEEK_FLAG_BACKWARD) < 0) av_seek_frame(fmt, -1, INT64_MIN + 1, AVSEEK_FLAG_BACKWARD);
    }
    PacketPtr pkt(av_packet_alloc());
    if (!pkt) return Error::make(ErrorKind::Internal, "out of memory");
    bool videoDone = pl.copied() == 0, audioDone = !ast, firstCopied = true;
    int64_t aFirst = INT64_MIN, aLast = INT64_MIN;
    const bool spliceSets = nalCodec && pl.headTo >= pl.headFrom && !framing.paramSets.empty();
    while (!(videoDone && audioDone)) {
        if (cancel.load(std::memory_order_relaxed)) return Error::make(ErrorKind::Internal, "cancelled");
        r = av_read_frame(fmt, pkt.get());
        if (r == AVERROR_EOF) break;
        if (r < 0) return avError(ErrorKind::Format, path, "read failed", r);
        if (pkt->stream_index == vi && !videoDone) {
            const int64_t d = idx->find(pkt->pos, pkt->pts == AV_NOPTS_VALUE ? INT64_MIN : pkt->pts,
                                        pkt->dts == AV_NOPTS_VALUE ? INT64_MIN : pkt->dts);
            if (d >= pl.copyDecFirst && d <= pl.copyDecLast && pk[static_cast<size_t>(d)].ordinal >= pl.copyKey) {
                if (firstCopied && spliceSets) {   // the stream's own parameter sets back, after the encoder's
                    const size_t n = framing.paramSets.size();
                    if (av_grow_packet(pkt.get(), static_cast<int>(n)) < 0) return Error::make(ErrorKind::Internal, "out of memory");
                    std::memmove(pkt->data + n, pkt->data, static_cast<size_t>(pkt->size) - n);
                    std::memcpy(pkt->data, framing.paramSets.data(), n);
                }
                firstCopied = false;
                if (pkt->pts != AV_NOPTS_VALUE) pkt->pts -= off;
                if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= off;
                if (auto s = write(pkt.get(), vst, ovs); !s) return s.takeError();
                progress(framesDone + (d - pl.copyDecFirst + 1) * pl.copied() / (pl.copyDecLast - pl.copyDecFirst + 1));
            }
            if (d >= pl.copyDecLast) videoDone = true;
        } else if (ast && pkt->stream_index == ai && !audioDone && pkt->pts != AV_NOPTS_VALUE) {
            if (pkt->pts >= aTo) {
                audioDone = true;
            } else if (pkt->pts >= aFrom) {
                if (aFirst == INT64_MIN) aFirst = pkt->pts;
                aLast = pkt->pts + pkt->duration;
                pkt->pts -= aOff;
                if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= aOff;
                if (auto s = write(pkt.get(), ast, oas); !s) return s.takeError();
            }
        }
        av_packet_unref(pkt.get());
    }
    framesDone += pl.copied();
    if (aFirst != INT64_MIN) {
        rep.audioFromSec = rep.fromSec + av_q2d(ast->time_base) * (aFirst - aFrom);
        rep.audioToSec = rep.fromSec + av_q2d(ast->time_base) * (aLast - aFrom);
    }
    if (pl.tailTo >= pl.tailFrom)
        if (auto s = encodeRun(pl.tailFrom, pl.tailTo, false); !s) return s.takeError();
    r = av_write_trailer(of.oc);
    if (r < 0) return Error::make(ErrorKind::Output, req.output + ": write failed (" + ff::errText(r) + ")");
    r = avio_closep(&of.oc->pb);
    if (r < 0) return Error::make(ErrorKind::Output, req.output + ": write failed (" + ff::errText(r) + ")");
    if (::rename(of.tmp.c_str(), req.output.c_str()) != 0)
        return Error::make(ErrorKind::Output, req.output + ": cannot write (" + std::strerror(errno) + ")");
    of.committed = true;
    if (req.progress) req.progress(1.0);
    return rep;
}

} // namespace qv
