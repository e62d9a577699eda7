import Foundation
import Testing
import ZoneCheck

#if canImport(Glibc)
    import Glibc
#endif

/// Every file zonecheck writes: whole or nothing, through links to the real file, with the replaced file's mode
/// and owner when asked, and never through a planted temporary file.
@Suite("Atomic file writes")
struct AtomicFileTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-atomic-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    static func status(_ path: String, link: Bool = false) -> stat {
        var result = stat()
        _ = link ? lstat(path, &result) : stat(path, &result)
        return result
    }

    @Test(
        "a write through a symlink to a root:bind 0640 file keeps root:bind 0640 and the link",
        .enabled(if: getuid() == 0 && getgrnam("bind") != nil, "needs root and a bind group"))
    func throughLink() throws {
        defer { remove() }
        let real = directory + "/real/example.com.db"
        try FileManager.default.createDirectory(atPath: directory + "/real", withIntermediateDirectories: true)
        try "old\n".write(toFile: real, atomically: false, encoding: .utf8)
        let bind = getgrnam("bind")!.pointee.gr_gid
        #expect(chown(real, 0, bind) == 0 && chmod(real, 0o640) == 0)
        let link = directory + "/example.com.db"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let before = Self.status(real)

        let written = try AtomicFile.write(Array("new\n".utf8), to: link, attributes: .replacingOperatorFile)
        #expect(written == real)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real, "the link stays a link")
        #expect(Self.status(link, link: true).st_mode & S_IFMT == S_IFLNK)
        #expect(try String(contentsOfFile: link, encoding: .utf8) == "new\n")
        let after = Self.status(real)
        #expect(after.st_mode & 0o7777 == 0o640, "mode \(String(after.st_mode & 0o7777, radix: 8))")
        #expect(after.st_uid == 0 && after.st_gid == bind)
        #expect(after.st_ino != before.st_ino, "a new file was renamed in, not the old one rewritten")
        #expect(after.st_mtim.tv_sec > before.st_mtim.tv_sec, "newer than the replaced file, for rndc reload")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory + "/real")
        #expect(left == ["example.com.db"], "no temporary file left: \(left)")
    }

    @Test("a planted file or link under a temporary name is never written through")
    func plantedTemporary() throws {
        defer { remove() }
        let victim = directory + "/victim"
        try "precious".write(toFile: victim, atomically: false, encoding: .utf8)
        #expect(chmod(victim, 0o600) == 0)
        // The old names: .NAME.PID.tmp beside the target.
        let output = directory + "/zonecheck.prom"
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/.zonecheck.prom.\(getpid()).tmp", withDestinationPath: victim)
        try AtomicFile.replace(output, with: "metric 1\n")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        #expect(Self.status(victim).st_mode & 0o777 == 0o600)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "metric 1\n")
        #expect(Self.status(output).st_mode & 0o777 == 0o644)
    }

    @Test("a missing directory and a dangling link are errors, and nothing is written")
    func errors() throws {
        defer { remove() }
        #expect(throws: AtomicFileError.self) { try AtomicFile.replace(directory + "/none/x.json", with: "{}") }
        let dangling = directory + "/dangling"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: directory + "/nowhere")
        #expect(throws: AtomicFileError.self) { try AtomicFile.replace(dangling, with: "{}") }
        #expect(!FileManager.default.fileExists(atPath: directory + "/nowhere"))
    }
}
