// SeqCell<T>: one value published by one writer and read by any number of
// readers without locks (a sequence lock over atomic words). A reader never
// waits for the writer and never sees a torn value: it retries while a
// write is under way. For small trivially copyable values (the published
// clock, the audio callback's stamp).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace qv {

template <typename T>
class SeqCell {
    static_assert(std::is_trivially_copyable<T>::value, "SeqCell holds plain values");

public:
    // One writer at a time.
    void store(const T &v) {
        uint64_t buf[kWords] = {};
        std::memcpy(buf, &v, sizeof(T));
        const uint32_t q = seq_.load(std::memory_order_relaxed);
        seq_.store(q + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        for (size_t i = 0; i < kWords; ++i) words_[i].store(buf[i], std::memory_order_relaxed);
        seq_.store(q + 2, std::memory_order_release);
    }
    // False while nothing was ever stored.
    bool load(T &out) const {
        uint64_t buf[kWords];
        for (;;) {
            const uint32_t a = seq_.load(std::memory_order_acquire);
            if (a & 1) continue;
            for (size_t i = 0; i < kWords; ++i) buf[i] = words_[i].load(std::memory_order_relaxed);
            std::atomic_thread_fence(std::memory_order_acquire);
            if (seq_.load(std::memory_order_relaxed) != a) continue;
            if (a == 0) return false;
            std::memcpy(&out, buf, sizeof(T));
            return true;
        }
    }

private:
    static constexpr size_t kWords = (sizeof(T) + 7) / 8;
    std::atomic<uint32_t> seq_{0};
    std::atomic<uint64_t> words_[kWords] = {};
};

} // namespace qv
