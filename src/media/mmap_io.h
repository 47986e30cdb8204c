// An AVIOContext over an mmap'd local file. Bounds-checked; a SIGBUS while
// copying (the file shrank under the mapping) switches the reader to pread().
//
// What has been read is given back: every kReleaseStep bytes read, the pages
// touched since the last time, except a window just behind the position, are
// dropped from the process's resident set (MADV_DONTNEED; the page cache keeps
// them, a later read faults them in again). So the resident part of the
// mapping stays about kReleaseStep + kKeepBehind, not the whole file, over any
// run (long files, --loop, seeks back and forth). One thread (the demuxer's).
#pragma once

#include "qv/core/result.h"
#include "qv/core/unique_fd.h"

#include <cstdint>
#include <memory>
#include <string>

struct AVIOContext;

namespace qv {

class MmapInput {
public:
    static Result<std::unique_ptr<MmapInput>> open(const std::string &path);
    ~MmapInput();
    AVIOContext *avio() { return avio_; }
    bool fellBack() const { return fellBack_; }

    // Exposed for tests: copy up to n bytes at the current position.
    int read(uint8_t *buf, int n);
    int64_t seek(int64_t off, int whence);
    // Bytes given back so far (MADV_DONTNEED calls' lengths; for tests).
    int64_t releasedBytes() const { return released_; }

    static constexpr int64_t kReleaseStep = 8 << 20;   // read between two releases
    static constexpr int64_t kKeepBehind = 1 << 20;    // kept behind the position (demuxers step back a little)

private:
    MmapInput() = default;
    UniqueFd fd_;
    const uint8_t *map_ = nullptr;
    int64_t mapSize_ = 0;
    int64_t pos_ = 0;
    bool fellBack_ = false;
    AVIOContext *avio_ = nullptr;
    // The span of the mapping that may be resident since the last release.
    int64_t touchedLo_ = 0, touchedHi_ = 0;
    int64_t readSinceRelease_ = 0;
    int64_t released_ = 0;
    void touched(int64_t from, int64_t to);
    void releaseSpan(int64_t from, int64_t to);
};

} // namespace qv
