// The kms display's screen buffers: a buffer (all planes of one picture in
// one dumb buffer), a set of them with the picture's place (what the frame
// sink hands out, published to the scale thread as one pointer), a plane's
// property ids, the console font and the status band, the flip-gap ring.
// Display thread, except where a comment says otherwise.
#pragma once

#include "drm.h"
#include "kms_choose.h"
#include "kms_paint.h"
#include "kms_plane.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace qv::kms {

// Frames in flight: the scale stage's, three in the ring, the one on
// screen, one flipping; one more for the copy path.
constexpr int kBuffers = 7;

// "Not shown" (all buffers busy, the VT away, the screen busy): a counted
// drop for the pipeline, not a failure. (Until the Display seam returns an
// outcome: ErrorKind::Display with native EAGAIN.)
Error notShown(const std::string &why);

// One buffer the screen can show: all its planes in one dumb buffer.
struct ScreenBuffer {
    drm::DumbBuffer mem;
    drm::Framebuffer fb;
    Surface surf;
    // 0 free; 1 holds a frame (the scale stage draws or drew into it); 2 the
    // display copies into it. Never handed out while on screen or flipping.
    std::atomic<int> state{0};
    std::vector<uint8_t> band;   // the picture under the status overlay
    bool bandSaved = false;
    int borderRange = -1;        // the range its letterbox was filled for
};

// Buffers of one format and size, and where the picture sits in them: the
// frame sink's whole layout, published to the scale thread as one pointer.
struct BufferSet {
    const FormatInfo *fmt = nullptr;
    Rect pic;          // the picture's place in each buffer
    int originX = 0, originY = 0;   // where a buffer's (0, 0) is on the screen
    bool overlay = false;   // on an overlay plane, over a black primary
    uint32_t plane = 0;
    ScreenBuffer bufs[kBuffers];
};

// A buffer of w x h in format f (all its planes in one dumb buffer, one
// pitch), with its framebuffer; YUV ones black (limited range).
Result<void> makeBuffer(int fd, ScreenBuffer &b, const FormatInfo &f, int w, int h);

// The property ids of a plane that qv sets.
struct PlaneProps {
    uint32_t fb = 0, crtc = 0, srcX = 0, srcY = 0, srcW = 0, srcH = 0, crtcX = 0, crtcY = 0, crtcW = 0, crtcH = 0;
    const drm::Prop *encoding = nullptr, *range = nullptr;
    drm::PropertySet set;
    bool read(const drm::Device &dev, uint32_t plane);   // false: one of the ten is missing
};

// The console's font (KDFONTOP on the VT fd; the kernel hands it out in
// KD_TEXT only). False when there is none.
bool loadConsoleFont(int vtFd, std::vector<uint8_t> &storage, Font &font);

// The status line over the bottom bandH rows of the screen (from bandY):
// the picture under it darkened (the letterbox black), the text in white;
// on an overlay, the part over the borders goes on the black primary
// (redrawn only when the text changed: blackText).
void drawStatusBand(const BufferSet &s, ScreenBuffer &b, ScreenBuffer *black, std::string &blackText, int fd, int bandY,
                    int bandH, const Font &font, const std::string &text, bool full);

// Microseconds between completed flips, the last 512 (for -v).
class FlipGaps {
public:
    void arrived(int64_t nowNs);
    // The median gap in ms and how many gaps it is over (0: none).
    double medianMs(int &count) const;

private:
    static constexpr int kGaps = 512;
    int32_t gaps_[kGaps] = {};
    int64_t count_ = 0, lastNs_ = 0;
};

} // namespace qv::kms
