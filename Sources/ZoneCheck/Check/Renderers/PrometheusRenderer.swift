import Foundation

/// The `--format prometheus` output: the text exposition format (version 0.0.4), for node_exporter's
/// textfile collector. Every zone and server appears, problems or not.
public struct PrometheusRenderer: Sendable {
    /// `vantage`: a label on every sample when set (several checkers feeding one Prometheus).
    public var vantage: String?

    public init(vantage: String? = nil) {
        self.vantage = vantage
    }

    public func render(_ report: CheckReport) -> String {
        var out = "# HELP zonecheck_zone_serial SOA serial a server serves for a zone (verified answers only).\n"
        out += "# TYPE zonecheck_zone_serial gauge\n"
        for verdict in report.verdicts {
            for cell in verdict.servers {
                guard let serial = cell.serial else { continue }
                out += "zonecheck_zone_serial{\(labels(zone: verdict.zone, server: cell.server))} \(serial)\n"
            }
        }
        out += "# HELP zonecheck_zone_up 1 when the server gave a verified, authoritative SOA answer for the zone.\n"
        out += "# TYPE zonecheck_zone_up gauge\n"
        for verdict in report.verdicts {
            for cell in verdict.servers {
                out += "zonecheck_zone_up{\(labels(zone: verdict.zone, server: cell.server))} "
                out += cell.serial == nil ? "0\n" : "1\n"
            }
        }
        out += "# HELP zonecheck_rrsig_expiration_timestamp_seconds When the RRSIG(SOA) the server serves ends "
        out += "(the earliest if several), seconds since 1970; signed zones only.\n"
        out += "# TYPE zonecheck_rrsig_expiration_timestamp_seconds gauge\n"
        for verdict in report.verdicts {
            for cell in verdict.servers {
                guard let signature = cell.soaRRSIG else { continue }
                out +=
                    "zonecheck_rrsig_expiration_timestamp_seconds{\(labels(zone: verdict.zone, server: cell.server))} "
                out += "\(Int64(signature.expiration.timeIntervalSince1970))\n"
            }
        }
        out += "# HELP zonecheck_dropped_answers Answers from the server that matched a query but did not verify "
        out +=
            "(unsigned, bad MAC, wrong key) and were dropped during this check: forged answers, an attack indicator.\n"
        out += "# TYPE zonecheck_dropped_answers gauge\n"
        for server in report.servers {
            out +=
                "zonecheck_dropped_answers{\(vantageLabel)server=\"\(Self.escape(server))\"} \(report.droppedAnswers[server] ?? 0)\n"
        }
        out += "# HELP zonecheck_zone_status Verdict for the zone: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
        out += "# TYPE zonecheck_zone_status gauge\n"
        for verdict in report.verdicts {
            out +=
                "zonecheck_zone_status{\(vantageLabel)zone=\"\(Self.escape(verdict.zone))\"} \(verdict.status.rawValue)\n"
        }
        return out
    }

    /// `vantage="eu-par1",` or nothing.
    var vantageLabel: String { vantage.map { "vantage=\"\(Self.escape($0))\"," } ?? "" }

    func labels(zone: String, server: String) -> String {
        "\(vantageLabel)zone=\"\(Self.escape(zone))\",server=\"\(Self.escape(server))\""
    }

    /// Label values escape backslash, double quote and line feed.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
