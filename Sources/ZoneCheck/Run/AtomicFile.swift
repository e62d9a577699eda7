#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

/// Writes a whole file or nothing, for every file zonecheck writes (the textfile and JSON outputs, the primary's
/// zone file on a restore, its backup). A reader (named, node_exporter, a dashboard) sees the old file or the
/// new one, never half, and the new file is not weaker than the one it replaces:
///
/// 1. The target's real path is resolved first (`realpath` of the file, or of its directory when the file does
///    not exist yet): a symlink stays a symlink, pointing at the new file.
/// 2. The temporary file is created beside the real target with `O_CREAT|O_EXCL|O_NOFOLLOW` and mode 0600,
///    under a random name: a file or link planted under that name makes the open fail, and no one can read or
///    change the new content while it is written.
/// 3. It gets its final mode with `fchmod` and, with `keepOwner`, the replaced file's owner and group with
///    `fchown` (a restore run as root keeps `root:bind 0640`; when that is not allowed, nothing is replaced).
/// 4. fsync, rename over the real target, fsync of the directory, so the new entry survives a crash.
public enum AtomicFile {
    /// What the new file's mode, owner and modification time are.
    public struct Attributes: Sendable, Equatable {
        /// The mode when the target does not exist, or always when `keepMode` is false.
        public var mode: Int
        /// Take the replaced file's mode (permission bits, setgid included) when there is one.
        public var keepMode: Bool
        /// Take the replaced file's owner and group; refuse to replace it when that is not possible.
        public var keepOwner: Bool
        /// At least one second newer than the replaced file (BIND reloads only a newer file).
        public var newerThanReplaced: Bool

        public init(mode: Int = 0o644, keepMode: Bool = false, keepOwner: Bool = false, newerThanReplaced: Bool = false)
        {
            self.mode = mode
            self.keepMode = keepMode
            self.keepOwner = keepOwner
            self.newerThanReplaced = newerThanReplaced
        }

        /// A file that replaces an operator's file (the primary's zone file): its mode, owner and group, newer.
        public static let replacingOperatorFile = Attributes(
            mode: 0o644, keepMode: true, keepOwner: true, newerThanReplaced: true)
    }

    /// Replaces `path` by `text` with `mode` (the textfile and JSON outputs). Returns the path written.
    @discardableResult
    public static func replace(_ path: String, with text: String, mode: Int = 0o644) throws(AtomicFileError) -> String {
        try write(Array(text.utf8), to: path, attributes: Attributes(mode: mode))
    }

    /// Replaces the file at `path` (its real path, links resolved) by `bytes`. Returns the real path written.
    @discardableResult
    public static func write(_ bytes: [UInt8], to path: String, attributes: Attributes) throws(AtomicFileError)
        -> String
    {
        let target = try realTarget(path)
        let directory = (target as NSString).deletingLastPathComponent
        var old = stat()
        let exists = stat(target, &old) == 0
        if exists && old.st_mode & S_IFMT != S_IFREG {
            throw AtomicFileError(path: path, reason: "\(target) is not a regular file")
        }
        let (descriptor, temporary) = try createTemporary(beside: target, for: path)
        func fail(_ reason: String) -> AtomicFileError {
            close(descriptor)
            unlink(temporary)
            return AtomicFileError(path: path, reason: reason)
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { throw fail("cannot write \(temporary): \(lastError())") }
            offset += written
        }
        let mode = exists && attributes.keepMode ? old.st_mode & 0o7777 : mode_t(attributes.mode & 0o7777)
        if exists && attributes.keepOwner && (old.st_uid != geteuid() || old.st_gid != getegid()) {
            guard fchown(descriptor, old.st_uid, old.st_gid) == 0 else {
                throw fail(
                    "cannot give the new file the owner and group of \(target) (uid \(old.st_uid), gid "
                        + "\(old.st_gid)): \(lastError()); nothing was replaced (run as root or as the file's owner)")
            }
        }
        // After fchown: changing the owner clears the setuid/setgid bits.
        guard fchmod(descriptor, mode) == 0 else { throw fail("cannot set the mode of \(temporary): \(lastError())") }
        if exists && attributes.newerThanReplaced {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let newer = timespec(tv_sec: max(now.tv_sec, old.st_mtim.tv_sec + 1), tv_nsec: now.tv_nsec)
            var times = [newer, newer]
            guard futimens(descriptor, &times) == 0 else {
                throw fail("cannot set the modification time of \(temporary): \(lastError())")
            }
        }
        guard fsync(descriptor) == 0 else { throw fail("fsync failed: \(lastError())") }
        close(descriptor)
        guard rename(temporary, target) == 0 else {
            let reason = lastError()
            unlink(temporary)
            throw AtomicFileError(path: path, reason: "cannot rename \(temporary) over \(target): \(reason)")
        }
        syncDirectory(directory)
        return target
    }

    /// The path the data must go to: the file itself with every link resolved, or, when it does not exist yet,
    /// its resolved directory and its name.
    public static func realTarget(_ path: String) throws(AtomicFileError) -> String {
        if let resolved = realPath(path) { return resolved }
        var status = stat()
        if lstat(path, &status) == 0 {
            throw AtomicFileError(path: path, reason: "it is a link to a file that does not exist")
        }
        let directory = (path as NSString).deletingLastPathComponent
        guard let resolvedDirectory = realPath(directory.isEmpty ? "." : directory) else {
            throw AtomicFileError(path: path, reason: "its directory does not exist")
        }
        return resolvedDirectory + "/" + (path as NSString).lastPathComponent
    }

    /// fsync of a directory, so a rename or a new entry in it survives a crash.
    public static func syncDirectory(_ directory: String) {
        let handle = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if handle >= 0 {
            _ = fsync(handle)
            close(handle)
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func createTemporary(beside target: String, for path: String) throws(AtomicFileError) -> (
        Int32, String
    ) {
        let directory = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        for _ in 0..<8 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let temporary = "\(directory)/.\(name).zonecheck-\(suffix).tmp"
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return (descriptor, temporary) }
            if errno != EEXIST {
                throw AtomicFileError(
                    path: path, reason: "cannot create a temporary file in \(directory): \(lastError())")
            }
        }
        throw AtomicFileError(path: path, reason: "cannot create a temporary file in \(directory): names taken")
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// write(2), named apart from `AtomicFile.write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

public struct AtomicFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason): check that its directory exists and is writable" }
}
