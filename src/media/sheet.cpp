#include "qv/media/sheet.h"

#include "input.h"
#include "thumb_util.h"
#include "qv/core/bitmap_font.h"
#include "qv/core/json.h"
#include "qv/media/demuxer.h"
#include "qv/media/packet_index.h"
#include "qv/media/ts_math.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <mutex>

namespace qv {
namespace {

constexpr font::Rgb kBackground{24, 24, 24}, kText{235, 235, 235}, kDim{170, 170, 170};
constexpr int kMargin = 4;

std::string clockText(int64_t ns) {
    if (ns < 0) ns = 0;
    const int64_t ms = ns / 1000000;
    char b[32];
    std::snprintf(b, sizeof b, "%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%03" PRId64, ms / 3600000, ms / 60000 % 60,
                  ms / 1000 % 60, ms % 1000);
    return b;
}

std::string baseName(const std::string &p) {
    const size_t s = p.find_last_of('/');
    return s == std::string::npos ? p : p.substr(s + 1);
}

bool cancelled(const SheetRequest &req) { return req.cancel && req.cancel->load(std::memory_order_relaxed); }

// The keyframe with decode index d, decoded alone: one seek, its packet
// sent, then the decoder drained. (Feeding on with AVDISCARD_NONKEY is not
// safe: the H.264 decoder's reordering then gives the keyframes in the wrong
// order, the last one first.) Returns Decode when no picture comes out.
Result<AvFramePtr> keyframeAt(Demuxer &dm, AVCodecContext *dec, const PacketIndex &idx, int64_t d) {
    if (auto r = dm.seekToPacket(idx, d); !r) return r.takeError();
    avcodec_flush_buffers(dec);
    const IndexEntry &want = idx.packets()[static_cast<size_t>(std::max<int64_t>(d, 0))];
    AvFramePtr frame = allocFrame();
    PacketRef p;
    for (int tries = 0; tries < 100000; ++tries) {
        if (!dm.read(p)) break;
        // A timestamp seek may land on an earlier keyframe (it seeks by the
        // dts, which B-frames put before the pts): skip to this one.
        if (p.kind != StreamKind::Video || !p.key || (want.pos >= 0 && p.pkt->pos >= 0 && p.pkt->pos < want.pos))
            continue;
        if (avcodec_send_packet(dec, p.pkt.get()) < 0) break;
        avcodec_send_packet(dec, nullptr);
        int r;
        while ((r = avcodec_receive_frame(dec, frame.get())) == AVERROR(EAGAIN)) {
        }
        if (r >= 0) return frame;
        break;
    }
    return Error::make(ErrorKind::Decode, "no keyframe could be decoded near that time");
}

std::string headerFacts(const std::string &path, const SheetRequest &req, const StreamSpec &spec, int64_t durNs,
                        int64_t frames) {
    std::string facts = clockText(durNs);
    auto m = probeFile(path, req.useMmap, false);
    if (m) {
        for (const auto &s : m.value().streams) {
            if (s.type != "video" || s.attachedPic) continue;
            char b[160];
            std::snprintf(b, sizeof b, "  %s %dx%d  %.3g fps", s.codec.c_str(), s.width, s.height,
                          s.fpsDen ? double(s.fpsNum) / s.fpsDen : 0.0);
            facts += b;
            break;
        }
        char b[64];
        std::snprintf(b, sizeof b, "  %.1f MB", static_cast<double>(m.value().sizeBytes) / 1e6);
        facts += b;
    } else {
        facts += "  " + std::to_string(spec.width) + "x" + std::to_string(spec.height);
    }
    facts += "  " + std::to_string(frames) + " frames";
    facts += req.exact ? "  exact" : "  keyframes";
    return facts;
}

} // namespace

struct SheetJob::State {
    std::string path;
    SheetRequest req;
    std::shared_ptr<const PacketIndex> idx;
    StreamSpec spec;
    int n = 0, tileW = 0, tileH = 0, lineH = 0, scale = 1, headerH = 0, cellH = 0;
    int64_t durNs = 0;
    SheetResult res;
    std::unique_ptr<font::Canvas> canvas;
    std::mutex m;
    std::unique_ptr<Demuxer> planned;   // plan()'s demuxer: the first part to render takes it (one open less)
};

SheetJob::SheetJob() : st_(std::make_unique<State>()) {}
SheetJob::~SheetJob() = default;
int SheetJob::tiles() const { return st_->n; }
int64_t SheetJob::frames() const { return st_->idx->frameCount(); }

Result<std::unique_ptr<SheetJob>> SheetJob::plan(const std::string &path, const SheetRequest &req) {
    std::unique_ptr<SheetJob> job(new SheetJob());
    State &S = *job->st_;
    S.path = path;
    S.req = req;
    S.n = std::max(1, req.cols) * std::max(1, req.rows);
    static const std::atomic<bool> kNever{false};
    auto idxR = scanPackets(path, req.cancel ? *req.cancel : kNever);
    if (!idxR) return idxR.takeError();
    S.idx = idxR.value();
    const PacketIndex &idx = *S.idx;
    if (idx.frameCount() <= 0) return Error::make(ErrorKind::Decode, "no video frames");
    {
        DemuxOptions dopt;
        dopt.useMmap = req.useMmap;
        dopt.audio = false;
        dopt.interrupt = req.cancel;
        auto dmR = Demuxer::open(path, dopt);
        if (!dmR) return dmR.takeError();
        S.spec = dmR.value()->videoSpec();
        S.planned = std::move(dmR.value());
    }
    const int64_t last = idx.frameCount() - 1;
    S.durNs = idx.ptsNsOf(last) + idx.frameNs;
    S.scale = req.width >= 1800 ? 2 : 1;
    S.lineH = font::kLineH * S.scale;
    S.tileW = std::max(8, (req.width - kMargin * (req.cols + 1)) / req.cols);
    double dispW = S.spec.width * (S.spec.sarNum > 0 && S.spec.sarDen > 0 ? double(S.spec.sarNum) / S.spec.sarDen : 1.0);
    double dispH = S.spec.height;
    if (swapsAxes(S.spec.orientation)) std::swap(dispW, dispH);
    S.tileH = std::max(1, static_cast<int>(std::lround(S.tileW * dispH / std::max(dispW, 1.0))));
    S.headerH = kMargin + 2 * S.lineH;
    S.cellH = S.tileH + S.lineH;
    S.res.exact = req.exact;
    S.res.width = kMargin + req.cols * (S.tileW + kMargin);
    S.res.height = S.headerH + req.rows * (S.cellH + kMargin) + kMargin;
    S.res.tiles.resize(static_cast<size_t>(S.n));
    S.canvas = std::make_unique<font::Canvas>(S.res.width, S.res.height, kBackground);
    return job;
}

Result<void> SheetJob::render(int from, int to) {
    State &S = *st_;
    const SheetRequest &req = S.req;
    const PacketIndex &idx = *S.idx;
    std::unique_ptr<Demuxer> own;
    {
        std::lock_guard<std::mutex> lk(S.m);
        own = std::move(S.planned);
    }
    if (!own) {
        DemuxOptions dopt;
        dopt.useMmap = req.useMmap;
        dopt.audio = false;
        dopt.interrupt = req.cancel;
        auto dmR = Demuxer::open(S.path, dopt);
        if (!dmR) return dmR.takeError();
        own = std::move(dmR.value());
    }
    Demuxer &dm = *own;
    auto decR = openDecoder(S.path, dm.videoStream(), req.threads);
    if (!decR) return decR.takeError();
    AVCodecContext *dec = decR.value().get();
    if (!req.exact) dec->skip_frame = AVDISCARD_NONKEY;
    std::unique_ptr<Input> exactIn;
    int exactV = -1;
    if (req.exact) {
        auto in = Input::open(S.path, req.useMmap, req.cancel);
        if (!in) return in.takeError();
        exactIn = std::move(in.value());
        exactV = exactIn->bestVideoStream();
    }
    AvFramePtr prevRgb;
    int64_t prevOrdinal = -1;
    for (int i = std::max(0, from); i < std::min(to, S.n); ++i) {
        if (cancelled(req)) return Error::make(ErrorKind::Internal, "cancelled");
        SheetTile t;
        t.wantNs = S.durNs * (2 * i + 1) / (2 * S.n);
        AvFramePtr rgb;
        if (req.exact) {
            ThumbRequest tr;
            tr.atNs = t.wantNs;
            auto fr = exactFrame(*exactIn, exactV, dec, tr);
            if (!fr) return fr.takeError();
            // The label names the frame decoded (the one on screen at the time).
            const int64_t pts = fr.value()->best_effort_timestamp;
            int64_t at = t.wantNs;
            if (pts != AV_NOPTS_VALUE && idx.timestamped() && idx.startPts != INT64_MIN)
                at = ts::toNs(ts::sub(pts, idx.startPts), AVRational{idx.tbNum, idx.tbDen});
            t.ordinal = idx.ordinalAt(at);
            auto r = frameToRgb(fr.value().get(), S.spec, S.tileW);
            if (!r) return r.takeError();
            rgb = std::move(r.value());
        } else {
            const int64_t d = idx.keyFor(idx.ordinalAt(t.wantNs), 0);
            const int64_t ord = d >= 0 ? idx.packets()[static_cast<size_t>(d)].ordinal : 0;
            t.ordinal = ord >= 0 ? ord : 0;
            if (t.ordinal == prevOrdinal && prevRgb) {
                rgb.reset(av_frame_clone(prevRgb.get()));   // same keyframe again: no second decode
            } else {
                auto fr = keyframeAt(dm, dec, idx, d);
                if (!fr) return fr.takeError();
                auto r = frameToRgb(fr.value().get(), S.spec, S.tileW);
                if (!r) return r.takeError();
                rgb = std::move(r.value());
            }
        }
        t.ptsNs = idx.ptsNsOf(t.ordinal);
        t.x = kMargin + (i % req.cols) * (S.tileW + kMargin);
        t.y = S.headerH + (i / req.cols) * (S.cellH + kMargin);
        t.w = std::min(rgb->width, S.tileW);
        t.h = std::min(rgb->height, S.tileH);
        // Tiles of other parts are elsewhere on the canvas: parts never
        // write the same pixels.
        S.canvas->blit(t.x, t.y, rgb->data[0], t.w, t.h, rgb->linesize[0]);
        // The label goes under the picture: the tile's own pixels stay the frame's.
        const std::string label = "#" + std::to_string(t.ordinal) + " " + clockText(t.ptsNs);
        S.canvas->text(t.x + 1, t.y + S.tileH + 2 * S.scale, label, kText, S.scale, S.tileW - 1);
        prevOrdinal = t.ordinal;
        prevRgb = std::move(rgb);
        S.res.tiles[static_cast<size_t>(i)] = t;
    }
    return {};
}

Result<SheetResult> SheetJob::finish(const std::string &outPng) {
    State &S = *st_;
    font::Canvas &canvas = *S.canvas;
    canvas.text(kMargin, kMargin, baseName(S.path), kText, S.scale);
    canvas.text(kMargin, kMargin + S.lineH, headerFacts(S.path, S.req, S.spec, S.durNs, S.idx->frameCount()), kDim, S.scale);
    if (cancelled(S.req)) return Error::make(ErrorKind::Internal, "cancelled");
    if (auto w = writePngRgb(outPng, canvas.data(), canvas.width(), canvas.height(), canvas.stride()); !w)
        return w.takeError();
    return S.res;
}

Result<SheetResult> writeSheet(const std::string &path, const std::string &outPng, const SheetRequest &req) {
    auto job = SheetJob::plan(path, req);
    if (!job) return job.takeError();
    if (auto r = job.value()->render(0, job.value()->tiles()); !r) return r.takeError();
    return job.value()->finish(outPng);
}

std::string sheetToJson(const std::string &path, const std::string &outPng, const SheetResult &r) {
    json::Writer w;
    w.beginObject();
    w.key("path").string(path);
    w.key("output").string(outPng);
    w.key("width").integer(r.width);
    w.key("height").integer(r.height);
    w.key("mode").string(r.exact ? "exact" : "keyframes");
    w.key("parts").integer(r.parts);
    w.key("tiles").beginArray();
    for (const auto &t : r.tiles) {
        w.beginObject();
        w.key("ordinal").integer(t.ordinal);
        w.key("time").fixed(static_cast<double>(t.ptsNs) / 1e9, 6);
        w.key("want").fixed(static_cast<double>(t.wantNs) / 1e9, 6);
        w.key("x").integer(t.x);
        w.key("y").integer(t.y);
        w.key("w").integer(t.w);
        w.key("h").integer(t.h);
        w.endObject();
    }
    w.endArray();
    w.endObject();
    return w.take();
}

} // namespace qv
