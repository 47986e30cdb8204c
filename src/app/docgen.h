// The man page and the bash completion, written from the option table (the
// one behind the parser and --help), so neither can drift from them.
// Pure functions of the table; the build runs them through qv-docgen
// (src/app/docgen_main.cpp, built for the build machine).
#pragma once

#include <string>

namespace qv::app {

// qv(1) in man(7) markup. exitCodes: the text of include/qv/core/exit_code.h
// (its "Name = N, // meaning" lines become EXIT STATUS); may be empty.
std::string manPage(const std::string &version, const std::string &exitCodes);

// A bash completion script for qv: commands, every long and short option,
// files for options that take a FILE, PATH or DIR, and the display names
// (asked of `qv --display=help` when completing --display).
std::string bashCompletion();

} // namespace qv::app
