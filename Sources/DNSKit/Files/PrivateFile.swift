#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file that holds a secret (a TSIG key, SMTP credentials), refusing one that others could read or
/// change.
///
/// The file is opened once (links followed, `O_NONBLOCK` so a FIFO cannot hang the read), its descriptor is
/// checked with `fstat` and read: what is checked is what is read, with no window for a link to be swapped in
/// between. Refused:
/// - anything but a regular file, or a file larger than `limit`;
/// - a file its group or every user may write (mode & 0o022);
/// - a file every user may read (mode & 0o004), or its group too unless `groupMayRead`;
/// - a file owned by another user than the one running zonecheck or root.
///
/// Errors name the file and the command that fixes it, never its content.
public enum PrivateFile {
    public static func read(path: String, what: String, groupMayRead: Bool, limit: Int = 1 << 20)
        throws(PrivateFileError) -> [UInt8]
    {
        func failure(_ problem: PrivateFileError.Problem) -> PrivateFileError {
            PrivateFileError(path: path, what: what, problem: problem)
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw failure(errno == ENOENT ? .missing : .cannotRead(String(cString: strerror(errno))))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(.cannotRead(String(cString: strerror(errno)))) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw failure(info.st_mode & S_IFMT == S_IFDIR ? .directory : .notRegularFile)
        }
        let mode = Int(info.st_mode & 0o7777)
        if mode & 0o022 != 0 { throw failure(.writableByOthers(mode: mode)) }
        if mode & 0o004 != 0 || (!groupMayRead && mode & 0o040 != 0) { throw failure(.readableByOthers(mode: mode)) }
        if info.st_uid != geteuid() && info.st_uid != 0 {
            throw failure(.foreignOwner(owner: Int(info.st_uid), runningUser: Int(geteuid())))
        }
        guard Int(info.st_size) <= limit else { throw failure(.tooLarge(limit: limit)) }
        do {
            return try RegularFile.readAll(descriptor, expected: Int(info.st_size), limit: limit, path: path)
        } catch {
            switch error.problem {
            case .tooLarge: throw failure(.tooLarge(limit: limit))
            default: throw failure(.cannotRead(error.reason))
            }
        }
    }
}

/// Why a file that holds a secret was not read: the file, what is wrong, and the command that fixes it.
public struct PrivateFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case missing
        case directory
        case notRegularFile
        case cannotRead(String)
        case tooLarge(limit: Int)
        case writableByOthers(mode: Int)
        case readableByOthers(mode: Int)
        case foreignOwner(owner: Int, runningUser: Int)
    }

    public var path: String
    /// `TSIG key file`, `SMTP credentials file`.
    public var what: String
    public var problem: Problem

    public init(path: String, what: String, problem: Problem) {
        self.path = path
        self.what = what
        self.problem = problem
    }

    /// What is wrong, naming the file.
    public var message: String {
        let octal = { (mode: Int) in "mode " + String(mode, radix: 8) }
        switch problem {
        case .missing: return "\(what) \(path) does not exist"
        case .directory: return "\(path) is a directory, not a \(what)"
        case .notRegularFile: return "\(what) \(path) is not a regular file"
        case .cannotRead(let reason): return "cannot read \(what) \(path): \(reason)"
        case .tooLarge(let limit): return "\(what) \(path) is larger than \(limit) bytes"
        case .writableByOthers(let mode):
            return
                "\(what) \(path) can be changed by \(mode & 0o002 != 0 ? "every user" : "its group") (\(octal(mode)))"
        case .readableByOthers(let mode):
            return "\(what) \(path) is readable by \(mode & 0o004 != 0 ? "every user" : "its group") (\(octal(mode)))"
        case .foreignOwner(let owner, _):
            let name = SystemUser.name(uid: owner).map { "\($0) (uid \(owner))" } ?? "uid \(owner)"
            return "\(what) \(path) belongs to \(name), not to root or to the user running zonecheck"
        }
    }

    /// The next step, a command to run where there is one.
    public var fix: String {
        switch problem {
        case .missing, .directory, .notRegularFile, .tooLarge: "Name the \(what) itself"
        case .cannotRead: "Check that the user running zonecheck may read it"
        case .writableByOthers, .readableByOthers: "Run 'chmod 600 \(path)'"
        case .foreignOwner(_, let running):
            "Run 'chown \(SystemUser.name(uid: running) ?? String(running)) \(path)' (or chown root)"
        }
    }

    public var description: String { "\(message). \(fix)" }
}
