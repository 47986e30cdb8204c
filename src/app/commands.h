// The sub-commands besides play (each returns the process exit code).
#pragma once

#include "cli.h"

#include "qv/core/result.h"

#include <atomic>
#include <functional>
#include <string>

namespace qv::app {

int runFrames(const ParsedArgs &a);
int runSheet(const ParsedArgs &a);
// info/frames/thumb/sheet over many inputs (several FILEs, directories, '-'):
// the work-stealing pool, JSON lines (src/app/batch_cmd.cpp).
int runBatch(const ParsedArgs &a);
// Whether the command line asks for a batch (more than one input, a
// directory, or '-').
bool wantsBatch(const ParsedArgs &a);

struct FramesOptions {
    bool json = false, hash = false, useMmap = true;
    int threads = 0;
    const std::atomic<bool> *cancel = nullptr;   // checked between frames
};
// Every frame of path, one line each (text or JSON, '\n'-terminated; the
// text form starts with a '#' header line) into sink, which returns false
// to stop (the reader went away). Returns the frames listed. Blocking, any
// thread.
Result<int64_t> listFrames(const std::string &path, const FramesOptions &o,
                           const std::function<bool(const std::string &)> &sink);

// "4x4" -> cols, rows (1 to 32 each).
bool parseGrid(const std::string &s, int &cols, int &rows);

} // namespace qv::app
