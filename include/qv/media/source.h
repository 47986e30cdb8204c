// VideoSource: where the decode stage's frames come from: a file (demuxed
// here or by the demux stage), or a generated picture (the demo, the
// progress picture of a file with only sound).
//
// Contract: used from one thread only (the decode stage, or a command such
// as `qv frames`). next() blocks in I/O and decoding; it skips and counts
// corrupt packets and returns an error only when nothing more can be
// decoded. seek() flushes the decoder and keeps it.
#pragma once

#include "qv/core/result.h"
#include "qv/media/frame.h"
#include "qv/media/packet_index.h"
#include "qv/media/stream_spec.h"
#include "qv/media/video_decoder.h"

#include <cstdint>
#include <memory>
#include <string>

namespace qv {

// Cancelled: a blocking wait was cut short by the source's cancel check
// (a new seek, quit).
enum class NextStatus { Frame, End, Cancelled };

struct SourceOptions {
    int threads = 0;          // libavcodec threads, 0 = FFmpeg's choice
    bool useMmap = true;      // local files through the mmap AVIO
    bool fast = false;        // skip the loop filter (facts only, not pictures)
    HwdecRequest hwdec;       // --hwdec
    bool quietFallback = false;   // no stderr line when hardware decoding falls back
};

class VideoSource {
public:
    virtual ~VideoSource() = default;
    virtual const StreamSpec &spec() const = 0;
    virtual Result<NextStatus> next(FrameRef &out) = 0;
    // Seek so that the next frames start at the keyframe at or before ns.
    virtual Result<void> seek(int64_t ns) = 0;
    // Starts the packet scan on a background thread (no-op for inputs that
    // cannot be read twice: pipes, URLs; and for generated pictures).
    virtual void startIndex() {}
    // The packet index once its scan finished (null before, and for sources
    // without one). Thread-safe.
    virtual std::shared_ptr<const PacketIndex> index() const { return nullptr; }
    // Blocks until the scan finished; null when there is none or it failed.
    virtual std::shared_ptr<const PacketIndex> waitIndex() { return nullptr; }
    // An eventfd that turns readable when the scan finished (-1: none).
    virtual int indexReadyFd() const { return -1; }
    // Seek to the keyframe from which ordinal decodes (back: that many
    // keyframes further back). Needs the index.
    virtual Result<void> seekToOrdinal(int64_t ordinal, int back) {
        (void)ordinal;
        (void)back;
        return Error::make(ErrorKind::Internal, "no packet index");
    }
    // Work shedding on a slow CPU (timed playback only).
    virtual void setShed(DecodeShed s) { (void)s; }
    // The display takes DRM PRIME frames as they are: hardware frames are
    // passed on as dma-bufs, not downloaded.
    virtual void setKeepPrime(bool on) { (void)on; }
    // Catch-up when far behind: drop packets unread until a keyframe whose
    // time is at or after ns. False when this source cannot.
    virtual bool skipToKeyAfter(int64_t ns) {
        (void)ns;
        return false;
    }
    // The pipeline serial the next seek serves (the demux stage tags its
    // flush with it, so the audio knows which seek its packets follow).
    virtual void setSerial(uint32_t serial) { (void)serial; }
    // Whether a frame was ever decoded (zero decodable frames is an error).
    virtual bool anyFrame() const { return true; }
    virtual const SourceStats &stats() const { return stats_; }
    // What --hwdec did (null: not a decoder). The source's thread, or after
    // it stopped.
    virtual const HwdecStatus *hwdecStatus() const { return nullptr; }

protected:
    SourceStats stats_;
};

// A file read and decoded on the caller's thread (qv frames, tests).
Result<std::unique_ptr<VideoSource>> openFileSource(const std::string &path, const SourceOptions &opt);
// The built-in demo: a moving test pattern with a frame counter.
std::unique_ptr<VideoSource> openDemoSource(int width = 640, int height = 360, int fps = 25, int seconds = 60);
// For a file with only sound: a dark picture with a progress bar and the
// seconds, 10 per second, as long as the sound.
std::unique_ptr<VideoSource> openAudioOnlySource(const std::string &title, int64_t durationNs);

} // namespace qv
