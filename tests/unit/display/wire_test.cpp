#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "display/wire_carry.h"

#include <map>
#include <random>
#include <string>
#include <vector>

using namespace qv;

namespace {

Wire makeWire(uint64_t epoch) {
    Wire w;
    w.epoch = epoch;
    return w;
}

void seg(Wire &w, int r0, int r1, const std::string &bytes, bool replace) {
    const size_t from = w.bytes.size();
    w.bytes += bytes;
    w.addSegment(r0, r1, from, replace);
}

std::string joined(const std::vector<iovec> &iov) {
    std::string s;
    for (const iovec &v : iov) s.append(static_cast<const char *>(v.iov_base), v.iov_len);
    return s;
}

} // namespace

TEST_CASE("nothing carried: a wire is written as it is") {
    WireCarry c;
    c.reset(1);
    Wire w = makeWire(1);
    seg(w, 0, 2, "AB", true);
    seg(w, 5, 6, "C", true);
    std::vector<iovec> iov;
    c.gather(w, iov);
    CHECK(joined(iov) == "ABC");
}

TEST_CASE("a dropped frame's rows go out before the next, unless it repaints them") {
    WireCarry c;
    c.reset(1);
    Wire a = makeWire(1);
    seg(a, 0, 3, "[a0-3]", true);
    seg(a, 10, 12, "[a10-12]", true);
    c.dropped(a);
    CHECK(c.carried() == 1);
    Wire b = makeWire(1);
    seg(b, 0, 4, "[b0-4]", true);   // repaints a's first rows whole
    std::vector<iovec> iov;
    c.gather(b, iov);
    CHECK(joined(iov) == "[a10-12][b0-4]");
    c.written();
    CHECK(c.bytes() == 0);
}

TEST_CASE("a partly covered segment is kept (rows 1-2 repainted, row 0 not)") {
    WireCarry c;
    c.reset(3);
    Wire a = makeWire(3);
    seg(a, 0, 3, "[a]", true);
    c.dropped(a);
    Wire b = makeWire(3);
    seg(b, 1, 3, "[b]", true);
    std::vector<iovec> iov;
    c.gather(b, iov);
    CHECK(joined(iov) == "[a][b]");
}

TEST_CASE("deltas are carried in order; a later dropped whole picture replaces them") {
    WireCarry c;
    c.reset(1);
    for (const char *d : {"<1>", "<2>"}) {
        Wire w = makeWire(1);
        seg(w, 0, 20, d, false);
        c.dropped(w);
    }
    Wire n = makeWire(1);
    seg(n, 0, 20, "<3>", false);
    std::vector<iovec> iov;
    c.gather(n, iov);
    CHECK(joined(iov) == "<1><2><3>");

    Wire full = makeWire(1);
    full.full = true;
    seg(full, 0, 20, "{F}", true);
    c.dropped(full);
    c.gather(n, iov);
    CHECK(joined(iov) == "{F}<3>");
    // A whole picture needs nothing carried beneath it.
    c.gather(full, iov);
    CHECK(joined(iov) == "{F}");
}

TEST_CASE("wires of another epoch, or already written, are not carried") {
    WireCarry c;
    c.reset(2);
    Wire old = makeWire(1);
    seg(old, 0, 1, "old", true);
    c.dropped(old);
    Wire done = makeWire(2);
    seg(done, 0, 1, "done", true);
    done.written = true;
    c.dropped(done);
    CHECK(c.bytes() == 0);
    CHECK(c.carried() == 0);
    Wire a = makeWire(2);
    seg(a, 0, 1, "a", false);
    c.dropped(a);
    c.reset(3);   // the screen was repainted another way
    CHECK(c.bytes() == 0);
}

TEST_CASE("the pool: a fixed number of wires; a wire dropped at the display reaches the carry") {
    auto pool = WirePool::make(2);
    WireCarry c;
    c.reset(5);
    pool->setDropSink(&c);
    AttachmentPtr a = pool->take(), b = pool->take();
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    AttachmentPtr none = pool->take();   // all in use: the frame goes on bare
    CHECK(none == nullptr);
    Wire *wa = static_cast<Wire *>(a.get());
    wa->epoch = 5;
    seg(*wa, 0, 2, "AA", true);
    wa->reached = true;
    a.reset();   // dropped at the display, never written
    CHECK(c.carried() == 1);
    CHECK(c.bytes() == 2);
    Wire *wb = static_cast<Wire *>(b.get());
    wb->epoch = 5;
    seg(*wb, 0, 2, "BB", true);
    wb->reached = true;
    wb->written = true;
    b.reset();   // written: nothing to carry
    CHECK(c.carried() == 1);
    CHECK(pool->freeCount() == 2);
    AttachmentPtr again = pool->take();
    REQUIRE(again);
    CHECK(static_cast<Wire *>(again.get())->bytes.empty());   // cleared for reuse
    pool->setDropSink(nullptr);
}

// A model of the terminal: rows of values. Replace segments set rows
// ("r=v;"), delta segments add to them ("r+d;"). Frames are encoded as
// diffs against the frame before (as the encode stage does); a random
// share is dropped (carried); after every write the model screen must be
// exactly the frame written.
namespace {
struct Screen {
    std::map<int, long> rows;
    void apply(const std::string &bytes) {
        size_t i = 0;
        while (i < bytes.size()) {
            size_t e = bytes.find(';', i);
            const std::string cmd = bytes.substr(i, e - i);
            const size_t op = cmd.find_first_of("=+");
            const int r = std::stoi(cmd.substr(0, op));
            const long v = std::stol(cmd.substr(op + 1));
            if (cmd[op] == '=') rows[r] = v;
            else rows[r] += v;
            i = e + 1;
        }
    }
};
} // namespace

TEST_CASE("model: with random drops the screen always ends up at the frame written") {
    for (const bool replace : {true, false}) {
        CAPTURE(replace);
        std::mt19937 rng(replace ? 7 : 11);
        const int kRows = 12;
        WireCarry c;
        c.reset(1);
        Screen screen;
        std::vector<long> prev(kRows, 0), cur(kRows, 0);
        for (int r = 0; r < kRows; ++r) screen.rows[r] = 0;
        int writes = 0, drops = 0;
        for (int f = 0; f < 400; ++f) {
            // A few rows change each frame, by small steps.
            for (int r = 0; r < kRows; ++r)
                if (rng() % 3 == 0) cur[r] = prev[r] + static_cast<long>(rng() % 5) + 1;
            Wire w = makeWire(1);
            if (replace) {
                // Runs of changed rows, each a segment repainting them.
                for (int r = 0; r < kRows;) {
                    if (cur[r] == prev[r]) {
                        ++r;
                        continue;
                    }
                    int e = r;
                    std::string b;
                    while (e < kRows && cur[e] != prev[e]) {
                        b += std::to_string(e) + "=" + std::to_string(cur[e]) + ";";
                        ++e;
                    }
                    seg(w, r, e, b, true);
                    r = e;
                }
            } else {
                std::string b;
                for (int r = 0; r < kRows; ++r)
                    if (cur[r] != prev[r]) b += std::to_string(r) + "+" + std::to_string(cur[r] - prev[r]) + ";";
                seg(w, 0, kRows, b, false);
            }
            prev = cur;
            if (rng() % 5 < 2) {
                c.dropped(w);
                ++drops;
                continue;
            }
            std::vector<iovec> iov;
            c.gather(w, iov);
            screen.apply(joined(iov));
            c.written();
            ++writes;
            for (int r = 0; r < kRows; ++r) REQUIRE(screen.rows[r] == cur[r]);
        }
        CHECK(writes > 100);
        CHECK(drops > 100);
    }
}
