#include "drm.h"

#include "drm_compat.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>

namespace qv::drm {

bool Prop::enumValue(const std::string &entry, uint64_t &out) const {
    for (const auto &e : enums)
        if (e.first == entry) {
            out = e.second;
            return true;
        }
    return false;
}

const Prop *PropertySet::find(const std::string &name) const {
    for (const auto &p : props_)
        if (p.name == name) return &p;
    return nullptr;
}

DumbBuffer &DumbBuffer::operator=(DumbBuffer &&o) noexcept {
    if (this != &o) {
        reset();
        fd_ = o.fd_;
        handle_ = std::exchange(o.handle_, 0);
        pitch_ = o.pitch_;
        size_ = o.size_;
        map_ = std::exchange(o.map_, nullptr);
    }
    return *this;
}

Result<DumbBuffer> DumbBuffer::create(int fd, uint32_t width, uint32_t height, uint32_t bpp) {
    DumbBuffer b;
    b.fd_ = fd;
    struct drm_mode_create_dumb cd {};
    cd.width = width;
    cd.height = height;
    cd.bpp = bpp;
    if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd) != 0)
        return Error::make(ErrorKind::Display, std::string("cannot create a buffer: ") + std::strerror(errno));
    b.handle_ = cd.handle;
    b.pitch_ = cd.pitch;
    b.size_ = cd.size;
    struct drm_mode_map_dumb md {};
    md.handle = b.handle_;
    if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &md) != 0)
        return Error::make(ErrorKind::Display, std::string("cannot map a buffer: ") + std::strerror(errno));
    void *p = mmap(nullptr, b.size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(md.offset));
    if (p == MAP_FAILED)
        return Error::make(ErrorKind::Display, std::string("cannot map a buffer: ") + std::strerror(errno));
    b.map_ = static_cast<uint8_t *>(p);
    std::memset(b.map_, 0, b.size_);
    return b;
}

void DumbBuffer::reset() {
    if (map_) munmap(map_, size_);
    map_ = nullptr;
    if (handle_) {
        struct drm_mode_destroy_dumb d {};
        d.handle = handle_;
        drmIoctl(fd_, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
    }
    handle_ = 0;
}

Result<Framebuffer> Framebuffer::add(int fd, uint32_t width, uint32_t height, uint32_t fourcc, const uint32_t handles[4],
                                     const uint32_t pitches[4], const uint32_t offsets[4]) {
    Framebuffer f;
    f.fd_ = fd;
    if (drmModeAddFB2(fd, width, height, fourcc, handles, pitches, offsets, &f.id_, 0) != 0)
        return Error::make(ErrorKind::Display, "cannot add a " + fourccName(fourcc) + " framebuffer: " + std::strerror(errno));
    return f;
}

Result<Framebuffer> Framebuffer::addWithModifiers(int fd, uint32_t width, uint32_t height, uint32_t fourcc,
                                                  const uint32_t handles[4], const uint32_t pitches[4],
                                                  const uint32_t offsets[4], const uint64_t modifiers[4]) {
    Framebuffer f;
    f.fd_ = fd;
    if (drmModeAddFB2WithModifiers(fd, width, height, fourcc, handles, pitches, offsets, modifiers, &f.id_,
                                   DRM_MODE_FB_MODIFIERS) != 0)
        return Error::make(ErrorKind::Display, "cannot add a " + fourccName(fourcc) + " framebuffer with modifiers: " +
                                                   std::strerror(errno));
    return f;
}

Result<uint32_t> primeImport(int fd, int dmabufFd) {
    uint32_t handle = 0;
    if (drmPrimeFDToHandle(fd, dmabufFd, &handle) != 0)
        return Error::make(ErrorKind::Display, std::string("cannot import a dma-buf (PRIME): ") + std::strerror(errno));
    return handle;
}

Result<UniqueFd> primeExport(int fd, uint32_t handle) {
    int out = -1;
    if (drmPrimeHandleToFD(fd, handle, DRM_CLOEXEC | DRM_RDWR, &out) != 0)
        return Error::make(ErrorKind::Display, std::string("cannot export a buffer as a dma-buf: ") + std::strerror(errno));
    return UniqueFd(out);
}

void gemClose(int fd, uint32_t handle) {
    drm_gem_close c{};
    c.handle = handle;
    drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

std::vector<std::pair<uint32_t, uint64_t>> formatModifiers(int fd, uint64_t blobId) {
    std::vector<std::pair<uint32_t, uint64_t>> out;
    drmModePropertyBlobRes *b = blobId ? drmModeGetPropertyBlob(fd, static_cast<uint32_t>(blobId)) : nullptr;
    if (!b) return out;
    // struct drm_format_modifier_blob (the kernel's uapi): the formats, then
    // for each modifier a 64-bit mask of the formats (from offset) it takes.
    const auto *data = static_cast<const uint8_t *>(b->data);
    drm_format_modifier_blob h{};
    if (b->length >= sizeof h) {
        std::memcpy(&h, data, sizeof h);
        const uint64_t fmtEnd = uint64_t(h.formats_offset) + uint64_t(h.count_formats) * 4;
        const uint64_t modEnd = uint64_t(h.modifiers_offset) + uint64_t(h.count_modifiers) * sizeof(drm_format_modifier);
        if (fmtEnd <= b->length && modEnd <= b->length) {
            for (uint32_t m = 0; m < h.count_modifiers; ++m) {
                drm_format_modifier mod{};
                std::memcpy(&mod, data + h.modifiers_offset + m * sizeof mod, sizeof mod);
                for (uint32_t bit = 0; bit < 64; ++bit) {
                    const uint64_t i = uint64_t(mod.offset) + bit;
                    if (!(mod.formats & (uint64_t(1) << bit)) || i >= h.count_formats) continue;
                    uint32_t fourcc = 0;
                    std::memcpy(&fourcc, data + h.formats_offset + i * 4, 4);
                    out.emplace_back(fourcc, mod.modifier);
                }
            }
        }
    }
    drmModeFreePropertyBlob(b);
    return out;
}

void Framebuffer::reset() {
    if (id_) drmModeRmFB(fd_, id_);
    id_ = 0;
}

Result<Blob> Blob::create(int fd, const void *data, size_t size) {
    Blob b;
    b.fd_ = fd;
    if (drmModeCreatePropertyBlob(fd, data, size, &b.id_) != 0)
        return Error::make(ErrorKind::Display, std::string("cannot create a property blob: ") + std::strerror(errno));
    return b;
}

void Blob::reset() {
    if (id_) drmModeDestroyPropertyBlob(fd_, id_);
    id_ = 0;
}

bool AtomicRequest::add(uint32_t object, uint32_t prop, uint64_t value) {
    if (!req_ || !object || !prop) return false;
    return drmModeAtomicAddProperty(req_.get(), object, prop, value) >= 0;
}

int AtomicRequest::commit(int fd, uint32_t flags, void *user) const {
    if (!req_) return -ENOMEM;
    return drmModeAtomicCommit(fd, req_.get(), flags, user) == 0 ? 0 : -errno;
}

Result<Device> Device::open(const std::string &path) {
    Device d;
    d.path_ = path;
    d.fd_.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!d.fd_.valid()) {
        Error e = Error::make(ErrorKind::Display, path + ": " + std::strerror(errno));
        e.native = errno;
        return e;
    }
    return d;
}

PropertySet Device::properties(uint32_t object, uint32_t type) const {
    PropertySet set;
    ObjectProperties props(drmModeObjectGetProperties(fd(), object, type));
    if (!props) return set;
    for (uint32_t i = 0; i < props->count_props; ++i) {
        Property p(drmModeGetProperty(fd(), props->props[i]));
        if (!p) continue;
        Prop out;
        out.name = p->name;
        out.id = p->prop_id;
        out.value = props->prop_values[i];
        out.flags = p->flags;
        if (p->flags & (DRM_MODE_PROP_ENUM | DRM_MODE_PROP_BITMASK))
            for (int k = 0; k < p->count_enums; ++k) out.enums.emplace_back(p->enums[k].name, p->enums[k].value);
        set.props_.push_back(std::move(out));
    }
    return set;
}

std::string connectorName(const drmModeConnector &c) {
    const char *t = drmModeGetConnectorTypeName(c.connector_type);
    return std::string(t ? t : "Unknown") + "-" + std::to_string(c.connector_type_id);
}

std::string fourccName(uint32_t f) {
    std::string s;
    for (int i = 0; i < 4; ++i) {
        const char c = static_cast<char>((f >> (8 * i)) & 0xff);
        if (c != ' ') s += c;
    }
    return s;
}

} // namespace qv::drm
