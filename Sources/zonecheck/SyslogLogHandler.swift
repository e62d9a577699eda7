#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Logging

/// swift-log to syslog(3) (and so to the journal on systemd machines): what `zonecheck run --log syslog`
/// uses, so cron stays silent when all is well and the one summary line per run still lands somewhere.
struct SyslogLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .info

    init(identifier: String) {
        // openlog keeps the pointer: the identifier must live as long as the process.
        Self.open(identifier)
    }

    private static func open(_ identifier: String) {
        let copy = strdup(identifier)
        openlog(copy, LOG_PID, LOG_DAEMON)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        var text = event.message.description
        if !all.isEmpty {
            text += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        let priority: Int32 =
            switch event.level {
            case .trace, .debug: LOG_DEBUG
            case .info: LOG_INFO
            case .notice: LOG_NOTICE
            case .warning: LOG_WARNING
            case .error: LOG_ERR
            case .critical: LOG_CRIT
            }
        withVaList([text]) { vsyslog(priority, "%s", $0) }
    }
}
