#include "wire_carry.h"

#include <algorithm>

namespace qv {

namespace {
bool covers(const WireSegment &s, int row0, int row1) { return s.replace && s.row0 <= row0 && row1 <= s.row1; }
} // namespace

void WireCarry::clearBytes() {
    buf_.clear();
    segs_.clear();
    live_ = 0;
}

void WireCarry::reset(uint64_t epoch) {
    epoch_ = epoch;
    clearBytes();
}

void WireCarry::dropped(const Wire &w) {
    if (w.epoch != epoch_ || w.written) return;
    ++carried_;
    if (w.full) clearBytes();   // it repaints everything: nothing beneath it matters
    for (const WireSegment &s : w.segs) {
        if (s.replace) {
            // Carried segments it repaints whole are no longer needed.
            auto gone = std::remove_if(segs_.begin(), segs_.end(), [&](const Seg &c) {
                if (!covers(s, c.row0, c.row1)) return false;
                live_ -= c.len;
                return true;
            });
            segs_.erase(gone, segs_.end());
        }
        Seg c{s.row0, s.row1, buf_.size(), s.len, s.replace};
        buf_.append(w.bytes, s.off, s.len);
        segs_.push_back(c);
        live_ += s.len;
    }
    if (buf_.size() > 2 * live_ + 64 * 1024) compact();
}

void WireCarry::compact() {
    spare_.clear();
    spareSegs_.clear();
    for (const Seg &c : segs_) {
        Seg n = c;
        n.off = spare_.size();
        spare_.append(buf_, c.off, c.len);
        spareSegs_.push_back(n);
    }
    buf_.swap(spare_);
    segs_.swap(spareSegs_);
}

void WireCarry::gather(const Wire &w, std::vector<iovec> &iov) const {
    iov.clear();
    if (!w.full) {
        for (const Seg &c : segs_) {
            const bool repainted = std::any_of(w.segs.begin(), w.segs.end(),
                                               [&](const WireSegment &s) { return covers(s, c.row0, c.row1); });
            if (repainted) continue;
            iov.push_back(iovec{const_cast<char *>(buf_.data() + c.off), c.len});
        }
    }
    for (const WireSegment &s : w.segs) iov.push_back(iovec{const_cast<char *>(w.bytes.data() + s.off), s.len});
}

} // namespace qv
