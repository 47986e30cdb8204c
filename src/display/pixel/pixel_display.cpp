// The pixel displays: the picture fitted to the terminal's pixel size
// (TIOCGWINSZ; 10x20-pixel cells assumed where the terminal does not say),
// written at the top of the screen inside synchronized update, the status
// line on the last row. Shared by sixel and kitty; only the encoder differs.
#include "pixel_display.h"

#include "kitty_encoder.h"
#include "sixel_encoder.h"
#include "qv/core/unique_fd.h"
#include "qv/tui/terminal.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include "display/term_out.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
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

class PixelDisplay final : public Display {
public:
    PixelDisplay(const DisplayOptions &o, Proto p) : opt_(o), proto_(p) {
        out_.reserve(1 << 20);
        status_.reserve(1024);
        if (proto_ == Proto::Kitty && insideTmux()) {
            std::string why;
            tmux_ = tmuxPassthrough(paneTop_, paneLeft_, why);
        }
    }
    ~PixelDisplay() override {
        if (proto_ == Proto::Kitty && shown_) {
            out_.clear();
            if (tmux_) {
                kit_.clear();
                pixel::KittyEncoder::remove(kImageId, kit_);
                wrapTmux(kit_, out_);
            } else {
                pixel::KittyEncoder::remove(kImageId, out_);
            }
            (void)writeOut();
        }
        // Objects the terminal had not read yet (kitty unlinks what it reads).
        if (shmUsed_)
            for (int i = 0; i < kShmNames; ++i) shm_unlink(shmName(i));
    }
    const char *name() const override { return proto_ == Proto::Sixel ? "sixel" : "kitty"; }
    DisplayCaps caps() const override {
        DisplayCaps c;
        c.terminal = true;
        c.status = true;
        return c;
    }
    int64_t bytesWritten() const override { return term_.bytes(); }

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
        cellW_ = ts.xpix > 0 ? ts.xpix / ts.cols : 10;
        cellH_ = ts.ypix > 0 ? ts.ypix / ts.rows : 20;
        if (cellW_ <= 0) cellW_ = 10;
        if (cellH_ <= 0) cellH_ = 20;
        // Sixel moves the cursor below the image: keep a row free for it
        // and one for the status line, so nothing ever scrolls.
        const int reserve = proto_ == Proto::Sixel ? 2 : 1;
        const int picRows = std::max(1, ts.rows - reserve);
        const double f = term_.scale();   // smaller while the link is behind
        const int areaW = static_cast<int>(ts.cols * cellW_ * f), areaH = static_cast<int>(picRows * cellH_ * f);
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
        picW_ = w;
        picH_ = h;
        const int usedCols = (w + cellW_ - 1) / cellW_;
        col0_ = 1 + std::max(0, (ts.cols - usedCols) / 2);
        row0_ = 1;
        clearPending_ = true;
        lastStatus_.clear();
        ScaleTarget t;
        t.width = w;
        t.height = h;
        t.pixFmt = AV_PIX_FMT_RGB24;
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

    Result<Shown> present(const FrameRef &ref) override {
        const AVFrame *f = ref.frame.get();
        out_.clear();
        out_ += "\x1b[?2026h";
        if (clearPending_) {
            out_ += "\x1b[0m\x1b[2J";
            clearPending_ = false;
            lastStatus_.clear();
            sixel_.reset();   // the screen is empty: the next picture goes whole
        }
        if (f->width == picW_ && f->height == picH_ && f->format == AV_PIX_FMT_RGB24) {
            const uint8_t *rgb = f->data[0];
            int stride = f->linesize[0];
            if (term_.coarse()) {
                // The governor's cheaper encoding: 3 levels per channel (27
                // colours): long sixel runs, highly compressible kitty pixels.
                coarse_.resize(static_cast<size_t>(picW_) * 3 * static_cast<size_t>(picH_));   // grows once
                for (int y = 0; y < picH_; ++y) {
                    const uint8_t *s = rgb + static_cast<ptrdiff_t>(y) * stride;
                    uint8_t *d = coarse_.data() + static_cast<size_t>(y) * picW_ * 3;
                    for (int x = 0; x < picW_ * 3; ++x) d[x] = s[x] < 64 ? 0 : s[x] < 192 ? 128 : 255;
                }
                rgb = coarse_.data();
                stride = picW_ * 3;
            }
            if (proto_ == Proto::Sixel) {
                // Only the cell rows that changed (sixel has no "replace").
                sixel_.encodeDiff(rgb, stride, picW_, picH_, cellH_, row0_, col0_, out_);
            } else {
                if (!tmux_) {
                    char pos[32];
                    int n = std::snprintf(pos, sizeof pos, "\x1b[%d;%dH", row0_, col0_);
                    out_.append(pos, static_cast<size_t>(n));
                }
                std::string &dst = tmux_ ? kit_ : out_;
                if (tmux_) kit_.clear();
                if (!(opt_.kittyShm && shmOk_ && writeShm(rgb, stride, dst)))
                    kitty_.encode(rgb, stride, picW_, picH_, kImageId, dst);
                if (tmux_) wrapTmux(kit_, out_);
            }
            shown_ = true;
        }
        appendStatus();
        out_ += "\x1b[?2026l";
        if (auto r = writeOut(); !r) return r.takeError();
        return Shown::Yes;
    }

    Result<void> status(const std::string &line, bool now) override {
        status_ = line;
        if (!now) return {};
        out_.clear();
        out_ += "\x1b[?2026h";
        if (!appendStatus()) return {};
        out_ += "\x1b[?2026l";
        return writeOut();
    }


private:
    // A local kitty reads the pixels from shared memory: a new object per
    // frame (kitty unlinks each after reading it), names cycling.
    static constexpr int kShmNames = 16;
    const char *shmName(int i) {
        std::snprintf(shmNameBuf_, sizeof shmNameBuf_, "/qv-%d-%d", static_cast<int>(getpid()), i);
        return shmNameBuf_;
    }
    // Each kitty command wrapped for tmux's passthrough (ESC doubled), the
    // first one moving the outer terminal's cursor to the picture (the pane's
    // place plus the picture's), the last one putting the cursor back.
    void wrapTmux(const std::string &in, std::string &out) {
        size_t pos = 0;
        bool first = true;
        while (pos < in.size()) {
            size_t end = in.find("\x1b\\", pos);
            end = end == std::string::npos ? in.size() : end + 2;
            out += "\x1bPtmux;";
            if (first) {
                char mv[48];
                const int n = std::snprintf(mv, sizeof mv, "\x1b\x1b" "7\x1b\x1b[%d;%dH", row0_ + paneTop_, col0_ + paneLeft_);
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

    bool writeShm(const uint8_t *rgb, int stride, std::string &dst) {
        const char *name = shmName(shmSeq_++ % kShmNames);
        const size_t row = static_cast<size_t>(picW_) * 3, size = row * static_cast<size_t>(picH_);
        const UniqueFd fd(shm_open(name, O_CREAT | O_RDWR | O_TRUNC, 0600));
        bool ok = fd.valid() && ftruncate(fd.get(), static_cast<off_t>(size)) == 0;
        void *p = ok ? mmap(nullptr, size, PROT_WRITE, MAP_SHARED, fd.get(), 0) : MAP_FAILED;
        if (p != MAP_FAILED) {
            for (int y = 0; y < picH_; ++y)
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
        pixel::KittyEncoder::encodeShm(name, picW_, picH_, kImageId, dst);
        return true;
    }
    bool shmOk_ = true, shmUsed_ = false;
    bool tmux_ = false;              // kitty inside tmux: through its passthrough
    int paneTop_ = 0, paneLeft_ = 0;
    std::string kit_;                // the kitty commands before wrapping
    int shmSeq_ = 0;
    char shmNameBuf_[64] = {0};

    bool appendStatus() {
        return opt_.statusLine && TermOut::appendStatus(out_, status_, lastStatus_, size_.rows, size_.cols);
    }

    Result<void> writeOut() { return term_.write(out_); }

    DisplayOptions opt_;
    TermOut term_{opt_.outFd, opt_.maxBandwidth};
    Proto proto_;
    std::vector<uint8_t> coarse_;   // the picture in 27 colours (the governor's last level)
    pixel::SixelEncoder sixel_;
    pixel::KittyEncoder kitty_;
    tui::TermSize size_;
    int cellW_ = 10, cellH_ = 20;
    int picW_ = 0, picH_ = 0, col0_ = 1, row0_ = 1;
    std::string out_, status_, lastStatus_;
    bool clearPending_ = true;
    bool shown_ = false;
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
