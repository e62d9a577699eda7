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
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .lazy.map(String.init)
        return firstOrigin(lines: lines, fallback: fallback) ?? fallback
    }

    /// What a zone file says about its own name before its first record.
    enum Head: Equatable {
        /// A `$ORIGIN` came first (after blank lines, comments and `$TTL`).
        case origin(DomainName)
        /// The search ended at this entry (a record or another directive), given as its tokens.
        case firstEntry([Substring])
        /// No answer: no entry at all, an indented first entry (it continues an owner that the
        /// file never named), or a `$ORIGIN` that is not one valid name.
        case silent
    }

    /// The one `$ORIGIN` sniffer (the lint origin and `ZoneDirectory` both use it), by the
    /// zone-file reader's rules: comments (`;` to the end of the line) and blank lines are skipped,
    /// directives are case-insensitive, `$TTL` is skipped, `$ORIGIN` with exactly one name
    /// answers (a relative name is taken relative to `fallback`, as the reader does), anything else
    /// ends the search: a record, `$INCLUDE` (the included file may set one) or an
    /// indented line.
    static func head<S: Sequence<String>>(lines: S, fallback: DomainName) -> Head {
        for line in lines {
            let content = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            // Swift reads CR LF as one Character: it separates like the reader's CR and LF bytes do.
            let tokens = content.split(whereSeparator: {
                $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n"
            })
            guard let first = tokens.first else { continue }
            if line.first == " " || line.first == "\t" { return .silent }
            switch first.uppercased() {
            case "$TTL": continue
            case "$ORIGIN":
                guard tokens.count == 2, let name = try? DomainName(presentation: String(tokens[1]), origin: fallback)
                else { return .silent }
                return .origin(name)
            default: return .firstEntry(tokens)
            }
        }
        return .silent
    }

    static func firstOrigin<S: Sequence<String>>(lines: S, fallback: DomainName) -> DomainName? {
        if case .origin(let name) = head(lines: lines, fallback: fallback) { return name }
        return nil
    }

    /// The first lines of a file, where a zone says its name: its first `headLimit` bytes (a partial last
    /// line left out), read once from a regular file only. getline(3) on the whole file had no bound: a file
    /// of zeros (no newline) was read whole into one line, and a FIFO or `/dev/zero` named as a zone file
    /// (or found in `zones.directory`) hung or exhausted the sniffer before the reader could refuse it.
    struct Lines: Sequence {
        static let headLimit = 64 << 10
        private let lines: [String]

        init(path: String) {
            guard let (descriptor, _) = try? RegularFile.openChecked(path, limit: Int.max) else {
                lines = []
                return
            }
            defer { close(descriptor) }
            var bytes = [UInt8](repeating: 0, count: Self.headLimit)
            var count = 0
            while count < bytes.count {
                let got = bytes.withUnsafeMutableBytes { buffer in
                    RegularFile.readRetrying(descriptor, buffer.baseAddress! + count, buffer.count - count)
                }
                if got <= 0 { break }
                count += got
            }
            var head = bytes[..<count]
            if head.starts(with: [0xEF, 0xBB, 0xBF]) { head = head.dropFirst(3) }
            var split = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            if count == Self.headLimit, head.last != UInt8(ascii: "\n") { split.removeLast() }
            lines = split.map { String(decoding: $0, as: UTF8.self) }
        }

        func makeIterator() -> IndexingIterator<[String]> { lines.makeIterator() }
    }
}
