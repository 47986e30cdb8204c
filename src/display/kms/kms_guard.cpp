#include "kms_guard.h"

#include "qv/core/signals.h"

#include <xf86drm.h>

#include <cerrno>
#include <cstring>
#include <sys/ioctl.h>

namespace qv::kms {

bool MasterGuard::take(int fd) {
    fd_ = fd;
    held_ = drmSetMaster(fd) == 0 || drmIsMaster(fd);
    return held_;
}

void MasterGuard::drop() {
    if (held_) drmDropMaster(fd_);
    held_ = false;
}

bool MasterGuard::retake() {
    if (!held_ && fd_ >= 0) held_ = drmSetMaster(fd_) == 0;
    return held_;
}

void MasterGuard::release() { drop(); }

bool CrtcGuard::save(int fd, uint32_t crtc, uint32_t conn) {
    fd_ = fd;
    conn_ = conn;
    std::memset(&saved_, 0, sizeof saved_);
    saved_.crtc_id = crtc;
    if (drmIoctl(fd, DRM_IOCTL_MODE_GETCRTC, &saved_) != 0) return false;
    // Ready to be handed back as it is: the console's framebuffer on our
    // connector, in its mode.
    saved_.set_connectors_ptr = reinterpret_cast<uintptr_t>(&conn_);
    saved_.count_connectors = 1;
    if (slot_ < 0) slot_ = sig::addFatalRestore(&CrtcGuard::onFatal, this, sig::kOrderScreen);
    return true;
}

void CrtcGuard::addPlane(uint32_t plane) {
    for (int i = 0; i < planeCount_; ++i)
        if (planes_[i] == plane) return;
    if (planeCount_ < kMaxPlanes) planes_[planeCount_++] = plane;
}

void CrtcGuard::restore() {
    if (fd_ < 0 || !armed_) return;
    armed_ = false;
    // Only ioctls on saved values: this also runs in the fatal handler.
    for (int i = 0; i < planeCount_; ++i) {
        struct drm_mode_set_plane off {};
        off.plane_id = planes_[i];   // fb 0, crtc 0: off
        ioctl(fd_, DRM_IOCTL_MODE_SETPLANE, &off);
    }
    struct drm_mode_crtc c = saved_;
    if (!c.mode_valid) {   // nothing was shown: leave it off
        c.set_connectors_ptr = 0;
        c.count_connectors = 0;
        c.fb_id = 0;
    }
    ioctl(fd_, DRM_IOCTL_MODE_SETCRTC, &c);
}

void CrtcGuard::release() {
    restore();
    if (slot_ >= 0) sig::removeFatalRestore(slot_);
    slot_ = -1;
}

void CrtcGuard::onFatal(void *self) {
    auto *g = static_cast<CrtcGuard *>(self);
    g->restore();
    ioctl(g->fd_, DRM_IOCTL_DROP_MASTER, 0);   // so the console can take the screen
}

} // namespace qv::kms
