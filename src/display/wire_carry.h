// WireCarry: what the display dropped unwritten, kept until the next wire
// it writes. Encoders diff each frame against the one before it; when the
// display drops a frame (late, the link governor), that frame's segments are
// carried and written just before the next wire, except those the next wire
// repaints whole. So the terminal always ends up exactly at the frame
// written, with the fewest bytes: for sixel and kitty (whole rows, whole
// images) a dropped frame usually costs nothing at all; for blocks (cell
// deltas) its cells go out with the next frame. Pure: the display thread
// owns it (WirePool reports drops to it on that thread).
#pragma once

#include "qv/display/wire.h"

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qv {

class WireCarry final : public WireDropSink {
public:
    WireCarry() {
        buf_.reserve(256 * 1024);
        spare_.reserve(256 * 1024);
        segs_.reserve(64);
        spareSegs_.reserve(64);
    }
    // A wire of this epoch dropped unwritten.
    void dropped(const Wire &w) override;
    // The screen was repainted another way (cleared, drawn by the display):
    // nothing carried applies any more; only wires of epoch e count now.
    void reset(uint64_t epoch);
    uint64_t epoch() const { return epoch_; }
    // What brings the screen to w: the carried segments w does not repaint
    // whole, in order, then w's own (iov is cleared first).
    void gather(const Wire &w, std::vector<iovec> &iov) const;
    // After writing w: nothing is carried any more.
    void written() { clearBytes(); }
    size_t bytes() const { return live_; }
    size_t segments() const { return segs_.size(); }
    int64_t carried() const { return carried_; }   // wires carried so far

private:
    struct Seg {
        int row0, row1;
        size_t off, len;
        bool replace;
    };
    void clearBytes();
    void compact();
    uint64_t epoch_ = 0;
    std::string buf_, spare_;
    std::vector<Seg> segs_, spareSegs_;
    size_t live_ = 0;
    int64_t carried_ = 0;
};

} // namespace qv
