#ifndef ZONECHECK_CPROCESS_SHIM_H
#define ZONECHECK_CPROCESS_SHIM_H
// prctl(2) is variadic, and Swift imports no variadic C function: this wrapper is the one way in.
#if defined(__linux__)
#include <sys/prctl.h>
/// PR_SET_DUMPABLE 0: no core file, no ptrace attach by the same user, /proc/PID/mem closed to it.
static inline int zonecheck_forbid_dumps(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
#else
static inline int zonecheck_forbid_dumps(void) { return 0; }
#endif
#endif
