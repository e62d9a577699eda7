internal import CProcess
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Core dumps off, first thing at process start: the process holds TSIG secrets (and the SMTP password) in
/// memory, and a core file or a debugger attached by the same user would carry them off (issue 11).
enum CoreDumps {
    /// RLIMIT_CORE 0 (soft and hard: no core file, and the process cannot raise it again) and, on Linux,
    /// PR_SET_DUMPABLE 0. Failure is not fatal: a run without this protection is still better than no run,
    /// and neither call fails for an unprivileged process lowering its own limits.
    static func disable() {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        #if canImport(Glibc)
            _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        #else
            _ = setrlimit(RLIMIT_CORE, &none)
        #endif
        _ = zonecheck_forbid_dumps()
    }
}
