import Testing
import ZoneCheck

/// `lint --files-from`: one path per line, as `find` prints them; what is not a path list is refused
/// with the line that is wrong.
@Suite struct ZoneFileListTests {
    static func paths(_ text: [UInt8]) throws(ZoneFileList.Problem) -> [String] {
        try ZoneFileList.paths(in: text, source: "zones.list")
    }

    @Test func onePathPerLineEmptyLinesAndCRsDropped() throws {
        #expect(
            try Self.paths(Array("a.zone\r\n\n /srv/b c.zone \nlast.zone".utf8)) == [
                "a.zone", " /srv/b c.zone ", "last.zone",
            ])
        #expect(try Self.paths([]) == [])
        #expect(try Self.paths(Array("é.zone\n".utf8)) == ["é.zone"])
    }

    @Test func aPathLongerThanPathMaxIsRefusedWithItsLine() throws {
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: ZoneFileList.maxLineBytes + 1)
        #expect(throws: ZoneFileList.Problem.self) { try Self.paths(Array("ok.zone\n".utf8) + long) }
        do {
            _ = try Self.paths(Array("ok.zone\n".utf8) + long)
        } catch {
            #expect(error.description.contains("zones.list:2:") && error.description.contains("PATH_MAX"))
        }
        let longest = [UInt8](repeating: UInt8(ascii: "a"), count: ZoneFileList.maxLineBytes)
        #expect(try Self.paths(longest).first?.utf8.count == ZoneFileList.maxLineBytes)
    }

    @Test("NUL (find -print0), other control characters and non-UTF-8 lines are refused with their line")
    func nulControlsAndNonUTF8AreRefused() {
        do {
            _ = try Self.paths(Array("a.zone\0b.zone\0".utf8))
            Issue.record("find -print0 output was taken")
        } catch {
            #expect(error.description.contains("zones.list:1:") && error.description.contains("NUL"))
        }
        for control: UInt8 in [0x01, 0x09, 0x1B, 0x7F] {
            do {
                _ = try Self.paths(Array("a.zone\nb".utf8) + [control] + Array(".zone\n".utf8))
                Issue.record("a path with control character \(control) was taken")
            } catch {
                #expect(error.description.contains("zones.list:2:") && error.description.contains("control"))
            }
        }
        do {
            _ = try Self.paths([0x61, 0x0A, 0xFF, 0xFE, 0x0A])
            Issue.record("a line that is not UTF-8 was taken")
        } catch {
            #expect(error.description.contains("zones.list:2:") && error.description.contains("UTF-8"))
        }
    }

    @Test func aListOverTheLimitIsRefusedBeforeItIsRead() {
        let huge = [UInt8](repeating: UInt8(ascii: "\n"), count: ZoneFileList.maxBytes + 1)
        do {
            _ = try Self.paths(huge)
            Issue.record("a list over \(ZoneFileList.maxBytes) octets was taken")
        } catch {
            #expect(error.description.contains("256 MiB"))
        }
    }
}
