#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The user behind a uid, from the password database (getpwuid_r: no shared static buffer), for messages
/// and the audit log. Environment variables such as USER or SUDO_USER are claims; the uid is a fact.
public enum SystemUser {
    /// The login name of `uid`, or nil when the password database has none.
    public static func name(uid: Int) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        return buffer.withUnsafeMutableBufferPointer { storage -> String? in
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>? = nil
            let status = getpwuid_r(uid_t(uid), &entry, storage.baseAddress!, storage.count, &found)
            // pw_name points into `storage`: read it before the buffer goes.
            guard status == 0, found != nil, let name = entry.pw_name else { return nil }
            return String(cString: name)
        }
    }

    /// The real user running this process (getuid), by name when it has one, else `uid N`.
    public static var real: String {
        let uid = Int(getuid())
        return name(uid: uid) ?? "uid \(uid)"
    }
}
