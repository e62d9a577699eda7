/// Why a TSIG key file could not be used. Every text names the file (and line when there
/// is one) and what to do; none ever contains the secret or any part of it.
public enum TSIGKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotRead(file: String, reason: String)
    /// The file can be read by every user of the machine (mode & 0o004).
    case readableByOthers(file: String, mode: UInt32)
    case syntax(file: String, line: Int, message: String)
    case unknownAlgorithm(file: String, line: Int, algorithm: String)
    case badSecret(file: String, line: Int, keyName: String)
    case missingClause(file: String, line: Int, keyName: String, clause: String)
    case duplicateKey(file: String, line: Int, keyName: String)
    case noKeys(file: String)
    case severalKeys(file: String, names: [String])
    case keyNotFound(file: String, name: String, available: [String])

    public var description: String {
        switch self {
        case .cannotRead(let file, let reason):
            "\(file): cannot read TSIG key file: \(reason); check the path and that this user may read it"
        case .readableByOthers(let file, let mode):
            "\(file): TSIG key file is readable by every user (mode \(String(mode & 0o7777, radix: 8))); "
                + "run `chmod 600 \(file)` and keep it owned by the user running zonecheck"
        case .syntax(let file, let line, let message):
            "\(file):\(line): \(message); the file must look like what `tsig-keygen -a hmac-sha512 NAME` writes"
        case .unknownAlgorithm(let file, let line, let algorithm):
            "\(file):\(line): unknown TSIG algorithm \"\(algorithm)\"; use hmac-sha512 "
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
