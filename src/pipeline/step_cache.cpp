#include "qv/pipeline/step_cache.h"


namespace qv {

int64_t StepCache::frameBytes(const FrameRef &f) {
    if (!f.frame) return 0;
    const int64_t n = frameBufferBytes(f.frame.get());
    return n > 0 ? n : 1;
}

void StepCache::erase(std::map<int64_t, Entry>::iterator it) {
    bytes_ -= it->second.bytes;
    const int64_t gop = it->second.gop;
    frames_.erase(it);
    ++evicted_;
    for (const auto &kv : frames_)
        if (kv.second.gop == gop) return;
    gopUse_.erase(gop);
}

void StepCache::evictFor(int64_t gop) {
    while (bytes_ > budget_ && !frames_.empty()) {
        // The least recently used GOP other than the one being filled.
        int64_t victim = INT64_MIN;
        uint64_t oldest = UINT64_MAX;
        for (const auto &kv : gopUse_)
            if (kv.first != gop && kv.second < oldest) {
                oldest = kv.second;
                victim = kv.first;
            }
        if (victim != INT64_MIN) {
            for (auto it = frames_.begin(); it != frames_.end();) {
                auto next = std::next(it);
                if (it->second.gop == victim) {
                    bytes_ -= it->second.bytes;
                    frames_.erase(it);
                    ++evicted_;
                }
                it = next;
            }
            gopUse_.erase(victim);
            continue;
        }
        // Only this GOP is left: drop its lowest ordinal.
        erase(frames_.begin());
    }
}

void StepCache::put(FrameRef &&f, int64_t gop) {
    const int64_t ord = f.info.ordinal;
    auto old = frames_.find(ord);
    if (old != frames_.end()) erase(old);
    Entry e{std::move(f), gop, 0};
    e.bytes = frameBytes(e.frame);
    if (e.bytes > budget_) return;   // one frame over the whole budget: keep nothing
    bytes_ += e.bytes;
    frames_.emplace(ord, std::move(e));
    gopUse_[gop] = ++clock_;
    evictFor(gop);
}

bool StepCache::get(int64_t ordinal, FrameRef &out) {
    auto it = frames_.find(ordinal);
    if (it == frames_.end()) return false;
    gopUse_[it->second.gop] = ++clock_;
    return it->second.frame.refInto(out);
}

void StepCache::clear() {
    frames_.clear();
    gopUse_.clear();
    bytes_ = 0;
}

} // namespace qv
