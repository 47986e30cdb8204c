// Re-encoding a run of frames for export (smart cut heads and tails, or the
// whole range): its own demuxer and decoder on the file, the frames with
// ordinals [a, b] picked by their timestamps and encoded with their own pts.
#pragma once

#include "input.h"
#include "qv/core/result.h"
#include "qv/media/packet_index.h"

#include <functional>
#include <string>

namespace qv {

struct SegmentEncoder {
    CodecCtxPtr ctx;
    std::string name;
};

// An encoder for stream st's frames: the same codec unless `name` is given,
// the decoder's pixel format, size, colour facts and time base, high quality
// (about 45 dB PSNR). smartCut: no B-frames, headers in band (the copied
// stream's header stays the container's). globalHeader: the muxer's wish.
Result<SegmentEncoder> openSegmentEncoder(const std::string &path, const AVStream *st, const std::string &name,
                                          bool smartCut, bool globalHeader, int threads);

// Decodes the file from the keyframe before a and hands frames a..b (by
// their timestamps, in decoding's output order: presentation order) to
// onFrame with their ordinal and the stream. An error from onFrame ends it.
Result<void> decodeRange(const std::string &path, const PacketIndex &idx, int64_t a, int64_t b,
                         const std::function<Result<void>(AVFrame *, int64_t, const AVStream *)> &onFrame,
                         const std::atomic<bool> *cancel, int threads);

// Decodes the file from the keyframe before a and sends frames a..b through
// enc; every packet it gives goes to sink (in the time base of the
// stream's). Flushes the encoder at the end. done(n): n frames encoded so far.
Result<void> encodeSegment(const std::string &path, const PacketIndex &idx, int64_t a, int64_t b, AVCodecContext *enc,
                           const std::function<Result<void>(AVPacket *)> &sink, const std::function<void(int64_t)> &done,
                           const std::atomic<bool> *cancel, int threads);

} // namespace qv
