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
    /// picks one; it may be nil when the file holds exactly one key. A file that every user
    /// may read is refused: a TSIG secret lets whoever holds it transfer and notify zones.
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

    static func readFile(_ path: String) throws(TSIGKeyError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotRead(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotRead(file: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .cannotRead(file: path, reason: "not a regular file") }
        guard info.st_mode & 0o004 == 0 else { throw .readableByOthers(file: path, mode: UInt32(info.st_mode)) }
        guard info.st_size <= 1 << 20 else {
            throw .cannotRead(file: path, reason: "larger than 1 MiB, not a key file")
        }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(file: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    enum Token: Equatable {
        case word(String)
        case quoted(String)
        case open, close, semicolon
    }

    static func tokenize(_ bytes: [UInt8], file: String) throws(TSIGKeyError) -> [(Token, Int)] {
        var tokens: [(Token, Int)] = []
        var i = 0
        var line = 1
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
            case 0x20, 0x09, 0x0D:
                i += 1
            case UInt8(ascii: "#"):
                while i < bytes.count && bytes[i] != 0x0A { i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/"):
                while i < bytes.count && bytes[i] != 0x0A { i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                let startLine = line
                i += 2
                while true {
                    guard i + 1 < bytes.count else {
                        throw .syntax(file: file, line: startLine, message: "comment /* is never closed")
                    }
                    if bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/") { break }
                    if bytes[i] == 0x0A { line += 1 }
                    i += 1
                }
                i += 2
            case UInt8(ascii: "{"):
                tokens.append((.open, line))
                i += 1
            case UInt8(ascii: "}"):
                tokens.append((.close, line))
                i += 1
            case UInt8(ascii: ";"):
                tokens.append((.semicolon, line))
                i += 1
            case UInt8(ascii: "\""):
                let startLine = line
                i += 1
                let start = i
                while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == 0x0A { line += 1 }
                    i += 1
                }
                guard i < bytes.count else {
                    throw .syntax(file: file, line: startLine, message: "quoted string is never closed")
                }
                tokens.append((.quoted(String(decoding: bytes[start..<i], as: UTF8.self)), startLine))
                i += 1
            default:
                let start = i
                while i < bytes.count && isWordByte(bytes[i]) { i += 1 }
                tokens.append((.word(String(decoding: bytes[start..<i], as: UTF8.self)), line))
            }
        }
        return tokens
    }

    static func parse(_ bytes: [UInt8], file: String) throws(TSIGKeyError) -> [Entry] {
        let tokens = try tokenize(bytes, file: file)
        var entries: [Entry] = []
        var i = 0
        let lastLine = tokens.last?.1 ?? 1

        func describe(_ token: Token) -> String {
            switch token {
            case .word(let w): "\"\(w)\""
            case .quoted: "a quoted string"
            case .open: "\"{\""
            case .close: "\"}\""
            case .semicolon: "\";\""
            }
        }
        func expect(_ wanted: Token, after what: String) throws(TSIGKeyError) {
            guard i < tokens.count else {
                throw .syntax(
                    file: file, line: lastLine, message: "file ends where \(describe(wanted)) should follow \(what)")
            }
            guard tokens[i].0 == wanted else {
                throw .syntax(
                    file: file, line: tokens[i].1,
                    message: "expected \(describe(wanted)) after \(what), found \(describe(tokens[i].0))")
            }
            i += 1
        }
        func text(after what: String) throws(TSIGKeyError) -> (String, Int) {
            guard i < tokens.count else {
                throw .syntax(file: file, line: lastLine, message: "file ends where a value should follow \(what)")
            }
            let (token, line) = tokens[i]
            i += 1
            switch token {
            case .word(let w), .quoted(let w): return (w, line)
            default:
                throw .syntax(
                    file: file, line: line, message: "expected a value after \(what), found \(describe(token))")
            }
        }

        while i < tokens.count {
            let (token, line) = tokens[i]
            guard token == .word("key") else {
                throw .syntax(
                    file: file, line: line,
                    message: "expected a `key` statement, found \(describe(token)) (only key statements belong here)")
            }
            i += 1
            let (keyName, nameLine) = try text(after: "key")
            guard let domain = domainName(keyName) else {
                throw .syntax(file: file, line: nameLine, message: "\"\(keyName)\" is not a valid key name")
            }
            try expect(.open, after: "the key name")
            var algorithmName: (String, Int)?
            var secretText: (String, Int)?
            while i < tokens.count && tokens[i].0 != .close {
                let (clause, clauseLine) = try text(after: "\"{\"")
                switch clause.lowercased() {
                case "algorithm":
                    guard algorithmName == nil else {
                        throw .syntax(
                            file: file, line: clauseLine, message: "algorithm given twice in key \"\(keyName)\"")
                    }
                    algorithmName = try text(after: "algorithm")
                case "secret":
                    guard secretText == nil else {
                        throw .syntax(file: file, line: clauseLine, message: "secret given twice in key \"\(keyName)\"")
                    }
                    secretText = try text(after: "secret")
                default:
                    throw .syntax(
                        file: file, line: clauseLine,
                        message: "unknown clause \"\(clause)\" in key \"\(keyName)\" (expected algorithm or secret)")
                }
                try expect(.semicolon, after: clause)
            }
            try expect(.close, after: "the clauses of key \"\(keyName)\"")
            try expect(.semicolon, after: "\"}\"")
            guard let (algorithmText, algorithmLine) = algorithmName else {
                throw .missingClause(file: file, line: line, keyName: keyName, clause: "algorithm")
            }
            guard let algorithm = TSIGAlgorithm(name: algorithmText) else {
                throw .unknownAlgorithm(file: file, line: algorithmLine, algorithm: algorithmText)
            }
            guard let (secret, secretLine) = secretText else {
                throw .missingClause(file: file, line: line, keyName: keyName, clause: "secret")
            }
            guard let secretBytes = Base64.decode(secret), !secretBytes.isEmpty else {
                throw .badSecret(file: file, line: secretLine, keyName: keyName)
            }
            guard !entries.contains(where: { normalized($0.name) == normalized(keyName) }) else {
                throw .duplicateKey(file: file, line: line, keyName: keyName)
            }
            guard let key = TSIGKey(name: domain, algorithm: algorithm, secret: secretBytes) else {
                throw .unknownAlgorithm(file: file, line: algorithmLine, algorithm: algorithmText)
            }
            entries.append(Entry(name: keyName, line: line, key: key))
        }
        guard !entries.isEmpty else { throw .noKeys(file: file) }
        return entries
    }

    /// A key name in presentation form, without escapes (key names are plain hostnames).
    static func domainName(_ text: String) -> DomainName? {
        var body = Substring(text)
        if body.hasSuffix(".") { body.removeLast() }
        guard !body.isEmpty, !body.contains("\\") else { return nil }
        return try? DomainName(
            labels: body.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) })
    }
}
