public import Foundation

/// Problems that share a cause are told as one: incidents with the same problem on the same servers (and the
/// same severity) across many zones become one `IncidentNote`, "ns3 is behind on 300 zones", with every zone
/// listed. Pure.
public enum IncidentGrouping {
    /// One note per (problem, server set, severity, flapping), in order of severity (worst first), then size.
    /// `serverOrder` is the configuration's order (servers in notes follow it).
    public static func notes(_ incidents: [Incident], serverOrder: [String], now: Date) -> [IncidentNote] {
        struct GroupKey: Hashable {
            var problem: FindingKind
            var servers: [String]
            var severity: Severity
            var flapping: Bool
        }
        func ordered(_ servers: [String]) -> [String] {
            servers.sorted {
                (serverOrder.firstIndex(of: $0) ?? .max, $0) < (serverOrder.firstIndex(of: $1) ?? .max, $1)
            }
        }
        var groups: [GroupKey: [Incident]] = [:]
        var keys: [GroupKey] = []
        for incident in incidents {
            let key = GroupKey(
                problem: incident.problem, servers: ordered(incident.servers), severity: incident.severity,
                flapping: incident.flapping)
            if groups[key] == nil { keys.append(key) }
            groups[key, default: []].append(incident)
        }
        let notes = keys.map { key -> IncidentNote in
            let members = groups[key]!.sorted { $0.zone < $1.zone }
            let zones = members.map(\.zone)
            let resolved = members.allSatisfy { $0.resolvedAt != nil }
            let id = members.compactMap(\.id).min() ?? 0
            var detail = members[0].detail
            if members.count > 1 {
                detail = groupCommand(detail, zone: members[0].zone, incident: id)
                detail +=
                    "\n(the same on \(members.count - 1) more zone\(members.count == 2 ? "" : "s"); every zone is listed)"
            }
            if key.flapping {
                detail =
                    "It keeps coming and going (flapping): reported once, not at every change; it closes when it has "
                    + "been stable for a while.\n" + detail
            }
            return IncidentNote(
                id: id, severity: key.severity, problem: key.problem,
                servers: key.servers, zones: zones, headline: headline(key.problem, servers: key.servers, zones: zones),
                detail: detail, openedAt: members.map(\.openedAt).min()!,
                resolvedAt: resolved ? members.compactMap(\.resolvedAt).max() : nil, flapping: key.flapping)
        }
        return notes.sorted {
            ($0.severity.rawValue, $0.zones.count, -$0.id) > ($1.severity.rawValue, $1.zones.count, -$1.id)
        }
    }

    /// "ns3 is behind on 300 zones", "ns2 and ns4 do not answer for example.com".
    public static func headline(_ problem: FindingKind, servers: [String], zones: [String]) -> String {
        let on = zones.count == 1 ? zones[0] : "\(zones.count) zones"
        let who = list(servers)
        let plural = servers.count > 1
        switch problem {
        case .lagging: return "\(who) \(plural ? "are" : "is") behind on \(on)"
        case .ahead: return "\(who) \(plural ? "are" : "is") ahead of the primary on \(on)"
        case .incomparable: return "\(who) and the primary serve serials 2^31 apart on \(on)"
        case .unreachable: return "\(who) \(plural ? "do" : "does") not answer for \(on)"
        case .authFailed: return "\(who) \(plural ? "fail" : "fails") TSIG authentication on \(on)"
        case .notServed: return "\(who) \(plural ? "do" : "does") not serve \(on)"
        case .badAnswer: return "\(who) \(plural ? "give" : "gives") unusable answers for \(on)"
        case .diverged:
            // Diverged findings name the primary first, then the server whose content differs.
            let others = servers.count > 1 ? Array(servers.dropFirst()) : servers
            let reference = servers.count > 1 ? servers[0] : "the primary"
            return "\(list(others)) \(others.count > 1 ? "serve" : "serves") other content than \(reference) on \(on)"
        case .transferFailed: return "transfers from \(who) fail for \(on)"
        case .fileNotLoaded: return "\(who) has not loaded its zone file for \(on)"
        case .fileSerialNotIncremented: return "\(who)'s zone file changed without a new serial for \(on)"
        case .fileLint: return "\(who)'s zone file does not lint clean for \(on)"
        case .primaryCannotSend:
            return "\(servers.first ?? "the primary") cannot send \(on) to its secondaries"
        case .runUnfinished: return "a zonecheck run did not finish (killed or crashed)"
        case .signaturesExpiring: return "the signatures \(who) \(plural ? "serve" : "serves") end soon on \(on)"
        case .signaturesExpired: return "\(who) \(plural ? "serve" : "serves") expired signatures on \(on)"
        case .signaturesNotYetValid: return "\(who) \(plural ? "serve" : "serves") signatures not yet valid on \(on)"
        case .partlySigned: return "\(on) is signed on some servers only"
        case .dnskeyDiffers: return "\(who) \(plural ? "serve" : "serves") another DNSKEY set on \(on)"
        case .zonemdMismatch: return "\(who) \(plural ? "fail" : "fails") the ZONEMD check on \(on)"
        case .anycastDisagrees: return "the anycast instances of \(who) disagree on \(on)"
        }
    }

    /// `text` with the repair command for one zone (`'zonecheck repair example.com'`, `'zonecheck repair
    /// example.com --yes'`) turned into the one command that repairs every zone of the group at once
    /// (`'zonecheck repair --incident 7'`, `'zonecheck repair --incident 7 --yes'`).
    public static func groupCommand(_ text: String, zone: String, incident id: Int64) -> String {
        text.replacingOccurrences(of: "'zonecheck repair \(zone)'", with: "'zonecheck repair --incident \(id)'")
            .replacingOccurrences(of: "'zonecheck repair \(zone) ", with: "'zonecheck repair --incident \(id) ")
    }

    /// "ns3", "ns3 and ns4", "ns2, ns3 and ns4".
    static func list(_ names: [String]) -> String {
        switch names.count {
        case 0: return "no server"
        case 1: return names[0]
        default: return names.dropLast().joined(separator: ", ") + " and " + names.last!
        }
    }
}
