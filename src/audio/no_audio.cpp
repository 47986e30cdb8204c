// A build without SDL2 has no audio output: qv says so and plays the video.
#include "qv/audio/audio_output.h"

namespace qv {

bool audioCompiledIn() { return false; }

std::unique_ptr<AudioOutput> AudioOutput::open(int, int, std::string &why) {
    why = "this qv was built without SDL2 (no audio output)";
    return nullptr;
}

} // namespace qv
