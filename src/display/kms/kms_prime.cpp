#include "kms_prime.h"

#include "kms_plane.h"

#include <algorithm>
#include <sys/stat.h>

namespace qv::kms {

bool PrimeImporter::Key::operator==(const Key &o) const {
    return std::equal(dev, dev + 4, o.dev) && std::equal(ino, ino + 4, o.ino) && fourcc == o.fourcc && w == o.w &&
           h == o.h && std::equal(offset, offset + 4, o.offset);
}

bool PrimeImporter::keyOf(const PrimeFrame &f, Key &k) const {
    k = Key{};
    for (int o = 0; o < f.objects && o < 4; ++o) {
        struct stat st {};
        if (fstat(f.object[o].fd, &st) != 0) return false;
        k.dev[o] = st.st_dev;
        k.ino[o] = st.st_ino;
    }
    for (int p = 0; p < f.planes && p < 4; ++p) k.offset[p] = f.plane[p].offset;
    k.fourcc = f.fourcc;
    k.w = f.width;
    k.h = f.height;
    return true;
}

void PrimeImporter::drop(Entry &e) {
    e.fb.reset();   // the framebuffer first: it holds the handles
    for (int i = 0; i < e.handleCount; ++i) {
        auto it = handleRefs_.find(e.handles[i]);
        if (it != handleRefs_.end() && --it->second == 0) {
            drm::gemClose(fd_, e.handles[i]);
            handleRefs_.erase(it);
        }
    }
    e.handleCount = 0;
}

PrimeImporter::~PrimeImporter() {
    for (auto &e : cache_) drop(*e);
}

Result<uint32_t> PrimeImporter::framebuffer(const PrimeFrame &f) {
    Key key;
    if (!keyOf(f, key)) return Error::make(ErrorKind::Display, "a PRIME frame whose dma-buf cannot be read");
    for (auto &e : cache_)
        if (e->key == key) {
            e->lastUse = ++tick_;
            ++reuses_;
            return e->fb.id();
        }
    if (cache_.size() >= kMaxBuffers) {   // the least recently shown goes
        auto oldest = std::min_element(cache_.begin(), cache_.end(),
                                       [](const auto &a, const auto &b) { return a->lastUse < b->lastUse; });
        drop(**oldest);
        cache_.erase(oldest);
    }
    auto e = std::make_unique<Entry>();
    e->key = key;
    uint32_t objHandle[4] = {};
    for (int o = 0; o < f.objects && o < 4; ++o) {
        auto h = drm::primeImport(fd_, f.object[o].fd);
        if (!h) {
            drop(*e);
            return h.takeError();
        }
        objHandle[o] = *h;
        e->handles[e->handleCount++] = *h;
        ++handleRefs_[*h];
    }
    uint32_t handles[4] = {}, pitches[4] = {}, offsets[4] = {};
    uint64_t mods[4] = {};
    bool anyModifier = false;
    for (int p = 0; p < f.planes && p < 4; ++p) {
        const PrimeFrame::Plane &pl = f.plane[p];
        handles[p] = objHandle[pl.object];
        pitches[p] = static_cast<uint32_t>(pl.pitch);
        offsets[p] = static_cast<uint32_t>(pl.offset);
        mods[p] = f.object[pl.object].modifier;
        anyModifier = anyModifier || (mods[p] != kModifierLinear && mods[p] != kModifierInvalid);
    }
    Result<drm::Framebuffer> fb = Error::make(ErrorKind::Display, "");
    if (anyModifier && !modifiers_)
        return Error::make(ErrorKind::Display, "the device takes no framebuffers with modifiers (the decoder's buffers are tiled)");
    if (anyModifier || (modifiers_ && mods[0] == kModifierLinear))
        fb = drm::Framebuffer::addWithModifiers(fd_, static_cast<uint32_t>(f.width), static_cast<uint32_t>(f.height),
                                                f.fourcc, handles, pitches, offsets, mods);
    else
        fb = drm::Framebuffer::add(fd_, static_cast<uint32_t>(f.width), static_cast<uint32_t>(f.height), f.fourcc,
                                   handles, pitches, offsets);
    if (!fb) {
        drop(*e);
        return fb.takeError();
    }
    e->fb = std::move(*fb);
    e->lastUse = ++tick_;
    ++imports_;
    const uint32_t id = e->fb.id();
    cache_.push_back(std::move(e));
    return id;
}

} // namespace qv::kms
