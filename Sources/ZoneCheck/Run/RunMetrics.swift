import DNSKit
public import Foundation

/// `run --prometheus FILE`: the node_exporter textfile (exposition format 0.0.4) of one run. Pure.
///
/// Per zone and server: serial, lag (serials behind the primary, and seconds since the lag was first seen),
/// up, last check time. Per server: answer rate, TSIG failures and median RTT. Open incidents by severity.
/// The run itself: when it started and ended, when the last run that finished ended (for the dead-man rule
/// in config/prometheus/zonecheck.rules.yml: only a finished run writes this file, so a killed or hung one
/// leaves that time behind), and the lag grace the lag rule compares with. With `vantage` set, every sample
/// carries a `vantage` label, so several checkers can feed one Prometheus.
public struct RunMetrics: Sendable {
    public var verdicts: [ZoneVerdict]
    public var servers: [ServerRunStats]
    public var lag: [String: LagClock]
    public var checkedAt: Date
    public var openIncidents: [Incident]
    public var runSeconds: Double
    /// When the run started and ended (the end is also the last finished run's time).
    public var startedAt: Date
    public var finishedAt: Date
    /// `check.lag_grace`, for the lag rule.
    public var lagGrace: Duration
    /// `vantage`, the label on every sample (nil: none).
    public var vantage: String?
    /// Answers per server that did not verify and were dropped in this run (an attack indicator).
    public var droppedAnswers: [String: Int] = [:]

    public init(
        verdicts: [ZoneVerdict], servers: [ServerRunStats], lag: [String: LagClock], checkedAt: Date,
        openIncidents: [Incident], runSeconds: Double, startedAt: Date? = nil, finishedAt: Date? = nil,
        lagGrace: Duration = .seconds(600), vantage: String? = nil
    ) {
        self.startedAt = startedAt ?? checkedAt
        self.finishedAt = finishedAt ?? checkedAt
        self.lagGrace = lagGrace
        self.vantage = vantage
        self.verdicts = verdicts
        self.servers = servers
        self.lag = lag
        self.checkedAt = checkedAt
        self.openIncidents = openIncidents
        self.runSeconds = runSeconds
    }

    public func render() -> String {
        var out = ""
        func family(_ name: String, _ help: String, _ type: String = "gauge") {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        // Escaping is done once per name, not once per line: 1,000 zones x 5 servers x 6 families add up.
        var escaped: [String: String] = [:]
        func escape(_ name: String) -> String {
            if let known = escaped[name] { return known }
            let text =
                name.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == 10 })
                ? PrometheusRenderer.escape(name) : name
            escaped[name] = text
            return text
        }
        let vantageLabel = vantage.map { "vantage=\"\(PrometheusRenderer.escape($0))\"" }
        let first = vantageLabel.map { $0 + "," } ?? ""
        /// The label set of a sample without labels of its own: `{vantage="..."}` or nothing.
        let bare = vantageLabel.map { "{\($0)}" } ?? ""
        func labels(_ zone: String, _ server: String) -> String {
            "\(first)zone=\"\(escape(zone))\",server=\"\(escape(server))\""
        }
        family("zonecheck_zone_serial", "SOA serial a server serves for a zone (verified answers only).")
        for verdict in verdicts {
            for cell in verdict.servers {
                guard let serial = cell.serial else { continue }
                out += "zonecheck_zone_serial{\(labels(verdict.zone, cell.server))} \(serial)\n"
            }
        }
        family("zonecheck_zone_up", "1 when the server gave a verified, authoritative SOA answer for the zone.")
        for verdict in verdicts {
            for cell in verdict.servers {
                out += "zonecheck_zone_up{\(labels(verdict.zone, cell.server))} \(cell.serial == nil ? 0 : 1)\n"
            }
        }
        family("zonecheck_zone_lag_serials", "How many serials (RFC 1982) the server is behind the primary; 0 in sync.")
        for verdict in verdicts {
            let primary = verdict.servers.first { $0.role == .primary }?.serial
            for cell in verdict.servers where cell.role == .secondary {
                guard let serial = cell.serial, let primary else { continue }
                let behind =
                    Serial(serial).compare(to: Serial(primary)) == .less
                    ? (Serial(serial).distance(to: Serial(primary)) ?? 0) : 0
                out += "zonecheck_zone_lag_serials{\(labels(verdict.zone, cell.server))} \(behind)\n"
            }
        }
        family("zonecheck_zone_lag_seconds", "How long the server has been behind the primary; 0 in sync.")
        for verdict in verdicts {
            for cell in verdict.servers where cell.role == .secondary && cell.serial != nil {
                let age = cell.state == .lagging ? (lag[verdict.zone]?.age(of: cell.server) ?? 0) : 0
                out += "zonecheck_zone_lag_seconds{\(labels(verdict.zone, cell.server))} \(Int(age))\n"
            }
        }
        family(
            "zonecheck_rrsig_expiration_timestamp_seconds",
            "When the RRSIG(SOA) the server serves ends (the earliest if several), Unix time; signed zones only.")
        for verdict in verdicts {
            for cell in verdict.servers {
                guard let signature = cell.soaRRSIG else { continue }
                out += "zonecheck_rrsig_expiration_timestamp_seconds{\(labels(verdict.zone, cell.server))} "
                out += "\(Int64(signature.expiration.timeIntervalSince1970))\n"
            }
        }
        family("zonecheck_zone_status", "Verdict for the zone: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
        for verdict in verdicts {
            out +=
                "zonecheck_zone_status{\(first)zone=\"\(escape(verdict.zone))\"} \(verdict.status.rawValue)\n"
        }
        family("zonecheck_zone_last_check_timestamp_seconds", "When the zone was last checked (Unix time).")
        let stamp = Int(checkedAt.timeIntervalSince1970)
        for verdict in verdicts {
            for cell in verdict.servers {
                out += "zonecheck_zone_last_check_timestamp_seconds{\(labels(verdict.zone, cell.server))} \(stamp)\n"
            }
        }
        family("zonecheck_server_answer_ratio", "Verified answers / queries in the last run, per server.")
        for stats in servers where stats.queries > 0 {
            let ratio = Double(stats.answered) / Double(stats.queries)
            out += "zonecheck_server_answer_ratio{\(first)server=\"\(escape(stats.server))\"} \(ratio)\n"
        }
        family(
            "zonecheck_server_auth_failures",
            "Answers from the server that failed TSIG verification or that it refused with a TSIG error, last run.")
        for stats in servers {
            out += "zonecheck_server_auth_failures{\(first)server=\"\(escape(stats.server))\"} \(stats.authFailures)\n"
        }
        family("zonecheck_server_rtt_median_seconds", "Median round-trip time of the SOA queries in the last run.")
        for stats in servers {
            guard let rtt = stats.rttMedianMilliseconds else { continue }
            out +=
                "zonecheck_server_rtt_median_seconds{\(first)server=\"\(escape(stats.server))\"} "
                + "\(rtt / 1000)\n"
        }
        family(
            "zonecheck_dropped_answers",
            "Answers that matched a query but did not verify (unsigned, bad MAC, wrong key) and were dropped in the "
                + "last run: forged answers, an attack indicator.")
        for stats in servers {
            out +=
                "zonecheck_dropped_answers{\(first)server=\"\(escape(stats.server))\"} \(droppedAnswers[stats.server] ?? 0)\n"
        }
        family("zonecheck_incidents_open", "Open incidents by severity.")
        for severity in [Severity.warning, .critical] {
            let count = openIncidents.count { $0.isOpen && $0.severity == severity }
            out += "zonecheck_incidents_open{\(first)severity=\"\(severity.description.lowercased())\"} \(count)\n"
        }
        family("zonecheck_run_duration_seconds", "How long the last run took.")
        out += "zonecheck_run_duration_seconds\(bare) \(String(format: "%.3f", runSeconds))\n"
        family("zonecheck_run_timestamp_seconds", "When the last run checked (Unix time).")
        out += "zonecheck_run_timestamp_seconds\(bare) \(stamp)\n"
        family("zonecheck_run_start_timestamp_seconds", "When the last run started (Unix time).")
        out += "zonecheck_run_start_timestamp_seconds\(bare) \(Int(startedAt.timeIntervalSince1970))\n"
        family("zonecheck_run_end_timestamp_seconds", "When the last run ended (Unix time).")
        out += "zonecheck_run_end_timestamp_seconds\(bare) \(Int(finishedAt.timeIntervalSince1970))\n"
        family(
            "zonecheck_run_last_success_timestamp_seconds",
            "When the last run that finished (checked every zone, stored its state) ended (Unix time).")
        out += "zonecheck_run_last_success_timestamp_seconds\(bare) \(Int(finishedAt.timeIntervalSince1970))\n"
        family("zonecheck_lag_grace_seconds", "check.lag_grace: a lag shorter than this is normal propagation.")
        out += "zonecheck_lag_grace_seconds\(bare) \(lagGrace.components.seconds)\n"
        return out
    }
}
