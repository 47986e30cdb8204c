// hash: one line per presented frame in the format of `ffmpeg -f framemd5`,
// over the decoded picture in its source pixel format, so FFmpeg itself is
// the oracle for what qv decoded.
#include "hash_display.h"

#include "qv/media/frame_hash.h"

extern "C" {
#include <libavformat/version.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/mathematics.h>
#include <libavutil/md5.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
}

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace qv {
namespace {

class HashDisplay final : public Display {
public:
    explicit HashDisplay(int fd) : fd_(fd) {}
    ~HashDisplay() override {
        flush();
        av_free(md5_);
    }
    const char *name() const override { return "hash"; }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        if (!md5_) md5_ = av_md5_alloc();
        startOffsetNs_ = spec.startOffsetNs;
        if (!md5_) return Error::make(ErrorKind::Internal, "out of memory");
        // ffmpeg's rawvideo output time base is 1/frame rate.
        encTb_ = AVRational{spec.fpsDen > 0 ? spec.fpsDen : 1, spec.fpsNum > 0 ? spec.fpsNum : 25};
        if (!headerDone_) {
            int n = std::snprintf(line_, sizeof line_,
                                  "#format: frame checksums\n#version: 2\n#hash: MD5\n#software: %s\n#tb 0: %d/%d\n"
                                  "#media_type 0: video\n#codec_id 0: rawvideo\n#dimensions 0: %dx%d\n"
                                  "#sar 0: %d/%d\n#stream#, dts,        pts, duration,     size, hash\n",
                                  LIBAVFORMAT_IDENT, encTb_.num, encTb_.den, spec.width, spec.height, spec.sarNum, spec.sarDen);
            append(line_, static_cast<size_t>(n));
            headerDone_ = true;
        }
        return ScaleTarget{};   // the decoded frame itself
    }

    Result<void> present(const FrameRef &ref) override {
        char hex[33];
        int size = 0;
        if (!frameMd5(ref.frame.get(), md5_, hex, &size))
            return Error::make(ErrorKind::Internal, "unknown pixel format");
        const FrameInfo &i = ref.info;
        int64_t pts = i.pts != kNoTs ? av_rescale_q(i.ptsNs + startOffsetNs_, AVRational{1, 1000000000}, encTb_)
                                     : frames_;
        int64_t dur = av_rescale_q(i.durationNs, AVRational{1, 1000000000}, encTb_);
        if (dur < 1) dur = 1;
        ++frames_;
        int n = std::snprintf(line_, sizeof line_, "0, %10" PRId64 ", %10" PRId64 ", %8" PRId64 ", %8d, ",
                              pts, pts, dur, size);
        std::memcpy(line_ + n, hex, 32);
        n += 32;
        line_[n++] = '\n';
        append(line_, static_cast<size_t>(n));
        // Flush often enough that a closed pipe is noticed while playing.
        if (used_ >= kFlushAt) flush();
        return status();
    }

    Result<void> finish() override {
        flush();
        return status();
    }

private:
    Result<void> status() const {
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
    AVMD5 *md5_ = nullptr;
    AVRational encTb_{1, 25};
    int64_t startOffsetNs_ = 0;
    bool headerDone_ = false;
    bool failed_ = false;
    int errno_ = 0;
    static constexpr size_t kFlushAt = 4096;
    int64_t frames_ = 0;
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
