// The pixel displays: the picture fitted to the terminal's pixel size
// (TIOCGWINSZ; 10x20-pixel cells assumed where the terminal does not say),
// written at the top of the screen inside synchronized update, the status
// line on the last row. Shared by sixel and kitty; only the encoder differs.
#include "pixel_display.h"

#include "helper_thread.h"
#include "kitty_encoder.h"
#include "sixel_encoder.h"
#include "qv/core/unique_fd.h"
#include "qv/tui/terminal.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include "display/term_out.h"
#include "display/encode_chain.h"
#include "display/wire_carry.h"
#include "qv/display/wire.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

namespace qv {
namespace {

enum class Proto { Sixel, Kitty };

// Inside tmux, kitty graphics reach the terminal only through tmux's
// passthrough (allow-passthrough, tmux 3.3+). Asks tmux once per run (the
// probe and the display both want it); top/left: where the pane sits in the
// outer terminal.
bool tmuxPassthrough(int &top, int &left, std::string &why) {
    struct Answer {
        bool ok = false;
        int top = 0, left = 0;
        std::string why;
    };
    static const Answer a = [] {
        Answer r;
        FILE *f = popen("tmux show -gv allow-passthrough 2>/dev/null; tmux display -p '#{pane_top} #{pane_left}' 2>/dev/null", "r");
        if (!f) {
            r.why = "inside tmux, which cannot be asked";
            return r;
        }
        char on[64] = {0}, pane[64] = {0};
        const bool got = std::fgets(on, sizeof on, f) != nullptr && std::fgets(pane, sizeof pane, f) != nullptr;
        pclose(f);
        if (!got || (std::strncmp(on, "on", 2) != 0 && std::strncmp(on, "all", 3) != 0)) {
            r.why = "inside tmux with allow-passthrough off, so kitty graphics cannot reach the terminal: "
                    "tmux set -g allow-passthrough on (tmux 3.3 or newer), or use sixel or blocks";
            return r;
        }
        std::sscanf(pane, "%d %d", &r.top, &r.left);
        r.ok = true;
        r.why = "inside tmux: through its passthrough";
        return r;
    }();
    top = a.top;
    left = a.left;
    why = a.why;
    return a.ok;
}

bool insideTmux() {
    const char *t = std::getenv("TMUX");
    return t && *t;
}
constexpr uint32_t kImageId = 7101;   // qv's image id in kitty
// Wires in flight at most: the encode->display link (3), the one being
// encoded, the display's head and the frame on screen, and two to spare.
constexpr size_t kWires = 8;
// Bytes carried from dropped frames beyond which the display draws the next
// frame whole itself instead (never reached by sixel or kitty in practice:
// their rows and images replace each other).
constexpr size_t kCarryCap = 8u << 20;

// Where the picture goes and how it is encoded: the display lays it out
// (configure), the encoders read a copy.
struct PixelLayout {
    int picW = 0, picH = 0, cellH = 20, row0 = 1, col0 = 1;
    int rows = 1;             // terminal rows the picture covers
    bool coarse = false;      // the link governor's cheaper encoding
    bool tmux = false;        // kitty through tmux's passthrough
    int paneTop = 0, paneLeft = 0;
    bool shm = false;         // kitty through shared memory
    uint64_t epoch = 0;       // of the screen (qv/display/wire.h)
};

// Each kitty command wrapped for tmux's passthrough (ESC doubled), the
// first one moving the outer terminal's cursor to the picture (the pane's
// place plus the picture's), the last one putting the cursor back.
void wrapTmux(const PixelLayout &l, const std::string &in, std::string &out) {
    size_t pos = 0;
    bool first = true;
    while (pos < in.size()) {
        size_t end = in.find("\x1b\\", pos);
        end = end == std::string::npos ? in.size() : end + 2;
        out += "\x1bPtmux;";
        if (first) {
            char mv[48];
            const int n = std::snprintf(mv, sizeof mv, "\x1b\x1b" "7\x1b\x1b[%d;%dH", l.row0 + l.paneTop, l.col0 + l.paneLeft);
            out.append(mv, static_cast<size_t>(n));
            first = false;
        }
        for (size_t i = pos; i < end; ++i) {
            if (in[i] == '\x1b') out += '\x1b';
            out += in[i];
        }
        if (end >= in.size()) out += "\x1b\x1b" "8";
        out += "\x1b\\";
        pos = end;
    }
}

// Turns pictures into terminal bytes: one on the encode stage, one on the
// display thread (frames that come without a wire, or with one the screen
// no longer matches). Each has its own encoder state and scratch.
class PixelPainter {
public:
    PixelPainter(Proto p, int slot) : proto_(p), slot_(slot), sixel_(false, true) { runs_.reserve(64); }
    ~PixelPainter() {
        // Objects the terminal had not read yet (kitty unlinks what it reads).
        if (shmUsed_)
            for (int i = 0; i < kShmNames; ++i) shm_unlink(shmName(i));
    }
    // Appends the picture to w (bytes and segments); whole: not a diff
    // against the previous picture this painter made.
    void paint(const PixelLayout &l, const uint8_t *rgb, int stride, bool whole, Wire &w, bool split = false) {
        if (l.coarse) {
            // The governor's cheaper encoding: 3 levels per channel (27
            // colours): long sixel runs, highly compressible kitty pixels.
            coarse_.resize(static_cast<size_t>(l.picW) * 3 * static_cast<size_t>(l.picH));   // grows once
            for (int y = 0; y < l.picH; ++y) {
                const uint8_t *s = rgb + static_cast<ptrdiff_t>(y) * stride;
                uint8_t *d = coarse_.data() + static_cast<size_t>(y) * l.picW * 3;
                for (int x = 0; x < l.picW * 3; ++x) d[x] = s[x] < 64 ? 0 : s[x] < 192 ? 128 : 255;
            }
            rgb = coarse_.data();
            stride = l.picW * 3;
        }
        if (proto_ == Proto::Sixel) {
            // Only the cell rows that changed (sixel has no "replace").
            if (whole) sixel_.reset();
            w.full = sixel_.encodeDiff(rgb, stride, l.picW, l.picH, l.cellH, l.row0, l.col0, w.bytes, &runs_,
                                       split ? &helper_ : nullptr);
            for (const pixel::SixelRun &r : runs_) {
                WireSegment s;
                s.row0 = r.strip0;
                s.row1 = r.strip1;
                s.off = static_cast<uint32_t>(r.off);
                s.len = static_cast<uint32_t>(r.len);
                s.replace = true;
                w.segs.push_back(s);
            }
            return;
        }
        const size_t from = w.bytes.size();
        if (!l.tmux) {
            char pos[32];
            int n = std::snprintf(pos, sizeof pos, "\x1b[%d;%dH", l.row0, l.col0);
            w.bytes.append(pos, static_cast<size_t>(n));
        }
        std::string &dst = l.tmux ? kit_ : w.bytes;
        if (l.tmux) kit_.clear();
        if (!(l.shm && shmOk_ && writeShm(l, rgb, stride, dst)))
            kitty_.encode(rgb, stride, l.picW, l.picH, kImageId, dst, split ? &helper_ : nullptr);
        if (l.tmux) wrapTmux(l, kit_, w.bytes);
        w.addSegment(0, l.rows, from, true);   // one image, replaced in place
        w.full = true;
    }

private:
    // A local kitty reads the pixels from shared memory: a new object per
    // frame (kitty unlinks each after reading it), names cycling.
    static constexpr int kShmNames = 16;
    const char *shmName(int i) {
        std::snprintf(shmNameBuf_, sizeof shmNameBuf_, "/qv-%d-%d-%d", static_cast<int>(getpid()), slot_, i);
        return shmNameBuf_;
    }
    bool writeShm(const PixelLayout &l, const uint8_t *rgb, int stride, std::string &dst) {
        const char *name = shmName(shmSeq_++ % kShmNames);
        const size_t row = static_cast<size_t>(l.picW) * 3, size = row * static_cast<size_t>(l.picH);
        const UniqueFd fd(shm_open(name, O_CREAT | O_RDWR | O_TRUNC, 0600));
        bool ok = fd.valid() && ftruncate(fd.get(), static_cast<off_t>(size)) == 0;
        void *p = ok ? mmap(nullptr, size, PROT_WRITE, MAP_SHARED, fd.get(), 0) : MAP_FAILED;
        if (p != MAP_FAILED) {
            for (int y = 0; y < l.picH; ++y)
                std::memcpy(static_cast<uint8_t *>(p) + row * static_cast<size_t>(y), rgb + static_cast<ptrdiff_t>(y) * stride, row);
            munmap(p, size);
        } else {
            ok = false;
        }
        if (!ok) {
            shm_unlink(name);
            shmOk_ = false;   // from now on through the tty
            return false;
        }
        shmUsed_ = true;
        pixel::KittyEncoder::encodeShm(name, l.picW, l.picH, kImageId, dst);
        return true;
    }

    Proto proto_;
    int slot_;
    pixel::SixelEncoder sixel_;
    pixel::KittyEncoder kitty_;
    pixel::HelperThread helper_;     // the second encoder thread (kitty's compression, sixel's halves)
    std::vector<pixel::SixelRun> runs_;
    std::vector<uint8_t> coarse_;   // the picture in 27 colours (the governor's last level)
    std::string kit_;                // the kitty commands before wrapping
    bool shmOk_ = true, shmUsed_ = false;
    int shmSeq_ = 0;
    char shmNameBuf_[64] = {0};
};

class PixelDisplay final : public Display, public FrameEncoder {
public:
    PixelDisplay(const DisplayOptions &o, Proto p) : opt_(o), proto_(p), local_(p, 0), enc_(p, 1) {
        localWire_.bytes.reserve(1 << 20);
        gathered_.reserve(256);
        if (proto_ == Proto::Kitty && insideTmux()) {
            std::string why;
            layout_.tmux = tmuxPassthrough(layout_.paneTop, layout_.paneLeft, why);
        }
        layout_.shm = proto_ == Proto::Kitty && opt_.kittyShm;
        // Kitty wires are whole images, each replacing the last: a dropped
        // one is never needed, so nothing is carried (and not copied).
        if (proto_ == Proto::Sixel) pool_->setDropSink(&carry_);
    }
    ~PixelDisplay() override {
        pool_->setDropSink(nullptr);
        if (proto_ == Proto::Kitty && shown_) {
            std::string out, kit;
            if (layout_.tmux) {
                pixel::KittyEncoder::remove(kImageId, kit);
                wrapTmux(layout_, kit, out);
            } else {
                pixel::KittyEncoder::remove(kImageId, out);
            }
            (void)term_.write(out);
        }
    }
    const char *name() const override { return proto_ == Proto::Sixel ? "sixel" : "kitty"; }
    DisplayCaps caps() const override {
        DisplayCaps c;
        c.terminal = true;
        c.status = true;
        return c;
    }
    int64_t bytesWritten() const override { return term_.bytes(); }
    FrameEncoder *frameEncoder() override { return this; }
    void encodeStageOn() override { encodeOn_ = true; }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        term_.noteLevel();
        tui::TermSize ts;
        if (opt_.sizeCols > 0 && opt_.sizeRows > 0) {
            ts.cols = opt_.sizeCols;
            ts.rows = opt_.sizeRows;
        } else if (!tui::queryTermSize(opt_.outFd, ts)) {
            ts.cols = 80;
            ts.rows = 24;
        }
        if (ts.xpix <= 0 && opt_.termXpix > 0 && opt_.sizeCols <= 0) {
            ts.xpix = opt_.termXpix;   // the terminal said it through 14t
            ts.ypix = opt_.termYpix;
        }
        size_ = ts;
        int cellW = ts.xpix > 0 ? ts.xpix / ts.cols : 10;
        int cellH = ts.ypix > 0 ? ts.ypix / ts.rows : 20;
        if (cellW <= 0) cellW = 10;
        if (cellH <= 0) cellH = 20;
        // Sixel moves the cursor below the image: keep a row free for it
        // and one for the status line, so nothing ever scrolls.
        const int reserve = proto_ == Proto::Sixel ? 2 : 1;
        const int picRows = std::max(1, ts.rows - reserve);
        const double f = term_.scale();   // smaller while the link is behind
        const int areaW = static_cast<int>(ts.cols * cellW * f), areaH = static_cast<int>(picRows * cellH * f);
        double sar = spec.sarDen > 0 && spec.sarNum > 0 ? double(spec.sarNum) / spec.sarDen : 1.0;
        double dar = spec.height > 0 ? spec.width * sar / spec.height : 16.0 / 9;
        if (swapsAxes(spec.orientation)) dar = 1.0 / dar;
        int w = areaW, h = static_cast<int>(std::lround(areaW / dar));
        if (h > areaH) {
            h = areaH;
            w = static_cast<int>(std::lround(areaH * dar));
        }
        w = std::max(2, w & ~1);
        h = std::max(2, h & ~1);
        layout_.picW = w;
        layout_.picH = h;
        layout_.cellH = cellH;
        layout_.rows = (h + cellH - 1) / cellH;
        const int usedCols = (w + cellW - 1) / cellW;
        layout_.col0 = 1 + std::max(0, (ts.cols - usedCols) / 2);
        layout_.row0 = 1;
        layout_.coarse = term_.coarse();
        newEpoch();   // the screen is cleared: every encoder starts whole
        frame_.clearNext();
        ScaleTarget t;
        t.width = w;
        t.height = h;
        // Sixel takes BGR24: swscale's SIMD path from YUV, about twice as
        // fast as RGB24's C one on x86 (the quantizer reads either order).
        // Kitty sends the pixels as they are: RGB24.
        t.pixFmt = pixFmt();
        t.orientation = spec.orientation;
        t.quality = ScaleQuality::Fast;
        return t;
    }

    DisplayLink *link() override { return &term_; }

    bool relayout() override {
        if (term_.takeLevelChange()) return true;   // the link asks for another picture size
        if (opt_.sizeCols > 0) return false;
        tui::TermSize ts;
        if (!tui::queryTermSize(opt_.outFd, ts)) return false;
        return ts.cols != size_.cols || ts.rows != size_.rows || ts.xpix != size_.xpix || ts.ypix != size_.ypix;
    }

    // The encode stage (thread qv-encode).
    bool splits() const override { return proto_ == Proto::Sixel || !layout_.shm; }
    bool encode(const FrameRef &ref, Wire &w, bool split) override {
        const PixelLayout l = chain_.layout();
        const AVFrame *f = ref.frame.get();
        if (!fits(l, f)) return false;
        bool fresh = false;
        const bool whole = chain_.start(l, fresh);
        w.owner = this;
        w.epoch = l.epoch;
        enc_.paint(l, f->data[0], f->linesize[0], whole, w, split);
        if (w.bytes.size() > maxBytes_) {
            // A quarter more than the largest frame so far, for every wire:
            // they grow while warming up, not on every larger frame.
            maxBytes_ = w.bytes.size() + w.bytes.size() / 4;
            pool_->reserve(maxBytes_, 0);
        }
        return true;
    }
    void chainBroken() override { chain_.broken(); }
    int64_t carried() const override { return carry_.carried(); }
    int64_t drawnByDisplay() const override { return drawnHere_; }
    std::shared_ptr<WirePool> pool() override { return pool_; }

    Result<Shown> present(const FrameRef &ref) override {
        const AVFrame *f = ref.frame.get();
        // The screen is blank from a clear until a picture is drawn (a
        // frame of the old layout in between draws none).
        if (frame_.begin()) blank_ = true;
        Wire *w = nullptr;
        if (fits(layout_, f)) {
            w = wireOf(ref);
            WireUse use = wireUse(w, this, layout_.epoch, encodeOn_);
            if (use == WireUse::Write && carry_.bytes() > kCarryCap) use = WireUse::DrawHereNewEpoch;
            if (use != WireUse::Write) {
                if (use == WireUse::DrawHereNewEpoch) newEpoch();
                ++drawnHere_;
                localWire_.clear();
                local_.paint(layout_, f->data[0], f->linesize[0], encodeOn_ || blank_, localWire_);
                w = &localWire_;
            }
            carry_.gather(*w, gathered_);
            frame_.add(gathered_);
        }
        if (auto r = frame_.end(term_, opt_.statusLine, size_.rows, size_.cols); !r) return r.takeError();
        if (w) {
            w->written = true;
            carry_.written();
            shown_ = true;
            blank_ = false;
        }
        return Shown::Yes;
    }

    Result<void> status(const std::string &line, bool now) override {
        return frame_.status(term_, line, now, opt_.statusLine, size_.rows, size_.cols);
    }

private:
    AVPixelFormat pixFmt() const { return proto_ == Proto::Sixel ? AV_PIX_FMT_BGR24 : AV_PIX_FMT_RGB24; }
    bool fits(const PixelLayout &l, const AVFrame *f) const {
        return f && f->width == l.picW && f->height == l.picH && f->format == pixFmt();
    }
    // The screen no longer is what the encode stage's chain assumes.
    void newEpoch() { carry_.reset(chain_.publish(layout_)); }

    DisplayOptions opt_;
    TermOut term_{opt_.outFd, opt_.maxBandwidth};
    Proto proto_;
    // Display thread.
    PixelLayout layout_;
    PixelPainter local_;
    Wire localWire_;
    WireCarry carry_;
    std::shared_ptr<WirePool> pool_ = WirePool::make(kWires);
    std::vector<iovec> gathered_;
    TermFrame frame_;
    tui::TermSize size_;
    bool shown_ = false;
    bool encodeOn_ = false;
    bool blank_ = true;
    int64_t drawnHere_ = 0;   // with the encode stage on: frames drawn here
    EncodeChain<PixelLayout> chain_;   // shared with the encode stage
    // Encode thread.
    PixelPainter enc_;
    size_t maxBytes_ = 0;
};

ProbeResult probeTerminal(const DisplayOptions &o, bool supported, const char *what) {
    ProbeResult r;
    if (o.sizeCols > 0) {
        r = ProbeResult{true, "--size given"};
    } else if (!isatty(o.outFd)) {
        return ProbeResult{false, "stdout is not a terminal"};
    } else {
        r.usable = true;
        r.why = std::string("stdout is a terminal; ") +
                (supported ? std::string("it answered that it supports ") + what
                           : std::string("it did not answer that it supports ") + what + " (auto skips it)");
    }
    r.autoPick = supported;
    return r;
}

} // namespace

DisplayEntry sixelDisplayEntry() {
    return {"sixel", "terminal: sixel graphics (fixed 252-colour palette)", 20,
            [](const DisplayOptions &o) { return probeTerminal(o, o.sixelGraphics, "sixel (DA1 attribute 4)"); },
            [](const DisplayOptions &o) -> Result<std::unique_ptr<Display>> {
                return std::unique_ptr<Display>(new PixelDisplay(o, Proto::Sixel));
            }};
}

DisplayEntry kittyDisplayEntry() {
    return {"kitty", "terminal: kitty graphics protocol (zlib RGB, one image replaced in place)", 30,
            [](const DisplayOptions &o) {
                // tmux swallows kitty graphics unless they are wrapped for
                // its passthrough: qv wraps them when tmux allows it, and
                // says what to do when it does not.
                if (insideTmux() && o.sizeCols <= 0) {
                    int top = 0, left = 0;
                    std::string why;
                    if (!tmuxPassthrough(top, left, why)) return ProbeResult{false, why, false};
                    ProbeResult r = probeTerminal(o, o.kittyGraphics, "the kitty graphics protocol");
                    r.why = why + "; " + r.why;
                    return r;
                }
                return probeTerminal(o, o.kittyGraphics, "the kitty graphics protocol");
            },
            [](const DisplayOptions &o) -> Result<std::unique_ptr<Display>> {
                return std::unique_ptr<Display>(new PixelDisplay(o, Proto::Kitty));
            }};
}

} // namespace qv
