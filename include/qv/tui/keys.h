// Keys: a parser from terminal bytes to keys (pure), and the key map shared
// by every display. ESC alone is told apart from an escape sequence by a
// short timeout: the caller asks for pending ESC to be flushed when no more
// bytes came within kEscTimeoutMs.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace qv::tui {

constexpr int kEscTimeoutMs = 50;

enum class KeyCode {
    Char, Left, Right, Up, Down, ShiftLeft, ShiftRight, PageUp, PageDown,
    Home, End, Enter, Escape, Backspace, Unknown,
};

struct Key {
    KeyCode code = KeyCode::Unknown;
    char ch = 0;   // for Char
};

class KeyParser {
public:
    void feed(const char *data, size_t n);
    // Next complete key. flushEscape: treat a lone pending ESC as the key.
    bool next(Key &out, bool flushEscape = false);
    bool pendingEscape() const { return len_ > 0 && buf_[0] == '\x1b'; }

private:
    char buf_[64] = {0};
    size_t len_ = 0;
    void consume(size_t n);
};

enum class Command {
    None, Quit, TogglePause, StepForward, StepBack, SeekBack, SeekForward, SeekBackLong,
    SeekForwardLong, SeekBackExact, SeekForwardExact, PrevKeyframe, NextKeyframe, FirstFrame,
    LastFrame, GotoFrame, Screenshot, SpeedDown, SpeedUp, SpeedHalve, SpeedDouble, SpeedReset, Reverse, ToggleStatus,
    VolumeDown, VolumeUp, Mute, Fullscreen, MarkIn, MarkOut, Export, ExportStills,
};

Command commandFor(const Key &k);

struct KeyHelp {
    const char *keys;
    const char *what;
};
// The key table, as the README and --help show it.
const std::vector<KeyHelp> &keyHelp();

} // namespace qv::tui
