// The one place that knows libdrm version differences (2.4.104 on Debian 11
// .. today). Only src/display/kms includes it.
#pragma once

#include <xf86drmMode.h>

#include <cstdint>

// drmModeGetConnectorTypeName() arrived in libdrm 2.4.107; before it, the same
// names (the kernel's DRM_MODE_CONNECTOR_* spelling, as in sysfs) from here.
// Meson defines QV_DRM_HAS_CONNECTOR_TYPE_NAME from the libdrm it found.
#if !QV_DRM_HAS_CONNECTOR_TYPE_NAME
inline const char *drmModeGetConnectorTypeName(uint32_t type) {
    static const char *const kNames[] = {"Unknown", "VGA", "DVI-I", "DVI-D", "DVI-A", "Composite", "SVIDEO",
                                         "LVDS", "Component", "DIN", "DP", "HDMI-A", "HDMI-B", "TV", "eDP",
                                         "Virtual", "DSI", "DPI", "Writeback", "SPI", "USB"};
    return type < sizeof kNames / sizeof kNames[0] ? kNames[type] : nullptr;
}
#endif
