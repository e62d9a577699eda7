public import DNSKit
import Foundation

/// The zones a check covers: the command line's, else the configuration's `zones.names` followed by the
/// origins of the `*.db` and `*.zone` files in `zones.directory` (each file's `$ORIGIN`, else its name),
/// in order, without duplicates. `named_conf` and `catalog` are not read yet (a later issue).
public enum ZoneList {
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func resolve(arguments: [String], sources: ZoneSources) throws(Problem) -> [DomainName] {
        var texts: [(text: String, from: String)] = arguments.map { ($0, "the command line") }
        if texts.isEmpty {
            texts = sources.names.map { ($0, "zones.names") }
            if let directory = sources.directory {
                let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                for file in files.sorted() where file.hasSuffix(".db") || file.hasSuffix(".zone") {
                    let path = directory + "/" + file
                    texts.append((ZoneOrigin.resolve(path: path, explicit: nil).displayName, path))
                }
            }
        }
        var seen = Set<DomainName>()
        var names: [DomainName] = []
        for (text, from) in texts {
            let name: DomainName
            do {
                name = try DomainName(presentation: text.hasSuffix(".") ? text : text + ".", origin: nil)
            } catch {
                throw Problem(description: "'\(text)' (from \(from)) is not a zone name: \(error)")
            }
            if seen.insert(name).inserted { names.append(name) }
        }
        return names
    }
}
