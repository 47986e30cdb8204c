// --record=FILE: the input as the demuxer reads it (the video and audio
// streams qv plays), stream-copied into FILE (container from its name), so
// a live source can be kept while it plays. It records the input, not the
// screen: pauses and steps do not stop it; after a seek (or a loop) the
// packets read from the new place continue the file's time line. With a
// split (--record-split=SIZE|DURATION) the files are FILE's name plus
// -000, -001, ... each starting at a video keyframe and at time 0.
//
// Threads: open() on the main thread (an unwritable FILE is reported there),
// write()/discontinuity() on the demux thread only; the destructor finishes
// the file. Allocates per packet (the muxer's own queue): recording is not
// part of the allocation-free steady state.
#pragma once

#include "qv/core/result.h"
#include "qv/media/packet.h"

#include <cstdint>
#include <memory>
#include <string>

namespace qv {

class Demuxer;

struct RecordOptions {
    std::string path;
    int64_t splitBytes = 0;   // 0: no split by size
    int64_t splitNs = 0;      // 0: no split by duration
};

class Recorder {
public:
    static Result<std::unique_ptr<Recorder>> open(const Demuxer &d, const RecordOptions &o);
    ~Recorder();
    // A packet as read; errors are logged once and recording stops.
    void write(const PacketRef &p);
    // The next packets come from elsewhere in the input (a seek).
    void discontinuity() { rebase_ = true; }
    int64_t files() const { return fileNo_ + 1; }

private:
    Recorder() = default;
    Result<void> openFile();
    void closeFile();
    std::string fileName() const;

    const Demuxer *d_ = nullptr;
    RecordOptions o_;
    struct Out;
    std::unique_ptr<Out> out_;
    int fileNo_ = 0;
    bool rebase_ = true, failed_ = false, splitDue_ = false;
    int64_t shiftNs_ = 0, endNs_ = 0, fileStartNs_ = 0;
    int64_t lastDts_[2] = {INT64_MIN, INT64_MIN};
};

} // namespace qv
