// The sub-commands besides play (each returns the process exit code).
#pragma once

#include "cli.h"
#include "qv/media/hwdec.h"
#include "qv/media/probe.h"

namespace qv::app {

int runFrames(const ParsedArgs &a);
int runHwdecProbe(const ParsedArgs &a);
// --hwdec from the command line (Default when absent); false after one
// usage line.
bool hwdecFromArgs(const ParsedArgs &a, HwdecRequest &out);
// qv info's "decoder": what --hwdec gives for the file's video (decodes its
// first frame when hardware may be tried).
void addDecoderFacts(const ParsedArgs &a, const HwdecRequest &req, MediaFacts &f);

} // namespace qv::app
