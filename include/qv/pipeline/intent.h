// Intent: what the user asked for, whether by a key (any display) or by a
// line on the control socket. The controller carries intents out; keys and
// IPC only map onto them (pure, tested), so both behave alike.
#pragma once

#include "qv/tui/keys.h"

#include <cstdint>
#include <string>

namespace qv {

enum class IntentKind {
    None, Quit, TogglePause, SetPause, StepForward, StepBack,
    SeekRelative, SeekAbsolute, GotoFrame, PrevKeyframe, NextKeyframe, FirstFrame, LastFrame,
    GotoPrompt, Screenshot, SpeedSet, SpeedScale, SpeedStep, SpeedReset, SpeedReverse, ToggleStatus,
    VolumeSet, VolumeAdd, MuteSet, MuteToggle, Fullscreen, GetProperty, Keypress,
    LatencySet,   // flag: true for low (issue 14)
    MarkIn, MarkOut, Export,
};

enum class SeekMode { Default, Exact, Keyframe };

struct Intent {
    IntentKind kind = IntentKind::None;
    double value = 0;            // seconds (seeks), speed, volume
    int64_t n = 0;               // frame number
    bool flag = false;           // SetPause, MuteSet, LatencySet (low), Export (PNG stills)
    SeekMode mode = SeekMode::Default;
    std::string text;            // GetProperty: the name; Keypress: the keys; Export: the file ("" default)
};

// The key map: a command from tui::commandFor() as an intent.
Intent intentForCommand(tui::Command c);

} // namespace qv
