#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing to a relay that hung up, or to a sendmail program that exited without reading its input, raises
/// SIGPIPE, whose default action ends the whole process: a cron run would die silently in the middle of
/// its work. The transports turn it off once, so such a write fails with EPIPE and is reported instead.
enum BrokenPipe {
    private static let ignored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    static func ignore() { _ = ignored }
}
