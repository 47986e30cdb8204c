#include "qv/tui/keys.h"

#include <cstring>

namespace qv::tui {

void KeyParser::feed(const char *data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (len_ == sizeof buf_) consume(1);   // garbage: never wedge
        buf_[len_++] = data[i];
    }
}

void KeyParser::consume(size_t n) {
    if (n >= len_) {
        len_ = 0;
        return;
    }
    std::memmove(buf_, buf_ + n, len_ - n);
    len_ -= n;
}

namespace {
// Parse a CSI/SS3 sequence at the start of s (s[0] == ESC). Returns its
// length, 0 when incomplete, and sets k.
size_t parseEscape(const char *s, size_t n, Key &k) {
    if (n < 2) return 0;
    if (s[1] != '[' && s[1] != 'O') {
        // Alt+key: report the key itself.
        k = Key{KeyCode::Char, s[1]};
        return 2;
    }
    size_t i = 2;
    while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ';')) ++i;
    if (i >= n) return 0;
    const char final = s[i];
    const std::string params(s + 2, i - 2);
    const bool shift = params.find(";2") != std::string::npos;
    k = Key{KeyCode::Unknown, 0};
    switch (final) {
    case 'A': k.code = KeyCode::Up; break;
    case 'B': k.code = KeyCode::Down; break;
    case 'C': k.code = shift ? KeyCode::ShiftRight : KeyCode::Right; break;
    case 'D': k.code = shift ? KeyCode::ShiftLeft : KeyCode::Left; break;
    case 'H': k.code = KeyCode::Home; break;
    case 'F': k.code = KeyCode::End; break;
    case '~':
        if (params == "5") k.code = KeyCode::PageUp;
        else if (params == "6") k.code = KeyCode::PageDown;
        else if (params == "1" || params == "7") k.code = KeyCode::Home;
        else if (params == "4" || params == "8") k.code = KeyCode::End;
        break;
    default: break;
    }
    return i + 1;
}
} // namespace

bool KeyParser::next(Key &out, bool flushEscape) {
    while (len_ > 0) {
        const char c = buf_[0];
        if (c == '\x1b') {
            Key k;
            size_t used = parseEscape(buf_, len_, k);
            if (used == 0) {
                if (!flushEscape) return false;
                consume(1);
                out = Key{KeyCode::Escape, 0};
                return true;
            }
            if (used == 2 && buf_[1] == '\x1b') {   // ESC ESC: the first is a lone ESC
                consume(1);
                out = Key{KeyCode::Escape, 0};
                return true;
            }
            consume(used);
            out = k;
            return true;
        }
        consume(1);
        if (c == '\r' || c == '\n') out = Key{KeyCode::Enter, 0};
        else if (c == 0x7f || c == 0x08) out = Key{KeyCode::Backspace, 0};
        else if (c == 0x03) out = Key{KeyCode::Char, 'q'};   // Ctrl+C in raw mode quits
        else out = Key{KeyCode::Char, c};
        return true;
    }
    return false;
}

Command commandFor(const Key &k) {
    switch (k.code) {
    case KeyCode::Left: return Command::SeekBack;
    case KeyCode::Right: return Command::SeekForward;
    case KeyCode::ShiftLeft: return Command::SeekBackExact;
    case KeyCode::ShiftRight: return Command::SeekForwardExact;
    case KeyCode::Up: return Command::SeekForwardLong;
    case KeyCode::Down: return Command::SeekBackLong;
    case KeyCode::PageUp: return Command::PrevKeyframe;
    case KeyCode::PageDown: return Command::NextKeyframe;
    case KeyCode::Home: return Command::FirstFrame;
    case KeyCode::End: return Command::LastFrame;
    case KeyCode::Escape: return Command::Quit;
    case KeyCode::Char:
        switch (k.ch) {
        case 'q': case 'Q': return Command::Quit;
        case ' ': case 'p': return Command::TogglePause;
        case '.': return Command::StepForward;
        case ',': return Command::StepBack;
        case 'j': return Command::SeekBackExact;      // twins of SHIFT+LEFT/RIGHT for the
        case 'l': return Command::SeekForwardExact;   // Linux console, where SHIFT is invisible
        case '<': return Command::PrevKeyframe;
        case '>': return Command::NextKeyframe;
        case 'g': return Command::GotoFrame;
        case 's': return Command::Screenshot;
        case '[': return Command::SpeedDown;
        case ']': return Command::SpeedUp;
        case '{': return Command::SpeedHalve;
        case '}': return Command::SpeedDouble;
        case '\\': return Command::SpeedReset;
        case 'r': return Command::Reverse;
        case 'i': case 'I': return Command::ToggleStatus;
        case '9': case '/': return Command::VolumeDown;
        case '0': case '*': return Command::VolumeUp;
        case 'm': return Command::Mute;
        case 'f': return Command::Fullscreen;
        case '(': return Command::MarkIn;     // ( ) X: keys mpv leaves free
        case ')': return Command::MarkOut;
        case 'X': return Command::Export;
        case 'D': return Command::ExportStills;   // also free in mpv
        default: return Command::None;
        }
    default: return Command::None;
    }
}

const std::vector<KeyHelp> &keyHelp() {
    static const std::vector<KeyHelp> table = {
        {"SPACE, p", "pause / resume"},
        {".", "step one frame forward (pauses)"},
        {",", "step one frame back (pauses; later presses in the same GOP come from the step cache)"},
        {"LEFT / RIGHT", "seek -5 s / +5 s (keyframe, or exact with --seek=exact)"},
        {"DOWN / UP", "seek -60 s / +60 s"},
        {"SHIFT+LEFT / RIGHT, j / l", "seek exactly -1 s / +1 s"},
        {"PGUP / PGDN, < / >", "previous / next keyframe"},
        {"HOME / END", "first / last frame"},
        {"g N ENTER", "go to frame N (ESC cancels)"},
        {"s", "save the frame on screen as PNG (full size; named with ordinal and pts)"},
        {"[ / ]", "speed down / up: x1.1 steps to 4x (the sound follows, its pitch with it), then doubling to 64x"},
        {"{ / }", "speed halved / doubled"},
        {"r", "reverse: play backwards (keyframes), again: forwards"},
        {"\\", "speed back to 1x, forwards"},
        {"i", "show / hide the status line"},
        {"9 / 0", "volume down / up (10% steps)"},
        {"m", "mute / unmute"},
        {"f", "fullscreen on / off (window displays)"},
        {"( / )", "mark in / mark out on the frame shown"},
        {"X", "export the marked range (frame-exact, as qv export; playback goes on)"},
        {"D", "the marked range as PNG stills, one a frame, into a directory (as qv export -o DIR/)"},
        {"q, ESC, Ctrl+C", "quit"},
    };
    return table;
}

} // namespace qv::tui
