#include "kms_choose.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace qv::kms {

int chooseConnector(const std::vector<ConnectorInfo> &all, const std::string &want) {
    for (size_t i = 0; i < all.size(); ++i) {
        if (!want.empty()) {
            if (all[i].name == want) return static_cast<int>(i);
        } else if (all[i].connected && all[i].modes > 0) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

bool parseModeRequest(const std::string &s, int &w, int &h, int &hz) {
    w = h = hz = 0;
    char x = 0, at = 0;
    const int n = std::sscanf(s.c_str(), "%d%c%d%c%d", &w, &x, &h, &at, &hz);
    if (n < 3 || (x != 'x' && x != 'X') || w <= 0 || h <= 0) return false;
    if (n == 4 || (n == 5 && (at != '@' || hz <= 0))) return false;
    return true;
}

int chooseMode(const std::vector<ModeInfo> &modes, const std::string &request, int current) {
    if (!request.empty()) {
        int w = 0, h = 0, hz = 0;
        if (!parseModeRequest(request, w, h, hz)) return -1;
        int best = -1;
        for (size_t i = 0; i < modes.size(); ++i) {
            const ModeInfo &m = modes[i];
            if (m.width != w || m.height != h) continue;
            if (hz > 0 && std::abs(m.refreshMilliHz - hz * 1000) > 1000) continue;
            if (best < 0 || m.refreshMilliHz > modes[static_cast<size_t>(best)].refreshMilliHz) best = static_cast<int>(i);
        }
        return best;
    }
    if (current >= 0 && current < static_cast<int>(modes.size())) return current;
    for (size_t i = 0; i < modes.size(); ++i)
        if (modes[i].preferred) return static_cast<int>(i);
    return modes.empty() ? -1 : 0;
}

Rect letterbox(const StreamSpec &spec, int screenW, int screenH) {
    Rect r;
    if (screenW <= 0 || screenH <= 0 || spec.width <= 0 || spec.height <= 0) return r;
    const double sar = spec.sarNum > 0 && spec.sarDen > 0 ? double(spec.sarNum) / spec.sarDen : 1.0;
    double dw = spec.width * sar, dh = spec.height;
    if (swapsAxes(spec.orientation)) std::swap(dw, dh);
    double w = screenW, h = screenH;
    if (dw * screenH > dh * screenW) h = screenW * dh / dw;
    else w = screenH * dw / dh;
    r.w = std::max(2, static_cast<int>(std::lround(w)) & ~1);
    r.h = std::max(2, static_cast<int>(std::lround(h)) & ~1);
    r.w = std::min(r.w, screenW & ~1);
    r.h = std::min(r.h, screenH & ~1);
    r.x = ((screenW - r.w) / 2) & ~1;
    r.y = ((screenH - r.h) / 2) & ~1;
    return r;
}

} // namespace qv::kms
