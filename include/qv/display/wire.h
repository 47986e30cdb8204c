// The encode stage's output: a frame turned into the bytes a terminal
// display sends (sixel, kitty, half blocks), so the display stage only
// times and writes.
//
// - Wire: the bytes, cut into segments by the terminal rows they paint. A
//   Replace segment repaints its rows whole (sixel's cell rows, a kitty
//   image); a Delta segment changes them relative to what the encoder
//   believed was there (blocks' changed cells). Wires come from a WirePool,
//   fixed in number and reused, their buffers grown once: nothing is
//   allocated in the steady state.
// - Epochs: the display bumps its epoch whenever the screen stops being
//   what the encoder's chain of frames assumes (cleared, resized, a frame
//   drawn by the display itself). The encoder reads the epoch before each
//   frame and starts a new epoch with a full picture; a wire of another
//   epoch is never written (the display draws that frame itself).
// - Drops: a wire the display drops unwritten (late, the link) goes to the
//   display's carry (display/wire_carry.h), written before the next wire, so
//   diffs always apply to what the terminal really shows.
#pragma once

#include "qv/media/frame.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace qv {

struct WireSegment {
    int row0 = 0, row1 = 0;   // terminal rows [row0, row1) it paints (picture-relative)
    uint32_t off = 0, len = 0;
    bool replace = true;      // repaints those rows whole (else: a delta)
};

// A cell a blocks wire changed, with the colours it put there.
struct WireCell {
    uint32_t idx = 0;   // row * cols + col, picture-relative
    uint32_t top = 0, bottom = 0;
};

class WirePool;

// Told about a wire dropped without being written (the display's carry).
class WireDropSink {
public:
    virtual ~WireDropSink() = default;
    virtual void dropped(const class Wire &w) = 0;
};

class Wire final : public FrameAttachment {
public:
    std::string bytes;
    std::vector<WireSegment> segs;
    std::vector<WireCell> cells;   // blocks: each cell written (a display's carry merges them)
    uint64_t epoch = 0;
    bool full = false;        // the whole picture: needs nothing on screen
    bool written = false;     // the display wrote it
    bool reached = false;     // it reached the display (a drop there is carried)
    const void *owner = nullptr;   // the encoder that made it

    void clear() {
        bytes.clear();
        segs.clear();
        cells.clear();
        epoch = 0;
        full = written = reached = false;
    }
    void addSegment(int row0, int row1, size_t from, bool replace) {
        WireSegment s;
        s.row0 = row0;
        s.row1 = row1;
        s.off = static_cast<uint32_t>(from);
        s.len = static_cast<uint32_t>(bytes.size() - from);
        s.replace = replace;
        if (s.len > 0) segs.push_back(s);
    }
    void release() override;

private:
    friend class WirePool;
    std::shared_ptr<WirePool> pool_;
};

// A fixed set of wires, taken by the encode stage and given back from
// whichever thread lets go of a frame. A small lock: held for a pointer
// push or pop, never between stages.
class WirePool : public std::enable_shared_from_this<WirePool> {
public:
    static std::shared_ptr<WirePool> make(size_t count);
    // A free wire (cleared, with the room reserve() asked for), or none
    // when all are in use.
    AttachmentPtr take();
    // Room every wire should have (bytes, cells): the free ones get it now,
    // the others when next taken. Only growing: wires grow while warming
    // up or after a new layout, never in the steady state.
    void reserve(size_t bytes, size_t cells);
    // Where unwritten wires that reached the display are reported (on the
    // thread that lets go of the wire: the display thread, or the main
    // thread once the others have ended), or null. Set and cleared while
    // no wire is being let go (construction, destruction of the display).
    void setDropSink(WireDropSink *s) {
        std::lock_guard<std::mutex> lk(m_);
        sink_ = s;
    }
    size_t freeCount() {
        std::lock_guard<std::mutex> lk(m_);
        return free_.size();
    }

private:
    friend class Wire;
    void put(Wire *w);
    std::mutex m_;
    std::vector<std::unique_ptr<Wire>> all_;
    std::vector<Wire *> free_;
    WireDropSink *sink_ = nullptr;
    size_t bytes_ = 0, cells_ = 0;
};

inline Wire *wireOf(const FrameRef &f) { return static_cast<Wire *>(f.wire.get()); }

// A display that encodes on the encode stage. encode() runs on the encode
// thread; everything else on the display thread.
class FrameEncoder {
public:
    virtual ~FrameEncoder() = default;
    // Fills w for f (RGB24 as the display configured it). False when f
    // cannot be encoded here (scaled for another layout): it goes on bare.
    // split: a second thread may take half of the work (where the encoder
    // can split a frame: kitty's compression).
    virtual bool encode(const FrameRef &f, Wire &w, bool split) = 0;
    // Whether split means anything to this encoder.
    virtual bool splits() const { return false; }
    // Display thread, after the run: frames dropped unwritten whose changes
    // went out with the next one, and frames the display drew itself.
    virtual int64_t carried() const = 0;
    virtual int64_t drawnByDisplay() const = 0;
    // The encoder's chain broke (a wire it made was thrown away before the
    // display saw it): the next frame starts a new chain, whole.
    virtual void chainBroken() = 0;
    virtual std::shared_ptr<WirePool> pool() = 0;
};

} // namespace qv
