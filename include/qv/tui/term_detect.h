// What the terminal can draw, asked of the terminal itself: the kitty
// graphics query, DA1 (attribute 4 = sixel), XTVERSION and the text-area
// pixel size (XTWINOPS 14t). One round trip: the queries are written
// together, DA1 last (every terminal answers it), and the answers are read
// until DA1's comes back or the timeout passes. The tty is in raw mode with
// echo off for the whole exchange, so no answer reaches the screen or the
// key input.
#pragma once

#include <string>

namespace qv::tui {

struct TermCaps {
    bool probed = false;        // a terminal was there and was asked
    bool answered = false;      // DA1 came back in time
    bool kitty = false;         // kitty graphics protocol
    bool sixel = false;         // DA1 attribute 4
    bool kittyShm = false;      // kitty read a shared-memory object of ours: the terminal is local
    int xpix = 0, ypix = 0;     // text area in pixels (14t), 0: unknown
    std::string version;        // XTVERSION answer, if any
    std::string why;            // one line: what was found and how
};

// Parses everything the terminal sent back (pure; unit-tested).
void parseAnswers(const std::string &bytes, TermCaps &caps);

// TERM and TERM_PROGRAM as hints (pure; unit-tested): they decide only
// when the terminal did not answer in time (a slow link, a terminal that
// ignores DA1); answers always win. Noted in caps.why either way.
void applyHints(TermCaps &caps, const char *term, const char *termProgram);

// Asks the controlling terminal (/dev/tty) within timeoutMs. Returns
// probed = false when there is no terminal.
TermCaps detectTerminal(int timeoutMs = 150);

} // namespace qv::tui
