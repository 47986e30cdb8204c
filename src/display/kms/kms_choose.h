// The pure decisions of the KMS and fbdev back-ends: which connector, which
// mode, where the picture goes on the screen. No libdrm here, so the unit
// suite tests them with plain tables.
#pragma once

#include "qv/media/stream_spec.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace qv::kms {

struct ModeInfo {
    int width = 0, height = 0;
    int refreshMilliHz = 0;
    bool preferred = false;
};

struct ConnectorInfo {
    std::string name;      // "HDMI-A-1", "Virtual-1"
    bool connected = false;
    int modes = 0;
};

// The connector to drive: the one named (want non-empty; -1 when it is not
// there), else the first connected one with modes (-1: none).
int chooseConnector(const std::vector<ConnectorInfo> &all, const std::string &want);

// "1280x720" or "1280x720@60" -> width, height, refresh in Hz (0: any).
bool parseModeRequest(const std::string &s, int &w, int &h, int &hz);

// The mode to use. With a request: the mode of that size (and refresh, when
// given; else the highest refresh), -1 when there is none. Without one: the
// mode the CRTC already has (current >= 0: it is kept, qv never changes a
// mode unasked), else the preferred one, else the first.
int chooseMode(const std::vector<ModeInfo> &modes, const std::string &request, int current);

struct Rect {
    int x = 0, y = 0, w = 0, h = 0;
};

// The picture fitted into a screen of screenW x screenH, centred, with its
// display aspect (SAR and rotation applied); even sizes and offsets, so
// 4:2:0 pictures and 2-pixel formats fit.
Rect letterbox(const StreamSpec &spec, int screenW, int screenH);

// Copies a packed picture (bpp bytes per pixel) into its place r in a
// screen buffer of the given pitch, clipped to r.
inline void copyIntoLetterbox(uint8_t *screen, size_t pitch, const Rect &r, int bpp, const uint8_t *src, int srcStride,
                              int srcW, int srcH) {
    const int w = std::min(srcW, r.w), h = std::min(srcH, r.h);
    for (int y = 0; y < h; ++y)
        std::memcpy(screen + static_cast<size_t>(r.y + y) * pitch + static_cast<size_t>(r.x) * static_cast<size_t>(bpp),
                    src + static_cast<ptrdiff_t>(y) * srcStride, static_cast<size_t>(w) * static_cast<size_t>(bpp));
}

} // namespace qv::kms
