// The sub-commands besides play (each returns the process exit code).
#pragma once

#include "cli.h"
#include "qv/media/hwdec.h"
#include "qv/media/probe.h"

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
    HwdecRequest hwdec;                          // --hwdec (frames: what the decoder gives)
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
int runHwdecProbe(const ParsedArgs &a);
// --hwdec from the command line (Default when absent); false after one
// usage line.
bool hwdecFromArgs(const ParsedArgs &a, HwdecRequest &out);
// qv info's "decoder": what --hwdec gives for the file's video (decodes its
// first frame when hardware may be tried).
void addDecoderFacts(const ParsedArgs &a, const HwdecRequest &req, MediaFacts &f);
int runExport(const ParsedArgs &a);

} // namespace qv::app
