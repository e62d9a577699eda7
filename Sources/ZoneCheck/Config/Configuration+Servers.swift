import Foundation
import DNSKit
import Yams

extension Configuration {
    static let serverKeys = [
        "name", "role", "address", "port", "key", "key_name", "zone_file", "reload", "retransfer", "status", "log",
    ]

    static func readServers(_ top: ConfigMapping) throws(ConfigError) -> [ServerConfig] {
        let source = top.source
        let listNode = try top.required(
            "servers", fix: "List the primary and its secondaries under 'servers:' (see config/zonecheck.sample.yaml)")
        guard case .sequence(let list) = listNode else {
            throw source.error(
                at: listNode, "servers", "expected a list of servers, found \(ConfigMapping.describe(listNode))",
                fix: "Write each server as a '- name: ...' item")
        }
        var servers: [ServerConfig] = []
        var lines: [Int?] = []
        var roleLines: [Int?] = []
        for (index, item) in list.enumerated() {
            servers.append(try readServer(ConfigMapping(item, keyPath: "servers[\(index)]", source: source)))
            lines.append(item.mark?.line)
            roleLines.append((item.mapping?["role"]?.mark ?? item.mark)?.line)
        }
        try checkFleet(servers, lines: lines, roleLines: roleLines, listNode: listNode, source: source)
        return servers
    }

    private static func readServer(_ map: ConfigMapping) throws(ConfigError) -> ServerConfig {
        let source = map.source
        try map.checkKeys(serverKeys)
        let name = try map.requiredString("name", fix: "Give each server a short name such as ns1")
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw source.error(
                at: map.value("name"), map.path("name"), "'\(name)' is not a plain name",
                fix: "Use letters, digits, '.', '-' and '_' only (it appears in messages and commands)")
        }
        let roleText = try map.requiredString("role", fix: "Write role: primary or role: secondary")
        guard let role = ServerRole(rawValue: roleText) else {
            throw source.error(
                at: map.value("role"), map.path("role"), "'\(roleText)' is not a role",
                fix: "Write role: primary (exactly one server) or role: secondary")
        }
        let address = try map.requiredString("address", fix: "Give the server's IPv4 or IPv6 address")
        guard IPAddress(address) != nil else {
            throw source.error(
                at: map.value("address"), map.path("address"), "'\(address)' is not an IPv4 or IPv6 address",
                fix: "Write an address such as 192.0.2.53 or 2001:db8::53 (not a host name, no brackets or port)")
        }
        let port =
            try map.int(
                "port", in: 1...65535, what: "a port number",
                fix: "Use a port from 1 to 65535 (DNS is 53), or leave it out for 53") ?? 53
        let keyText = try map.requiredString(
            "key", fix: "Give the TSIG key file for this server (tsig-keygen -a hmac-sha512 NAME > FILE)")
        let keyPath = source.resolve(keyText)
        let keyName = try map.string("key_name")
        try checkKeyFile(keyPath, keyName: keyName, map: map)

        let zoneFile = try map.string("zone_file")
        let reload = try map.command("reload")
        let retransfer = try map.command("retransfer")
        let status = try map.command("status")
        let log = try map.command("log")
        switch role {
        case .primary:
            if retransfer != nil {
                throw source.error(
                    at: map.keyNode("retransfer"), map.path("retransfer"), "is for secondaries, not the primary",
                    fix: "Remove it: the primary is the source of transfers")
            }
        case .secondary:
            for key in ["zone_file", "reload"] where map.value(key) != nil {
                throw source.error(
                    at: map.keyNode(key), map.path(key), "is for the primary only",
                    fix: "Remove it: zonecheck rewrites zone files only on the primary")
            }
        }
        if let zoneFile, !zoneFile.contains("{zone}") {
            throw source.error(
                at: map.value("zone_file"), map.path("zone_file"), "'\(zoneFile)' does not contain {zone}",
                fix: "Write where each zone's file is, e.g. /var/lib/bind/{zone}.db")
        }
        if let retransfer, !retransfer.mentionsZone {
            throw source.error(
                at: map.value("retransfer"), map.path("retransfer"), "'\(retransfer)' does not contain {zone}",
                fix: "Name the zone in the command, e.g. rndc retransfer {zone}")
        }
        if let status, !status.mentionsZone {
            throw source.error(
                at: map.value("status"), map.path("status"), "'\(status)' does not contain {zone}",
                fix: "Name the zone in the command, e.g. rndc zonestatus {zone}")
        }
        return ServerConfig(
            name: name, role: role, address: address, port: UInt16(port), keyPath: keyPath, keyName: keyName,
            zoneFile: zoneFile.map { source.resolve($0) }, reload: reload, retransfer: retransfer, status: status,
            log: log)
    }

    /// The key file must exist, be private (`PrivateFile`), and hold the key to use. Only key names are read out of it (and
    /// may appear in messages); the secret stays in the file for DNSKit's TSIG code.
    private static func checkKeyFile(_ path: String, keyName: String?, map: ConfigMapping) throws(ConfigError) {
        let source = map.source
        let at = map.value("key")
        let keyPath = map.path("key")
        // DNSKit's reader is the one reader of key files (one descriptor: its mode and owner checked, then
        // read), so what passes here is what the transport will use, links included. The key (and its secret)
        // is dropped at once; only names, places and the reason reach a message.
        do {
            _ = try TSIGKey.load(path: path, name: keyName)
        } catch {
            let fixKey = "Write it in BIND key-file syntax, as 'tsig-keygen -a hmac-sha512 NAME' prints it"
            switch error {
            case .file(let problem) where problem.problem == .missing:
                throw source.error(
                    at: at, keyPath, problem.message,
                    fix: "Correct the path, or create the key with 'tsig-keygen -a hmac-sha512 NAME > \(path)' "
                        + "and 'chmod 600 \(path)', and install the same key on the server")
            case .file(let problem):
                throw source.error(
                    at: at, keyPath, problem.message,
                    fix: problem.fix + ": a TSIG secret lets anyone transfer zones and forge answers")
            case .keyNotFound, .severalKeys:
                throw source.error(
                    at: keyName == nil ? at : map.value("key_name"), keyName == nil ? keyPath : map.path("key_name"),
                    error.description, fix: "Correct key_name or the key file")
            case .unknownAlgorithm, .missingClause:
                throw source.error(
                    at: at, keyPath, error.description,
                    fix: "Make a key with 'tsig-keygen -a hmac-sha512 NAME' and install it on the server too")
            default:
                throw source.error(at: at, keyPath, error.description, fix: fixKey)
            }
        }
    }

    private static func checkFleet(
        _ servers: [ServerConfig], lines: [Int?], roleLines: [Int?], listNode: Node, source: ConfigSource
    ) throws(ConfigError) {
        let primaries = servers.indices.filter { servers[$0].role == .primary }
        if primaries.isEmpty {
            throw source.error(
                at: listNode, "servers", "no server has role: primary",
                fix: "Mark the server where zones are edited with role: primary (exactly one)")
        }
        if primaries.count > 1 {
            let names = primaries.map { servers[$0].name }.joined(separator: ", ")
            throw ConfigError(
                path: source.path, line: roleLines[primaries[1]], keyPath: "servers[\(primaries[1])].role",
                message: "two primaries (\(names))",
                fix: "Keep role: primary on one server and make the others secondary")
        }
        var seenNames: [String: Int] = [:]
        var seenEndpoints: [[UInt8]: Int] = [:]
        for (index, server) in servers.enumerated() {
            if let first = seenNames[server.name.lowercased()] {
                throw ConfigError(
                    path: source.path, line: lines[index], keyPath: "servers[\(index)].name",
                    message: "'\(server.name)' is also the name of servers[\(first)]",
                    fix: "Give every server its own name")
            }
            seenNames[server.name.lowercased()] = index
            let endpoint =
                (IPAddress(server.address)?.bytes ?? []) + [UInt8(server.port >> 8), UInt8(server.port & 0xFF)]
            if let first = seenEndpoints[endpoint] {
                throw ConfigError(
                    path: source.path, line: lines[index], keyPath: "servers[\(index)].address",
                    message:
                        "\(server.name) has the same address and port (\(server.address) port \(server.port)) as \(servers[first].name)",
                    fix: "Each server must be reached at its own address:port; correct the address or the port")
            }
            seenEndpoints[endpoint] = index
        }
    }
}
