#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

/// Writes a whole file or nothing: a temporary file in the same directory, fsync, rename over the target,
/// fsync of the directory. A reader (node_exporter, a dashboard) sees the old file or the new one, never half.
public enum AtomicFile {
    public static func replace(_ path: String, with text: String, mode: Int = 0o644) throws(AtomicFileError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary =
            (directory.isEmpty ? "." : directory) + "/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard descriptor >= 0 else { throw AtomicFileError(path: path, reason: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                unlink(temporary)
                throw AtomicFileError(path: path, reason: "cannot write \(temporary): \(reason)")
            }
            offset += written
        }
        _ = fchmod(descriptor, mode_t(mode))
        guard fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            unlink(temporary)
            throw AtomicFileError(path: path, reason: "fsync failed: \(reason)")
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw AtomicFileError(path: path, reason: "cannot rename \(temporary) over it: \(reason)")
        }
        let handle = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if handle >= 0 {
            _ = fsync(handle)
            close(handle)
        }
    }
}

public struct AtomicFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason): check that its directory exists and is writable" }
}
