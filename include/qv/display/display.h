// The display back-end seam.
//
// Contract (every back-end):
// - Created, configured, used and destroyed on the display thread (qv-display).
// - configure() is called before the first frame and again whenever
//   relayout() returns true (terminal resized). It returns the ScaleTarget the
//   scale stage must produce; width 0 means "give me the decoded frame as it
//   is" (null, hash).
// - present() shows one frame now (timing is decided by the scheduler, never
//   here). The FrameRef stays owned by the caller, which keeps it as "the
//   frame on screen" for redraws. Errors are returned, never printed.
// - drawStatus() redraws the status line only (pause, key feedback).
// - The destructor restores everything the back-end changed on the terminal
//   or device.
#pragma once

#include "qv/core/result.h"
#include "qv/media/frame.h"
#include "qv/media/scaler.h"
#include "qv/media/stream_spec.h"

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
    bool skipScreens = false;         // auto: not kms or fbdev (the fallback when they cannot run)
    // What the terminal answered (tui/term_detect.h), for auto and help.
    bool detected = false;
    bool kittyGraphics = false, sixelGraphics = false;
    bool kittyShm = false;            // kitty can read shared memory (a local terminal)
    int termXpix = 0, termYpix = 0;   // text area in pixels from 14t, 0: unknown
    std::string detectWhy;
};

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

class Display {
public:
    virtual ~Display() = default;
    virtual const char *name() const = 0;
    virtual Result<ScaleTarget> configure(const StreamSpec &spec) = 0;
    virtual Result<void> present(const FrameRef &frame) = 0;
    // The status line to draw with the next present() (one write per frame).
    virtual void setStatus(const std::string &line) { (void)line; }
    // Draw the status line now (paused, key feedback).
    virtual Result<void> drawStatus(const std::string &line) { (void)line; return {}; }
    virtual bool wantsStatus() const { return false; }
    // True when the output geometry changed and configure() must run again.
    virtual bool relayout() { return false; }
    // Bytes written to the terminal so far (for the bench and --stats).
    virtual int64_t bytesWritten() const { return 0; }
    // Asked before each timed frame: false skips it (the pipeline counts it
    // as a drop for the link). Terminal back-ends answer from the link
    // governor; steps are never asked.
    virtual bool wantsFrame(int64_t nowNs) { (void)nowNs; return true; }
    // Called once after the last frame (not after an error): write out what
    // is buffered and report a failure (EPIPE becomes exit 141).
    virtual Result<void> finish() { return {}; }
    // Whether it owns a terminal (keys, raw mode, alternate screen).
    virtual bool isTerminal() const { return false; }
    // Window back-ends: the display loop wakes at least this often to call
    // pollInput() (-1: never, the back-end has no events).
    virtual int pollIntervalMs() const { return -1; }
    // Keys pressed in the window, as the bytes a terminal would send for them
    // (so one key map serves every display); "q" when the window was closed.
    // Also redraws after expose and resize.
    virtual void pollInput(std::string &keys) { (void)keys; }
    virtual void toggleFullscreen() {}
    // A back-end that is not a terminal but takes the terminal's keys
    // (raw input only, nothing written to the screen): the window, the
    // board's screen.
    virtual bool readsTerminalKeys() const { return false; }
    // A signal the back-end asked for (the kms VT switch: SIGUSR1 release,
    // SIGUSR2 acquire); true when it took it.
    virtual bool handleSignal(int sig) { (void)sig; return false; }
    // The screen was given away (VT switched away): the player pauses until
    // it is back, then shows the frame on screen again.
    virtual bool away() const { return false; }
    // Its FrameSink, when the scale stage may draw into its buffers.
    virtual FrameSink *frameSink() { return nullptr; }
    // From present() to the picture on the glass, as the display measured it
    // (KMS: flip events); the display stage presents that much earlier.
    virtual int64_t presentLatencyNs() const { return 0; }
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
// Resolve "auto", a name, or a list ("kms,auto": the first is the primary,
// the others mirror it; "auto" in a list means the terminal's choice). The
// error names the choices.
Result<std::unique_ptr<Display>> createDisplay(const std::string &name, const DisplayOptions &opt);
// createDisplay failed because the board's screen (kms, fbdev) cannot be had
// (DRM master held, no device): the caller plays elsewhere instead.
bool screenUnavailable(const std::string &name, const Error &e);
// The --display=help table.
std::string displayHelp(const DisplayOptions &opt);

} // namespace qv
