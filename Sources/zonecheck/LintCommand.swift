import ArgumentParser
import DNSKit
import Foundation
import ZoneCheck

/// `zonecheck lint FILE... [--files-from LIST] [--origin NAME] [--previous FILE] [--config FILE] [--directory DIR] [--strict]
/// [--format text|json]`
///
/// Exit codes as monitoring plugins read them (docs/architecture.md): 0 clean, 1 warnings only,
/// 2 errors (or warnings under `--strict`), 3 when the command itself could not run
/// (bad arguments, unreadable `--previous`).
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check zone files strictly and report file:line diagnostics.",
        discussion: """
            Diagnostics go to stderr as `file:line: severity: [rule] message`, then a summary \
            counted by rule. Each file is linted on its own. Exit status: 0 clean, 1 warnings \
            only, 2 errors (--strict: warnings count as errors), 3 bad arguments.

            Rules: \(LintRule.all.map(\.id).joined(separator: ", ")), plus the reader's own \
            (syntax, ttl, rdata, ...).
            """
    )

    @Argument(help: "Zone files to lint; - reads one from standard input (a pipe, as a pre-commit hook gives it).")
    var files: [String] = []

    @Option(
        name: .customLong("files-from"),
        help: ArgumentHelp(
            "Also lint the zone files listed in this file, one path per line ('-': standard input), e.g. from "
                + "find: for thousands of files, more than a command line holds.", valueName: "list"))
    var filesFrom: String?

    @Option(help: "The zone's origin (default: the file's first $ORIGIN, else its name without .zone).")
    var origin: String?

    @Option(help: "The same zone before the edit: report a serial that went down or did not go up.")
    var previous: String?

    @Option(
        help: ArgumentHelp(
            "The fleet's configuration: records are checked against a transfer signed with its largest TSIG key "
                + "(default: an hmac-sha512 key with a 255-octet name).", valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp(
            "Where relative $INCLUDE file names are read from, like BIND's 'directory' option (default: the "
                + "working directory, as named-checkzone and nsd-checkzone read them).", valueName: "dir"))
    var directory: String?

    @Flag(help: "Treat warnings as errors (exit 2).")
    var strict = false

    /// How diagnostics are printed. Another value is a usage error: exit 3 with the accepted values.
    enum Format: String, CaseIterable, ExpressibleByArgument {
        case text, json
    }

    @Option(help: "text (stderr) or json (one document on stdout).")
    var format: Format = .text

    /// Arguments are checked here rather than in `validate()`, whose ValidationError exits 64:
    /// docs/architecture.md gives bad arguments exit code 3 (UNKNOWN) like every other command.
    func run() throws {
        let request: Request
        do {
            request = try Request(self, files: files + (filesFrom.map { try ZoneFileList.read($0) } ?? []))
        } catch {
            FileHandle.standardError.write(Data("zonecheck lint: \(error)\n".utf8))
            throw ExitCode(3)
        }
        let today = DateSerial.today()
        var reports: [LintReport] = []
        for file in request.files {
            if file == "-" || Self.isPipe(file) {
                // Piped in on purpose (`git show :zone.db | zonecheck lint --origin example.com -`): read to its
                // end here; zone_file and $INCLUDE never read a FIFO (a cron run would hang on it).
                do {
                    let bytes = try RegularFile.readStream(file, limit: RegularFile.zoneFileLimit)
                    reports.append(
                        Linter.lint(
                            bytes: bytes, fileName: file == "-" ? "stdin" : file, origin: request.origin, today: today,
                            previous: request.previous, signer: request.signer, includeDirectory: request.directory))
                } catch {
                    FileHandle.standardError.write(Data("zonecheck lint: cannot read \(error)\n".utf8))
                    throw ExitCode(3)
                }
                continue
            }
            reports.append(
                Linter.lint(
                    path: file, origin: request.origin, today: today, previous: request.previous,
                    signer: request.signer, includeDirectory: request.directory))
        }
        if format == .json {
            FileHandle.standardOutput.write(LintJSON.document(reports, strict: strict))
        } else {
            let printer = DiagnosticPrinter()
            for report in reports {
                report.diagnostics.forEach(printer.print)
                printer.printSummary(report)
            }
            printer.flush()
        }
        let code = reports.map { $0.exitCode(strict: strict) }.max() ?? 0
        if code != 0 { throw ExitCode(code) }
    }

    /// A FIFO or pipe (`/dev/stdin` when standard input is a pipe), named on the command line.
    static func isPipe(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO
    }

    /// The arguments, checked and converted.
    struct Request {
        /// The files given and those listed by `--files-from`, in that order.
        var files: [String]
        var origin: DomainName?
        var previous: PreviousZone?
        var signer = TransferFit.Signer.assumed
        var directory: String

        struct Problem: Error, CustomStringConvertible {
            var description: String
        }

        init(_ command: LintCommand, files: [String]) throws {
            self.files = files
            guard !files.isEmpty else {
                throw Problem(
                    description: command.filesFrom == nil
                        ? "no zone file given; usage: zonecheck lint FILE... [--origin NAME]"
                        : "--files-from \(command.filesFrom ?? "") lists no zone file; give one path per line")
            }
            if files.filter({ $0 == "-" }).count > 1 || (files.contains("-") && command.filesFrom == "-") {
                throw Problem(description: "standard input (-) can be read once only; give it once")
            }
            for file in files where file != "-" && !FileManager.default.isReadableFile(atPath: file) {
                throw Problem(description: "cannot read \(file): no such file or no permission; check the path")
            }
            if let text = command.origin {
                do {
                    origin = try DomainName(zoneName: text)
                } catch {
                    throw Problem(description: "--origin '\(text)' is not a domain name: \(error)")
                }
            }
            directory = command.directory ?? FileManager.default.currentDirectoryPath
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw Problem(description: "--directory \(directory) is not a directory; give the zone directory")
            }
            if let path = command.config {
                do {
                    let fleet = try Fleet(configuration: try Configuration.load(path: path))
                    signer = .worst(of: fleet.members.compactMap(\.endpoint.key))
                } catch {
                    throw Problem(description: String(describing: error))
                }
            }
            if let path = command.previous {
                guard files.count == 1 else {
                    throw Problem(
                        description: "--previous compares one zone file with its earlier version; give one FILE")
                }
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw Problem(description: "cannot read --previous \(path): no such file or no permission")
                }
                let zoneOrigin = ZoneOrigin.resolve(path: files[0], explicit: origin)
                do {
                    previous = try PreviousZone.read(path: path, origin: zoneOrigin, includeDirectory: directory)
                } catch {
                    throw Problem(description: error.description)
                }
            }
        }
    }
}
