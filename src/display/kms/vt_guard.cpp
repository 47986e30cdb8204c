#include "vt_guard.h"

#include "qv/core/signals.h"

#include <linux/kd.h>
#include <sys/ioctl.h>

namespace qv::kms {

bool VtGuard::enter(int fd, bool process, int relsig, int acqsig) {
    if (ioctl(fd, KDSETMODE, KD_GRAPHICS) != 0) return false;
    fd_ = fd;
    process_ = false;
    if (process && ioctl(fd, VT_GETMODE, &saved_) == 0) {
        struct vt_mode vm = saved_;
        vm.mode = VT_PROCESS;
        vm.relsig = static_cast<char>(relsig);
        vm.acqsig = static_cast<char>(acqsig);
        vm.frsig = 0;
        process_ = ioctl(fd, VT_SETMODE, &vm) == 0;
    }
    if (slot_ < 0) slot_ = sig::addFatalRestore(&VtGuard::onFatal, this, sig::kOrderConsole);
    return true;
}

void VtGuard::restoreNow() {
    if (fd_ < 0) return;
    if (process_) ioctl(fd_, VT_SETMODE, &saved_);
    ioctl(fd_, KDSETMODE, KD_TEXT);   // the console redraws itself
}

void VtGuard::restore() {
    restoreNow();
    fd_ = -1;
    process_ = false;
    if (slot_ >= 0) sig::removeFatalRestore(slot_);
    slot_ = -1;
}

void VtGuard::onFatal(void *self) { static_cast<VtGuard *>(self)->restoreNow(); }

} // namespace qv::kms
