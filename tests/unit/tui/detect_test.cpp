#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/tui/term_detect.h"

using namespace qv::tui;

TEST_CASE("kitty answers the graphics query, then DA1") {
    TermCaps c;
    parseAnswers("\x1b_Gi=31;OK\x1b\\\x1bP>|kitty(0.26.5)\x1b\\\x1b[4;700;900t\x1b[?62;c", c);
    CHECK(c.kitty);
    CHECK_FALSE(c.sixel);
    CHECK(c.answered);
    CHECK(c.version == "kitty(0.26.5)");
    CHECK(c.xpix == 900);
    CHECK(c.ypix == 700);
}

TEST_CASE("xterm -ti vt340: DA1 attribute 4 is sixel") {
    TermCaps c;
    parseAnswers("\x1bP>|XTerm(379)\x1b\\\x1b[?63;1;2;4;6;9;15;16;22;28c", c);
    CHECK(c.sixel);
    CHECK_FALSE(c.kitty);
    CHECK(c.answered);
    CHECK(c.why.find("XTerm(379)") != std::string::npos);
}

TEST_CASE("tmux: neither; attribute 4 must be a whole number") {
    TermCaps c;
    parseAnswers("\x1b[?1;2c", c);
    CHECK_FALSE(c.sixel);
    CHECK_FALSE(c.kitty);
    TermCaps d;
    parseAnswers("\x1b[?62;14;44c", d);   // 14 and 44 are not 4
    CHECK_FALSE(d.sixel);
    TermCaps e;
    parseAnswers("\x1b_Gi=31;ENOTSUPPORTED:x\x1b\\\x1b[?62;4c", e);   // an error answer is no support
    CHECK_FALSE(e.kitty);
    CHECK(e.sixel);
}

TEST_CASE("no answer at all") {
    TermCaps c;
    parseAnswers("", c);
    CHECK_FALSE(c.answered);
    CHECK(c.why.find("no DA1 answer") != std::string::npos);
}

TEST_CASE("TERM and TERM_PROGRAM: hints only when the terminal did not answer") {
    TermCaps silent;   // no DA1 in time
    applyHints(silent, "xterm-kitty", nullptr);
    CHECK(silent.kitty);
    CHECK(silent.why.find("TERM/TERM_PROGRAM decide") != std::string::npos);

    TermCaps foot;
    applyHints(foot, "foot", "");
    CHECK(foot.sixel);
    CHECK_FALSE(foot.kitty);

    TermCaps wez;
    applyHints(wez, "xterm-256color", "WezTerm");
    CHECK(wez.kitty);

    TermCaps answered;   // the answers win: tmux said no graphics
    parseAnswers("\x1b[?1;2c", answered);
    REQUIRE(answered.answered);
    applyHints(answered, "xterm-kitty", nullptr);
    CHECK_FALSE(answered.kitty);
    CHECK(answered.why.find("the answers decide") != std::string::npos);

    TermCaps plain;
    applyHints(plain, "xterm-256color", nullptr);
    CHECK_FALSE(plain.kitty);
    CHECK_FALSE(plain.sixel);
    CHECK(plain.why.empty());
}
