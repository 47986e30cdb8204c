// The player: decode -> scale -> encode -> display, one thread per stage
// (qv-decode, qv-scale, qv-encode, qv-display), joined by bounded SPSC rings
// whose items carry frames and, in band, flush(serial), end and error.
//
// Ownership: the decode stage owns the VideoSource; the scale stage owns the
// Scaler; the display stage owns the Display calls, the clock, the keys and
// the frame on screen. A seek bumps the pipeline serial (atomic); every
// stage drops items of an older serial where it meets them. No stage takes
// another stage's lock; no stage exits the process.
#pragma once

#include "qv/media/recorder.h"
#include "qv/core/exit_code.h"
#include "qv/display/display.h"
#include "qv/media/hwdec.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace qv {

struct PlayOptions {
    std::string input;                 // empty: the built-in demo
    std::string display = "auto";
    DisplayOptions displayOpt;
    bool sync = true;                  // false: --no-sync
    int64_t maxFrames = -1;            // --frames
    int64_t startNs = 0;               // --start
    double speed = 1.0;
    bool loop = false;
    bool stats = false;
    bool useMmap = true;
    int threads = 0;                   // libavcodec threads (0: one per core)
    int encodeThreads = -1;            // --encode-threads: terminal encoding on qv-encode (-1 auto, 0 off)
    HwdecRequest hwdec;                // --hwdec
    bool seekExact = false;            // --seek=exact: arrow keys land on the frame
    int64_t startFrame = -1;           // --start-frame
    bool startPaused = false;          // --pause
    int64_t stepCacheBytes = 256LL << 20;   // --step-cache
    std::string ipcPath;               // --input-ipc
    std::string frameLogPath;          // --frame-log
    RecordOptions record;              // --record, --record-split
    std::string screenshotDir = ".";   // --screenshot-dir
    bool audio = true;                 // false: --no-audio
    int volume = 100;                  // --volume (%)
    int64_t audioDelayNs = 0;          // --audio-delay
    // Live sources (issue 14).
    int64_t timeoutNs = 0;             // --timeout: silent this long ends qv (exit 9); 0: wait for ever
    int reconnect = -1;                // --reconnect: 1 on, 0 off, -1 auto (on for live URLs)
    int driftGuard = -1;               // --drift-guard: 1 on, 0 off, -1 auto (on for live URLs)
    bool lowLatency = false;           // --latency=low
    bool ownRtp = true;                // --rtp=auto: qv receives an SDP file's H.264/HEVC session itself (low latency)
    int64_t liveWindowNs = 30000000000LL;   // --live-window: a live source's packets kept for back-steps (0: none)
    std::vector<std::pair<std::string, std::string>> demuxerOpts;   // --demuxer-opt=K=V
    // Test hook, called on the display thread after each presented frame.
    std::function<void(int64_t presented)> onPresented;
};

// Plays until the end, q, --frames or a signal. Prints at most one error
// line (and --stats) after the terminal is restored.
ExitCode play(const PlayOptions &opt);

} // namespace qv
