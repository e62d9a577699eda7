import Foundation
import TestSupport
import Testing
import ZoneCheck

#if canImport(Glibc)
    import Glibc
#endif

/// Reload and retransfer commands: split by documented word rules, refused when they need a shell, `{zone}`
/// always one argument, run without a shell by `CommandRunner`.
@Suite("Server commands", .ownThreads)
struct ServerCommandTests {
    @Test(
        "word rules: whitespace, quotes and backslash, nothing expanded",
        arguments: [
            ("rndc reload {zone}", ["rndc", "reload", "{zone}"]),
            ("  rndc\t-s  ns2 retransfer {zone} ", ["rndc", "-s", "ns2", "retransfer", "{zone}"]),
            ("rndc reload '{zone}'", ["rndc", "reload", "{zone}"]),
            ("rndc reload \"{zone}\"", ["rndc", "reload", "{zone}"]),
            ("/usr/sbin/x 'a b' \"c d\" e\\ f", ["/usr/sbin/x", "a b", "c d", "e f"]),
            ("x 'semi;colon && $(not) `run`'", ["x", "semi;colon && $(not) `run`"]),
            ("x \"say \\\"hi\\\" \\$HOME\"", ["x", "say \"hi\" $HOME"]),
            ("x \"back\\slash\"", ["x", "back\\slash"]),
            ("x ''", ["x", ""]),
            ("x a'b'\"c\"d", ["x", "abcd"]),
            ("x a#b", ["x", "a#b"]),
        ])
    func split(text: String, words: [String]) throws {
        #expect(try ServerCommand(parsing: text).words == words)
    }

    @Test(
        "a string that needs a shell is refused, saying what needs it",
        arguments: [
            ("rndc retransfer {zone} && touch /tmp/x", "&&"),
            ("rndc retransfer {zone}; rm -rf /", ";"),
            ("rndc retransfer {zone} || true", "||"),
            ("rndc retransfer {zone} | logger", "|"),
            ("rndc retransfer `id`", "`"),
            ("rndc retransfer \"`id`\"", "`"),
            ("rndc retransfer $(id)", "$("),
            ("rndc retransfer ${ZONE}", "$"),
            ("rndc retransfer \"$ZONE\"", "$"),
            ("rndc retransfer {zone} > /tmp/log", ">"),
            ("rndc retransfer {zone} 2>&1", ">"),
            ("rndc retransfer < /dev/null", "<"),
            ("rndc retransfer {zone} &", "&"),
            ("rndc reload\nrm -rf /", "line break"),
            ("(rndc reload)", "("),
            ("rndc reload {zone} # comment", "#"),
            ("rm /var/lib/bind/*.jnl", "*"),
            ("~/bin/reload {zone}", "~"),
            ("RNDC_CONF=/etc/rndc.conf rndc reload {zone}", "="),
        ])
    func shellSyntax(text: String, what: String) {
        #expect(throws: ServerCommandError.self) { try ServerCommand(parsing: text) }
        do {
            _ = try ServerCommand(parsing: text)
        } catch {
            guard case .shellSyntax(let said) = error else {
                Issue.record("\(text): \(error), not a shell-syntax refusal")
                return
            }
            #expect(said.contains(what), "\(said)")
            #expect(error.fix.contains("script"), "\(error.fix)")
        }
    }

    @Test(
        "malformed strings and programs are refused",
        arguments: [
            ("", ServerCommandError.empty),
            ("   ", .empty),
            ("rndc reload 'x", .unterminatedQuote("'")),
            ("rndc reload \"x", .unterminatedQuote("\"")),
            ("rndc reload x\\", .trailingBackslash),
            ("{zone} reload", .zoneAsProgram),
            ("bin/reload {zone}", .relativeProgram("bin/reload")),
        ])
    func malformed(text: String, expected: ServerCommandError) {
        #expect(throws: expected) { try ServerCommand(parsing: text) }
    }

    @Test(
        "{zone} is exactly one argument whatever the name holds and however it is quoted",
        arguments: ["rndc retransfer {zone}", "rndc retransfer '{zone}'", "rndc retransfer \"{zone}\""])
    func zoneIsOneArgument(text: String) throws {
        let command = try ServerCommand(parsing: text)
        for name in ["example.com.", "a b.example", "x';touch /tmp/p;'", "`id`.example", "$(id).example"] {
            let arguments = command.arguments(zone: name)
            #expect(arguments.count == 3)
            #expect(arguments[2] == (name == "example.com." ? "example.com" : name))
        }
        let list = try ServerCommand(words: ["rndc", "retransfer", "zone={zone}.", "{zone}"])
        #expect(list.arguments(zone: "a;b.") == ["rndc", "retransfer", "zone=a;b.", "a;b"])
    }

    @Test("a command shown to the operator splits back into the same words")
    func display() throws {
        let command = try ServerCommand(words: ["/usr/sbin/rndc", "-s", "ns 2", "it's", "{zone}", ""])
        #expect(command.description == "/usr/sbin/rndc -s 'ns 2' 'it'\\''s' {zone} ''")
        #expect(try ServerCommand(parsing: command.description) == command)
    }

    @Test("a retransfer string with '&& touch FILE' is refused at load, naming file, line and key; FILE never exists")
    func refusedAtLoad() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let marker = fixture.directory + "/pwned"
        let old = "retransfer: \"rndc -s ns2 retransfer {zone}\""
        let yaml = ConfigFixture.validYAML.replacingOccurrences(
            of: old, with: "retransfer: \"rndc -s ns2 retransfer {zone} && touch \(marker)\"")
        #expect(yaml != ConfigFixture.validYAML)
        guard case .failure(let error) = try fixture.load(yaml) else {
            Issue.record("the configuration loaded")
            return
        }
        #expect(error.path == fixture.configPath)
        #expect(error.keyPath == "servers[1].retransfer")
        #expect(error.line == ConfigFixture.line(of: "touch", in: yaml))
        #expect(error.description.contains("&&") && error.description.contains("script"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: marker))

        let list = yaml.replacingOccurrences(
            of: "retransfer: \"rndc -s ns2 retransfer {zone} && touch \(marker)\"",
            with: "retransfer: [rndc, -s, ns2, retransfer, \"{zone}\"]")
        let config = try fixture.load(list).get()
        #expect(
            config.servers[1].retransferCommand(for: "a.example.") == ["rndc", "-s", "ns2", "retransfer", "a.example"])
        let noZone = list.replacingOccurrences(of: "retransfer, \"{zone}\"]", with: "retransfer]")
        guard case .failure(let missing) = try fixture.load(noZone) else {
            Issue.record("a retransfer list without {zone} loaded")
            return
        }
        #expect(missing.keyPath == "servers[1].retransfer" && missing.message.contains("{zone}"))
    }

    // MARK: - The runner

    @Test("the arguments reach the program as given: no shell sees them")
    func argumentsVerbatim() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-\(UUID()).touched").path
        let name = "x;touch \(marker);`touch \(marker)`$(touch \(marker))"
        let command = try ServerCommand(parsing: "printf '%s|' {zone} 'b c'")
        let outcome = await CommandRunner(output: .capture(limit: 4096)).run(command, zone: name)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput == name + "|b c|")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("the program is looked up in the absolute directories of PATH only")
    func lookup() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-path-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "#!/bin/sh\necho here\n".write(toFile: directory + "/probe", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + "/probe")
        try "not executable".write(toFile: directory + "/plain", atomically: true, encoding: .utf8)
        #expect(CommandRunner.resolve("probe", searchPath: "/nonexistent:\(directory)") == directory + "/probe")
        #expect(CommandRunner.resolve("plain", searchPath: directory) == nil, "not executable")
        #expect(CommandRunner.resolve("sh", searchPath: "/bin") == "/bin/sh")
        // A relative PATH entry (".") is never searched.
        let previous = FileManager.default.currentDirectoryPath
        #expect(FileManager.default.changeCurrentDirectoryPath(directory))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        #expect(CommandRunner.resolve("probe", searchPath: ".:/nonexistent") == nil)
        let missing = CommandRunner(searchPath: "/nonexistent").run(["rndc", "reload"])
        #expect(!missing.succeeded)
        #expect(missing.description.contains("rndc is not an executable file in PATH"), "\(missing)")
    }

    @Test("exit status, a killed program, and the time limit")
    func endings() {
        #expect(CommandRunner().run(["/bin/sh", "-c", "exit 3"]).end == .exited(3))
        #expect(CommandRunner().run(["/bin/sh", "-c", "kill -9 $$"]).end == .signalled(9))
        let start = ContinuousClock.now
        let slow = CommandRunner(timeout: .milliseconds(300)).run(["/bin/sleep", "30"])
        #expect(slow.end == .timedOut(.milliseconds(300)))
        #expect(ContinuousClock.now - start < .seconds(5), "the sleep was stopped")
        // A program that ignores SIGTERM is killed two seconds later.
        let stubborn = CommandRunner(timeout: .milliseconds(200)).run(["/bin/sh", "-c", "trap '' TERM; sleep 30"])
        #expect(stubborn.end == .timedOut(.milliseconds(200)))
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test("captured output is cut at the limit and the program is never blocked by a full pipe")
    func captureLimit() {
        let outcome = CommandRunner(output: .capture(limit: 1000), timeout: .seconds(20)).run([
            "/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' a; echo oops >&2",
        ])
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.standardOutput.utf8.count == 1000)
        #expect(outcome.truncated)
        #expect(outcome.standardError == "oops\n")
    }

    @Test("the program inherits no descriptor of zonecheck's beyond 0, 1 and 2")
    func descriptors() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-fd-\(UUID())").path
        // Opened without O_CLOEXEC on purpose: even a careless descriptor must not reach the program.
        let leaky = open(path, O_RDWR | O_CREAT, 0o600)
        #expect(leaky >= 0)
        defer {
            close(leaky)
            unlink(path)
        }
        let outcome = CommandRunner(output: .capture(limit: 65536)).run(["/bin/ls", "-l", "/proc/self/fd"])
        #expect(outcome.succeeded)
        #expect(!outcome.standardOutput.contains(path), "\(outcome.standardOutput)")
    }
}
