#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation
public import Logging

/// swift-log to the local syslog socket (and so to the journal on systemd machines): what
/// `zonecheck run --log syslog` uses, so cron stays silent when all is well and the one summary line per run
/// still lands somewhere.
///
/// It speaks the datagram protocol glibc's syslog(3) speaks (RFC 3164 framing: `<PRI>Mmm dd hh:mm:ss
/// ident[pid]: text`, local time) rather than calling vsyslog: the socket path is then a parameter, so a test
/// binds its own socket and reads the very bytes rsyslog or journald would, and a Swift `String` can never again
/// reach a C `%s` (issue 11: the summary arrived as binary bytes).
public struct SyslogLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    let socket: SyslogSocket

    /// - Parameter socketPath: where syslogd (or journald) listens; tests give their own.
    public init(identifier: String, socketPath: String = "/dev/log") {
        socket = SyslogSocket(identifier: identifier, path: socketPath)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        var text = event.message.description
        if !all.isEmpty {
            text += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        socket.send(priority: Self.priority(event.level), text: text)
    }

    /// syslog(3)'s priority for a swift-log level.
    static func priority(_ level: Logger.Level) -> Int32 {
        switch level {
        case .trace, .debug: LOG_DEBUG
        case .info: LOG_INFO
        case .notice: LOG_NOTICE
        case .warning: LOG_WARNING
        case .error: LOG_ERR
        case .critical: LOG_CRIT
        }
    }
}

/// The connection to the syslog socket, shared by every copy of the handler: opened on first use, opened again
/// once when syslogd was restarted under it. A message that cannot be delivered is dropped, as syslog(3) drops
/// it: logging must never stop a run.
final class SyslogSocket: @unchecked Sendable {
    let identifier: String
    let path: String
    let facility: Int32 = LOG_DAEMON
    private let lock = NSLock()
    private var descriptor: Int32 = -1
    private var stream = false

    init(identifier: String, path: String) {
        self.identifier = identifier
        self.path = path
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// The datagram syslogd receives: `<PRI>Mmm dd hh:mm:ss ident[pid]: text`, PRI = facility | priority.
    static func frame(priority: Int32, facility: Int32, identifier: String, pid: Int32, time: time_t, text: String)
        -> [UInt8]
    {
        var clock = time
        var local = tm()
        localtime_r(&clock, &local)
        var stamp = [CChar](repeating: 0, count: 32)
        let length = strftime(&stamp, stamp.count, "%h %e %T", &local)
        let when = String(decoding: stamp[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Array("<\(facility | priority)>\(when) \(identifier)[\(pid)]: \(text)".utf8)
    }

    func send(priority: Int32, text: String) {
        var bytes = Self.frame(
            priority: priority, facility: facility, identifier: identifier, pid: getpid(), time: time(nil), text: text)
        lock.lock()
        defer { lock.unlock() }
        // A stream socket (an old syslogd) separates messages by a NUL, as glibc does.
        for attempt in 0..<2 {
            if descriptor < 0 && !connect() { return }
            if stream && bytes.last != 0 { bytes.append(0) }
            let sent = bytes.withUnsafeBytes { buffer in
                Glibc.send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            }
            if sent == bytes.count { return }
            // syslogd restarted (a new socket at the same path): reconnect once.
            close(descriptor)
            descriptor = -1
            if attempt == 1 { return }
        }
    }

    /// Connects to `path` (datagram first, stream when the socket is one); false when nobody listens.
    private func connect() -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        for kind in [Int32(SOCK_DGRAM.rawValue), Int32(SOCK_STREAM.rawValue)] {
            let fd = socket(AF_UNIX, kind | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return false }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if connected == 0 {
                descriptor = fd
                stream = kind == Int32(SOCK_STREAM.rawValue)
                return true
            }
            let failure = errno
            close(fd)
            guard failure == EPROTOTYPE else { return false }
        }
        return false
    }
}
