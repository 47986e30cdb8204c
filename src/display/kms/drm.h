// libdrm, wrapped once: every drmMode* object, dumb buffers, framebuffers,
// property blobs and atomic requests are owned by small RAII types, so no
// code path can leak or double-free them. Only this file and drm.cpp (and
// the guards in kms_guard.cpp, which must use raw ioctls in a signal
// handler) include libdrm.
//
// Contract: a Device outlives everything made from it (buffers, framebuffers,
// blobs hold its fd as a plain int). Nothing here is thread-safe; the kms
// display uses it on the display thread, except that a DumbBuffer's mapping
// may be written by the scale thread while the display owns the buffer.
#pragma once

#include "qv/core/result.h"
#include "qv/core/unique_fd.h"

#include <xf86drm.h>
#include <xf86drmMode.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace qv::drm {

template <class T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *p) const {
        if (p) Free(p);
    }
};
using Resources = std::unique_ptr<drmModeRes, Deleter<drmModeRes, drmModeFreeResources>>;
using Connector = std::unique_ptr<drmModeConnector, Deleter<drmModeConnector, drmModeFreeConnector>>;
using Encoder = std::unique_ptr<drmModeEncoder, Deleter<drmModeEncoder, drmModeFreeEncoder>>;
using Crtc = std::unique_ptr<drmModeCrtc, Deleter<drmModeCrtc, drmModeFreeCrtc>>;
using PlaneResources = std::unique_ptr<drmModePlaneRes, Deleter<drmModePlaneRes, drmModeFreePlaneResources>>;
using Plane = std::unique_ptr<drmModePlane, Deleter<drmModePlane, drmModeFreePlane>>;
using ObjectProperties =
    std::unique_ptr<drmModeObjectProperties, Deleter<drmModeObjectProperties, drmModeFreeObjectProperties>>;
using Property = std::unique_ptr<drmModePropertyRes, Deleter<drmModePropertyRes, drmModeFreeProperty>>;
using Version = std::unique_ptr<drmVersion, Deleter<drmVersion, drmFreeVersion>>;

// One property of one object: its id, current value, and for enums and
// bitmasks the names of its values.
struct Prop {
    std::string name;
    uint32_t id = 0;
    uint64_t value = 0;
    uint32_t flags = 0;
    std::vector<std::pair<std::string, uint64_t>> enums;
    // The value of an enum entry by name (false: no such entry).
    bool enumValue(const std::string &entry, uint64_t &out) const;
};

// All properties of an object, read once.
class PropertySet {
public:
    const Prop *find(const std::string &name) const;
    uint32_t id(const std::string &name) const {
        const Prop *p = find(name);
        return p ? p->id : 0;
    }
    const std::vector<Prop> &all() const { return props_; }
    std::vector<Prop> props_;
};

// A dumb buffer (width x height at bpp bits), mapped. Move-only.
class DumbBuffer {
public:
    DumbBuffer() = default;
    ~DumbBuffer() { reset(); }
    DumbBuffer(DumbBuffer &&o) noexcept { *this = std::move(o); }
    DumbBuffer &operator=(DumbBuffer &&o) noexcept;
    DumbBuffer(const DumbBuffer &) = delete;
    DumbBuffer &operator=(const DumbBuffer &) = delete;

    static Result<DumbBuffer> create(int fd, uint32_t width, uint32_t height, uint32_t bpp);
    void reset();
    uint32_t handle() const { return handle_; }
    uint32_t pitch() const { return pitch_; }
    uint64_t size() const { return size_; }
    uint8_t *map() const { return map_; }

private:
    int fd_ = -1;
    uint32_t handle_ = 0, pitch_ = 0;
    uint64_t size_ = 0;
    uint8_t *map_ = nullptr;
};

// A framebuffer (drmModeAddFB2) over buffer handles. Move-only.
class Framebuffer {
public:
    Framebuffer() = default;
    ~Framebuffer() { reset(); }
    Framebuffer(Framebuffer &&o) noexcept : fd_(o.fd_), id_(std::exchange(o.id_, 0)) {}
    Framebuffer &operator=(Framebuffer &&o) noexcept {
        if (this != &o) {
            reset();
            fd_ = o.fd_;
            id_ = std::exchange(o.id_, 0);
        }
        return *this;
    }
    Framebuffer(const Framebuffer &) = delete;
    Framebuffer &operator=(const Framebuffer &) = delete;

    static Result<Framebuffer> add(int fd, uint32_t width, uint32_t height, uint32_t fourcc, const uint32_t handles[4],
                                   const uint32_t pitches[4], const uint32_t offsets[4]);
    // With a format modifier per plane (AddFB2WithModifiers, DRM_MODE_FB_MODIFIERS):
    // tiled or compressed buffers from a hardware decoder.
    static Result<Framebuffer> addWithModifiers(int fd, uint32_t width, uint32_t height, uint32_t fourcc,
                                                const uint32_t handles[4], const uint32_t pitches[4],
                                                const uint32_t offsets[4], const uint64_t modifiers[4]);
    void reset();
    uint32_t id() const { return id_; }

private:
    int fd_ = -1;
    uint32_t id_ = 0;
};

// A property blob (the mode for MODE_ID). Move-only.
class Blob {
public:
    Blob() = default;
    ~Blob() { reset(); }
    Blob(Blob &&o) noexcept : fd_(o.fd_), id_(std::exchange(o.id_, 0)) {}
    Blob &operator=(Blob &&o) noexcept {
        if (this != &o) {
            reset();
            fd_ = o.fd_;
            id_ = std::exchange(o.id_, 0);
        }
        return *this;
    }
    static Result<Blob> create(int fd, const void *data, size_t size);
    void reset();
    uint32_t id() const { return id_; }

private:
    int fd_ = -1;
    uint32_t id_ = 0;
};

// An atomic request. add() ignores a zero property id (a property the
// object lacks) and says so; commit() returns 0 or -errno.
class AtomicRequest {
public:
    AtomicRequest() : req_(drmModeAtomicAlloc()) {}
    bool valid() const { return req_ != nullptr; }
    bool add(uint32_t object, uint32_t prop, uint64_t value);
    int commit(int fd, uint32_t flags, void *user) const;

private:
    std::unique_ptr<drmModeAtomicReq, Deleter<drmModeAtomicReq, drmModeAtomicFree>> req_;
};

// The DRM device: an owned fd and typed getters (null when the kernel
// says no).
class Device {
public:
    static Result<Device> open(const std::string &path);
    int fd() const { return fd_.get(); }
    const std::string &path() const { return path_; }

    Resources resources() const { return Resources(drmModeGetResources(fd())); }
    Connector connector(uint32_t id) const { return Connector(drmModeGetConnector(fd(), id)); }
    Encoder encoder(uint32_t id) const { return Encoder(drmModeGetEncoder(fd(), id)); }
    Crtc crtc(uint32_t id) const { return Crtc(drmModeGetCrtc(fd(), id)); }
    PlaneResources planeResources() const { return PlaneResources(drmModeGetPlaneResources(fd())); }
    Plane plane(uint32_t id) const { return Plane(drmModeGetPlane(fd(), id)); }
    Version version() const { return Version(drmGetVersion(fd())); }
    PropertySet properties(uint32_t object, uint32_t type) const;
    bool setClientCap(uint64_t cap, uint64_t value) const { return drmSetClientCap(fd(), cap, value) == 0; }
    bool cap(uint64_t cap, uint64_t &value) const { return drmGetCap(fd(), cap, &value) == 0; }

private:
    UniqueFd fd_;
    std::string path_;
};

// PRIME: a dma-buf fd as a GEM handle of this device (the same buffer gives
// the same handle; close it with gemClose when no framebuffer uses it).
Result<uint32_t> primeImport(int fd, int dmabufFd);
// A GEM handle exported as a dma-buf fd (the test hook that sends the kms
// display's own buffers through the import path).
Result<UniqueFd> primeExport(int fd, uint32_t handle);
void gemClose(int fd, uint32_t handle);
// A plane's IN_FORMATS blob: the (fourcc, modifier) pairs it scans out;
// empty when the plane has no such property (then: linear only).
std::vector<std::pair<uint32_t, uint64_t>> formatModifiers(int fd, uint64_t blobId);

// "HDMI-A-1", "Virtual-1", "Writeback-1".
std::string connectorName(const drmModeConnector &c);
// "NV12", "XR24": a fourcc's four characters.
std::string fourccName(uint32_t fourcc);

} // namespace qv::drm
