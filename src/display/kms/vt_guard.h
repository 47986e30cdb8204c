// The VT guard of the kms and fbdev displays: KD_GRAPHICS and VT_PROCESS
// put back on destruction and on a fatal signal (a restore slot of
// core/signals.h, kOrderConsole: after the screen's). No libdrm here: fbdev
// needs it too.
//
// Contract: display thread only (the fatal path may run on any thread).
// Does not move (the slot points at it).
#pragma once

#include <linux/vt.h>

namespace qv::kms {

// The VT on fd (0 when stdin is a virtual console): KD_GRAPHICS (no console
// cursor or text on the picture) and, when asked, VT_PROCESS with relsig /
// acqsig (switches go through the process); KD_TEXT and the saved VT mode
// come back on restore.
class VtGuard {
public:
    VtGuard() = default;
    ~VtGuard() { restore(); }
    VtGuard(const VtGuard &) = delete;
    VtGuard &operator=(const VtGuard &) = delete;
    // False when fd is not a VT that takes KD_GRAPHICS.
    bool enter(int fd, bool process, int relsig, int acqsig);
    bool active() const { return fd_ >= 0; }
    bool processMode() const { return process_; }
    int fd() const { return fd_; }
    void restore();

private:
    static void onFatal(void *self);
    void restoreNow();   // async-signal-safe
    int fd_ = -1;
    bool process_ = false;
    struct vt_mode saved_ {};
    int slot_ = -1;
};

} // namespace qv::kms
