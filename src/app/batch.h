// Many inputs for one command (src/app/batch_cmd.cpp, batch_inputs.cpp).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace qv::app {

struct InputSpec {
    bool recursive = false;
    std::vector<std::string> exts;   // lower case, no dot; empty: the default video list
};

// The files named by args, in order: a FILE as it is (missing ones too: they
// fail as inputs), a directory's files whose extension matches (sorted by
// name; subdirectories only when recursive), '-' one path per line of list.
// A directory that cannot be read is kept as an input (it fails as one).
std::vector<std::string> expandInputs(const std::vector<std::string> &args, const InputSpec &spec, FILE *list);
// "mp4,.MKV" -> {"mp4", "mkv"}.
std::vector<std::string> parseExtList(const std::string &s);
// Where a batch writes input i's PNG: DIR/<file name>.png, "-<i>" added when
// another input has the same file name.
std::vector<std::string> outputNames(const std::vector<std::string> &inputs, const std::string &dir);

} // namespace qv::app
