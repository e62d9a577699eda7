import Foundation
import Testing

@testable import DNSKit

/// `RegularFile` and the zone-file reader on what is not a zone file: a device, a FIFO, a directory, a file
/// over the limit. Each is refused at once, by name, and nothing hangs or reads without end.
@Suite("Files named by the operator: regular files of bounded size only", .ownThreads)
struct RegularFileTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aDeviceIsRefused() {
        #expect(throws: RegularFileError(path: "/dev/zero", problem: .notRegular("a character device"))) {
            try RegularFile.read("/dev/zero", limit: 1 << 20)
        }
    }

    @Test("a FIFO is refused without waiting for a writer (opened with O_NONBLOCK)")
    func aFIFOIsRefusedAtOnce() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("zone.db").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: RegularFileError(path: fifo, problem: .notRegular("a FIFO"))) {
            try RegularFile.read(fifo, limit: 1 << 20)
        }
        let (_, result) = ZoneFileReader(path: fifo, origin: try DomainName(presentation: "example.com.", origin: nil))
            .readAll()
        #expect(result.diagnostics.map(\.rule) == ["file"])
        #expect(result.diagnostics.first?.message.contains("a FIFO, not a regular file") == true)
    }

    @Test func aDirectoryMissingFileAndLimit() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: RegularFileError(path: directory.path, problem: .system(EISDIR))) {
            try RegularFile.read(directory.path, limit: 100)
        }
        let missing = directory.appendingPathComponent("none").path
        do {
            _ = try RegularFile.read(missing, limit: 100)
            Issue.record("a missing file was read")
        } catch {
            #expect(error.isMissing)
        }
        let file = directory.appendingPathComponent("ten").path
        try Data(repeating: 0x61, count: 10).write(to: URL(fileURLWithPath: file))
        #expect(try RegularFile.read(file, limit: 10) == [UInt8](repeating: 0x61, count: 10))
        #expect(throws: RegularFileError(path: file, problem: .tooLarge(limit: 9))) {
            try RegularFile.read(file, limit: 9)
        }
        #expect(try RegularFile.read(directory.appendingPathComponent("ten").path, limit: 1 << 20).count == 10)
    }

    @Test("a sparse file over the zone file limit is refused from its size, before a byte is read")
    func aHugeZoneFileIsRefusedBySize() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("huge.zone").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, off_t(RegularFile.zoneFileLimit) + 1) == 0)
        let (_, result) = ZoneFileReader(path: path, origin: try DomainName(presentation: "example.com.", origin: nil))
            .readAll()
        #expect(result.diagnostics.map(\.rule) == ["file"])
        #expect(result.diagnostics.first?.message.contains("larger than 4096 MiB") == true)
    }

    @Test("PrivateFile (keys, credentials): the same bounded read after its own checks")
    func privateFileReadsThroughTheSameLoop() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("secret").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 5000)))
        #expect(chmod(path, 0o600) == 0)
        #expect(try PrivateFile.read(path: path, what: "TSIG key file", groupMayRead: false, limit: 5000).count == 5000)
        #expect(
            throws: PrivateFileError(path: path, what: "TSIG key file", problem: .tooLarge(limit: 4999))
        ) { try PrivateFile.read(path: path, what: "TSIG key file", groupMayRead: false, limit: 4999) }
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: PrivateFileError(path: fifo, what: "TSIG key file", problem: .notRegularFile)) {
            try PrivateFile.read(path: fifo, what: "TSIG key file", groupMayRead: false)
        }
    }

    @Test("$INCLUDE of a device is an include error, and the rest of the zone is still read")
    func includeOfADevice() {
        let (records, result) = readZoneText(zoneHeader + "$INCLUDE /dev/zero\nwww A 192.0.2.1\n")
        expectOne(result, rule: "include", line: 4)
        #expect(result.diagnostics.first?.message.contains("a character device") == true)
        #expect(records.count == 3)
    }
}
