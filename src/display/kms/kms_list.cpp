// --kms-list, and the device reading it shares with the kms display.
#include "kms_device.h"

#include "qv/media/frame.h"
#include "qv/media/pixfmt.h"
#include "kms_display.h"
#include "qv/media/scaler.h"

extern "C" {
#include <libavutil/pixdesc.h>
#include <libavutil/pixfmt.h>
}

#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace qv::kms {

std::string devicePath(const DisplayOptions &o) { return o.kmsDevice.empty() ? "/dev/dri/card0" : o.kmsDevice; }

ModeInfo modeInfo(const drmModeModeInfo &m) {
    ModeInfo i;
    i.width = m.hdisplay;
    i.height = m.vdisplay;
    i.refreshMilliHz = m.htotal && m.vtotal
                           ? static_cast<int>(static_cast<int64_t>(m.clock) * 1000000 / (int64_t(m.htotal) * m.vtotal))
                           : static_cast<int>(m.vrefresh) * 1000;
    i.preferred = (m.type & DRM_MODE_TYPE_PREFERRED) != 0;
    return i;
}

std::string masterHolder(const std::string &device) {
    struct stat st {};
    if (stat(device.c_str(), &st) != 0) return {};
    const std::string path = "/sys/kernel/debug/dri/" + std::to_string(minor(st.st_rdev)) + "/clients";
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f) return {};
    char line[256];
    std::string who;
    // "   command   tgid dev master a   uid      magic"
    while (std::fgets(line, sizeof line, f)) {
        char cmd[64];
        int pid = 0;
        unsigned dev = 0;
        char master = 0, auth = 0;
        if (std::sscanf(line, "%63s %d %u %c %c", cmd, &pid, &dev, &master, &auth) == 5 && master == 'y' &&
            pid != getpid())
            who = std::string(cmd) + " (pid " + std::to_string(pid) + ")";
    }
    std::fclose(f);
    return who;
}

std::vector<ConnectorInfo> connectorInfos(const drm::Device &dev, const drmModeRes &res, std::vector<drm::Connector> *keep) {
    std::vector<ConnectorInfo> infos;
    for (int i = 0; i < res.count_connectors; ++i) {
        drm::Connector c = dev.connector(res.connectors[i]);
        ConnectorInfo ci;
        if (c) {
            ci.name = drm::connectorName(*c);
            ci.connected = c->connection == DRM_MODE_CONNECTED && c->connector_type != DRM_MODE_CONNECTOR_WRITEBACK;
            ci.modes = c->count_modes;
        }
        infos.push_back(ci);
        if (keep) keep->push_back(std::move(c));
    }
    return infos;
}

std::vector<PlaneDetail> readPlanes(const drm::Device &dev, int crtcIndex) {
    std::vector<PlaneDetail> out;
    drm::PlaneResources pr = dev.planeResources();
    if (!pr) return out;
    for (uint32_t i = 0; i < pr->count_planes; ++i) {
        drm::Plane p = dev.plane(pr->planes[i]);
        if (!p) continue;
        PlaneDetail d;
        d.props = dev.properties(p->plane_id, DRM_MODE_OBJECT_PLANE);
        d.info.id = p->plane_id;
        if (const drm::Prop *t = d.props.find("type")) d.info.type = static_cast<PlaneType>(t->value);
        d.info.onCrtc = crtcIndex >= 0 && (p->possible_crtcs & (1u << crtcIndex));
        d.info.formats.assign(p->formats, p->formats + p->count_formats);
        d.info.colorEncoding = d.props.find("COLOR_ENCODING") != nullptr;
        d.info.colorRange = d.props.find("COLOR_RANGE") != nullptr;
        d.info.rotation = d.props.find("rotation") != nullptr;
        if (const drm::Prop *in = d.props.find("IN_FORMATS")) {
            d.info.modifiers = drm::formatModifiers(dev.fd(), in->value);
            d.info.inFormats = !d.info.modifiers.empty();
        }
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<PlaneInfo> planeInfos(const std::vector<PlaneDetail> &planes) {
    std::vector<PlaneInfo> v;
    for (const auto &p : planes) v.push_back(p.info);
    return v;
}

SourceFormat sourceFormat(int avPixFmt) {
    SourceFormat s;
    PixFmtDesc desc;
    if (!describePixelFormat(avPixFmt, desc)) return s;   // unknown: assume 8-bit 4:2:0
    const PixFmtDesc *d = &desc;
    s.yuv = !d->rgb && d->components >= 3;
    s.depth = d->comp[0].depth;
    s.log2ChromaW = d->log2ChromaW;
    s.log2ChromaH = d->log2ChromaH;
    s.planar = d->comp[1].plane != d->comp[2].plane;
    return s;
}

} // namespace qv::kms

namespace qv {

// --kms-list: what is there, and what qv would choose and why.
int kmsList(const DisplayOptions &opt, FILE *out) {
    const std::string path = kms::devicePath(opt);
    auto dev = drm::Device::open(path);
    if (!dev) {
        std::fprintf(stderr, "qv: %s\n", dev.error().message.c_str());
        return 7;
    }
    dev->setClientCap(DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
    dev->setClientCap(DRM_CLIENT_CAP_ATOMIC, 1);
    drm::Resources res = dev->resources();
    if (!res) {
        std::fprintf(stderr, "qv: %s: not a KMS device\n", path.c_str());
        return 7;
    }
    drm::Version v = dev->version();
    std::fprintf(out, "device %s: driver %s, %d connectors, %d CRTCs\n", path.c_str(), v ? v->name : "?",
                 res->count_connectors, res->count_crtcs);
    std::vector<drm::Connector> conns;
    const auto infos = kms::connectorInfos(*dev, *res, &conns);
    std::vector<std::vector<kms::ModeInfo>> modes(conns.size());
    std::vector<int> current(conns.size(), -1), crtcIndex(conns.size(), -1);
    for (size_t i = 0; i < conns.size(); ++i) {
        const drmModeConnector *c = conns[i].get();
        if (!c) continue;
        drm::Crtc crtc;
        if (c->encoder_id)
            if (drm::Encoder e = dev->encoder(c->encoder_id)) crtc = dev->crtc(e->crtc_id);
        for (int k = 0; crtc && k < res->count_crtcs; ++k)
            if (res->crtcs[k] == crtc->crtc_id) crtcIndex[i] = k;
        for (int k = 0; crtcIndex[i] < 0 && k < c->count_encoders; ++k)   // not lit: the first CRTC it can use
            if (drm::Encoder e = dev->encoder(c->encoders[k]))
                for (int j = 0; j < res->count_crtcs && crtcIndex[i] < 0; ++j)
                    if (e->possible_crtcs & (1u << j)) crtcIndex[i] = j;
        std::fprintf(out, "connector %u %s: %s", c->connector_id, infos[i].name.c_str(),
                     infos[i].connected ? "connected" : "disconnected");
        if (c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK) std::fprintf(out, " (writeback)");
        if (crtc && crtc->mode_valid)
            std::fprintf(out, ", CRTC %u showing %dx%d", crtc->crtc_id, crtc->mode.hdisplay, crtc->mode.vdisplay);
        std::fprintf(out, "\n");
        for (int m = 0; m < c->count_modes; ++m) {
            modes[i].push_back(kms::modeInfo(c->modes[m]));
            if (crtc && crtc->mode_valid && std::memcmp(&crtc->mode, &c->modes[m], sizeof(drmModeModeInfo)) == 0)
                current[i] = m;
            std::fprintf(out, "  mode %dx%d@%.2f%s%s\n", modes[i].back().width, modes[i].back().height,
                         modes[i].back().refreshMilliHz / 1000.0, modes[i].back().preferred ? " preferred" : "",
                         current[i] == m ? " current" : "");
        }
    }
    const int ci = kms::chooseConnector(infos, opt.kmsConnector);
    const auto planes = kms::readPlanes(*dev, ci >= 0 ? crtcIndex[static_cast<size_t>(ci)] : -1);
    static const char *types[] = {"overlay", "primary", "cursor"};
    for (const auto &p : planes) {
        std::fprintf(out, "plane %u (%s%s): formats", p.info.id,
                     static_cast<int>(p.info.type) < 3 ? types[static_cast<int>(p.info.type)] : "?",
                     p.info.onCrtc ? "" : ", not on the chosen CRTC");
        for (uint32_t f : p.info.formats) std::fprintf(out, " %s", drm::fourccName(f).c_str());
        std::fprintf(out, "\n  properties:");
        for (const auto &pr : p.props.all()) {
            std::fprintf(out, " %s", pr.name.c_str());
            if (!pr.enums.empty()) {
                std::fprintf(out, " [");
                for (size_t k = 0; k < pr.enums.size(); ++k)
                    std::fprintf(out, "%s%s", k ? ", " : "", pr.enums[k].first.c_str());
                std::fprintf(out, "]");
            }
            std::fprintf(out, ";");
        }
        std::fprintf(out, "\n");
    }
    if (ci < 0) {
        std::fprintf(out, "qv would choose: nothing (%s)\n",
                     opt.kmsConnector.empty() ? "no connected screen" : ("no connector " + opt.kmsConnector).c_str());
        return 0;
    }
    const auto &ms = modes[static_cast<size_t>(ci)];
    const int m = kms::chooseMode(ms, opt.kmsMode, current[static_cast<size_t>(ci)]);
    if (m < 0) {
        std::fprintf(out, "qv would choose: %s, but it has no mode %s\n", infos[static_cast<size_t>(ci)].name.c_str(),
                     opt.kmsMode.c_str());
        return 0;
    }
    std::fprintf(out, "qv would choose: %s, %dx%d@%.2f (%s)\n", infos[static_cast<size_t>(ci)].name.c_str(),
                 ms[static_cast<size_t>(m)].width, ms[static_cast<size_t>(m)].height,
                 ms[static_cast<size_t>(m)].refreshMilliHz / 1000.0,
                 opt.kmsMode.empty() ? (current[static_cast<size_t>(ci)] == m ? "the current mode, kept" : "preferred")
                                     : "asked for");
    // The plane, for 8-bit 4:2:0 and 10-bit 4:2:0 video (what most files are).
    kms::PlanePref pref = kms::PlanePref::Auto;
    kms::parsePlanePref(opt.kmsPlane.empty() ? "auto" : opt.kmsPlane, pref);
    for (int fmt : {static_cast<int>(AV_PIX_FMT_YUV420P), static_cast<int>(AV_PIX_FMT_YUV420P10LE)}) {
        const auto choice = kms::choosePlanes(kms::planeInfos(planes), kms::sourceFormat(fmt), pref, Orientation::Normal,
                                              &scalerCanWrite);
        std::fprintf(out, "qv would choose for %s video: ", pixelFormatName(fmt));
        if (choice.candidates.empty())
            std::fprintf(out, "XRGB8888 dumb buffers on the primary plane (%s)\n", choice.why.c_str());
        else
            std::fprintf(out, "%s; then, if the driver's test commit refuses it, %zu more candidate(s), then XRGB8888 "
                              "on the primary plane\n",
                         choice.why.c_str(), choice.candidates.size() - 1);
    }
    return 0;
}

} // namespace qv
