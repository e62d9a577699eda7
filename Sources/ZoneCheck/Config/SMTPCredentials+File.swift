import DNSKit
public import Mail

extension SMTPCredentials {
    /// Reads the credentials file at `path` under `PrivateFile`'s rules (the same as for TSIG keys, and
    /// stricter: its group may not read it either), one descriptor checked then read. Errors name the file and
    /// the command that fixes it, never its content.
    public static func load(path: String) throws(MailError) -> SMTPCredentials {
        let bytes: [UInt8]
        do {
            bytes = try PrivateFile.read(
                path: path, what: "SMTP credentials file", groupMayRead: false, limit: 64 * 1024)
        } catch {
            let fix =
                error.problem == .missing
                ? "Create it holding user:password and run 'chmod 600 \(path)'" : error.fix
            throw MailError(.configuration, "\(error.message); \(fix)")
        }
        return try parse(bytes, path: path)
    }
}
