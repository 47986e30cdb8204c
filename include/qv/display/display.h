// The display back-end seam.
//
// Contract (every back-end):
// - Created on the main thread (construction may open a device, so a busy
//   screen is known before any thread starts); configured, used and
//   released on the display thread (qv-display) only.
// - caps() says what it is: a value, asked once.
// - configure() is called before the first frame and again after relayout()
//   returns true (a terminal resized, the link governor's level changed). It
//   returns the ScaleTarget the scale stage must produce; width 0 means
//   "give me the decoded frame as it is" (null, hash, the sdl window).
// - present() shows one frame now: timing is never decided here (the
//   display stage's scheduler did). It reports whether the frame really
//   reached the screen; NotShown (all buffers busy, the screen given to
//   another VT) is a counted drop, never a silent success. The FrameRef stays
//   owned by the caller, which keeps it as "the frame on screen".
// - status(line, now) sets the status line: drawn with the next present(),
//   or at once when now is true (paused, key feedback).
// - Events (keys, quit, resize, the screen given away and back) come out of
//   dispatch(), which the display stage calls when eventFd() is readable,
//   when the deadline dispatch() returned has passed, and after each present.
//   Keys reach the key map as keys (tui::Key), whatever the back-end.
// - The destructor restores everything the back-end changed on the terminal
//   or device; release() (display thread, every exit path) tears down what
//   must go on that thread.
#pragma once

#include "qv/core/result.h"
#include "qv/media/frame.h"
#include "qv/media/scaler.h"
#include "qv/media/stream_spec.h"
#include "qv/tui/keys.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace qv {

struct DisplayOptions {
    int sizeCols = 0, sizeRows = 0;   // --size override (0: ask the terminal)
    int outFd = 1;                    // where terminal back-ends write
    bool statusLine = true;
    int colorMode = 0;                // 0 auto, 24 truecolor, 256
    int tolerance = -1;               // blocks: colour tolerance (-1: default)
    int64_t maxBandwidth = 0;         // --max-bandwidth, bytes/s (0: no cap)
    int windowW = 0, windowH = 0;     // --geometry for window displays (0: the picture's size)
    int windowX = -1, windowY = -1;   // -1: where the window system puts it
    std::string kmsDevice, kmsConnector, kmsMode;   // --kms-device, --kms-connector, --kms-mode
    std::string kmsPlane;                           // --kms-plane: auto (empty), primary, overlay, rgb
    std::string fbDevice;                           // --fb-device
    std::string vkSurface;                          // --vk-surface: auto, window, display, headless
    // --hwdec may give CUDA frames (it names cuda, nvdec or a cuvid
    // wrapper, or is auto): the vulkan display readies its device for
    // FFmpeg's Vulkan hwcontext, to take them without a download.
    bool hwFrames = false;
    bool skipScreens = false;         // auto: not kms or fbdev (the fallback when they cannot run)
    // What the terminal answered (tui/term_detect.h), for auto and help.
    bool detected = false;
    bool kittyGraphics = false, sixelGraphics = false;
    bool kittyShm = false;            // kitty can read shared memory (a local terminal)
    int termXpix = 0, termYpix = 0;   // text area in pixels from 14t, 0: unknown
    std::string detectWhy;
};

class FrameEncoder;   // qv/display/wire.h

// A back-end whose own buffers the scale stage can draw into (the KMS dumb
// buffers), so nothing is copied between the scale stage and the screen.
// acquire() is called from the scale thread.
class FrameSink {
public:
    virtual ~FrameSink() = default;
    // Sets dst up (buf[0], data, linesize, size, format) on a free buffer for
    // a picture of this target; false when none is free (the scale stage then
    // uses its own pool and the display copies).
    virtual bool acquire(const ScaleTarget &target, AVFrame *dst) = 0;
};

// A terminal link that can refuse frames (an SSH session): asked before
// each timed frame (never for a step); its answer is an input of the
// scheduler's decide(), and the decision is told back.
class DisplayLink {
public:
    virtual ~DisplayLink() = default;
    virtual bool ready(int64_t nowNs) = 0;
    virtual void decided(int64_t nowNs, bool sent) = 0;
};

struct DisplayCaps {
    bool terminal = false;       // owns the terminal it writes to (raw mode, alternate screen, keys)
    bool terminalKeys = false;   // not a terminal, but takes the starting terminal's keys (raw input only)
    bool status = false;         // shows the status line (on itself, or on the starting terminal)
    bool window = false;         // a window (fullscreen, closing it quits)
    bool primeFrames = false;    // takes DRM PRIME frames (dma-bufs) as they are: the scale stage passes them on
    bool hwFrames = false;       // takes CUDA and Vulkan frames as they are (the vulkan display's FFmpeg bridge)
};

struct DisplayEvent {
    enum class Type { Key, Quit, Redraw, ScreenAway, ScreenBack } type = Type::Key;
    tui::Key key;   // Type::Key
};
using DisplayEvents = std::function<void(const DisplayEvent &)>;

// Refused: a DRM PRIME frame this display cannot take after all (a layout
// or format it cannot import or scan out; it says why, once). The pipeline
// then stops passing dma-bufs and has the decoder download its frames.
enum class Shown { Yes, NotShown, Refused };

class Display {
public:
    virtual ~Display() = default;
    virtual const char *name() const = 0;
    virtual DisplayCaps caps() const { return {}; }
    virtual Result<ScaleTarget> configure(const StreamSpec &spec) = 0;
    virtual Result<Shown> present(const FrameRef &frame) = 0;
    virtual Result<void> status(const std::string &line, bool now) {
        (void)line;
        (void)now;
        return {};
    }
    // True when the output geometry changed and configure() must run again.
    virtual bool relayout() { return false; }
    // The link that may refuse frames (terminal displays), or null.
    virtual DisplayLink *link() { return nullptr; }
    // -1: no descriptor. dispatch() hands out what happened and returns
    // the monotonic time by which it wants to be called again (-1: only
    // when eventFd() is readable or after a present).
    virtual int eventFd() const { return -1; }
    virtual int64_t dispatch(const DisplayEvents &out) {
        (void)out;
        return -1;
    }
    virtual void setFullscreen(bool on) { (void)on; }
    // Its FrameSink, when the scale stage may draw into its buffers.
    virtual FrameSink *frameSink() { return nullptr; }
    // Its encoder, when the encode stage may turn frames into what it sends
    // (the terminal displays: qv/display/wire.h), or null. encodeStageOn()
    // is called before any thread starts when the encode stage runs; without
    // it the display encodes each frame itself in present().
    virtual FrameEncoder *frameEncoder() { return nullptr; }
    virtual void encodeStageOn() {}
    // From present() to the picture on the glass, as the display measured it
    // (KMS: flip events); the display stage presents that much earlier.
    virtual int64_t presentLatencyNs() const { return 0; }
    // Bytes written to the terminal so far (for the bench and --stats).
    virtual int64_t bytesWritten() const { return 0; }
    // Called once after the last frame (not after an error): write out what
    // is buffered and report a failure (EPIPE becomes exit 141).
    virtual Result<void> finish() { return {}; }
    // The picture as the display shows it, read back (RGB24, w * 3 bytes a
    // row), for the s key; false when it cannot (the player then decodes the
    // frame again, as qv thumb does).
    virtual bool readBack(std::vector<uint8_t> &rgb, int &w, int &h) {
        (void)rgb, (void)w, (void)h;
        return false;
    }
    // Called on the display thread after the last frame, on every exit path:
    // back-ends whose toolkit wants its own thread tear down here.
    virtual void release() {}
};

struct ProbeResult {
    bool usable = false;
    std::string why;
    bool autoPick = true;   // auto may choose it (when usable)
};

struct DisplayEntry {
    const char *name;
    const char *description;
    int autoPriority;   // higher wins in auto; negative: never picked by auto
    std::function<ProbeResult(const DisplayOptions &)> probe;
    std::function<Result<std::unique_ptr<Display>>(const DisplayOptions &)> create;
};

// Every back-end compiled in.
const std::vector<DisplayEntry> &displayRegistry();
// Resolve "auto" or a name. The error names the choices.
Result<std::unique_ptr<Display>> createDisplay(const std::string &name, const DisplayOptions &opt);
// A --display list ("kms,auto": the first is the primary, the others mirror
// it; "auto" in a list means the terminal's choice). Screens that cannot be
// had are left out with a warning.
Result<std::vector<std::unique_ptr<Display>>> createDisplays(const std::string &list, const DisplayOptions &opt);
// createDisplay failed because the board's screen (kms, fbdev) cannot be had
// (DRM master held, no device): the caller plays elsewhere instead.
bool screenUnavailable(const std::string &name, const Error &e);
// The --display=help table.
std::string displayHelp(const DisplayOptions &opt);

} // namespace qv
