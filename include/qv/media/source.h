// VideoSource: where decoded frames come from (a file, or the built-in demo).
//
// Contract: used from one thread only (the decode stage). next() blocks in
// I/O and decoding; it skips and counts corrupt packets and returns an error
// only when nothing more can be decoded. seek() flushes the decoder and keeps
// it (the codec context is reused).
#pragma once

#include "qv/core/result.h"
#include "qv/media/frame.h"
#include "qv/media/packet_index.h"
#include "qv/media/stream_spec.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace qv {

struct SourceStats {
    std::atomic<int64_t> packets{0};
    std::atomic<int64_t> framesDecoded{0};
    std::atomic<int64_t> corruptPackets{0};   // skipped, playback went on
    std::atomic<int64_t> corruptFrames{0};    // decoded with errors concealed
    std::atomic<int64_t> decodeNs{0};
};

enum class NextStatus { Frame, End };

struct SourceOptions {
    int threads = 0;          // libavcodec threads, 0 = one per core
    bool useMmap = true;      // local files through the mmap AVIO
    bool fast = false;        // skip the loop filter (facts only, not pictures)
};

class VideoSource {
public:
    virtual ~VideoSource() = default;
    virtual const StreamSpec &spec() const = 0;
    virtual Result<NextStatus> next(FrameRef &out) = 0;
    // Seek so that the next frames start at the keyframe at or before ns.
    virtual Result<void> seek(int64_t ns) = 0;
    // Starts the packet scan on a background thread (no-op for inputs that
    // cannot be read twice: pipes, URLs; and for the demo).
    virtual void startIndex() {}
    // The packet index once its scan finished (null before, and for sources
    // without one). Thread-safe.
    virtual std::shared_ptr<const PacketIndex> index() const { return nullptr; }
    // Blocks until the scan finished; null when there is none or it failed.
    virtual std::shared_ptr<const PacketIndex> waitIndex() { return nullptr; }
    // Seek to the keyframe from which ordinal decodes (back: that many
    // keyframes further back). Needs the index.
    virtual Result<void> seekToOrdinal(int64_t ordinal, int back) {
        (void)ordinal;
        (void)back;
        return Error::make(ErrorKind::Internal, "no packet index");
    }
    const SourceStats &stats() const { return stats_; }

protected:
    SourceStats stats_;
};

Result<std::unique_ptr<VideoSource>> openFileSource(const std::string &path,
                                                    const SourceOptions &opt);
// The built-in demo: a moving test pattern with a frame counter.
std::unique_ptr<VideoSource> openDemoSource(int width = 640, int height = 360,
                                            int fps = 25, int seconds = 60);
// For a file with only sound: a dark picture with a progress bar and the
// seconds, 10 per second, as long as the sound.
std::unique_ptr<VideoSource> openAudioOnlySource(const std::string &title, int64_t durationNs);

} // namespace qv
