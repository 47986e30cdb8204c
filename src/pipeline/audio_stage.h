// The audio stage (thread qv-audio): the AudioPlayer the display stage
// drives. Packets from the demux stage's audio queue go into a history (the
// last seconds of packets, kept after decoding), so a start() at any time
// inside it (a speed change, a resume after steps, a seek's landing) decodes
// again from the packet before that time: nothing is read twice from the
// input, which is what lets pipes and live sources play with sound. While
// the sound does not play (paused, stepping) packets still come off the
// queue into the history, oldest dropped first, so the demuxer never waits
// on the sound.
//
// The demo's tone is made here too (no packets).
#pragma once

#include "packet_queue.h"
#include "qv/audio/audio.h"
#include "qv/audio/audio_output.h"
#include "qv/media/audio_decoder.h"

#include <memory>
#include <string>

namespace qv {

// The audio of a file: its packets come through q. why: set when null.
std::unique_ptr<AudioPlayer> makeAudioStage(std::unique_ptr<AudioDecoder> dec, PacketQueue &q,
                                            const AudioOptions &opt, std::string &why);
// The demo's sound: a 100 ms 1 kHz beep at every whole second.
std::unique_ptr<AudioPlayer> makeToneStage(const AudioOptions &opt, std::string &why);

} // namespace qv
