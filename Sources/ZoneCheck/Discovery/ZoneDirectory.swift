public import DNSKit
import Foundation

/// The zones of a directory of zone files: every `*.db` and `*.zone` file (hidden files skipped), in
/// file-name order, each named by its first `$ORIGIN`, else by the owner of its SOA record when that is
/// written as an absolute name on the file's first record line, else by its file name (`example.com.db`,
/// `example.com.zone` -> example.com).
public enum ZoneDirectory {
    public struct Entry: Sendable, Equatable {
        public var name: DomainName
        public var path: String
    }

    public static func zones(in directory: String) throws(ConfigError) -> [Entry] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ConfigError(
                path: directory, message: "cannot list the directory (\(error.localizedDescription))",
                fix: "Check that zones.directory names a readable directory")
        }
        return files.sorted().compactMap { file in
            guard !file.hasPrefix("."), file.hasSuffix(".db") || file.hasSuffix(".zone") else { return nil }
            let path = directory.hasSuffix("/") ? directory + file : directory + "/" + file
            return Entry(name: origin(of: path), path: path)
        }
    }

    /// The zone a file is for (see the type's rule). Reads only the lines before the first record;
    /// the `$ORIGIN` rules are the linter's (`ZoneOrigin.head`).
    public static func origin(of path: String) -> DomainName {
        let fallback = ZoneFileReader.origin(fromFileName: path)
        switch ZoneOrigin.head(lines: ZoneOrigin.Lines(path: path), fallback: fallback) {
        case .origin(let name): return name
        case .silent: return fallback
        case .firstEntry(let tokens):
            // The first record: its owner names the zone when it is the SOA's and absolute.
            guard let owner = tokens.first, owner.hasSuffix("."),
                tokens.dropFirst().prefix(4).contains(where: { $0.uppercased() == "SOA" })
            else { return fallback }
            return (try? DomainName(presentation: String(owner), origin: nil)) ?? fallback
        }
    }
}
