// A build without SDL2 has no audio output: qv says so and plays the video.
#include "qv/audio/audio.h"

namespace qv {

bool audioCompiledIn() { return false; }

std::unique_ptr<AudioPlayer> AudioPlayer::open(const std::string &, const AudioOptions &, std::string &why) {
    why = "this qv was built without SDL2 (no audio output)";
    return nullptr;
}

std::unique_ptr<AudioPlayer> AudioPlayer::openTone(const AudioOptions &, std::string &why) {
    why = "this qv was built without SDL2 (no audio output)";
    return nullptr;
}

} // namespace qv
