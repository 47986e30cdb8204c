// PacketIndex: every video packet of a file, found by a demux-only scan (no
// decoding), and what follows from it: exact presentation ordinals, the
// exact frame count, keyframe positions.
//
// Ordinals: where packets carry timestamps, a packet's ordinal is its rank in
// presentation order (pts, or dts where pts is missing; B-frame reordering
// and variable frame rate need nothing more). Raw streams without any
// timestamps (.264, .hevc, some .ivf) get ordinals for keyframes only (the
// number of frames before them in decode order: true for closed GOPs); the
// decoder counts the frames after a keyframe. Packets the demuxer marks
// discardable (edit-list pre-roll) get no ordinal: no frame is shown for
// them.
//
// Built once on a background thread, then read-only: safe to share between
// threads after publication.
#pragma once

#include "qv/core/result.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace qv {

struct IndexEntry {
    int64_t pts = INT64_MIN;     // stream time base; INT64_MIN: none
    int64_t dts = INT64_MIN;
    int64_t pos = -1;            // byte position in the file, -1: unknown
    int32_t size = 0;
    bool key = false;
    bool discard = false;        // shown by no frame (edit-list pre-roll)
    int64_t ordinal = -1;        // presentation ordinal, -1: not known
};

class PacketIndex {
public:
    // Packets in decode (file) order.
    const std::vector<IndexEntry> &packets() const { return packets_; }
    // One past the last ordinal: the frames that will be shown (packets
    // with an ordinal, or all packets of a raw stream), plus firstOrdinal().
    int64_t frameCount() const { return frameCount_; }
    // The first ordinal: 0 for a file; a live window's index starts where
    // the window does (LiveWindow: ordinals count from the first packet
    // received).
    int64_t firstOrdinal() const { return firstOrdinal_; }
    // Ordinals of the keyframes, ascending.
    const std::vector<int64_t> &keyOrdinals() const { return keyOrdinals_; }
    bool timestamped() const { return timestamped_; }   // false: raw stream
    // Decode index of a packet seen again by a demuxer on the same file
    // (matched by byte position, else by timestamps); -1 when unknown.
    int64_t find(int64_t pos, int64_t pts, int64_t dts) const;
    // Decode index of the frame with this ordinal (timestamped streams).
    int64_t decodeIndexOf(int64_t ordinal) const;
    // Presentation time (ns from the stream start) of an ordinal; for raw
    // streams ordinal * nominal frame duration.
    int64_t ptsNsOf(int64_t ordinal) const;
    // The frame on screen at time ns (the first frame whose middle is past
    // ns, as the exact seek has always chosen).
    int64_t ordinalAt(int64_t ns) const;
    // Decode index of the keyframe to start decoding at to reach ordinal;
    // back > 0 goes that many keyframes further back (the re-seek margin).
    // -1 when there is none.
    int64_t keyFor(int64_t ordinal, int back) const;
    // The keyframe ordinal before / after ordinal (-1 when none).
    int64_t prevKey(int64_t ordinal) const;
    int64_t nextKey(int64_t ordinal) const;

    int tbNum = 1, tbDen = 1;
    int64_t startPts = INT64_MIN;   // the stream start the source uses
    int64_t frameNs = 40000000;     // nominal frame duration
    int64_t scanNs = 0;             // how long the scan took
    int64_t bytes = 0;              // file bytes covered

    // Builds the derived tables from packets_ (exposed for unit tests);
    // ordinals from firstOrdinal on (timestamped only).
    void build(std::vector<IndexEntry> packets, bool timestamped, int64_t firstOrdinal = 0);

private:
    std::vector<IndexEntry> packets_;
    std::vector<int64_t> byOrdinal_;      // ordinal -> decode index (timestamped)
    std::vector<int64_t> ptsNs_;          // ordinal -> pts ns (timestamped)
    std::vector<int64_t> keyOrdinals_;
    std::vector<int64_t> keyDecode_;      // decode index of each key, same order as keyOrdinals_
    std::unordered_map<int64_t, int64_t> byPos_, byTs_;
    int64_t frameCount_ = 0;
    int64_t firstOrdinal_ = 0;
    bool timestamped_ = true;
};

// Scans the best video stream of path. cancel: checked between packets.
Result<std::shared_ptr<const PacketIndex>> scanPackets(const std::string &path, const std::atomic<bool> &cancel);

// A scan on its own thread, published when done (ready() turns non-null).
class IndexBuilder {
public:
    explicit IndexBuilder(std::string path);
    ~IndexBuilder();   // cancels and joins
    std::shared_ptr<const PacketIndex> ready() const;
    bool failed() const { return failed_.load(std::memory_order_acquire); }
    // Blocks until the scan finished (or failed); returns ready().
    std::shared_ptr<const PacketIndex> wait() const;
    // An eventfd that turns readable when the scan finished (for poll()).
    int readyFd() const;

private:
    struct State;
    std::shared_ptr<State> state_;
    std::atomic<bool> failed_{false};
};

} // namespace qv
