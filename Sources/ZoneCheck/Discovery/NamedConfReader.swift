public import DNSKit
import Foundation

/// A zone a BIND server is primary for, as its named.conf says.
public struct NamedConfZone: Sendable, Equatable {
    public var name: DomainName
    /// The zone's `file`, resolved as BIND would (see `NamedConfReader`); nil when the statement has none.
    public var file: String?
    /// The `view` the statement is in, if any.
    public var view: String?
    /// Where the `zone` statement is.
    public var path: String
    public var line: Int
}

/// Reads the `zone` statements of a BIND configuration, following `include`s, and keeps the zones of
/// type `primary` (or its old name `master`); secondary, stub, forward, hint, mirror, redirect and
/// static-stub zones are not the primary's to check, `in-view` references are the same zone again, and the
/// zones each server serves for itself alone (`locallyServed`: localhost, 127.in-addr.arpa...) are skipped.
///
/// Paths: BIND opens files relative to its working directory, which `options { directory "..."; }`
/// sets ("Any non-absolute pathnames in the configuration file are taken as relative to this
/// directory", ARM `directory`). zonecheck therefore resolves a relative `include` against the
/// `directory` set so far, and before any `directory` against the folder of the file holding the
/// `include` (named's own starting directory is unknowable here; absolute paths, as Debian writes
/// them, avoid the question). A relative zone `file` is resolved against `directory` (named loads zones
/// after it has changed into it), else the folder of the top-level file. `include` takes a glob
/// pattern as BIND 9.13+ does. Includes nest at most 16 deep; a file including itself, directly or
/// not, is an error.
public struct NamedConfReader {
    public static let maxDepth = 16

    private var zones: [NamedConfZone] = []
    private var directory: String?
    private var includeStack: [String] = []
    private let topFolder: String

    private init(topFolder: String) { self.topFolder = topFolder }

    /// The primary zones of the configuration at `path`, in the order they appear.
    public static func primaryZones(path: String) throws(ConfigError) -> [NamedConfZone] {
        var reader = NamedConfReader(topFolder: folder(of: path))
        try reader.read(path: path, from: nil)
        // A directory set after the zones still applies to their files: named loads zones afterwards.
        if let directory = reader.directory {
            for i in reader.zones.indices {
                if let file = reader.zones[i].file, file.hasPrefix(Self.unresolvedMark) {
                    reader.zones[i].file = directory + "/" + file.dropFirst(Self.unresolvedMark.count)
                }
            }
        }
        for i in reader.zones.indices {
            if let file = reader.zones[i].file, file.hasPrefix(Self.unresolvedMark) {
                reader.zones[i].file = reader.topFolder + "/" + file.dropFirst(Self.unresolvedMark.count)
            }
        }
        return reader.zones
    }

    /// Marks a relative zone file until the end, when `directory` is known.
    private static let unresolvedMark = "\u{0}relative:"

    static func folder(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    private mutating func read(path: String, from: (path: String, line: Int)?) throws(ConfigError) {
        let real = (path as NSString).resolvingSymlinksInPath
        if let cycleStart = includeStack.firstIndex(of: real) {
            let chain = (includeStack[cycleStart...] + [real]).joined(separator: " -> ")
            throw ConfigError(
                path: from?.path ?? path, line: from?.line, message: "include cycle: \(chain)",
                fix: "Remove the include that leads back to a file already being read")
        }
        guard includeStack.count < Self.maxDepth else {
            throw ConfigError(
                path: from?.path ?? path, line: from?.line,
                message: "includes nest more than \(Self.maxDepth) deep at \(path)",
                fix: "Flatten the include chain")
        }
        let data: [UInt8]
        do {
            data = try RegularFile.read(path, limit: RegularFile.configurationLimit)
        } catch {
            if let from {
                throw ConfigError(
                    path: from.path, line: from.line,
                    message: "the included file \(path) cannot be read: \(error.reason)",
                    fix: "Correct the path (relative paths are read from \(directory ?? Self.folder(of: from.path)))")
            }
            throw ConfigError(
                path: path, message: "cannot be read: \(error.reason)", fix: "Name a readable named.conf")
        }
        includeStack.append(real)
        defer { includeStack.removeLast() }
        let statements = try NamedConfStatement.parse(bytes: data, path: path)
        try walk(statements, view: nil)
    }

    private mutating func walk(_ statements: [NamedConfStatement], view: String?) throws(ConfigError) {
        for statement in statements {
            switch statement.keyword {
            case "include":
                try include(statement)
            case "options":
                for option in statement.body ?? [] where option.keyword == "directory" {
                    guard option.words.count == 2 else {
                        throw ConfigError(
                            path: option.path, line: option.line, message: "directory takes one path",
                            fix: "Write directory \"/var/cache/bind\";")
                    }
                    let value = option.words[1]
                    directory = value.hasPrefix("/") ? value : Self.folder(of: option.path) + "/" + value
                }
            case "view":
                guard let body = statement.body, statement.words.count >= 2 else {
                    throw ConfigError(
                        path: statement.path, line: statement.line,
                        message: "a view statement needs a name and a { } block",
                        fix: "Write view \"name\" { ... };")
                }
                try walk(body, view: statement.words[1])
            case "zone":
                try zone(statement, view: view)
            default:
                continue
            }
        }
    }

    private mutating func include(_ statement: NamedConfStatement) throws(ConfigError) {
        guard statement.words.count == 2, statement.body == nil else {
            throw ConfigError(
                path: statement.path, line: statement.line, message: "include takes exactly one file name",
                fix: "Write include \"/etc/bind/zones.conf\";")
        }
        let target = statement.words[1]
        let base = directory ?? Self.folder(of: statement.path)
        let path = target.hasPrefix("/") ? target : base + "/" + target
        let from = (statement.path, statement.line)
        if path.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) {
            for match in Self.glob(path) { try read(path: match, from: from) }
        } else {
            try read(path: path, from: from)
        }
    }

    private mutating func zone(_ statement: NamedConfStatement, view: String?) throws(ConfigError) {
        let words = statement.words
        guard words.count >= 2 else {
            throw ConfigError(
                path: statement.path, line: statement.line, message: "a zone statement without a zone name",
                fix: "Write zone \"example.com\" { type primary; file \"example.com.db\"; };")
        }
        let text = words[1]
        if words.count >= 3 {
            // Only class IN zones are DNS zones zonecheck can query (CHAOS and HESIOD are not).
            let dnsClass = words[2].uppercased()
            guard ["IN", "CH", "CHAOS", "HS", "HESIOD"].contains(dnsClass) else {
                throw ConfigError(
                    path: statement.path, line: statement.line,
                    message: "zone \"\(text)\": '\(words[2])' is not a class", fix: "Write IN or leave the class out")
            }
            if dnsClass != "IN" { return }
        }
        guard let body = statement.body else {
            throw ConfigError(
                path: statement.path, line: statement.line, message: "zone \"\(text)\" has no { } block",
                fix: "Write zone \"\(text)\" { type primary; file \"\(text).db\"; };")
        }
        if body.contains(where: { $0.keyword == "in-view" }) { return }
        guard let typeStatement = body.first(where: { $0.keyword == "type" }), typeStatement.words.count == 2 else {
            throw ConfigError(
                path: statement.path, line: statement.line, message: "zone \"\(text)\" has no type",
                fix: "Add type primary; (or secondary, etc.) inside its block")
        }
        let type = typeStatement.words[1].lowercased()
        let known = [
            "primary", "master", "secondary", "slave", "mirror", "hint", "stub", "static-stub", "forward", "redirect",
            "delegation-only",
        ]
        guard known.contains(type) else {
            throw ConfigError(
                path: typeStatement.path, line: typeStatement.line,
                message: "zone \"\(text)\": '\(typeStatement.words[1])' is not a zone type",
                fix: "Write type primary; or one of BIND's other zone types")
        }
        guard type == "primary" || type == "master" else { return }
        let name: DomainName
        do {
            name = try DomainName(zoneName: text)
        } catch {
            throw ConfigError(
                path: statement.path, line: statement.line, message: "\"\(text)\" is not a zone name (\(error))",
                fix: "Write the zone's domain name, e.g. zone \"example.com\"")
        }
        if Self.locallyServed.contains(name.description.lowercased()) { return }
        var file: String?
        if let fileStatement = body.first(where: { $0.keyword == "file" }), fileStatement.words.count >= 2 {
            let value = fileStatement.words[1]
            file = value.hasPrefix("/") ? value : Self.unresolvedMark + value
        }
        zones.append(NamedConfZone(name: name, file: file, view: view, path: statement.path, line: statement.line))
    }

    /// The zones every server is primary for on its own and never transfers (RFC 1912 §4.1, RFC 6303 §4.2,
    /// RFC 6761 §6.3): localhost, the loopback and this-network reverses, the broadcast reverse. Debian's
    /// named.conf includes them (named.conf.default-zones) as `type master`; pointed at that named.conf,
    /// zonecheck would otherwise report them missing on every secondary at every run.
    static let locallyServed: Set<String> = [
        "localhost.", "127.in-addr.arpa.", "0.in-addr.arpa.", "255.in-addr.arpa.", "255.255.255.255.in-addr.arpa.",
        String(repeating: "0.", count: 32) + "ip6.arpa.", "1." + String(repeating: "0.", count: 31) + "ip6.arpa.",
    ]

    /// Files matching a shell pattern, sorted (glob(3) sorts them).
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Foundation.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
    }
}
