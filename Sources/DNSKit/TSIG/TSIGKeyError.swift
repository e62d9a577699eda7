/// Why a TSIG key file could not be used. Every text names the file (and line and column when there
/// are some) and what to do; none quotes the file's text (so never the secret or any part of it): only key
/// names that passed the name check appear.
public enum TSIGKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Missing, unreadable, or open to others (`PrivateFile`'s rules).
    case file(PrivateFileError)
    case syntax(file: String, line: Int, column: Int, message: String)
    case unknownAlgorithm(file: String, line: Int, column: Int)
    case badSecret(file: String, line: Int, keyName: String)
    case missingClause(file: String, line: Int, keyName: String, clause: String)
    case duplicateKey(file: String, line: Int, keyName: String)
    case noKeys(file: String)
    case severalKeys(file: String, names: [String])
    case keyNotFound(file: String, name: String, available: [String])

    public var description: String {
        switch self {
        case .file(let problem): problem.description
        case .syntax(let file, let line, let column, let message):
            "\(file):\(line):\(column): \(message); the file must look like what `tsig-keygen -a hmac-sha512 NAME` "
                + "writes"
        case .unknownAlgorithm(let file, let line, let column):
            "\(file):\(line):\(column): unknown TSIG algorithm; use hmac-sha512 "
                + "(also accepted: hmac-sha384, hmac-sha256, hmac-sha224, hmac-sha1, hmac-md5)"
        case .badSecret(let file, let line, let keyName):
            "\(file):\(line): the secret of key \"\(keyName)\" is not valid base64; "
                + "copy it again from the server's key file or regenerate it with tsig-keygen"
        case .missingClause(let file, let line, let keyName, let clause):
            "\(file):\(line): key \"\(keyName)\" has no \(clause) clause; add `\(clause) ...;` inside its braces"
        case .duplicateKey(let file, let line, let keyName):
            "\(file):\(line): key \"\(keyName)\" is defined twice; remove one of them"
        case .noKeys(let file):
            "\(file): no key statement found; generate one with `tsig-keygen -a hmac-sha512 NAME > \(file)`"
        case .severalKeys(let file, let names):
            "\(file): holds several keys (\(names.joined(separator: ", "))); say which one with key_name"
        case .keyNotFound(let file, let name, let available):
            "\(file): no key named \"\(name)\" (the file has: \(available.joined(separator: ", "))); "
                + "fix key_name or the file"
        }
    }
}
