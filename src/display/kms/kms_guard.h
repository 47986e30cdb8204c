// Guards for what the kms display changes outside the process: DRM master
// and the CRTC (and the planes qv lit); the VT is vt_guard.h's. Each puts back what it changed when it is destroyed or
// restored, and also on a fatal signal: each holds a restore slot
// (core/signals.h) whose code is raw ioctls on values saved beforehand
// (async-signal-safe). On a fatal signal the CRTC goes back first
// (kOrderScreen: CRTC, planes, then master dropped), then the VT
// (kOrderConsole: VT mode, then KD_TEXT, which makes the console redraw).
//
// Contract: display thread only (the fatal path may run on any thread).
// Guards do not move (the slot points at them).
#pragma once

#include <drm_mode.h>

#include <cstdint>
#include <vector>

namespace qv::kms {

// DRM master on fd: taken by take(), dropped by drop() (a VT switch away),
// taken again by retake(); dropped on destruction.
class MasterGuard {
public:
    MasterGuard() = default;
    ~MasterGuard() { release(); }
    MasterGuard(const MasterGuard &) = delete;
    MasterGuard &operator=(const MasterGuard &) = delete;
    // False when another process holds master (errno says why).
    bool take(int fd);
    void drop();
    bool retake();
    void release();
    bool held() const { return held_; }

private:
    int fd_ = -1;
    bool held_ = false;
};

// The CRTC as it was (the console's framebuffer and mode), put back with
// the planes qv lit switched off.
class CrtcGuard {
public:
    CrtcGuard() = default;
    ~CrtcGuard() { release(); }
    CrtcGuard(const CrtcGuard &) = delete;
    CrtcGuard &operator=(const CrtcGuard &) = delete;
    // Saves the CRTC's state; restore() will drive connector conn with it.
    bool save(int fd, uint32_t crtc, uint32_t conn);
    // Planes other than the primary that qv may light (switched off first).
    void addPlane(uint32_t plane);
    // From the first commit that changes the screen on: restore() puts the
    // saved state back. disarm(): the screen belongs to someone else now.
    void arm() { armed_ = true; }
    void disarm() { armed_ = false; }
    bool armed() const { return armed_; }
    // Puts the saved state back (when armed) and drops DRM master on the
    // fatal path. Async-signal-safe.
    void restore();
    // restore(), then the slot is given back.
    void release();

private:
    static void onFatal(void *self);
    int fd_ = -1;
    bool armed_ = false;
    uint32_t conn_ = 0;
    struct drm_mode_crtc saved_ {};   // ready for DRM_IOCTL_MODE_SETCRTC
    static constexpr int kMaxPlanes = 8;
    uint32_t planes_[kMaxPlanes] = {};
    int planeCount_ = 0;
    int slot_ = -1;
};

} // namespace qv::kms
