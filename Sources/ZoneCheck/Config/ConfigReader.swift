import Foundation
import Yams

/// Where the configuration came from: errors name this file, relative paths are resolved against its directory.
struct ConfigSource {
    /// The file as the user named it (printed in errors).
    let path: String
    /// Absolute directory of the file.
    let directory: String

    init(path: String) {
        self.path = path
        let absolute =
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        self.directory = (absolute as NSString).deletingLastPathComponent
    }

    func error(at node: Node?, _ keyPath: String, _ message: String, fix: String) -> ConfigError {
        ConfigError(path: path, line: node?.mark?.line, keyPath: keyPath, message: message, fix: fix)
    }

    /// A path from the file: absolute as written, or relative to the configuration file's directory (so a
    /// config and its keys can move together), with `.` and `..` removed.
    func resolve(_ text: String) -> String {
        let joined = text.hasPrefix("/") ? text : directory + "/" + text
        return (joined as NSString).standardizingPath
    }
}

/// One YAML mapping of the configuration, read key by key with the key path kept for errors.
///
/// Every mapping first checks its keys against the ones it knows, so a misspelt key is reported as such
/// (with the nearest known key) rather than silently ignored, with its default taking effect unnoticed.
struct ConfigMapping {
    let node: Node
    let mapping: Node.Mapping
    let keyPath: String
    let source: ConfigSource

    init(_ node: Node, keyPath: String, source: ConfigSource) throws(ConfigError) {
        guard case .mapping(let mapping) = node else {
            throw source.error(
                at: node, keyPath, "expected a mapping of keys to values, found \(ConfigMapping.describe(node))",
                fix: "Write it as indented 'key: value' lines or as { key: value, ... }")
        }
        self.node = node
        self.mapping = mapping
        self.keyPath = keyPath
        self.source = source
    }

    func path(_ key: String) -> String { keyPath.isEmpty ? key : "\(keyPath).\(key)" }

    /// Fails on the first key that is not one of `known`, suggesting the closest known key.
    func checkKeys(_ known: [String]) throws(ConfigError) {
        for (keyNode, _) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw source.error(
                    at: keyNode, keyPath, "a key must be plain text",
                    fix: "Use one of: \(known.joined(separator: ", "))")
            }
            if known.contains(key) { continue }
            let suggestion = ConfigMapping.nearest(key, in: known)
            let fix =
                suggestion.map { "Did you mean '\($0)'? Known keys here: \(known.joined(separator: ", "))" }
                ?? "Remove it; known keys here: \(known.joined(separator: ", "))"
            throw source.error(at: keyNode, path(key), "unknown key '\(key)'", fix: fix)
        }
    }

    /// The value node, or nil when the key is absent or its value is null (`key:` or `key: ~`).
    func value(_ key: String) -> Node? {
        guard let value = mapping[key] else { return nil }
        if case .scalar = value, value.null != nil { return nil }
        return value
    }

    func keyNode(_ key: String) -> Node? { mapping.keys.first { $0.scalar?.string == key } }

    func required(_ key: String, fix: String) throws(ConfigError) -> Node {
        guard let value = value(key) else {
            let present = keyNode(key)
            throw source.error(
                at: present ?? node, path(key), present == nil ? "missing" : "has no value", fix: fix)
        }
        return value
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .scalar(let scalar) = value else {
            throw source.error(
                at: value, path(key), "expected a single value, found \(ConfigMapping.describe(value))",
                fix: "Write it on one line as 'key: value'")
        }
        return scalar.string
    }

    func requiredString(_ key: String, fix: String) throws(ConfigError) -> String {
        _ = try required(key, fix: fix)
        guard let text = try string(key), !text.isEmpty else {
            throw source.error(at: keyNode(key), path(key), "is empty", fix: fix)
        }
        return text
    }

    func int(_ key: String, in range: ClosedRange<Int>, what: String, fix: String) throws(ConfigError) -> Int? {
        guard let text = try string(key) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw source.error(
                at: value(key), path(key), "\(text) is not \(what) (\(range.lowerBound)-\(range.upperBound))",
                fix: fix)
        }
        return number
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let text = try string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            throw source.error(at: value(key), path(key), "\(text) is not true or false", fix: "Write true or false")
        }
    }

    static let durationFix = "Write a number and a unit: 2s, 10m, 1h, 24h, 1d or 1w (at most 100 years)"

    func duration(_ key: String, allowZero: Bool = false) throws(ConfigError) -> Duration? {
        guard let text = try string(key) else { return nil }
        guard let duration = Duration(configText: text) else {
            let fix =
                Int(text) != nil ? "Add a unit, e.g. \(text)s for seconds or \(text)m for minutes" : Self.durationFix
            throw source.error(at: value(key), path(key), "\(text) is not a duration", fix: fix)
        }
        if duration == .zero && !allowZero {
            throw source.error(
                at: value(key), path(key), "must be longer than 0", fix: "Give a duration such as 2s or 10m")
        }
        return duration
    }

    /// A list of plain values; a single value is not taken for a one-element list, to keep one way to write it.
    func strings(_ key: String, fix: String) throws(ConfigError) -> [(String, Node)]? {
        guard let value = value(key) else { return nil }
        guard case .sequence(let sequence) = value else {
            throw source.error(
                at: value, path(key), "expected a list, found \(ConfigMapping.describe(value))",
                fix: "Write it as [a, b] or as '- a' lines")
        }
        var result: [(String, Node)] = []
        for (index, item) in sequence.enumerated() {
            guard case .scalar(let scalar) = item else {
                throw source.error(
                    at: item, "\(path(key))[\(index)]",
                    "expected a single value, found \(ConfigMapping.describe(item))",
                    fix: fix)
            }
            result.append((scalar.string, item))
        }
        return result
    }

    func mapping(_ key: String) throws(ConfigError) -> ConfigMapping? {
        guard let value = value(key) else { return nil }
        return try ConfigMapping(value, keyPath: path(key), source: source)
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The known key closest to a misspelt one (edit distance at most 2, or a case difference), if any.
    static func nearest(_ key: String, in known: [String]) -> String? {
        let lowered = key.lowercased().replacingOccurrences(of: "-", with: "_")
        var best: (String, Int)?
        for candidate in known {
            let distance = editDistance(Array(lowered), Array(candidate))
            if distance <= max(1, min(2, candidate.count / 3)), distance < (best?.1 ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[b.count]
    }
}
