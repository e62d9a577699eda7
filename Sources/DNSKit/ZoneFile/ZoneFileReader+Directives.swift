/// The `$` control entries of RFC 1035 §5.1 (`$ORIGIN`, `$INCLUDE`), RFC 2308 §4 (`$TTL`) and
/// BIND's `$GENERATE`.
extension ZoneFileReader {
    func directive(
        _ tokens: [ZoneToken], bytes: UnsafeBufferPointer<UInt8>, line: Int, file: String,
        _ body: (ParsedRecord) throws -> Void
    ) rethrows {
        let keyword = text(bytes, tokens[0]).uppercased()
        let arguments = tokens.dropFirst()
        switch keyword {
        case "$ORIGIN":
            guard arguments.count == 1, let argument = arguments.first else {
                error("directive", file, line, "$ORIGIN takes exactly one domain name, like '$ORIGIN example.com.'")
                return
            }
            if let name = directiveName(argument, bytes: bytes, file: file, what: "$ORIGIN") {
                currentOrigin = name
            }
        case "$TTL":
            guard arguments.count == 1, let argument = arguments.first else {
                error("directive", file, line, "$TTL takes exactly one TTL, like '$TTL 3600' or '$TTL 1h'")
                return
            }
            do throws(RecordRejection) {
                defaultTTL = try Self.ttl(argument, bytes: bytes, what: "$TTL")
            } catch {
                self.error(error.rule, file, error.line, error.message)
            }
        case "$INCLUDE":
            guard (1...2).contains(arguments.count), let argument = arguments.first else {
                error(
                    "directive", file, line,
                    "$INCLUDE takes a file name and an optional origin: '$INCLUDE file [origin]'")
                return
            }
            var includeOrigin = currentOrigin
            if arguments.count == 2 {
                guard
                    let name = directiveName(
                        arguments[arguments.startIndex + 1], bytes: bytes, file: file, what: "$INCLUDE origin")
                else { return }
                includeOrigin = name
            }
            let written = String(decoding: slice(bytes, argument), as: UTF8.self)
            guard !written.unicodeScalars.contains(where: { PrintableText.isUnsafe($0) }) else {
                error(
                    "include", file, line,
                    "$INCLUDE file name '\(written)' holds control characters; rename the file and the include")
                return
            }
            try include(written, origin: includeOrigin, line: line, file: file, body)
        case "$GENERATE":
            try generate(tokens, bytes: bytes, line: line, file: file, body)
        default:
            error(
                "directive", file, line,
                "unknown directive '\(text(bytes, tokens[0]))'; the known ones are $ORIGIN, $TTL, $INCLUDE and $GENERATE"
            )
        }
    }

    private func directiveName(_ token: ZoneToken, bytes: UnsafeBufferPointer<UInt8>, file: String, what: String)
        -> DomainName?
    {
        do throws(NameError) {
            return try DomainName.parsePresentation(slice(bytes, token), origin: currentOrigin)
        } catch {
            self.error("name", file, token.line, "\(what) '\(text(bytes, token))': \(error)")
            return nil
        }
    }

    /// RFC 1035 §5.1: the included file is read with the given origin (else the current one);
    /// the including file's origin, and its current owner, are back in force afterwards.
    private func include(
        _ written: String, origin: DomainName, line: Int, file: String, _ body: (ParsedRecord) throws -> Void
    ) rethrows {
        let path: String
        if let includeDirectory, !written.hasPrefix("/") {
            path = includeDirectory.hasSuffix("/") ? includeDirectory + written : includeDirectory + "/" + written
        } else {
            path = ZoneFileContents.resolve(written, relativeTo: file)
        }
        let contents: ZoneFileContents
        switch ZoneFileContents.read(path: path) {
        case .success(let read):
            contents = read
        case .failure(let failure):
            let base =
                written.hasPrefix("/")
                ? ""
                : includeDirectory.map { " (relative names are read from \($0), like BIND's 'directory')" }
                    ?? " (relative names are read from the including file's directory)"
            error(
                "include", file, line,
                "cannot read $INCLUDE file \(path): \(failure.reason)\(base); findings that need its records are not "
                    + "reported until it can be read")
            return
        }
        let canonical = ZoneFileContents.canonicalPath(path)
        if let start = includeStack.firstIndex(of: canonical) {
            let cycle = (includeStack[start...] + [canonical]).joined(separator: " -> ")
            error("include", file, line, "$INCLUDE of \(path) makes a cycle (\(cycle)); remove one of the includes")
            return
        }
        if !includedFiles.contains(canonical) {
            guard includedFiles.count < Self.maxIncludedFiles else {
                error(
                    "include", file, line,
                    "$INCLUDE of \(path) would be the zone's file number \(Self.maxIncludedFiles + 1), more than "
                        + "this reader reads; merge the included files")
                return
            }
            includedFiles.insert(canonical)
        }
        guard includeStack.count <= Self.maxIncludeDepth else {
            error(
                "include", file, line,
                "$INCLUDE of \(path) nests more than \(Self.maxIncludeDepth) files deep; flatten the includes")
            return
        }
        let savedOrigin = currentOrigin
        let savedOwner = lastOwner
        let savedOwnerInvalid = ownerInvalid
        includeStack.append(canonical)
        currentOrigin = origin
        defer {
            includeStack.removeLast()
            currentOrigin = savedOrigin
            lastOwner = savedOwner
            ownerInvalid = savedOwnerInvalid
        }
        try readContents(contents, file: path, body)
    }

    /// The origin a file gives before its first record: its first `$ORIGIN`, if any comes first.
    func firstOrigin(in contents: ZoneFileContents) -> DomainName? {
        var bytes = contents.buffer
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = UnsafeBufferPointer(rebasing: bytes[3...]) }
        var lexer = ZoneFileLexer(bytes: bytes)
        var tokens: [ZoneToken] = []
        let fallback = Self.origin(fromFileName: path)
        while let logical = lexer.next(into: &tokens, report: { _ in }) {
            guard !logical.startsWithBlank, !tokens[0].isQuoted else { return nil }
            switch text(bytes, tokens[0]).uppercased() {
            case "$TTL": continue
            case "$ORIGIN":
                guard tokens.count == 2 else { return nil }
                return try? DomainName.parsePresentation(slice(bytes, tokens[1]), origin: fallback)
            default: return nil
            }
        }
        return nil
    }

    /// The zone a file is named for: `example.com.zone`, `example.com.db`, `db.example.com`,
    /// `example.com`, with any directory removed; the root if nothing usable is left.
    public static func origin(fromFileName path: String) -> DomainName {
        var name = Substring(path)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        for suffix in [".zone", ".db"] where name.count > suffix.count && name.lowercased().hasSuffix(suffix) {
            name = name.dropLast(suffix.count)
            break
        }
        if name.count > 3 && name.lowercased().hasPrefix("db.") { name = name.dropFirst(3) }
        if !name.hasSuffix(".") { name += "." }
        return (try? DomainName(presentation: String(name), origin: nil)) ?? .root
    }
}
