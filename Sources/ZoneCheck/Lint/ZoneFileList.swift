import Foundation

/// The zone files named in `zonecheck lint --files-from LIST`: one path per line, as `find ... -print`
/// writes them, for more files than a command line holds (Linux gives the arguments of one command
/// 2 MiB: about 40,000 zone file paths; and ArgumentParser takes time quadratic in their number,
/// 2.3 s for 10,000). Empty lines are skipped and a CR before the LF is dropped; nothing else is
/// trimmed, since a path may begin or end with a space.
public enum ZoneFileList {
    /// A list larger than this is refused: 256 MiB holds a million paths of 256 octets, far beyond any
    /// fleet, and an endless pipe stops here instead of filling memory.
    public static let maxBytes = 256 << 20
    /// PATH_MAX on Linux, counting its terminating NUL.
    public static let maxLineBytes = 4095

    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// The paths listed in `bytes`, read from `source` (named in errors: a path, or "standard input").
    public static func paths(in bytes: [UInt8], source: String) throws(Problem) -> [String] {
        guard bytes.count <= maxBytes else {
            throw Problem(
                description: "--files-from \(source) holds more than \(maxBytes >> 20) MiB; split the list")
        }
        var paths: [String] = []
        var number = 0
        for var line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty { continue }
            guard line.count <= maxLineBytes else {
                throw Problem(
                    description: "--files-from \(source):\(number): a path longer than \(maxLineBytes) octets "
                        + "(PATH_MAX); give one path per line")
            }
            guard !line.contains(0) else {
                throw Problem(
                    description: "--files-from \(source):\(number): a NUL octet, which no path holds; give one "
                        + "path per line, not find -print0 output")
            }
            // Control characters belong in no zone file's name, and printed in a diagnostic they would
            // reach the operator's terminal.
            guard !line.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw Problem(
                    description: "--files-from \(source):\(number): a control character in the path; rename "
                        + "the file or leave it out of the list")
            }
            guard let path = String(validating: line, as: UTF8.self) else {
                throw Problem(
                    description: "--files-from \(source):\(number): not UTF-8; rename the file or lint it by "
                        + "its name on the command line")
            }
            paths.append(path)
        }
        return paths
    }

    /// Reads the list from `path`, or from standard input when `path` is "-", stopping past `maxBytes`.
    public static func read(_ path: String) throws(Problem) -> [String] {
        let source = path == "-" ? "standard input" : path
        let handle: FileHandle
        if path == "-" {
            handle = .standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw Problem(description: "cannot read --files-from \(path): no such file or no permission")
            }
            handle = opened
        }
        var bytes: [UInt8] = []
        while bytes.count <= maxBytes {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw Problem(description: "cannot read --files-from \(source): \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            bytes.append(contentsOf: chunk)
        }
        if path != "-" { try? handle.close() }
        return try paths(in: bytes, source: source)
    }
}
