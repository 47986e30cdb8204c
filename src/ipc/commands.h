// The control socket's commands and properties, as pure functions: a
// request becomes an Intent (strictly: numbers finite and in range, flags
// and values from a fixed set, no stray arguments), and a property is read
// from a PlayerSnapshot as a JSON value.
#pragma once

#include "qv/ipc/ipc.h"
#include "qv/pipeline/intent.h"
#include "qv/pipeline/snapshot.h"

#include <string>

namespace qv::ipc {

// False with the reason when the request is not a command qv takes.
bool toIntent(const Request &r, Intent &out, std::string &error);
// The value of a property as JSON; false when there is none of that name.
bool property(const std::string &name, const PlayerSnapshot &s, std::string &json);
// {"ordinal", "exact", "pts", "type", "key", "paused"}: the answer to a
// command that changed the picture.
std::string frameJson(const PlayerSnapshot &s);

} // namespace qv::ipc
