// hash: one line per presented frame in the format of `ffmpeg -f framemd5`,
// over the decoded picture in its source pixel format, so FFmpeg itself is
// the oracle for what qv decoded.
#include "hash_display.h"

#include "qv/media/frame_hash.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace qv {
namespace {

class HashDisplay final : public Display {
public:
    explicit HashDisplay(int fd) : fd_(fd) {}
    ~HashDisplay() override { flush(); }
    const char *name() const override { return "hash"; }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        if (!hasher_.ok()) return Error::make(ErrorKind::Internal, "out of memory");
        if (!headerDone_) {
            append(line_, hasher_.header(spec, line_, sizeof line_));
            headerDone_ = true;
        }
        return ScaleTarget{};   // the decoded frame itself
    }

    Result<Shown> present(const FrameRef &ref) override {
        const size_t n = hasher_.line(ref, line_, sizeof line_);
        if (n == 0) return Error::make(ErrorKind::Internal, "unknown pixel format");
        append(line_, n);
        // Flush often enough that a closed pipe is noticed while playing.
        if (used_ >= kFlushAt) flush();
        if (auto r = writeStatus(); !r) return r.takeError();
        return Shown::Yes;
    }

    Result<void> finish() override {
        flush();
        return writeStatus();
    }

private:
    Result<void> writeStatus() const {
        if (!failed_) return {};
        Error e = Error::make(ErrorKind::Output, std::strerror(errno_), "write(stdout)");
        e.source = ErrorSource::Posix;
        e.native = errno_;
        return e;
    }

    void append(const char *s, size_t n) {
        if (used_ + n > sizeof buf_) flush();
        std::memcpy(buf_ + used_, s, n);
        used_ += n;
    }
    void flush() {
        size_t off = 0;
        while (off < used_ && !failed_) {
            ssize_t w = ::write(fd_, buf_ + off, used_ - off);
            if (w < 0) {
                if (errno == EINTR) continue;
                failed_ = true;
                errno_ = errno;
                break;
            }
            off += static_cast<size_t>(w);
        }
        used_ = 0;
    }

    int fd_;
    FrameHasher hasher_;
    bool headerDone_ = false;
    bool failed_ = false;
    int errno_ = 0;
    static constexpr size_t kFlushAt = 4096;
    char line_[1024];
    char buf_[64 * 1024];
    size_t used_ = 0;
};
} // namespace

DisplayEntry hashDisplayEntry() {
    return {"hash", "print ffmpeg framemd5 lines of the decoded frames", -1,
            [](const DisplayOptions &) { return ProbeResult{true, "always available"}; },
            [](const DisplayOptions &o) -> Result<std::unique_ptr<Display>> {
                return std::unique_ptr<Display>(new HashDisplay(o.outFd));
            }};
}

} // namespace qv
