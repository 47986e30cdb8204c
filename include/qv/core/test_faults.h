// Test-only fault injection, so the tests can check what qv puts back when it
// dies: the terminal (tmux), the KMS screen and the VT (the QEMU VM), and that
// the fatal handler runs on the alternate signal stack of the thread that
// overflowed.
//
//   QV_TEST_FAULT=KIND[:THREAD[:N]]
//     KIND    segv            raise SIGSEGV
//             stack-overflow  recurse until the stack overflows
//     THREAD  display (default: after the Nth frame shown), demux (after the
//             Nth packet read), decode (after the Nth frame decoded), main
//             (once the input is open; N is not used)
//     N       default 5
//
// Read once, on the first call. Unset (the normal case) each hook costs one
// load and a compare; nothing else is done in a release build.
#pragma once

namespace qv::sig {

enum class FaultSite { Main, Display, Demux, Decode };

// Called by each site's thread at its hook (see above). Any thread; never
// returns when the plan names this site and its count is reached.
void testFault(FaultSite site);

// Parses a QV_TEST_FAULT value (for tests): false for a malformed one (qv
// then warns once and injects nothing).
struct FaultPlan {
    bool overflow = false;
    FaultSite site = FaultSite::Display;
    long after = 5;
};
bool parseFaultPlan(const char *spec, FaultPlan &out);

} // namespace qv::sig
