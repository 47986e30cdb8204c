// qv sheet: a contact sheet of one file as a PNG. C x R tiles spread evenly
// over the file (tile i shows the time (i + 0.5) / (C x R) of the duration),
// each labelled under it with its ordinal and time; a header with the file's
// facts. Keyframe mode (default): the keyframe at or before each time, one
// seek and keyframe-only decoding (AVDISCARD_NONKEY) per tile; exact mode:
// the frame on screen at each time (as qv thumb --at).
//
// Contract: blocking, any thread, one call per file (the batch pool runs
// several at once); *cancel (may be null) is checked between tiles and ends
// the call with ErrorKind::Internal "cancelled", writing no file.
#pragma once

#include "qv/core/result.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qv {

struct SheetRequest {
    int cols = 4, rows = 4;
    int width = 1280;          // the whole sheet, pixels
    bool exact = false;
    int threads = 0;           // decoder threads (0: FFmpeg's choice)
    bool useMmap = true;
    const std::atomic<bool> *cancel = nullptr;
};

struct SheetTile {
    int64_t wantNs = 0;        // the time asked for
    int64_t ordinal = -1;      // the frame shown (presentation ordinal)
    int64_t ptsNs = 0;         // its time
    int x = 0, y = 0, w = 0, h = 0;   // where its picture is in the sheet
};

struct SheetResult {
    int width = 0, height = 0;
    bool exact = false;
    int parts = 1;             // jobs the tiles were rendered in (a batch splits a long file)
    std::vector<SheetTile> tiles;
};

Result<SheetResult> writeSheet(const std::string &path, const std::string &outPng, const SheetRequest &req);

// The same sheet in parts, for the batch pool (a long file's tiles split
// into jobs so that it does not hold the end of a batch): plan() scans the
// file once and lays the sheet out; render() draws a range of tiles with
// its own demuxer and decoder, on any thread, at the same time as other
// parts over disjoint ranges (their pixels never overlap); finish(), once
// every part is done, writes the PNG. writeSheet is plan, render all,
// finish: the PNG is the same however the tiles were split.
class SheetJob {
public:
    static Result<std::unique_ptr<SheetJob>> plan(const std::string &path, const SheetRequest &req);
    ~SheetJob();
    int tiles() const;
    int64_t frames() const;   // the file's frame count (how long it is)
    Result<void> render(int from, int to);
    Result<SheetResult> finish(const std::string &outPng);

private:
    SheetJob();
    struct State;
    std::unique_ptr<State> st_;
};
// One JSON object (no newline): file, output, size, mode, tiles.
std::string sheetToJson(const std::string &path, const std::string &outPng, const SheetResult &r);

} // namespace qv
