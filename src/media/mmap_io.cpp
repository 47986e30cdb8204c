#include "mmap_io.h"

#include "qv/core/signals.h"

extern "C" {
#include <libavformat/avio.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qv {
namespace {
constexpr int kAvioBuffer = 64 * 1024;

int readPacket(void *opaque, uint8_t *buf, int size) {
    int n = static_cast<MmapInput *>(opaque)->read(buf, size);
    return n > 0 ? n : AVERROR_EOF;
}
int64_t seekFn(void *opaque, int64_t off, int whence) {
    return static_cast<MmapInput *>(opaque)->seek(off, whence);
}

// Copy guarded against SIGBUS. Returns false when the mapping faulted.
bool guardedCopy(uint8_t *dst, const uint8_t *src, size_t n) {
    sigjmp_buf jb;
    if (sigsetjmp(jb, 1) != 0) return false;   // came back from the handler
    sig::busJumpTarget() = &jb;
    std::memcpy(dst, src, n);
    sig::busJumpTarget() = nullptr;
    return true;
}
} // namespace

Result<std::unique_ptr<MmapInput>> MmapInput::open(const std::string &path) {
    sig::installFatalHandlers();
    std::unique_ptr<MmapInput> in(new MmapInput());
    in->fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in->fd_.valid()) {
        Error e = Error::make(ErrorKind::Open, std::strerror(errno), "open(" + path + ")");
        e.source = ErrorSource::Posix;
        e.native = errno;
        return e;
    }
    struct stat st {};
    if (fstat(in->fd_.get(), &st) != 0) return Error::make(ErrorKind::Open, std::strerror(errno));
    in->mapSize_ = st.st_size;
    if (in->mapSize_ > 0) {
        void *p = mmap(nullptr, static_cast<size_t>(in->mapSize_), PROT_READ, MAP_PRIVATE, in->fd_.get(), 0);
        if (p == MAP_FAILED) {
            in->fellBack_ = true;   // e.g. a file system without mmap: read() it
        } else {
            in->map_ = static_cast<const uint8_t *>(p);
            madvise(p, static_cast<size_t>(in->mapSize_), MADV_SEQUENTIAL);
        }
    }
    auto *buf = static_cast<unsigned char *>(av_malloc(kAvioBuffer));
    in->avio_ = avio_alloc_context(buf, kAvioBuffer, 0, in.get(), readPacket, nullptr, seekFn);
    if (!in->avio_) return Error::make(ErrorKind::Internal, "out of memory", "avio_alloc_context");
    return in;
}

MmapInput::~MmapInput() {
    if (avio_) {
        av_freep(&avio_->buffer);
        avio_context_free(&avio_);
    }
    if (map_) munmap(const_cast<uint8_t *>(map_), static_cast<size_t>(mapSize_));
}

int MmapInput::read(uint8_t *buf, int n) {
    if (n <= 0 || pos_ < 0) return 0;
    if (!fellBack_ && map_) {
        if (pos_ >= mapSize_) return 0;
        int64_t avail = mapSize_ - pos_;
        size_t take = static_cast<size_t>(avail < n ? avail : n);
        if (guardedCopy(buf, map_ + pos_, take)) {
            touched(pos_, pos_ + static_cast<int64_t>(take));
            pos_ += static_cast<int64_t>(take);
            return static_cast<int>(take);
        }
        fellBack_ = true;   // the file shrank: the kernel's read() knows the truth
    }
    ssize_t r = ::pread(fd_.get(), buf, static_cast<size_t>(n), pos_);
    if (r <= 0) return 0;
    pos_ += r;
    return static_cast<int>(r);
}

void MmapInput::touched(int64_t from, int64_t to) {
    // The kernel maps a little around each fault (fault-around, 64 KiB).
    constexpr int64_t kAround = 64 * 1024;
    readSinceRelease_ += to - from;
    from = std::max<int64_t>(0, from - kAround);
    to = std::min(mapSize_, to + kAround);
    if (touchedHi_ <= touchedLo_) {
        touchedLo_ = from;
        touchedHi_ = to;
    } else {
        touchedLo_ = std::min(touchedLo_, from);
        touchedHi_ = std::max(touchedHi_, to);
    }
    if (readSinceRelease_ < kReleaseStep) return;
    // Keep [pos - kKeepBehind, pos + kAround); give back the rest of the span
    // (whole pages, rounded away from what is kept).
    const int64_t page = sysconf(_SC_PAGESIZE);
    const int64_t keepLo = std::max<int64_t>(0, to - kAround - kKeepBehind) / page * page;
    const int64_t keepHi = (to + page - 1) / page * page;
    releaseSpan(touchedLo_ / page * page, keepLo);
    releaseSpan(keepHi, touchedHi_);
    touchedLo_ = keepLo;
    touchedHi_ = keepHi;
    readSinceRelease_ = 0;
}

void MmapInput::releaseSpan(int64_t from, int64_t to) {   // from: page-aligned
    if (to <= from) return;
    if (madvise(const_cast<uint8_t *>(map_) + from, static_cast<size_t>(to - from), MADV_DONTNEED) == 0)
        released_ += to - from;
}

int64_t MmapInput::seek(int64_t off, int whence) {
    struct stat st {};
    int64_t size = mapSize_;
    if (fellBack_ && fstat(fd_.get(), &st) == 0) size = st.st_size;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return size;
    case SEEK_SET: break;
    case SEEK_CUR: off += pos_; break;
    case SEEK_END: off += size; break;
    default: return AVERROR(EINVAL);
    }
    if (off < 0) return AVERROR(EINVAL);
    pos_ = off;
    return off;
}

} // namespace qv
