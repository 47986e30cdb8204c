// The verdict cache of `qv hwdec-probe`: whether a hardware decoder gave the
// same frames as software on this machine. A small text file under
// $XDG_CACHE_HOME/qv (or ~/.cache/qv), one line per verdict, keyed by the
// decoder, the codec, the device/driver description and the FFmpeg versions:
// a new driver or FFmpeg means no verdict (so no hardware by default) until
// the probe runs again.
//
// Contract: VerdictCache is pure (parse, put, find, serialize); load/save
// touch the file (save writes a new file and renames it over the old one).
#pragma once

#include "qv/core/result.h"

#include <string>
#include <vector>

namespace qv {

struct HwVerdict {
    std::string decoder;    // "cuda", "h264_cuvid"
    std::string codec;      // "h264"
    std::string device;     // hwDeviceDescription()
    std::string ffmpeg;     // ffmpegVersions()
    std::string verdict;    // "exact", "differs", "unavailable"
    std::string detail;     // "at frame 12", the reason it is unavailable
};

class VerdictCache {
public:
    // Lines that are not a well-formed verdict of this version are skipped.
    static VerdictCache parse(const std::string &text);
    std::string serialize() const;
    // Replaces the verdict with the same key (decoder, codec, device, ffmpeg).
    void put(const HwVerdict &v);
    const HwVerdict *find(const std::string &decoder, const std::string &codec, const std::string &device,
                          const std::string &ffmpeg) const;
    bool exact(const std::string &decoder, const std::string &codec, const std::string &device,
               const std::string &ffmpeg) const;
    const std::vector<HwVerdict> &entries() const { return entries_; }

private:
    std::vector<HwVerdict> entries_;
};

// $XDG_CACHE_HOME/qv/hwdec-verdicts, else $HOME/.cache/qv/hwdec-verdicts;
// "" when neither is set.
std::string verdictCachePath();
// A missing file is an empty cache.
Result<VerdictCache> loadVerdicts(const std::string &path);
Result<void> saveVerdicts(const std::string &path, const VerdictCache &c);

} // namespace qv
