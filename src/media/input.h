// The edge where qv opens files with libavformat/libavcodec: RAII handles,
// error classification (missing, directory, empty, not media, no video).
#pragma once

#include "mmap_io.h"
#include "qv/core/result.h"
#include "qv/media/ffcompat.h"
#include "qv/media/stream_spec.h"

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace qv {

struct FormatCtxDeleter {
    void operator()(AVFormatContext *c) const { avformat_close_input(&c); }
};
struct CodecCtxDeleter {
    void operator()(AVCodecContext *c) const { avcodec_free_context(&c); }
};
struct PacketDeleter {
    void operator()(AVPacket *p) const { av_packet_free(&p); }
};
using FormatCtxPtr = std::unique_ptr<AVFormatContext, FormatCtxDeleter>;
using CodecCtxPtr = std::unique_ptr<AVCodecContext, CodecCtxDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;

// FFmpeg's own log: silent by default (qv prints one line per problem),
// warnings with -v, everything with -vv.
void initFfmpegLogging(int verbose);

class Input {
public:
    // interrupt: blocking I/O inside FFmpeg gives up once it reads true.
    // avOptions: demuxer and protocol options (K, V), e.g. from --demuxer-opt.
    static Result<std::unique_ptr<Input>> open(const std::string &path, bool useMmap,
                                               const std::atomic<bool> *interrupt = nullptr,
                                               const std::vector<std::pair<std::string, std::string>> *avOptions = nullptr);
    AVFormatContext *fmt() const { return fmt_.get(); }
    const std::string &path() const { return path_; }
    bool viaMmap() const { return io_ != nullptr; }
    // Not a regular local file (URL, pipe, device): no second pass over it.
    bool isStream() const { return !regular_; }
    // Index of the best video stream (cover art excluded), or -1.
    int bestVideoStream() const;
    StreamSpec videoSpec(int index) const;

private:
    std::string path_;
    bool regular_ = false;
    std::unique_ptr<MmapInput> io_;   // outlives fmt_ (declared first)
    FormatCtxPtr fmt_;
};

// lowDelay: no frame threads, AV_CODEC_FLAG_LOW_DELAY (--latency=low).
Result<CodecCtxPtr> openDecoder(const std::string &path, AVStream *st, int threads, bool lowDelay = false);

// "file.mp4: problem" style error for a libav* failure.
Error avError(ErrorKind kind, const std::string &path, const char *what, int err);

} // namespace qv
