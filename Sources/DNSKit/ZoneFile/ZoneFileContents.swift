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

    /// Reads a whole file: a regular file of at most `RegularFile.zoneFileLimit` bytes (`RegularFile`: a
    /// device or a FIFO named as a zone file or in `$INCLUDE` never ended or never answered).
    static func read(path: String) -> Result<ZoneFileContents, RegularFileError> {
        let limit = RegularFile.zoneFileLimit
        let descriptor: Int32
        let size: Int
        do {
            (descriptor, size) = try RegularFile.openChecked(path, limit: limit)
        } catch {
            return .failure(error)
        }
        defer { close(descriptor) }
        var capacity = max(size + 1, 4096)
        var base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        var count = 0
        while true {
            if count == capacity {
                guard capacity <= limit else {
                    base.deallocate()
                    return .failure(RegularFileError(path: path, problem: .tooLarge(limit: limit)))
                }
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.moveInitialize(from: base, count: count)
                base.deallocate()
                base = bigger
                capacity *= 2
            }
            let got = RegularFile.readRetrying(descriptor, base + count, capacity - count)
            if got < 0 {
                let failure = RegularFileError(path: path, problem: .system(errno))
                base.deallocate()
                return .failure(failure)
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
