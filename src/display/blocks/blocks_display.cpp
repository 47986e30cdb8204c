// blocks: the terminal player with truecolor (or 256-colour) half blocks.
#include "blocks_display.h"

#include "block_encoder.h"
#include "layout.h"
#include "qv/tui/terminal.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include "display/link_governor.h"

#include <chrono>
#include <algorithm>
#include <cerrno>
#include <sys/ioctl.h>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <unistd.h>

namespace qv {
namespace {

constexpr int kDefaultTolerance = 6;   // max channel error kept on screen

bool envTruecolor() {
    const char *c = std::getenv("COLORTERM");
    return c && (std::strcmp(c, "truecolor") == 0 || std::strcmp(c, "24bit") == 0);
}

class BlocksDisplay final : public Display {
public:
    explicit BlocksDisplay(const DisplayOptions &o) : opt_(o) {
        out_.reserve(1 << 20);
        status_.reserve(1024);
        lastStatus_.reserve(1024);
    }
    const char *name() const override { return "blocks"; }
    bool wantsStatus() const override { return true; }
    bool isTerminal() const override { return true; }
    int64_t bytesWritten() const override { return bytes_; }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        spec_ = spec;
        tui::TermSize ts;
        if (opt_.sizeCols > 0 && opt_.sizeRows > 0) {
            ts.cols = opt_.sizeCols;
            ts.rows = opt_.sizeRows;
        } else if (!tui::queryTermSize(opt_.outFd, ts)) {
            ts.cols = 80;
            ts.rows = 24;
        }
        size_ = ts;
        const int statusRows = opt_.statusLine ? 1 : 0;
        int picRows = ts.rows - statusRows;
        if (picRows < 1) picRows = 1;
        // The link governor's level shrinks the picture (fewer cells, fewer bytes).
        const double f = LinkGovernor::scaleOf(gov_.level());
        const int cols = std::max(8, static_cast<int>(ts.cols * f)), rows = std::max(4, static_cast<int>(picRows * f));
        layout_ = term::fitPicture(spec, std::min(cols, ts.cols), std::min(rows, picRows), ts.xpix, ts.ypix, ts.rows);
        layout_.col0 += (ts.cols - std::min(cols, ts.cols)) / 2;
        layout_.row0 += (picRows - std::min(rows, picRows)) / 2;
        term::BlockEncoderConfig cfg;
        cfg.truecolor = opt_.colorMode == 24 || (opt_.colorMode == 0 && envTruecolor());
        cfg.tolerance = opt_.tolerance >= 0 ? opt_.tolerance : kDefaultTolerance;
        enc_.reset(layout_.cols, layout_.rows, layout_.row0, layout_.col0, cfg);
        clearPending_ = true;
        lastStatus_.clear();
        ScaleTarget t;
        t.width = layout_.cols;
        t.height = layout_.rows * 2;
        t.pixFmt = AV_PIX_FMT_RGB24;
        t.orientation = spec.orientation;
        t.quality = ScaleQuality::Area;
        return t;
    }

    bool wantsFrame(int64_t nowNs) override {
        int queued = -1;
        if (::ioctl(opt_.outFd, TIOCOUTQ, &queued) != 0) queued = -1;
        return gov_.admit(nowNs, queued);
    }

    bool relayout() override {
        if (gov_.takeLevelChange()) return true;   // the link asks for another picture size
        if (opt_.sizeCols > 0) return false;
        tui::TermSize ts;
        if (!tui::queryTermSize(opt_.outFd, ts)) return false;
        return ts.cols != size_.cols || ts.rows != size_.rows;
    }

    Result<void> present(const FrameRef &ref) override {
        const AVFrame *f = ref.frame.get();
        out_.clear();
        out_ += "\x1b[?2026h";
        if (clearPending_) {
            out_ += "\x1b[0m\x1b[2J";
            clearPending_ = false;
            lastStatus_.clear();
        }
        // A frame scaled for the previous layout (resize in flight) is skipped.
        if (f->width == enc_.cols() && f->height >= enc_.rows() * 2 && f->format == AV_PIX_FMT_RGB24)
            enc_.encode(f->data[0], f->linesize[0], out_);
        appendStatus();
        out_ += "\x1b[?2026l";
        return writeOut();
    }

    Result<void> drawStatus(const std::string &line) override {
        status_ = line;
        out_.clear();
        out_ += "\x1b[?2026h";
        if (!appendStatus()) return {};
        out_ += "\x1b[?2026l";
        return writeOut();
    }

    void setStatus(const std::string &line) override { status_ = line; }

private:
    // Appends the status line when it changed; returns whether it did.
    bool appendStatus() {
        if (!opt_.statusLine) return false;
        if (status_ == lastStatus_) return false;
        lastStatus_ = status_;
        out_ += "\x1b[0m\x1b[";
        char tmp[16];
        int n = std::snprintf(tmp, sizeof tmp, "%d", size_.rows);
        out_.append(tmp, static_cast<size_t>(n));
        out_ += ";1H";
        size_t len = status_.size();
        if (len > static_cast<size_t>(size_.cols)) len = static_cast<size_t>(size_.cols);
        out_.append(status_, 0, len);
        out_ += "\x1b[K";
        return true;
    }

    Result<void> writeOut() {
        const int64_t t0 = nowNs();
        auto r = writeAll();
        const int64_t t1 = nowNs();
        gov_.wrote(t1, static_cast<int64_t>(out_.size()), t1 - t0);
        return r;
    }

    static int64_t nowNs() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

    Result<void> writeAll() {
        const char *p = out_.data();
        size_t n = out_.size();
        while (n > 0) {
            ssize_t w = ::write(opt_.outFd, p, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN) {
                    struct pollfd pfd{opt_.outFd, POLLOUT, 0};
                    poll(&pfd, 1, 100);
                    continue;
                }
                Error e = Error::make(ErrorKind::Display, std::strerror(errno), "write(terminal)");
                e.source = ErrorSource::Posix;
                e.native = errno;
                return e;
            }
            p += w;
            n -= static_cast<size_t>(w);
            bytes_ += w;
        }
        return {};
    }

    DisplayOptions opt_;
    LinkGovernor gov_{opt_.maxBandwidth};
    std::string status_;
    StreamSpec spec_;
    tui::TermSize size_;
    term::CellLayout layout_;
    term::BlockEncoder enc_;
    std::string out_;
    std::string lastStatus_;
    bool clearPending_ = true;
    int64_t bytes_ = 0;
};
} // namespace

DisplayEntry blocksDisplayEntry() {
    return {"blocks", "terminal: Unicode half blocks, truecolor or 256 colours", 10,
            [](const DisplayOptions &o) {
                if (o.sizeCols > 0) return ProbeResult{true, "--size given"};
                if (isatty(o.outFd)) return ProbeResult{true, "stdout is a terminal"};
                return ProbeResult{false, "stdout is not a terminal (use --size=COLSxROWS to force)"};
            },
            [](const DisplayOptions &o) -> Result<std::unique_ptr<Display>> {
                return std::unique_ptr<Display>(new BlocksDisplay(o));
            }};
}

} // namespace qv
