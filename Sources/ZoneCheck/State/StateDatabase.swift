import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The state `zonecheck run` keeps between runs: `<state.directory>/state.sqlite` (SQLite in WAL mode, via
/// GRDB). Every run's findings are written in one transaction, so a run killed at any moment leaves the
/// database as the previous run left it, or with the whole of this run: never half.
public struct StateDatabase: Sendable {
    public let path: String
    let queue: DatabaseQueue
    /// Where `open` moved a corrupt database before starting this one (nil when it found none).
    public private(set) var corruptMovedTo: String?

    public static func path(directory: String) -> String {
        (directory as NSString).appendingPathComponent("state.sqlite")
    }

    /// Opens (creating the directory, mode 0700, and the database when missing) and migrates.
    public static func open(directory: String) throws(StateError) -> StateDatabase {
        let path = Self.path(directory: directory)
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateError(path: directory, reason: "cannot create the state directory: \(error)")
        }
        // The database says which zones failed and when: readable by its owner only. SQLite gives its -wal
        // and -shm files the database file's mode, so creating it 0600 first covers all three.
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var configuration = GRDB.Configuration()
        configuration.journalMode = .wal
        // `zonecheck status` or `check` may read while a run writes: wait rather than fail.
        configuration.busyMode = .timeout(10)
        configuration.label = "zonecheck state"
        var movedTo: String? = nil
        for attempt in 1...2 {
            do {
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                try StateSchema.migrator.migrate(queue)
                return StateDatabase(path: path, queue: queue, corruptMovedTo: movedTo)
            } catch {
                // A corrupt database would stop every cron run until someone came: it is moved aside (kept
                // for inspection) and a new one started, once. Any other error (permissions, a full disk)
                // is the operator's to fix and moves nothing.
                guard attempt == 1, Self.isCorruption(error), let moved = Self.moveAside(path) else {
                    throw StateError(path: path, reason: "\(error)", isCorruption: Self.isCorruption(error))
                }
                movedTo = moved
                _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
        }
        throw StateError(path: path, reason: "cannot be opened")
    }

    /// SQLite's own verdicts on a file that is not (or no longer) a sound database.
    static func isCorruption(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    }

    /// Renames a corrupt database and its -wal and -shm files to `state.sqlite.corrupt-<UTC time>`, beside
    /// it; the new path, or nil when it could not be moved.
    static func moveAside(_ path: String, now: Date = Date()) -> String? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let target = path + ".corrupt-" + formatter.string(from: now)
        guard rename(path, target) == 0 else { return nil }
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            _ = rename(path + suffix, target + suffix)
        }
        return target
    }

    /// Opens an existing database for reading only (`check`, `status`, `history`, `digest`): nil when there
    /// is none yet (no run has happened), an error when it exists but cannot be read.
    public static func openExisting(directory: String) throws(StateError) -> StateDatabase? {
        let path = Self.path(directory: directory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let applied = try queue.read { db in try StateSchema.migrator.hasCompletedMigrations(db) }
            guard applied else {
                throw StateError(
                    path: path, reason: "was written by another version of zonecheck: run 'zonecheck run' to upgrade it"
                )
            }
            return StateDatabase(path: path, queue: queue)
        } catch let error as StateError {
            throw error
        } catch {
            throw StateError(path: path, reason: "\(error)", isCorruption: Self.isCorruption(error))
        }
    }

    /// Runs `body` in a write transaction, mapping database errors to `StateError`.
    func write<T>(_ body: (Database) throws -> T) throws(StateError) -> T {
        do {
            return try queue.write(body)
        } catch let error as StateError {
            throw error
        } catch {
            throw StateError(path: path, reason: "\(error)", isCorruption: Self.isCorruption(error))
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StateError) -> T {
        do {
            return try queue.read(body)
        } catch {
            throw StateError(path: path, reason: "\(error)", isCorruption: Self.isCorruption(error))
        }
    }
}

public struct StateError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    /// SQLite found the file corrupt (not a permission or space problem).
    public var isCorruption: Bool

    public init(path: String, reason: String, isCorruption: Bool = false) {
        self.path = path
        self.reason = reason
        self.isCorruption = isCorruption
    }

    public var description: String {
        isCorruption
            ? "\(path): \(reason): the database is corrupt; move it aside (the next zonecheck run starts a new one; the audit log keeps the history)"
            : "\(path): \(reason): check the state.directory setting, its permissions and free space"
    }
}

extension Date {
    /// Seconds since 1970, as the state database stores times.
    var stateTime: Double { timeIntervalSince1970 }
    init(stateTime: Double) { self.init(timeIntervalSince1970: stateTime) }
}
