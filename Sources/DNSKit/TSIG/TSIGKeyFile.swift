#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension TSIGKey {
    /// Loads a key from a BIND key file, as `tsig-keygen -a hmac-sha512 NAME` writes it:
    ///
    ///     key "NAME" {
    ///         algorithm hmac-sha512;
    ///         secret "BASE64";
    ///     };
    ///
    /// The file may hold several `key` statements and `#`, `//` and `/* */` comments. `name`
    /// picks one; it may be nil when the file holds exactly one key. A file that others may read or
    /// change is refused (`PrivateFile`): a TSIG secret lets whoever holds it transfer and notify zones.
    /// Errors give line and column and what was expected, never the file's text.
    public static func load(path: String, name: String? = nil) throws(TSIGKeyError) -> TSIGKey {
        let entries = try TSIGKeyFile.read(path: path)
        let chosen: TSIGKeyFile.Entry
        if let name {
            let wanted = TSIGKeyFile.normalized(name)
            guard let entry = entries.first(where: { TSIGKeyFile.normalized($0.name) == wanted }) else {
                throw .keyNotFound(file: path, name: name, available: entries.map(\.name))
            }
            chosen = entry
        } else {
            guard entries.count == 1 else { throw .severalKeys(file: path, names: entries.map(\.name)) }
            chosen = entries[0]
        }
        return chosen.key
    }
}

/// The reader behind `TSIGKey.load`: a tokenizer and a parser for the `key` statement of
/// named.conf (BIND 9 ARM, "key Block Grammar"), strict about everything else.
enum TSIGKeyFile {
    struct Entry {
        var name: String
        var line: Int
        var key: TSIGKey
    }

    static func normalized(_ name: String) -> String {
        var text = name.lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func read(path: String) throws(TSIGKeyError) -> [Entry] {
        let bytes = try readFile(path)
        return try parse(bytes, file: path)
    }

    /// The file's bytes, through `PrivateFile` (one descriptor, checked then read). Its group may read it
    /// (`root:bind 0640`, as BIND installs keys), nobody else; only its owner, zonecheck's user or root, may
    /// write it.
    static func readFile(_ path: String) throws(TSIGKeyError) -> [UInt8] {
        do {
            return try PrivateFile.read(path: path, what: "TSIG key file", groupMayRead: true)
        } catch {
            throw .file(error)
        }
    }

    enum Token: Equatable {
        case word(String)
        case quoted(String)
        case open, close, semicolon
    }

    /// Where a token starts: 1-based line and column (in bytes).
    struct Place: Equatable {
        var line: Int
        var column: Int
    }

    static func tokenize(_ bytes: [UInt8], file: String) throws(TSIGKeyError) -> [(Token, Place)] {
        var tokens: [(Token, Place)] = []
        var i = 0
        var line = 1
        var lineStart = 0
        var here: Place { Place(line: line, column: i - lineStart + 1) }
        func isWordByte(_ b: UInt8) -> Bool {
            !(b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: "{") || b == UInt8(ascii: "}")
                || b == UInt8(ascii: ";") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "#"))
        }
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0x0A:
                line += 1
                i += 1
                lineStart = i
            case 0x20, 0x09, 0x0D:
                i += 1
            case UInt8(ascii: "#"):
                while i < bytes.count && bytes[i] != 0x0A { i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/"):
                while i < bytes.count && bytes[i] != 0x0A { i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                let start = here
                i += 2
                while true {
                    guard i + 1 < bytes.count else {
                        throw .syntax(
                            file: file, line: start.line, column: start.column, message: "comment /* is never closed")
                    }
                    if bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/") { break }
                    if bytes[i] == 0x0A {
                        line += 1
                        lineStart = i + 1
                    }
                    i += 1
                }
                i += 2
            case UInt8(ascii: "{"):
                tokens.append((.open, here))
                i += 1
            case UInt8(ascii: "}"):
                tokens.append((.close, here))
                i += 1
            case UInt8(ascii: ";"):
                tokens.append((.semicolon, here))
                i += 1
            case UInt8(ascii: "\""):
                let place = here
                i += 1
                let start = i
                while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == 0x0A {
                        line += 1
                        lineStart = i + 1
                    }
                    i += 1
                }
                guard i < bytes.count else {
                    throw .syntax(
                        file: file, line: place.line, column: place.column, message: "a quoted string is never closed")
                }
                tokens.append((.quoted(String(decoding: bytes[start..<i], as: UTF8.self)), place))
                i += 1
            default:
                let place = here
                let start = i
                while i < bytes.count && isWordByte(bytes[i]) { i += 1 }
                tokens.append((.word(String(decoding: bytes[start..<i], as: UTF8.self)), place))
            }
        }
        return tokens
    }

    /// The key statements of `bytes`. A message says where (line and column) and what was expected there,
    /// and what was found only by kind ("a word", "a quoted string"): a misplaced word may be the secret.
    /// The key's name is quoted once it has passed `domainName`, as names are in the configuration.
    static func parse(_ bytes: [UInt8], file: String) throws(TSIGKeyError) -> [Entry] {
        let tokens = try tokenize(bytes, file: file)
        var entries: [Entry] = []
        var i = 0
        let end = tokens.last?.1 ?? Place(line: 1, column: 1)

        func describe(_ token: Token) -> String {
            switch token {
            case .word: "a word"
            case .quoted: "a quoted string"
            case .open: "\"{\""
            case .close: "\"}\""
            case .semicolon: "\";\""
            }
        }
        func fail(_ place: Place, _ message: String) -> TSIGKeyError {
            .syntax(file: file, line: place.line, column: place.column, message: message)
        }
        func expect(_ wanted: Token, after what: String) throws(TSIGKeyError) {
            guard i < tokens.count else {
                throw fail(end, "the file ends where \(describe(wanted)) should follow \(what)")
            }
            guard tokens[i].0 == wanted else {
                throw fail(tokens[i].1, "expected \(describe(wanted)) after \(what), found \(describe(tokens[i].0))")
            }
            i += 1
        }
        func text(after what: String) throws(TSIGKeyError) -> (String, Place) {
            guard i < tokens.count else { throw fail(end, "the file ends where a value should follow \(what)") }
            let (token, place) = tokens[i]
            i += 1
            switch token {
            case .word(let w), .quoted(let w): return (w, place)
            default: throw fail(place, "expected a value after \(what), found \(describe(token))")
            }
        }

        while i < tokens.count {
            let (token, place) = tokens[i]
            guard token == .word("key") else {
                throw fail(
                    place, "expected a `key` statement, found \(describe(token)) (only key statements belong here)")
            }
            i += 1
            let (keyName, namePlace) = try text(after: "key")
            guard let domain = domainName(keyName) else {
                throw fail(namePlace, "expected a key name (letters, digits, '-', '_' and dots) after key")
            }
            try expect(.open, after: "the key name")
            var algorithmName: (String, Place)?
            var secretText: (String, Place)?
            while i < tokens.count && tokens[i].0 != .close {
                let (clause, clausePlace) = try text(after: "\"{\" or \";\"")
                switch clause.lowercased() {
                case "algorithm":
                    guard algorithmName == nil else {
                        throw fail(clausePlace, "algorithm given twice in key \"\(keyName)\"")
                    }
                    algorithmName = try text(after: "algorithm")
                case "secret":
                    guard secretText == nil else { throw fail(clausePlace, "secret given twice in key \"\(keyName)\"") }
                    secretText = try text(after: "secret")
                default:
                    throw fail(
                        clausePlace,
                        "expected algorithm or secret in key \"\(keyName)\", found another word (a secret on its "
                            + "own line? write it as secret \"...\";)")
                }
                try expect(.semicolon, after: clause.lowercased())
            }
            try expect(.close, after: "the clauses of key \"\(keyName)\"")
            try expect(.semicolon, after: "\"}\"")
            guard let (algorithmText, algorithmPlace) = algorithmName else {
                throw .missingClause(file: file, line: place.line, keyName: keyName, clause: "algorithm")
            }
            guard let algorithm = TSIGAlgorithm(name: algorithmText) else {
                throw .unknownAlgorithm(file: file, line: algorithmPlace.line, column: algorithmPlace.column)
            }
            guard let (secret, secretPlace) = secretText else {
                throw .missingClause(file: file, line: place.line, keyName: keyName, clause: "secret")
            }
            guard let secretBytes = Base64.decode(secret), !secretBytes.isEmpty else {
                throw .badSecret(file: file, line: secretPlace.line, keyName: keyName)
            }
            guard !entries.contains(where: { normalized($0.name) == normalized(keyName) }) else {
                throw .duplicateKey(file: file, line: place.line, keyName: keyName)
            }
            guard let key = TSIGKey(name: domain, algorithm: algorithm, secret: secretBytes) else {
                throw .unknownAlgorithm(file: file, line: algorithmPlace.line, column: algorithmPlace.column)
            }
            entries.append(Entry(name: keyName, line: place.line, key: key))
        }
        guard !entries.isEmpty else { throw .noKeys(file: file) }
        return entries
    }

    /// A key name in presentation form, without escapes (key names are plain hostnames).
    /// Only letters, digits, '-', '_' and dots: a name is quoted in messages, so it must not be able to hold
    /// a base64 secret that landed in its place.
    static func domainName(_ text: String) -> DomainName? {
        var body = Substring(text)
        if body.hasSuffix(".") { body.removeLast() }
        guard !body.isEmpty,
            body.utf8.allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                    true
                default: false
                }
            })
        else { return nil }
        return try? DomainName(
            labels: body.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) })
    }
}
