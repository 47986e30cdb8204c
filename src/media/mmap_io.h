// An AVIOContext over an mmap'd local file. Bounds-checked; a SIGBUS while
// copying (the file shrank under the mapping) switches the reader to pread().
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

private:
    MmapInput() = default;
    UniqueFd fd_;
    const uint8_t *map_ = nullptr;
    int64_t mapSize_ = 0;
    int64_t pos_ = 0;
    bool fellBack_ = false;
    AVIOContext *avio_ = nullptr;
};

} // namespace qv
