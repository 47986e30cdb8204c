// What the kms display and --kms-list both read from a DRM device: the
// device path, modes, the holder of DRM master, and the planes of a CRTC
// as kms_plane.h's PlaneInfo (with their properties, for the listing).
#pragma once

#include "drm.h"
#include "kms_choose.h"
#include "kms_plane.h"
#include "qv/display/display.h"

#include <string>
#include <vector>

namespace qv::kms {

std::string devicePath(const DisplayOptions &o);
ModeInfo modeInfo(const drmModeModeInfo &m);
// Who holds DRM master, from debugfs (root, debugfs mounted); empty when it
// cannot be told.
std::string masterHolder(const std::string &device);
// The connectors as chooseConnector sees them (writeback connectors are
// never chosen: they show nothing).
std::vector<ConnectorInfo> connectorInfos(const drm::Device &dev, const drmModeRes &res,
                                          std::vector<drm::Connector> *keep = nullptr);

struct PlaneDetail {
    PlaneInfo info;
    drm::PropertySet props;
};
// Every plane, with onCrtc set for CRTC index crtcIndex (-1: none).
// Needs DRM_CLIENT_CAP_UNIVERSAL_PLANES for the primary and cursor planes.
std::vector<PlaneDetail> readPlanes(const drm::Device &dev, int crtcIndex);
std::vector<PlaneInfo> planeInfos(const std::vector<PlaneDetail> &planes);

// The source's format class for the plane choice, from its AVPixelFormat.
SourceFormat sourceFormat(int avPixFmt);

} // namespace qv::kms
