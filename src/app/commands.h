// The sub-commands besides play (each returns the process exit code).
#pragma once

#include "cli.h"

namespace qv::app {

int runFrames(const ParsedArgs &a);
int runExport(const ParsedArgs &a);

} // namespace qv::app
