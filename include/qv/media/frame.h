// FrameRef: an owned, refcounted AVFrame plus the facts qv needs about it.
// Frames move between stages by reference (std::move of the FrameRef); the
// picture data is never copied between stages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

struct AVFrame;

namespace qv {

struct AvFrameDeleter {
    void operator()(AVFrame *f) const;
};
using AvFramePtr = std::unique_ptr<AVFrame, AvFrameDeleter>;
AvFramePtr allocFrame();

constexpr int64_t kNoTs = INT64_MIN;

struct FrameInfo {
    int64_t ptsNs = 0;          // presentation time, ns from the stream start
    int64_t durationNs = 0;     // nominal duration of this frame
    int64_t pts = kNoTs;        // raw pts in the stream time base
    int64_t dts = kNoTs;        // raw dts of the packet it came from
    int tbNum = 1, tbDen = 1;   // stream time base
    int64_t ordinal = 0;        // presentation ordinal (0-based)
    bool ordinalExact = true;   // false after a seek (estimated from pts)
    int pktSize = 0;            // bytes of the packet it came from
    int64_t pktPos = -1;        // byte position of that packet, -1: unknown
    char pictType = '?';        // I, P, B, ...
    bool key = false;
    uint32_t serial = 0;        // pipeline serial at decode time
    int64_t decodeNs = 0;       // time spent in the decoder for it
    bool cacheOnly = false;     // decoded to fill the step cache, not to show
    bool trick = false;         // a trick-play keyframe: shown when it comes (never dropped late)
    uint8_t shedLevel = 0;      // the decoder's work-shedding level when it was made
    // Latency (issue 14), CLOCK_MONOTONIC ns, 0: unknown: its packet came
    // from the demuxer, it came out of the decoder, the scale stage was done.
    int64_t recvNs = 0, decodedNs = 0, scaledNs = 0;
    // When the newest packet sent to the decoder as it gave this frame out
    // came (B-frames: later than this frame's own): how far behind the
    // source the decoder is.
    int64_t fedRecvNs = 0;
    const char *decoder = "software";   // which decoder made it (interned name: hwdec.h)
};

// What a stage attached to a frame for a later one (the encode stage's
// wire-ready terminal bytes, display/wire.h). Released, back to its pool,
// when the frame lets go of it: reset(), a new assignment, destruction.
class FrameAttachment {
public:
    virtual void release() = 0;

protected:
    ~FrameAttachment() = default;
};
struct AttachmentRelease {
    void operator()(FrameAttachment *a) const { a->release(); }
};
using AttachmentPtr = std::unique_ptr<FrameAttachment, AttachmentRelease>;

struct FrameRef {
    AvFramePtr frame;
    FrameInfo info;
    AttachmentPtr wire;   // the encode stage's output for this frame, or none

    bool empty() const;
    int width() const;    // of the picture (0: none)
    int height() const;
    // Another reference to the same picture in `into` (its shell is reused
    // or allocated once; the pixels are never copied). False on failure.
    bool refInto(FrameRef &into) const;
    // (The attachment is not shared: the copy has none.)
    // A new FrameRef sharing this picture (allocates a shell: not for the
    // steady state).
    FrameRef ref() const;
    // Drops the picture (and the attachment) and keeps the shell for reuse.
    void reset();
};

// dst's picture replaced by src's (src left empty): the scale stage's
// output goes into the shell the frame came in.
void moveFrameInto(AVFrame *dst, AVFrame *src);

// A display's own memory (a KMS dumb buffer) as dst's buffer: release(opaque)
// runs when the last reference goes. False when out of memory.
bool wrapExternalBuffer(AVFrame *dst, uint8_t *base, size_t size, void (*release)(void *opaque, uint8_t *data),
                        void *opaque);
// The opaque of a buffer wrapped that way (nullptr for any other).
void *externalBufferOpaque(const AVFrame *f);
// Bytes held by the frame's buffers.
int64_t frameBufferBytes(const AVFrame *f);
// FFmpeg's name for a pixel format ("yuv420p"), "?" when unknown.
const char *pixelFormatName(int pixFmt);
// A copy of the picture (and its properties) in buffers of its own: nothing
// of src is referenced. Null when out of memory or for a hardware frame.
AvFramePtr deepCopyFrame(const AVFrame *src);
// The frame's picture copied into planes the caller owns (same size and format).
void copyPicture(uint8_t *const dst[4], const int dstStride[4], const AVFrame *src);

} // namespace qv
