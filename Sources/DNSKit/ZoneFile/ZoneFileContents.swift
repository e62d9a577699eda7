#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A master file's bytes, read whole into memory once and freed with this object.
///
/// Whole-file reading is what NSD does too: one `read` loop, then tokens are byte ranges into
/// this buffer, so no line or token is ever copied on the fast path.
final class ZoneFileContents {
    private let base: UnsafeMutablePointer<UInt8>
    let count: Int

    init(copying bytes: some Collection<UInt8>) {
        count = bytes.count
        base = .allocate(capacity: max(count, 1))
        _ = UnsafeMutableBufferPointer(start: base, count: count).initialize(from: bytes)
    }

    private init(base: UnsafeMutablePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { base.deallocate() }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Reads a whole file; the failure is the system's reason (`No such file or directory`).
    static func read(path: String) -> Result<ZoneFileContents, SystemReason> {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return .failure(SystemReason(errno: errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(SystemReason(errno: errno)) }
        if (status.st_mode & S_IFMT) == S_IFDIR { return .failure(SystemReason(errno: EISDIR)) }
        var capacity = max(Int(status.st_size) + 1, 4096)
        var base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        var count = 0
        while true {
            if count == capacity {
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.moveInitialize(from: base, count: count)
                base.deallocate()
                base = bigger
                capacity *= 2
            }
            let got = systemRead(descriptor, base + count, capacity - count)
            if got < 0 {
                if errno == EINTR { continue }
                let reason = SystemReason(errno: errno)
                base.deallocate()
                return .failure(reason)
            }
            if got == 0 { break }
            count += got
        }
        return .success(ZoneFileContents(base: base, count: count))
    }

    /// The canonical absolute path, for the `$INCLUDE` cycle guard; the path itself if unknown.
    static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `dir/name` for a path written in a file at `including` (RFC 1035 §5.1 leaves the base
    /// open; relative to the including file keeps a zone directory movable).
    static func resolve(_ path: String, relativeTo including: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let slash = including.lastIndex(of: "/") else { return path }
        return String(including[...slash]) + path
    }
}

#if canImport(Glibc)
    private let systemRead = Glibc.read
#else
    private let systemRead = Darwin.read
#endif

/// An `errno` as the sentence `strerror` gives.
struct SystemReason: Error, CustomStringConvertible {
    var errno: Int32
    var description: String { String(cString: strerror(errno)) }
}
