// A FrameIndex for the navigator's and trick play's tests: 100 frames at
// 25 fps (40 ms), keyframes every 25 frames (0, 25, 50, 75: every second).
#pragma once

#include "qv/pipeline/navigator.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace qv::test {

constexpr int64_t ms = 1000000;

class FakeIndex final : public FrameIndex {
public:
    int64_t frameCount() const override { return 100; }
    int64_t ptsNsOf(int64_t o) const override { return o * 40 * ms; }
    int64_t ordinalAt(int64_t ns) const override { return std::clamp<int64_t>((ns + 20 * ms) / (40 * ms), 0, 99); }
    int64_t prevKey(int64_t o) const override {
        int64_t k = -1;
        for (int64_t x : keys_)
            if (x < o) k = x;
        return k;
    }
    int64_t nextKey(int64_t o) const override {
        for (int64_t x : keys_)
            if (x > o) return x;
        return -1;
    }

private:
    std::vector<int64_t> keys_{0, 25, 50, 75};
};

} // namespace qv::test
