// The display stage (thread qv-display): pop, classify, ask the scheduler,
// present. It owns the clock (the sound's, while it plays), the frame on
// screen, the step cache and what a pending step must land on; it
// implements the PlayerPort the controller drives (keys, the control
// socket). Every wait is one poll() on the descriptors that matter (signals,
// the tty, the socket, the display link's queue, the display's events, the
// sound, the packet index, the screenshot worker, the cache filler) with the
// nearest deadline as its timeout: the next frame, the ESC timeout, a
// message expiring, the end of file's linger, the sound's first samples.
#pragma once

#include "cache_filler.h"
#include "controller.h"
#include "frame_log.h"
#include "index_view.h"
#include "mirror_tee.h"
#include "player_port.h"
#include "export_worker.h"
#include "screenshot_worker.h"
#include "shared.h"
#include "status_model.h"

#include "qv/core/exit_code.h"
#include "qv/media/source.h"
#include "qv/pipeline/pipeline.h"
#include "qv/pipeline/step_cache.h"
#include "qv/tui/keys.h"

#include <memory>
#include <poll.h>
#include <vector>

namespace qv {

struct DisplayStageDeps {
    Shared &sh;
    const PlayOptions &opt;
    Display &display;
    MirrorTee &tee;
    VideoSource &src;
    AudioPlayer *audio;
    CacheFiller *filler;     // back-steps asked for
    CacheFiller *bgFiller;   // the fill while paused (low priority)
    int sigFd;
    int ttyFd;
    bool encodeStage;
    LiveWindow *liveWindow = nullptr;   // a live source's --live-window (null: a file, or none)
    VideoDecoder *shotDecoder = nullptr;   // a live window's: screenshots decoded from its packets
};

class DisplayStage final : public PlayerPort {
public:
    explicit DisplayStage(DisplayStageDeps d);
    ~DisplayStage() override;

    Result<void> openSideChannels();   // --frame-log, --input-ipc
    void run();

    ExitCode exitCode() const { return exit_; }
    const Error *error() const { return hasError_ ? &error_ : nullptr; }
    std::vector<int64_t> &avDiffs() { return avDiffs_; }
    const LatencyLog &latency() const { return lat_; }
    bool lowLatency() const { return lowLatency_; }   // the profile now (IPC may have switched it)
    FrameLog *frameLog() { return log_.active() ? &log_ : nullptr; }
    const ScreenshotWorker &shots() const { return shots_; }
    // Frames it holds (the one on screen, the step cache) go back.
    void releaseFrames();

    // PlayerPort
    PlayerSnapshot snapshot() const override;
    NavFrame here() const override;
    const Navigator &navigator() const override { return nav_; }
    void navigate(const NavAction &a) override;
    bool paused() const override { return paused_; }
    void pause() override;
    void resume() override;
    double speed() const override { return clock_.speed(); }
    void setSpeed(double s) override;
    AudioPlayer *audio() override { return audio_; }
    bool screenshot(uint64_t tag, std::string &why) override;
    bool mark(bool in, int64_t &ordinal, std::string &why) override;
    bool startExport(uint64_t tag, const std::string &path, bool stills, std::string &why) override;
    void toggleStatus() override;
    void toggleFullscreen() override;
    void quit() override { finish(ExitCode::Ok); }
    void say(const std::string &message) override;
    void setLowLatency(bool low) override;
    // Live sources: "waiting for data (N s)" while the source is silent, the
    // end after --timeout (display_control.cpp).
    void tickLive(int64_t now, int64_t &timeoutNs);
    int64_t durationNs() const override { return spec_.durationNs; }
    bool seekExactByDefault() const override { return opt_.seekExact; }
    bool indexPending() const override { return !index_.get() && src_.indexReadyFd() >= 0; }
    void redrawStatus() override;

private:
    enum class Head { Wait, Again, Stop };
    enum class Ending { No, Linger, Drain };

    void finish(ExitCode code);
    void fail(Error e);
    void configureDisplay();
    void publishClock();
    void updateStatus();
    void showStatus(bool now);
    Head handleHead(int64_t &timeoutNs, bool &waitData);
    Head handleFrame(FrameRef &fr, int64_t &timeoutNs);
    // step: a step (or a frame shown while paused) that the user waits for.
    bool presentFrame(FrameRef &fr, int64_t now, int64_t deadline, bool timed, bool step = false);
    void refusePrime(FrameRef &fr, int64_t now, bool step);
    bool presentCached(int64_t ordinal);
    // Shows f now as the frame a pending step asked for.
    void presentStep(FrameRef &f);
    void recycle(FrameRef &fr);
    void dropStale();
    void cacheFrame(FrameRef &&f);
    void cacheCurrent();
    void seekPipeline(const NavAction &a);
    void startFill(int64_t target, bool background);
    void takeFilled();
    void cancelFills();
    void maybeBackgroundFill(int64_t now);
    void pollIndex();
    void readSignals();
    void readKeys(bool flushEscape);
    void dispatchDisplay();
    void onDisplayEvent(const DisplayEvent &e);
    void takeShots();
    void takeExport();   // display_export.cpp: progress in the status line, the result
    bool startLiveExport(ExportRequest &req, uint64_t tag, std::string &why);
    std::string liveName() const;   // a live source's name for its PNGs and exports
    void tickEnding(int64_t now, int64_t &timeoutNs);
    // Trick play (display_trick.cpp): the speed asks for it and the index
    // is there; a trick keyframe shown as it comes, other frames dropped;
    // backwards, paused at the first frame.
    bool trickNow() const;
    bool handleTrick(Head &h);
    void tickTrick(int64_t now, int64_t &timeoutNs);
    void sleep(bool waitData, int64_t timeoutNs);
    FrameRef *peekFrame();

    Shared &sh_;
    const PlayOptions &opt_;
    Display &display_;
    MirrorTee &tee_;
    VideoSource &src_;
    AudioPlayer *audio_;
    CacheFiller *filler_, *bgFiller_;
    // A live source's window: while paused the index is a snapshot of it
    // (refreshed on each pause and step), dropped again on resume.
    LiveWindow *liveWindow_;
    std::shared_ptr<const LiveSnapshot> liveSnap_;
    void refreshLive();
    // The index is a file's (seeks, trick play, exports by ordinal).
    bool fileIndex() const { return index_.get() && !liveWindow_; }
    int sigFd_, ttyFd_;
    bool encodeStage_;
    StreamSpec spec_;
    DisplayCaps caps_;
    SyncTuning tuning_;
    PlaybackClock clock_;
    StepCache cache_;
    IndexView index_;
    Navigator nav_;
    Controller ctl_;
    StatusModel status_;
    FpsMeter fps_;
    FrameLog log_;
    ScreenshotWorker shots_;
    ExportWorker exports_;
    RangePoint markIn_, markOut_;   // the export's range (display_export.cpp)
    bool haveIn_ = false, haveOut_ = false;
    int exportPercent_ = -1;
    std::string exportPath_;
    tui::KeyParser keys_;
    ScaleTarget target_;

    FrameRef current_;
    uint32_t displaySerial_ = 0;
    bool paused_ = false;
    bool stepPending_ = false;
    int64_t stepTarget_ = -1;        // ordinal a pending step must land on
    int64_t stepSeekIssued_ = -1;    // target a seek was already asked for
    bool fillWait_ = false;          // the pending step waits for the cache filler
    int64_t lastPipelineOrdinal_ = -1;   // the last frame taken from the pipeline (this serial)
    bool pipelineEnded_ = false;     // this serial's end came: no frame follows until a seek
    int64_t pausedSinceNs_ = 0;
    int64_t backgroundFor_ = -1;     // the frame a background fill was started for
    bool resizePending_ = false;
    bool done_ = false;
    int64_t liveShownS_ = 0;   // the seconds of silence the status line says now
    bool fullscreen_ = false;
    bool pausedBeforeAway_ = false;
    ExitCode exit_ = ExitCode::Ok;
    Error error_;
    bool hasError_ = false;
    int64_t lastPresentNs_ = 0;
    int64_t presentCount_ = 0;
    int64_t lastDriftNs_ = 0;
    int64_t escSinceNs_ = 0;
    int64_t displayDeadlineNs_ = -1;
    int64_t audioWaitUntil_ = 0;     // the first frame after a start waits for the sound until then
    Ending ending_ = Ending::No;
    int64_t endingUntilNs_ = 0;
    std::vector<int64_t> avDiffs_;
    LatencyLog lat_;          // received -> shown, by step (issue 14)
    bool lowLatency_ = false; // --latency=low, or set through IPC
    bool showLatency_ = false;   // a live source or --latency=low: the status line says it
    bool presentLow(FrameRef &fr, int64_t now, Head &h);
    std::vector<struct pollfd> fds_;
};

} // namespace qv
