// blocks: the terminal player with truecolor (or 256-colour) half blocks.
#include "blocks_display.h"

#include "block_encoder.h"
#include "layout.h"
#include "qv/tui/terminal.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include "display/encode_chain.h"
#include "display/term_out.h"
#include "qv/display/wire.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unistd.h>

namespace qv {
namespace {

constexpr int kDefaultTolerance = 6;   // max channel error kept on screen
constexpr int kCoarseTolerance = 40;   // the governor's cheaper encoding: far fewer cells change

bool envTruecolor() {
    const char *c = std::getenv("COLORTERM");
    return c && (std::strcmp(c, "truecolor") == 0 || std::strcmp(c, "24bit") == 0);
}

// The cells of frames the display dropped unwritten (late, the link): each
// cell's last colours, painted just before the next wire, except the cells
// that wire writes itself. The encode stage diffs each frame against the
// one before, so with these the terminal always ends up exactly at the
// frame written, each cell sent once (dropping a frame saves its bytes, as
// the link governor wants). Display thread only.
class CellCarry final : public WireDropSink {
public:
    void reset(uint64_t epoch, size_t cells) {
        epoch_ = epoch;
        pending_.assign(cells, 0);   // at configure only
        cells_.resize(cells);
        list_.clear();
        list_.reserve(cells);
        scratch_.reserve(cells);
    }
    void dropped(const Wire &w) override {
        if (w.epoch != epoch_ || w.written) return;
        ++carried_;
        if (w.full) clear();
        for (const WireCell &c : w.cells) {
            if (c.idx >= pending_.size()) continue;
            if (!pending_[c.idx]) {
                pending_[c.idx] = 1;
                list_.push_back(c.idx);
            }
            cells_[c.idx] = c;
        }
    }
    // Paints (with enc) the carried cells w does not write; then nothing is
    // carried.
    void paint(const Wire &w, term::BlockEncoder &enc, std::string &out) {
        if (list_.empty()) return;
        if (!w.full) {
            for (const WireCell &c : w.cells)
                if (c.idx < pending_.size()) pending_[c.idx] = 0;
            scratch_.clear();
            for (uint32_t i : list_)
                if (pending_[i]) scratch_.push_back(cells_[i]);
            std::sort(scratch_.begin(), scratch_.end(), [](const WireCell &a, const WireCell &b) { return a.idx < b.idx; });
            enc.paintCells(scratch_.data(), scratch_.size(), out);
        }
        clear();
    }
    void clear() {
        for (uint32_t i : list_) pending_[i] = 0;
        list_.clear();
    }
    int64_t carried() const { return carried_; }

private:
    uint64_t epoch_ = 0;
    std::vector<uint8_t> pending_;
    std::vector<WireCell> cells_, scratch_;
    std::vector<uint32_t> list_;
    int64_t carried_ = 0;
};

// What an encoder needs to know: where the cells are, how to colour them,
// and the screen's epoch (qv/display/wire.h).
struct BlocksLayout {
    term::CellLayout cells;
    term::BlockEncoderConfig cfg;
    uint64_t epoch = 0;
};

class BlocksDisplay final : public Display, public FrameEncoder {
public:
    explicit BlocksDisplay(const DisplayOptions &o) : opt_(o) {
        localWire_.bytes.reserve(1 << 20);
        carryOut_.reserve(256 * 1024);
        pool_->setDropSink(&carry_);
    }
    ~BlocksDisplay() override { pool_->setDropSink(nullptr); }
    const char *name() const override { return "blocks"; }
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
        term::CellLayout cl = term::fitPicture(spec, std::min(cols, ts.cols), std::min(rows, picRows), ts.xpix, ts.ypix, ts.rows);
        cl.col0 += (ts.cols - std::min(cols, ts.cols)) / 2;
        cl.row0 += (picRows - std::min(rows, picRows)) / 2;
        term::BlockEncoderConfig cfg;
        cfg.truecolor = opt_.colorMode == 24 || (opt_.colorMode == 0 && envTruecolor());
        cfg.tolerance = opt_.tolerance >= 0 ? opt_.tolerance : kDefaultTolerance;
        if (term_.coarse()) cfg.tolerance = std::max(cfg.tolerance, kCoarseTolerance);   // the cheaper encoding
        layout_.cells = cl;
        layout_.cfg = cfg;
        local_.reset(cl.cols, cl.rows, cl.row0, cl.col0, cfg);
        newEpoch();   // the screen is cleared: every encoder starts whole
        frame_.clearNext();
        ScaleTarget t;
        t.width = cl.cols;
        t.height = cl.rows * 2;
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

    // The encode stage (thread qv-encode).
    bool encode(const FrameRef &ref, Wire &w, bool) override {
        const BlocksLayout l = chain_.layout();
        const AVFrame *f = ref.frame.get();
        if (!fits(l, f)) return false;
        bool fresh = false;
        const bool whole = chain_.start(l, fresh);
        if (fresh) enc_.reset(l.cells.cols, l.cells.rows, l.cells.row0, l.cells.col0, l.cfg);
        else if (whole) enc_.invalidate();
        w.owner = this;
        w.epoch = l.epoch;
        // The changed cells, relative to the frame before (a delta); a
        // whole picture repaints every cell.
        // (Written whole by present(); its cells are what CellCarry keeps.)
        enc_.encode(f->data[0], f->linesize[0], w.bytes, &w.cells);
        w.full = whole;
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
        // A frame scaled for the previous layout (resize in flight) is skipped.
        if (fits(layout_, f)) {
            w = wireOf(ref);
            const WireUse use = wireUse(w, this, layout_.epoch, encodeOn_);
            if (use != WireUse::Write) {
                // Drawn here (whole when the encode stage runs).
                if (use == WireUse::DrawHereNewEpoch) newEpoch();
                const bool whole = encodeOn_ || blank_;
                if (whole) local_.invalidate();
                ++drawnHere_;
                localWire_.clear();
                local_.encode(f->data[0], f->linesize[0], localWire_.bytes);
                localWire_.full = whole;
                w = &localWire_;
            }
            carryOut_.clear();
            carry_.paint(*w, local_, carryOut_);
            frame_.add(carryOut_.data(), carryOut_.size());
            frame_.add(w->bytes.data(), w->bytes.size());
        }
        if (auto r = frame_.end(term_, opt_.statusLine, size_.rows, size_.cols); !r) return r.takeError();
        if (w) {
            w->written = true;
            blank_ = false;
        }
        return Shown::Yes;
    }

    Result<void> status(const std::string &line, bool now) override {
        return frame_.status(term_, line, now, opt_.statusLine, size_.rows, size_.cols);
    }

private:
    static bool fits(const BlocksLayout &l, const AVFrame *f) {
        return f && f->width == l.cells.cols && f->height >= l.cells.rows * 2 && f->format == AV_PIX_FMT_RGB24;
    }
    // The screen no longer is what the encode stage's chain assumes.
    void newEpoch() {
        const size_t n = static_cast<size_t>(layout_.cells.cols) * static_cast<size_t>(layout_.cells.rows);
        // Room for the worst case (every cell, each with its colours), so a
        // wire grows once per layout, not on the frame that changes most.
        pool_->reserve(n * 48 + 4096, n);
        carry_.reset(chain_.publish(layout_), n);
    }

    DisplayOptions opt_;
    TermOut term_{opt_.outFd, opt_.maxBandwidth};
    // Display thread.
    StreamSpec spec_;
    tui::TermSize size_;
    BlocksLayout layout_;
    term::BlockEncoder local_;
    Wire localWire_;
    CellCarry carry_;
    std::shared_ptr<WirePool> pool_ = WirePool::make(8);   // as many as can be in flight, and two to spare
    TermFrame frame_;
    std::string carryOut_;
    bool encodeOn_ = false;
    bool blank_ = true;
    int64_t drawnHere_ = 0;   // with the encode stage on: frames drawn here
    EncodeChain<BlocksLayout> chain_;   // shared with the encode stage
    // Encode thread.
    term::BlockEncoder enc_;
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
