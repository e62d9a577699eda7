import DNSKit
public import Foundation

/// `run --prometheus FILE`: the node_exporter textfile (exposition format 0.0.4) of one run. Pure.
///
/// Per zone and server: serial, lag (serials behind the primary, and seconds since the lag was first seen),
/// up, last check time. Per server: answer rate and median RTT. Open incidents by severity.
public struct RunMetrics: Sendable {
    public var verdicts: [ZoneVerdict]
    public var servers: [ServerRunStats]
    public var lag: [String: LagClock]
    public var checkedAt: Date
    public var openIncidents: [Incident]
    public var runSeconds: Double
    /// Answers per server that did not verify and were dropped in this run (an attack indicator).
    public var droppedAnswers: [String: Int] = [:]

    public init(
        verdicts: [ZoneVerdict], servers: [ServerRunStats], lag: [String: LagClock], checkedAt: Date,
        openIncidents: [Incident], runSeconds: Double
    ) {
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
        func labels(_ zone: String, _ server: String) -> String {
            "zone=\"\(escape(zone))\",server=\"\(escape(server))\""
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
        family("zonecheck_zone_status", "Verdict for the zone: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
        for verdict in verdicts {
            out +=
                "zonecheck_zone_status{zone=\"\(escape(verdict.zone))\"} \(verdict.status.rawValue)\n"
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
            out += "zonecheck_server_answer_ratio{server=\"\(escape(stats.server))\"} \(ratio)\n"
        }
        family("zonecheck_server_rtt_median_seconds", "Median round-trip time of the SOA queries in the last run.")
        for stats in servers {
            guard let rtt = stats.rttMedianMilliseconds else { continue }
            out +=
                "zonecheck_server_rtt_median_seconds{server=\"\(escape(stats.server))\"} "
                + "\(rtt / 1000)\n"
        }
        family(
            "zonecheck_dropped_answers",
            "Answers that matched a query but did not verify (unsigned, bad MAC, wrong key) and were dropped in the "
                + "last run: forged answers, an attack indicator.")
        for stats in servers {
            out +=
                "zonecheck_dropped_answers{server=\"\(escape(stats.server))\"} \(droppedAnswers[stats.server] ?? 0)\n"
        }
        family("zonecheck_incidents_open", "Open incidents by severity.")
        for severity in [Severity.warning, .critical] {
            let count = openIncidents.count { $0.isOpen && $0.severity == severity }
            out += "zonecheck_incidents_open{severity=\"\(severity.description.lowercased())\"} \(count)\n"
        }
        family("zonecheck_run_duration_seconds", "How long the last run took.")
        out += "zonecheck_run_duration_seconds \(String(format: "%.3f", runSeconds))\n"
        family("zonecheck_run_timestamp_seconds", "When the last run checked (Unix time).")
        out += "zonecheck_run_timestamp_seconds \(stamp)\n"
        return out
    }
}
