// blocks: the terminal player with truecolor (or 256-colour) half blocks.
#include "blocks_display.h"

#include "block_encoder.h"
#include "layout.h"
#include "qv/tui/terminal.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include "display/term_out.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace qv {
namespace {

constexpr int kDefaultTolerance = 6;   // max channel error kept on screen
constexpr int kCoarseTolerance = 40;   // the governor's cheaper encoding: far fewer cells change

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
    DisplayCaps caps() const override {
        DisplayCaps c;
        c.terminal = true;
        c.status = true;
        return c;
    }
    int64_t bytesWritten() const override { return term_.bytes(); }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        term_.noteLevel();
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
        const double f = term_.scale();
        const int cols = std::max(8, static_cast<int>(ts.cols * f)), rows = std::max(4, static_cast<int>(picRows * f));
        layout_ = term::fitPicture(spec, std::min(cols, ts.cols), std::min(rows, picRows), ts.xpix, ts.ypix, ts.rows);
        layout_.col0 += (ts.cols - std::min(cols, ts.cols)) / 2;
        layout_.row0 += (picRows - std::min(rows, picRows)) / 2;
        term::BlockEncoderConfig cfg;
        cfg.truecolor = opt_.colorMode == 24 || (opt_.colorMode == 0 && envTruecolor());
        cfg.tolerance = opt_.tolerance >= 0 ? opt_.tolerance : kDefaultTolerance;
        if (term_.coarse()) cfg.tolerance = std::max(cfg.tolerance, kCoarseTolerance);   // the cheaper encoding
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

    DisplayLink *link() override { return &term_; }

    bool relayout() override {
        if (term_.takeLevelChange()) return true;   // the link asks for another picture size
        if (opt_.sizeCols > 0) return false;
        tui::TermSize ts;
        if (!tui::queryTermSize(opt_.outFd, ts)) return false;
        return ts.cols != size_.cols || ts.rows != size_.rows;
    }

    Result<Shown> present(const FrameRef &ref) override {
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
    // Appends the status line when it changed; returns whether it did.
    bool appendStatus() {
        return opt_.statusLine && TermOut::appendStatus(out_, status_, lastStatus_, size_.rows, size_.cols);
    }

    Result<void> writeOut() { return term_.write(out_); }

    DisplayOptions opt_;
    TermOut term_{opt_.outFd, opt_.maxBandwidth};
    std::string status_;
    StreamSpec spec_;
    tui::TermSize size_;
    term::CellLayout layout_;
    term::BlockEncoder enc_;
    std::string out_;
    std::string lastStatus_;
    bool clearPending_ = true;
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
