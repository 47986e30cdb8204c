#pragma once
#include "qv/display/display.h"

#include <cstdio>

namespace qv {
#if QV_HAVE_KMS
DisplayEntry kmsDisplayEntry();
// --kms-list: connectors, modes, planes, and what qv would choose. Exit code.
int kmsList(const DisplayOptions &opt, FILE *out);
#endif
DisplayEntry fbdevDisplayEntry();
}
