#include "hw_keep.h"

#include "qv/media/prime.h"

extern "C" {
#include <libavutil/hwcontext_drm.h>
#include <libavutil/imgutils.h>
}

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace qv {

namespace {
const char *fmtName(int f) {
    const char *n = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f));
    return n ? n : "?";
}
} // namespace

bool keepAsPrime(AVFrame *in, AVFrame *out, std::string &why) {
    if (in->format == AV_PIX_FMT_DRM_PRIME) {
        av_frame_move_ref(out, in);
        return true;
    }
    if (!in->hw_frames_ctx) {
        why = "a software frame";
        return false;
    }
    out->format = AV_PIX_FMT_DRM_PRIME;
    const int r = av_hwframe_map(out, in, AV_HWFRAME_MAP_READ);
    if (r < 0) {
        av_frame_unref(out);
        why = std::string("its ") + fmtName(in->format) +
              " frames cannot be mapped to DRM PRIME (" + ff::errText(r) + ")";
        return false;
    }
    // Some hwcontexts copy the frame's properties in the mapping, some do not.
    if (out->pts != in->pts) av_frame_copy_props(out, in);
    av_frame_unref(in);   // the mapping holds the surface
    return true;
}

// --- the test stand-in -----------------------------------------------------

namespace {
// The kernel's DRM uAPI (drm.h, drm_mode.h): four stable ioctls, declared
// here so src/media needs no libdrm.
struct DumbCreate {
    uint32_t height, width, bpp, flags, handle, pitch;
    uint64_t size;
};
struct DumbMap {
    uint32_t handle, pad;
    uint64_t offset;
};
struct DumbDestroy {
    uint32_t handle;
};
struct PrimeHandle {
    uint32_t handle, flags;
    int32_t fd;
};
constexpr unsigned long kCreateDumb = _IOWR('d', 0xB2, DumbCreate);
constexpr unsigned long kMapDumb = _IOWR('d', 0xB3, DumbMap);
constexpr unsigned long kDestroyDumb = _IOWR('d', 0xB4, DumbDestroy);
constexpr unsigned long kHandleToFd = _IOWR('d', 0x2d, PrimeHandle);
constexpr int kSlots = 16;   // surfaces at most, as a decoder's pool

int xioctl(int fd, unsigned long req, void *arg) {
    int r;
    do r = ioctl(fd, req, arg);
    while (r == -1 && (errno == EINTR || errno == EAGAIN));
    return r;
}
} // namespace

struct PrimeStandIn::Slot {
    std::atomic<bool> busy{false};
    int w = 0, h = 0;
    uint32_t handle = 0;
    uint32_t pitch = 0;
    int dmabuf = -1;
    uint8_t *map = nullptr;
    size_t size = 0;
    AVDRMFrameDescriptor desc{};
};

// Shared by the stand-in and every frame it handed out: the last one gone
// frees the buffers (frames may outlive the decoder).
struct PrimeStandIn::State {
    int dev = -1;
    std::atomic<int> refs{1};
    std::vector<PrimeStandIn::Slot *> slots;
    uint64_t modifier = 0;   // what the frames say of their layout (QV_TEST_HWDEC_PRIME_MODIFIER)
    void unref() {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
        for (PrimeStandIn::Slot *s : slots) {
            if (s->map) munmap(s->map, s->size);
            if (s->dmabuf >= 0) close(s->dmabuf);
            DumbDestroy d{s->handle};
            if (s->handle) xioctl(dev, kDestroyDumb, &d);
            delete s;
        }
        if (dev >= 0) close(dev);
        delete this;
    }
};

namespace {
void releaseSlot(void *opaque, uint8_t *data) {
    auto *st = static_cast<PrimeStandIn::State *>(opaque);
    reinterpret_cast<PrimeStandIn::Slot *>(data)->busy.store(false, std::memory_order_release);
    st->unref();
}
} // namespace

std::unique_ptr<PrimeStandIn> PrimeStandIn::open(const std::string &device, std::string &why) {
    const int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        why = device + ": " + std::strerror(errno);
        return nullptr;
    }
    std::unique_ptr<PrimeStandIn> p(new PrimeStandIn());
    p->st_ = new State();
    p->st_->dev = fd;
    p->st_->slots.reserve(kSlots);
    // Test only: the frames claim another layout (a tiled modifier), which
    // no display here can take: the refusal and the downloads after it.
    if (const char *e = std::getenv("QV_TEST_HWDEC_PRIME_MODIFIER"); e && *e)
        p->st_->modifier = std::strtoull(e, nullptr, 0);
    return p;
}

PrimeStandIn::~PrimeStandIn() {
    if (st_) st_->unref();
}

bool PrimeStandIn::wrap(AVFrame *in, AVFrame *out, std::string &why) {
    State *st = st_;
    if (in->format != AV_PIX_FMT_YUV420P) {
        why = std::string("the stand-in copies yuv420p only, not ") + fmtName(in->format);
        return false;
    }
    const int w = in->width, h = in->height, ch = (h + 1) / 2;
    Slot *slot = nullptr;
    for (Slot *s : st->slots) {
        bool idle = false;
        if (s->w == w && s->h == h && s->busy.compare_exchange_strong(idle, true, std::memory_order_acq_rel)) {
            slot = s;
            break;
        }
    }
    if (!slot) {
        if (static_cast<int>(st->slots.size()) >= kSlots) {
            why = "all " + std::to_string(kSlots) + " buffers are held downstream";
            return false;
        }
        auto *s = new Slot();
        s->w = w;
        s->h = h;
        // One buffer: Y (pitch P, h rows), then U and V (pitch P/2, ch rows each).
        DumbCreate c{};
        c.width = static_cast<uint32_t>((w + 63) & ~63);
        c.height = static_cast<uint32_t>(h + ch);
        c.bpp = 8;
        DumbMap m{};
        PrimeHandle ph{};
        if (xioctl(st->dev, kCreateDumb, &c) != 0) {
            why = std::string("a dumb buffer: ") + std::strerror(errno);
            delete s;
            return false;
        }
        s->handle = c.handle;
        s->pitch = c.pitch;
        s->size = c.size;
        m.handle = c.handle;
        ph.handle = c.handle;
        ph.flags = O_CLOEXEC | O_RDWR;
        ph.fd = -1;
        void *map = MAP_FAILED;
        if (xioctl(st->dev, kMapDumb, &m) != 0 ||
            (map = mmap(nullptr, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, st->dev, static_cast<off_t>(m.offset))) ==
                MAP_FAILED ||
            xioctl(st->dev, kHandleToFd, &ph) != 0) {
            why = std::string("mapping or exporting a dumb buffer: ") + std::strerror(errno);
            if (map != MAP_FAILED) munmap(map, s->size);
            DumbDestroy d{c.handle};
            xioctl(st->dev, kDestroyDumb, &d);
            delete s;
            return false;
        }
        s->map = static_cast<uint8_t *>(map);
        s->dmabuf = ph.fd;
        AVDRMFrameDescriptor &d = s->desc;
        d.nb_objects = 1;
        d.objects[0].fd = s->dmabuf;
        d.objects[0].size = s->size;
        d.objects[0].format_modifier = st->modifier;   // 0: DRM_FORMAT_MOD_LINEAR
        d.nb_layers = 1;
        d.layers[0].format = primeFourcc('Y', 'U', '1', '2');
        d.layers[0].nb_planes = 3;
        const ptrdiff_t p = s->pitch;
        d.layers[0].planes[0] = {0, 0, p};
        d.layers[0].planes[1] = {0, p * h, p / 2};
        d.layers[0].planes[2] = {0, p * h + (p / 2) * ch, p / 2};
        s->busy.store(true, std::memory_order_relaxed);
        st->slots.push_back(s);
        slot = s;
    }
    const AVDRMLayerDescriptor &l = slot->desc.layers[0];
    for (int i = 0; i < 3; ++i)
        av_image_copy_plane(slot->map + l.planes[i].offset, static_cast<int>(l.planes[i].pitch), in->data[i],
                            in->linesize[i], i ? (w + 1) / 2 : w, i ? ch : h);
    st->refs.fetch_add(1, std::memory_order_relaxed);
    out->buf[0] = av_buffer_create(reinterpret_cast<uint8_t *>(slot), sizeof(Slot), releaseSlot, st, 0);
    if (!out->buf[0]) {
        slot->busy.store(false, std::memory_order_release);
        st->unref();
        why = "out of memory";
        return false;
    }
    out->data[0] = reinterpret_cast<uint8_t *>(&slot->desc);
    out->format = AV_PIX_FMT_DRM_PRIME;
    out->width = w;
    out->height = h;
    av_frame_copy_props(out, in);
    av_frame_unref(in);
    return true;
}

} // namespace qv
