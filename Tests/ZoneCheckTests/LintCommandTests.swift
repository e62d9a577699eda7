import Foundation
import TestSupport
import Testing

/// `zonecheck lint` as an operator runs it: the real binary built next to this test bundle,
/// its exit status, stderr lines and JSON document.
@Suite(.ownThreads) struct LintCommandTests {
    struct Run {
        var status: Int32
        /// `.exit`, or `.uncaughtSignal` when the binary trapped or was killed.
        var reason: Process.TerminationReason
        var stdout: String
        var stderr: String
    }

    static let binary = ZoneCheckBinary.url

    func lint(_ arguments: [String], in directory: URL = LintFixtures.invalid, input: String? = nil) throws -> Run {
        let binary = try #require(Self.binary, "zonecheck binary not found next to the test bundle; run swift build")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["lint"] + arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NO_COLOR")
        process.environment = environment
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let out = temporary.appendingPathComponent("out")
        let err = temporary.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let input {
            let inputFile = temporary.appendingPathComponent("in")
            try Data(input.utf8).write(to: inputFile)
            process.standardInput = try FileHandle(forReadingFrom: inputFile)
        }
        try process.run()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, reason: process.terminationReason,
            stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
    }

    @Test func cleanZoneExitsZeroSilently() throws {
        let run = try lint(["example.com.zone"], in: LintFixtures.valid)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
        #expect(run.stdout.isEmpty)
    }

    @Test func warningsExitOneWithFileLineDiagnosticsOnStderr() throws {
        let run = try lint(["ttl-mismatch.zone"])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        let first = try #require(run.stderr.split(separator: "\n").first)
        #expect(first.hasPrefix("ttl-mismatch.zone:11: warning: [ttl-mismatch] "), "\(first)")
        #expect(!run.stderr.contains("\u{1B}["), "colour on a stderr that is not a terminal")
        #expect(run.stderr.contains("1 warning"), "no summary: \(run.stderr)")
    }

    @Test func strictMakesWarningsErrors() throws {
        #expect(try lint(["--strict", "ttl-mismatch.zone"]).status == 2)
        #expect(try lint(["--strict", "example.com.zone"], in: LintFixtures.valid).status == 0)
    }

    @Test func errorsExitTwo() throws {
        let run = try lint(["cname-and-other-data.zone"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("cname-and-other-data.zone:11: error: [cname-and-other-data] "))
    }

    @Test func readerErrorsExitTwo() throws {
        let run = try lint(["mx-preference-70000.zone"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("mx-preference-70000.zone:10: error: [range] "))
    }

    @Test func severalFilesAreLintedEachOnItsOwnAndTheWorstWins() throws {
        let valid = LintFixtures.valid.appendingPathComponent("example.com.zone").path
        let run = try lint(["--directory", LintFixtures.valid.path, "ttl-mismatch.zone", valid, "second-soa.zone"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("ttl-mismatch.zone:11: warning: [ttl-mismatch]"))
        #expect(run.stderr.contains("second-soa.zone:10: error: [soa-multiple]"))
        #expect(!run.stderr.contains("example.com.zone:"))
    }

    @Test("--files-from: the files listed in a file or on standard input are linted beside those given")
    func filesFromAList() throws {
        let valid = LintFixtures.valid.appendingPathComponent("example.com.zone").path
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("lint-list-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: list) }
        try Data("ttl-mismatch.zone\r\n\n\(valid)\n".utf8).write(to: list)
        let fromFile = try lint(["--directory", LintFixtures.valid.path, "second-soa.zone", "--files-from", list.path])
        #expect(fromFile.status == 2)
        #expect(fromFile.stderr.contains("ttl-mismatch.zone:11: warning: [ttl-mismatch]"), "\(fromFile.stderr)")
        #expect(fromFile.stderr.contains("second-soa.zone:10: error: [soa-multiple]"))
        #expect(!fromFile.stderr.contains("example.com.zone:"), "the listed clean file has no finding")
        let fromInput = try lint(
            ["--directory", LintFixtures.valid.path, "--files-from", "-", "--format", "json"],
            input: "ttl-mismatch.zone\n\(valid)\n")
        #expect(fromInput.status == 1, "\(fromInput.stderr)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(fromInput.stdout.utf8)) as? [String: Any])
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.compactMap { $0["file"] as? String } == ["ttl-mismatch.zone", valid])

        let empty = try lint(["--files-from", "-"], input: "\n\n")
        #expect(empty.status == 3)
        #expect(empty.stderr.contains("--files-from - lists no zone file"), "\(empty.stderr)")
        let missing = try lint(["--files-from", "/nonexistent/zones.list"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("cannot read --files-from /nonexistent/zones.list"), "\(missing.stderr)")
        let listedMissing = try lint(["--files-from", "-"], input: "no-such.zone\n")
        #expect(listedMissing.status == 3)
        #expect(listedMissing.stderr.contains("cannot read no-such.zone"), "\(listedMissing.stderr)")
    }

    @Test("a zone piped in: '-' and /dev/stdin read it to its end (a pre-commit hook); a device is still refused")
    func zoneFromAPipe() throws {
        let zone = try String(
            contentsOf: LintFixtures.invalid.appendingPathComponent("ttl-mismatch.zone"), encoding: .utf8)
        let dash = try lint(["--origin", "example.com", "-"], input: zone)
        #expect(dash.status == 1, "\(dash.stderr)")
        #expect(dash.stderr.contains("stdin:11: warning: [ttl-mismatch]"), "\(dash.stderr)")
        let devStdin = try lint(["--origin", "example.com", "/dev/stdin", "--format", "json"], input: zone)
        #expect(devStdin.status == 1, "\(devStdin.stderr)")
        #expect(devStdin.stdout.contains("\"ttl-mismatch\""))
        let twice = try lint(["-", "-"], input: zone)
        #expect(twice.status == 3)
        #expect(twice.stderr.contains("standard input (-) can be read once only"), "\(twice.stderr)")
        let device = try lint(["--origin", "example.com", "/dev/zero"])
        #expect(device.status == 2)
        #expect(device.stderr.contains("a character device, not a regular file"), "\(device.stderr)")
    }

    @Test func jsonIsOneDocumentOnStdout() throws {
        let run = try lint(["--format", "json", "registrar-typos.zone", "duplicate-record.zone"])
        #expect(run.status == 1)
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "not a JSON object")
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.map { $0["file"] as? String } == ["registrar-typos.zone", "duplicate-record.zone"])
        #expect(files.first?["origin"] as? String == "example.com.")
        let diagnostics = try #require(document["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 5)
        let first = try #require(diagnostics.first)
        #expect(first["file"] as? String == "registrar-typos.zone")
        #expect(first["line"] as? Int == 12)
        #expect(first["severity"] as? String == "warning")
        #expect(first["rule"] as? String == "missing-trailing-dot")
        #expect((first["message"] as? String)?.contains("mx1.mailhost.example.org.") == true)
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(summary["warnings"] as? Int == 5)
        #expect(summary["errors"] as? Int == 0)
        let rules = try #require(summary["rules"] as? [[String: Any]])
        #expect(rules.first { $0["rule"] as? String == "duplicate-record" }?["count"] as? Int == 2)
    }

    @Test func previousCatchesAnUnchangedSerial() throws {
        let run = try lint(["serial-not-incremented.zone", "--previous", "serial-not-incremented.previous.zone"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("serial-not-incremented.zone:5: error: [serial-not-incremented] "))
        let same = try lint([
            "serial-not-incremented.previous.zone", "--previous", "serial-not-incremented.previous.zone",
        ])
        #expect(same.status == 0, "\(same.stderr)")
    }

    @Test func previousCatchesADecreasedSerial() throws {
        let run = try lint(["serial-decreased.zone", "--previous", "serial-decreased.previous.zone"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("serial-decreased.zone:5: error: [serial-decreased] "))
    }

    @Test func originOptionIsUsed() throws {
        // Linted as example.org, every example.com name is out of the zone and the SOA is not at the apex.
        let run = try lint(["--origin", "example.org", "example.com.zone"], in: LintFixtures.valid)
        #expect(run.status == 2)
        #expect(run.stderr.contains("example.com.zone:9: error: [soa-not-apex]"), "\(run.stderr)")
        #expect(run.stderr.contains("example.com.zone:15: warning: [out-of-zone]"), "\(run.stderr)")
    }

    @Test func relativeIncludesAreReadFromTheWorkingDirectoryOrDirectoryLikeBIND() throws {
        // From valid/ (as named-checkzone is run there) the include is found.
        #expect(try lint(["example.com.zone"], in: LintFixtures.valid).status == 0)
        // From invalid/, BIND and NSD look for example.com.include in invalid/: so does lint, and the
        // failure comes first, without the findings that only follow from the missing records.
        let valid = LintFixtures.valid.appendingPathComponent("example.com.zone").path
        let run = try lint([valid])
        #expect(run.status == 2)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("error: [include] cannot read $INCLUDE file") == true, "\(run.stderr)")
        #expect(lines.first?.contains("--directory") == false)
        #expect(lines.filter { $0.contains(": error: ") || $0.contains(": warning: ") }.count == 1, "\(run.stderr)")
        let fixed = try lint(["--directory", LintFixtures.valid.path, valid])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(try lint(["--directory", "/no/such/dir", valid]).status == 3)
    }

    @Test func controlBytesOfTheFileAreNeverPrinted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var zone = try String(contentsOf: LintFixtures.invalid.appendingPathComponent("ttl-6x0.zone"), encoding: .utf8)
        zone += "www IN \u{1B}[31mA 192.0.2.1\nmail 1h\u{07}\r IN A 192.0.2.2\nx IN MX 1\u{1B}]0;t\u{07} mx\n"
        zone += "$INCLUDE \"evil\u{1B}[2J.part\"\n"
        try zone.write(to: directory.appendingPathComponent("example.com.zone"), atomically: true, encoding: .utf8)
        let run = try lint(["example.com.zone"], in: directory)
        #expect(run.status == 2)
        #expect(run.stderr.contains("\\027[31mA"), "\(run.stderr)")
        let controls = run.stderr.unicodeScalars.filter { $0.value < 0x20 && $0 != "\n" }
        #expect(controls.isEmpty, "control bytes printed: \(controls.map(\.value))")
    }

    @Test(
        "RDATA over 65,535 octets is an error with its line, never a signal (issue 11)",
        arguments: ["txt-rdata-over-65535.zone", "spf-rdata-over-65535.zone"])
    func oversizedRDATAIsAnErrorNotASignal(_ file: String) throws {
        for arguments in [[file], [file, "--previous", file], [file, "--previous", "serial-decreased.previous.zone"]] {
            let run = try lint(arguments)
            #expect(run.reason == .exit, "\(arguments): killed by signal \(run.status)")
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains("\(file):10: error: [rdata-too-long] "), "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains("66048 octets"), "\(run.stderr)")
        }
    }

    @Test func aRecordTooLargeToTransferIsAnErrorNamingTheOctetsAndTheFix() throws {
        // BIND 9.18 loads this zone and then logs "RR too large for zone transfer (65512 bytes)".
        let run = try lint(["txt-too-large-to-transfer.zone"])
        #expect(run.status == 2)
        let line = try #require(
            run.stderr.split(separator: "\n").first {
                $0.hasPrefix("txt-too-large-to-transfer.zone:10: error: [record-too-large-to-transfer] ")
            }, "\(run.stderr)")
        // 12 + question 17 + record 65,512 + TSIG 358 (hmac-sha512, 255-octet key name).
        #expect(line.contains("65512 octets on the wire"), "\(line)")
        #expect(line.contains("needs 65899 octets"), "\(line)")
        #expect(line.contains("split the text into several TXT records"), "\(line)")
    }

    @Test func configNarrowsTheTransferCheckToTheFleetsKeys() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write(ConfigFixture.validYAML)
        let run = try lint(["--config", fixture.configPath, "txt-too-large-to-transfer.zone"])
        #expect(run.status == 2, "\(run.stderr)")
        // The largest key of the fixture: zonecheck-ns1. (15 octets), hmac-sha512: TSIG 118 octets.
        #expect(run.stderr.contains("needs 65659 octets"), "\(run.stderr)")
        #expect(run.stderr.contains("key zonecheck-ns1. (hmac-sha512)"), "\(run.stderr)")
        let bad = try lint(["--config", fixture.directory + "/missing.yaml", "txt-too-large-to-transfer.zone"])
        #expect(bad.status == 3, "\(bad.stderr)")
    }

    @Test(
        "bad arguments exit 3 with a message",
        arguments: [
            ["no-such-file.zone"],
            ["--origin", "a..b", "ttl-mismatch.zone"],
            ["--previous", "serial-decreased.previous.zone", "serial-decreased.zone", "ttl-mismatch.zone"],
            ["--previous", "no-such-file.zone", "serial-decreased.zone"],
            ["--previous", "soa-missing.zone", "serial-decreased.zone"],
            [],
        ])
    func badArgumentsExitThree(_ arguments: [String]) throws {
        let run = try lint(arguments)
        #expect(run.status == 3, "\(arguments): \(run.stderr)")
        #expect(run.stderr.hasPrefix("zonecheck lint: "), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test("a --format lint does not have: exit 3, the value and the accepted ones named")
    func unknownFormatExitsThree() throws {
        let run = try lint(["--format", "xml", "ttl-mismatch.zone"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(["'xml'", "'text'", "'json'"].allSatisfy(run.stderr.contains), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }
}
