#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
public import DNSKit

/// The origin a zone file is linted against: `--origin` if given, else the file's first
/// `$ORIGIN` (when it comes before the first record), else its file name (`example.com.zone`).
///
/// The linter needs the origin before the first record arrives, while the reader settles it
/// inside `read`; so it is worked out here by the reader's own rule and then handed to the
/// reader explicitly, which makes the two agree by construction.
public enum ZoneOrigin {
    public static func resolve(path: String, explicit: DomainName?) -> DomainName {
        if let explicit { return explicit }
        let fallback = ZoneFileReader.origin(fromFileName: path)
        return firstOrigin(lines: Lines(path: path), fallback: fallback) ?? fallback
    }

    public static func resolve(text: String, fileName: String, explicit: DomainName?) -> DomainName {
        if let explicit { return explicit }
        let fallback = ZoneFileReader.origin(fromFileName: fileName)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).lazy.map(String.init)
        return firstOrigin(lines: lines, fallback: fallback) ?? fallback
    }

    /// Looks at the entries before the first record: `$TTL` is skipped, `$ORIGIN` answers,
    /// anything else (a record, `$INCLUDE`) ends the search.
    static func firstOrigin<S: Sequence<String>>(lines: S, fallback: DomainName) -> DomainName? {
        for line in lines {
            let content = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let tokens = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = tokens.first else { continue }
            if line.first == " " || line.first == "\t" { return nil }
            switch first.uppercased() {
            case "$TTL": continue
            case "$ORIGIN":
                guard tokens.count == 2 else { return nil }
                return try? DomainName(presentation: String(tokens[1]), origin: fallback)
            default: return nil
            }
        }
        return nil
    }

    /// The lines of a file, read one at a time so a large zone is not loaded twice.
    struct Lines: Sequence, IteratorProtocol {
        private var file: UnsafeMutablePointer<FILE>?
        private var buffer: UnsafeMutablePointer<CChar>? = nil
        private var capacity = 0

        init(path: String) { file = fopen(path, "r") }

        mutating func next() -> String? {
            guard let file else { return nil }
            guard getline(&buffer, &capacity, file) >= 0, let buffer else {
                fclose(file)
                self.file = nil
                free(self.buffer)
                self.buffer = nil
                return nil
            }
            var line = String(cString: buffer)
            if line.hasSuffix("\n") { line.removeLast() }
            return line
        }
    }
}
