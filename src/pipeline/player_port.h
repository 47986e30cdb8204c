// PlayerPort: what the controller may ask of the display stage (display
// thread only). The display stage implements it; the controller maps keys
// and control-socket commands onto it and never touches frames or threads.
#pragma once

#include "qv/audio/audio.h"
#include "qv/pipeline/navigator.h"
#include "qv/pipeline/snapshot.h"

#include <cstdint>
#include <string>

namespace qv {

class PlayerPort {
public:
    virtual ~PlayerPort() = default;
    virtual PlayerSnapshot snapshot() const = 0;
    virtual NavFrame here() const = 0;
    virtual const Navigator &navigator() const = 0;
    // Carries out what the navigator worked out.
    virtual void navigate(const NavAction &a) = 0;
    virtual bool paused() const = 0;
    virtual void pause() = 0;
    virtual void resume() = 0;
    virtual double speed() const = 0;
    virtual void setSpeed(double s) = 0;
    virtual AudioPlayer *audio() = 0;
    // The frame on screen as a PNG (written by a worker); false when there
    // is no file to take it from. tag comes back with the result.
    virtual bool screenshot(uint64_t tag, std::string &why) = 0;
    // Marks the frame on screen as the export's first (in) or last frame;
    // false (why) when nothing is shown. ordinal: the frame marked (-1 when
    // only its time is known).
    virtual bool mark(bool in, int64_t &ordinal, std::string &why) = 0;
    // Starts exporting the marked range to path ("" : next to the
    // screenshots, named after the input and the range) on a worker; false
    // (why) with no file, no marks, or an export still running. tag comes
    // back with the result (Controller::exportDone). stills: by default a
    // directory of PNG stills instead of a video file.
    virtual bool startExport(uint64_t tag, const std::string &path, bool stills, std::string &why) = 0;
    virtual void toggleStatus() = 0;
    // --latency=low|normal, switched while playing (issue 14).
    virtual void setLowLatency(bool) {}
    virtual void toggleFullscreen() = 0;
    virtual void quit() = 0;
    virtual void say(const std::string &message) = 0;
    virtual int64_t durationNs() const = 0;
    virtual bool seekExactByDefault() const = 0;
    // The packet index is still being built (it will come); false when it
    // is there, or when this input has none (pipes, URLs, the demo).
    virtual bool indexPending() const = 0;
    // The status line changed (prompt, message): draw it now.
    virtual void redrawStatus() = 0;
};

} // namespace qv
