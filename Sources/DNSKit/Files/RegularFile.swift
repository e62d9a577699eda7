#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a whole file the operator names (a zone file and its `$INCLUDE`s, named.conf and its includes,
/// the configuration), holding it to what a file of that kind can be:
/// - a regular file: `$INCLUDE /dev/zero` never ended (the reader grew its buffer until the machine ran out
///   of memory), a FIFO never answered (every cron run hung on it); the file is opened with `O_NONBLOCK`, so
///   that opening a FIFO cannot block either, and checked with `fstat` on that descriptor;
/// - at most `limit` bytes, checked before a byte is read and again while reading (a file that grows).
public enum RegularFile {
    /// The largest zone file the reader takes: 4 GiB, far above a registrar's customer zones (a zone of
    /// millions of records is a few hundred MB), below what reading it whole would cost this machine.
    public static let zoneFileLimit = 1 << 32
    /// The largest named.conf (or included file) and configuration file: 64 MiB, a hundred thousand zone
    /// statements or names many times over.
    public static let configurationLimit = 64 << 20

    /// Opens `path` for reading and checks it is a regular file of at most `limit` bytes: the descriptor
    /// (the caller closes it) and the size `fstat` gave.
    public static func openChecked(_ path: String, limit: Int) throws(RegularFileError) -> (
        descriptor: Int32, size: Int
    ) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { throw RegularFileError(path: path, problem: .system(errno)) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw RegularFileError(path: path, problem: .system(code))
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(descriptor)
            if kind == S_IFDIR { throw RegularFileError(path: path, problem: .system(EISDIR)) }
            let name =
                kind == S_IFCHR
                ? "a character device" : kind == S_IFBLK ? "a block device" : kind == S_IFIFO ? "a FIFO" : "a socket"
            throw RegularFileError(path: path, problem: .notRegular(name))
        }
        guard Int(info.st_size) <= limit else {
            close(descriptor)
            throw RegularFileError(path: path, problem: .tooLarge(limit: limit))
        }
        return (descriptor, Int(info.st_size))
    }

    /// The whole file, as bytes.
    public static func read(_ path: String, limit: Int) throws(RegularFileError) -> [UInt8] {
        let (descriptor, size) = try openChecked(path, limit: limit)
        defer { close(descriptor) }
        return try readAll(descriptor, expected: size, limit: limit, path: path)
    }

    /// What the operator pipes in on purpose (`zonecheck lint -`, or `/dev/stdin` or a FIFO named on the command
    /// line, as a pre-commit hook does with `git show :zone.db | zonecheck lint --origin example.com -`): "-"
    /// is standard input; a path must be a FIFO (or a regular file). Read to its end, blocking, at most
    /// `limit` bytes; a device (`/dev/zero`) is still refused.
    public static func readStream(_ path: String, limit: Int) throws(RegularFileError) -> [UInt8] {
        if path == "-" { return try readAll(STDIN_FILENO, expected: 0, limit: limit, path: "standard input") }
        var info = stat()
        guard stat(path, &info) == 0 else { throw RegularFileError(path: path, problem: .system(errno)) }
        guard info.st_mode & S_IFMT == S_IFIFO else { return try read(path, limit: limit) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { throw RegularFileError(path: path, problem: .system(errno)) }
        defer { close(descriptor) }
        return try readAll(descriptor, expected: 0, limit: limit, path: path)
    }

    /// Reads `descriptor` to its end: at most `limit` bytes, `expected` of them allocated up front.
    static func readAll(_ descriptor: Int32, expected: Int, limit: Int, path: String) throws(RegularFileError)
        -> [UInt8]
    {
        var bytes = [UInt8](repeating: 0, count: min(expected, limit))
        var count = 0
        while true {
            if count == bytes.count {
                guard bytes.count < limit else {
                    // At the limit: one byte more says the file has grown past it.
                    var probe: UInt8 = 0
                    if readRetrying(descriptor, &probe, 1) > 0 {
                        throw RegularFileError(path: path, problem: .tooLarge(limit: limit))
                    }
                    break
                }
                bytes.append(contentsOf: repeatElement(0, count: min(max(bytes.count, 4096), limit - bytes.count)))
            }
            let got = bytes.withUnsafeMutableBytes { buffer in
                readRetrying(descriptor, buffer.baseAddress! + count, buffer.count - count)
            }
            if got < 0 { throw RegularFileError(path: path, problem: .system(errno)) }
            if got == 0 { break }
            count += got
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    /// read(2), again after EINTR.
    public static func readRetrying(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ length: Int) -> Int {
        while true {
            let got = systemRead(descriptor, buffer, length)
            if got < 0 && errno == EINTR { continue }
            return got
        }
    }
}

/// read(2), named apart from `RegularFile.read`.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

/// Why a file was not read: the system's reason (`No such file or directory`), not a regular file, or too
/// large.
public struct RegularFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case system(Int32)
        case notRegular(String)
        case tooLarge(limit: Int)
    }

    public var path: String
    public var problem: Problem

    public var isMissing: Bool { problem == .system(ENOENT) }

    /// The reason alone, without the path: `No such file or directory`, `it is a FIFO, not a regular file`.
    public var reason: String {
        switch problem {
        case .system(let code): String(cString: strerror(code))
        case .notRegular(let kind): "it is \(kind), not a regular file"
        case .tooLarge(let limit):
            "it is larger than \(limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit) bytes"), the most zonecheck reads of such a file"
        }
    }

    public var description: String { "\(path): \(reason)" }
}
