// JSON string escaping, shared by qv info --json and the IPC replies.
#pragma once

#include <string>

namespace qv {

// The contents of a JSON string literal for s (quotes not added).
std::string jsonEscape(const std::string &s);

} // namespace qv
