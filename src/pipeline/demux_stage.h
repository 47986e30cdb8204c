// DemuxStage (thread qv-demux): reads the input once and feeds video packets
// to the decode stage and audio packets to the audio stage, each through its
// own PacketQueue. Pipes, devices and URLs, which cannot be read twice, play
// with sound because of it.
//
// Seeks: the decode stage (the one that knows where a seek must land)
// requests them with seek(); the demux stage performs them between reads and
// sends PacketFlush{serial, gen} down both queues, so each consumer knows
// where the new packets start. A blocking read is cut short by quit (the
// input's interrupt callback).
//
// Live sources (issue 14): the time each read waits is published
// (LiveStats::readingSinceNs); a wait of a second or more that ends with data
// is a gap, counted. An input that ends or fails while reconnecting is on
// (LiveConfig) is opened again, with a backoff from 250 ms to 4 s, until it
// answers or quit; the old demuxer is kept (the decoders hold its streams).
//
// Flow: a queue takes packets while under its soft bound (bytes and
// duration); past it, only while the other queue's consumer starves, up to
// the hard bound. So paused playback holds a few seconds of packets, and a
// slow video decoder never starves the sound of its packets.
#pragma once

#include "live.h"
#include "packet_queue.h"
#include "qv/media/demuxer.h"
#include "qv/media/live_window.h"
#include "qv/media/recorder.h"
#include "qv/pipeline/waiter.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace qv {

struct DemuxSeek {
    enum class Kind { Time, Packet } kind = Kind::Time;
    int64_t timeNs = 0;                         // Kind::Time
    std::shared_ptr<const PacketIndex> index;   // Kind::Packet
    int64_t decodeIndex = 0;                    // Kind::Packet: the scan's packet to start at
    uint32_t serial = 0;                        // the pipeline serial this seek serves
};

struct LiveConfig {
    bool reconnect = false;   // open the input again when it ends or fails
    // A source that sends at its own pace (a camera, a network stream): read
    // as it comes, up to the queues' hard bounds. Held back at the soft
    // bounds, what it sends ahead would pile up in the socket, where neither
    // the drift guard nor the latency figures see it.
    bool paced = false;
    std::string path;
    DemuxOptions open;        // as it was opened (interrupt included)
};

struct QueueBounds {
    int64_t softBytes, softNs, hardBytes;
};

class DemuxStage {
public:
    // video, audio: null when nobody consumes that kind. interrupt: the
    // flag the demuxer's interrupt callback reads (set by stop()).
    // wake: the waiter both queues poke when they are popped (PacketQueue's
    // producerWake).
    DemuxStage(std::unique_ptr<Demuxer> d, PacketQueue *video, PacketQueue *audio, Waiter &wake,
               std::atomic<bool> &interrupt, LiveStats &live, LiveConfig cfg = {});
    ~DemuxStage();

    void start();
    // Ends the thread (the queues are aborted by their owner).
    void stop();

    // Any one thread (the decode stage): perform this seek before the next
    // read. Returns the generation its PacketFlush will carry.
    uint32_t seek(const DemuxSeek &s);
    const Demuxer &demuxer() const { return *demux_; }
    // --record: every packet read goes to it too (demux thread). Before start().
    void setRecorder(std::unique_ptr<Recorder> r) { rec_ = std::move(r); }
    // --live-window: every video packet read goes to it too (demux thread).
    // Before start(); it outlives the stage.
    void setLiveWindow(LiveWindow *w) { window_ = w; }
    int64_t readNs() const { return readNs_.load(std::memory_order_relaxed); }

    static constexpr QueueBounds kVideoBounds{8 << 20, 2000000000LL, 64 << 20};
    static constexpr QueueBounds kAudioBounds{1 << 20, 1000000000LL, 16 << 20};

private:
    void run();
    bool pushWhenAllowed(PacketQueue &q, const QueueBounds &b, PacketQueue *other, PacketItem &it, uint32_t gen);
    bool underSoft(const PacketQueue &q, const QueueBounds &b) const;
    bool seekPending(uint32_t gen) const { return gen_.load(std::memory_order_acquire) != gen; }
    bool readLive(PacketRef &pkt);
    bool reopen();

    std::unique_ptr<Demuxer> demux_;
    std::vector<std::unique_ptr<Demuxer>> retired_;   // before reconnects: the decoders hold their streams
    LiveStats &live_;
    LiveConfig cfg_;
    std::unique_ptr<Recorder> rec_;   // finished (trailer) when the stage is destroyed
    LiveWindow *window_ = nullptr;
    PacketQueue *video_, *audio_;
    Waiter &wake_;
    std::atomic<bool> &quit_;
    std::mutex m_;
    DemuxSeek pending_;
    std::atomic<uint32_t> gen_{0};
    std::atomic<int64_t> readNs_{0};
    std::thread thread_;
};

} // namespace qv
