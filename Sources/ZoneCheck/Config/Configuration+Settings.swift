import Foundation
import Mail
import Yams

extension Configuration {
    static func readZones(_ top: ConfigMapping) throws(ConfigError) -> ZoneSources {
        let source = top.source
        let emptyFix = "List zones under zones: with names: [example.com], directory:, named_conf: or catalog:"
        guard let map = try top.mapping("zones") else {
            throw source.error(at: top.keyNode("zones") ?? top.node, "zones", "no zone source is given", fix: emptyFix)
        }
        try map.checkKeys(["names", "directory", "named_conf", "catalog"])
        var names: [String] = []
        var seen: [String: Int] = [:]
        for (index, (text, node)) in (try map.strings("names", fix: "Write one zone name per item") ?? []).enumerated()
        {
            let keyPath = "zones.names[\(index)]"
            guard let name = zoneName(text) else {
                throw source.error(
                    at: node, keyPath, "'\(text)' is not a zone name",
                    fix: "Write a domain name such as example.com (labels of 1-63 characters, no spaces)")
            }
            if let first = seen[name.lowercased()] {
                throw source.error(
                    at: node, keyPath, "\(name) is listed twice (also zones.names[\(first)])", fix: "Remove one of them"
                )
            }
            seen[name.lowercased()] = index
            names.append(name)
        }
        let directory = try map.string("directory").map { source.resolve($0) }
        if let directory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw source.error(
                    at: map.value("directory"), map.path("directory"), "\(directory) is not a directory",
                    fix: "Name the directory that holds the zone files")
            }
        }
        let namedConf = try map.string("named_conf").map { source.resolve($0) }
        if let namedConf, !FileManager.default.isReadableFile(atPath: namedConf) {
            throw source.error(
                at: map.value("named_conf"), map.path("named_conf"), "\(namedConf) does not exist or cannot be read",
                fix: "Name the named.conf file whose zone statements list the zones")
        }
        let catalogText = try map.string("catalog")
        let catalog = try catalogText.map { (text: String) throws(ConfigError) -> String in
            guard let name = zoneName(text) else {
                throw source.error(
                    at: map.value("catalog"), map.path("catalog"), "'\(text)' is not a zone name",
                    fix: "Name the catalog zone, e.g. catalog.example.")
            }
            return name
        }
        let zones = ZoneSources(names: names, directory: directory, namedConf: namedConf, catalog: catalog)
        if zones.isEmpty {
            throw source.error(at: map.node, "zones", "no zone source is given", fix: emptyFix)
        }
        return zones
    }

    /// A zone name as written, without its trailing dot, if it is a syntactically valid domain name.
    static func zoneName(_ text: String) -> String? {
        var name = text
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return nil }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.utf8.count),
                label.allSatisfy({ !$0.isWhitespace && $0 != "/" && $0 != "\\" && $0 != "\"" && $0.isASCII })
            else { return nil }
        }
        return name
    }

    static func readCheck(_ top: ConfigMapping) throws(ConfigError) -> CheckSettings {
        var settings = CheckSettings()
        guard let map = try top.mapping("check") else { return settings }
        try map.checkKeys([
            "timeout", "retries", "concurrency", "lag_grace", "deep", "deadline", "max_transfer_size",
            "max_transfer_records", "signatures",
        ])
        if let signatures = try map.mapping("signatures") {
            try signatures.checkKeys(["warning", "critical"])
            if let warning = try signatures.duration("warning") { settings.signatures.warning = warning }
            if let critical = try signatures.duration("critical") { settings.signatures.critical = critical }
            guard settings.signatures.critical <= settings.signatures.warning else {
                throw signatures.source.error(
                    at: signatures.value("critical") ?? signatures.value("warning"), signatures.path("critical"),
                    "critical (\(settings.signatures.critical)) is longer than warning (\(settings.signatures.warning))",
                    fix: "The critical threshold is the nearer one: e.g. warning: 7d, critical: 2d")
            }
        }
        if let text = try map.string("max_transfer_size") {
            guard let octets = CheckSettings.octets(configText: text) else {
                throw map.source.error(
                    at: map.value("max_transfer_size"), map.path("max_transfer_size"),
                    "\(text) is not an amount of octets (1 to 1TiB)", fix: "Write a size such as 256MiB or 2GiB")
            }
            settings.maxTransferSize = octets
        }
        if let records = try map.int(
            "max_transfer_records", in: 1...1_000_000_000, what: "a number of records",
            fix: "Use a number such as 5000000 (the default)")
        {
            settings.maxTransferRecords = records
        }
        if let timeout = try map.duration("timeout") { settings.timeout = timeout }
        if let retries = try map.int("retries", in: 0...10, what: "a number of retries", fix: "Use 0 to 10, usually 3")
        {
            settings.retries = retries
        }
        if let concurrency = try map.int(
            "concurrency", in: 1...10_000, what: "a number of queries in flight per server",
            fix: "Use 1 to 10000, usually 256")
        {
            settings.concurrency = concurrency
        }
        if let lagGrace = try map.duration("lag_grace", allowZero: true) { settings.lagGrace = lagGrace }
        if let deadline = try map.duration("deadline") {
            guard deadline >= settings.timeout else {
                throw map.source.error(
                    at: map.value("deadline"), map.path("deadline"),
                    "\(deadline) is shorter than check.timeout (\(settings.timeout))",
                    fix: "Give the sweep at least one timeout, e.g. deadline: 60s")
            }
            settings.deadline = deadline
        }
        if map.keyNode("deep") != nil {
            let text = try map.string("deep")
            // "deep: never" (or no value) turns the periodic deep check off; `zonecheck check --deep` still works.
            if text == nil || ["never", "off", "false", "no"].contains(text?.lowercased() ?? "") {
                settings.deep = nil
            } else {
                settings.deep = try map.duration("deep")
            }
        }
        return settings
    }

    static func readRepair(_ top: ConfigMapping) throws(ConfigError) -> RepairSettings {
        var settings = RepairSettings()
        guard let map = try top.mapping("repair") else { return settings }
        try map.checkKeys([
            "auto", "primary_from_secondary", "max_per_zone_per_hour", "converge_timeout", "restore_quorum",
        ])
        if let auto = try map.bool("auto") { settings.auto = auto }
        if let fromSecondary = try map.bool("primary_from_secondary") { settings.primaryFromSecondary = fromSecondary }
        if let limit = try map.int(
            "max_per_zone_per_hour", in: 0...60, what: "a number of repairs per hour",
            fix: "Use 0 (never repair automatically) to 60, usually 3")
        {
            settings.maxPerZonePerHour = limit
        }
        if let converge = try map.duration("converge_timeout") { settings.convergeTimeout = converge }
        if let quorum = try map.int(
            "restore_quorum", in: 1...16, what: "a number of servers",
            fix: "Use 2 (the default: two secondaries must agree before run rewrites the primary) or more; "
                + "1 trusts a single secondary")
        {
            settings.restoreQuorum = quorum
        }
        return settings
    }

    static func readAlerts(_ top: ConfigMapping) throws(ConfigError) -> AlertSettings {
        var settings = AlertSettings()
        guard let map = try top.mapping("alerts") else { return settings }
        try map.checkKeys(["email", "digest_every", "resolve_after", "webhook"])
        if let every = try map.duration("digest_every") { settings.digestEvery = every }
        if let runs = try map.int(
            "resolve_after", in: 1...100, what: "a number of clean runs",
            fix: "Use 1 to 100, usually 2 (an incident closes after that many clean runs in a row)")
        {
            settings.resolveAfter = runs
        }
        if let email = try map.mapping("email") { settings.email = try readEmail(email) }
        if let webhook = try map.mapping("webhook") { settings.webhook = try readWebhook(webhook) }
        return settings
    }

    private static func readEmail(_ map: ConfigMapping) throws(ConfigError) -> EmailSettings {
        let source = map.source
        try map.checkKeys(["to", "from", "transport", "smtp", "sendmail"])
        _ = try map.required("to", fix: "List who receives alerts: to: [hostmaster@example.com]")
        let to = try map.strings("to", fix: "Write one address per item") ?? []
        if to.isEmpty {
            throw source.error(at: map.value("to"), map.path("to"), "is empty", fix: "List at least one address")
        }
        for (index, (address, node)) in to.enumerated() where !isMailAddress(address) {
            throw source.error(
                at: node, "\(map.path("to"))[\(index)]", "'\(address)' is not an email address",
                fix: "Write an address such as hostmaster@example.com")
        }
        let from = try map.requiredString("from", fix: "Give the sender address, e.g. from: zonecheck@example.com")
        guard isMailAddress(from) else {
            throw source.error(
                at: map.value("from"), map.path("from"), "'\(from)' is not an email address",
                fix: "Write an address such as zonecheck@example.com")
        }
        var transport = EmailSettings.Transport.sendmail
        if let text = try map.string("transport") {
            guard let parsed = EmailSettings.Transport(rawValue: text) else {
                throw source.error(
                    at: map.value("transport"), map.path("transport"), "'\(text)' is not a mail transport",
                    fix: "Write transport: sendmail or transport: smtp")
            }
            transport = parsed
        }
        var smtp: SMTPSettings?
        if let smtpMap = try map.mapping("smtp") {
            guard transport == .smtp else {
                throw source.error(
                    at: map.keyNode("smtp"), map.path("smtp"), "is given but transport is sendmail",
                    fix: "Write transport: smtp, or remove the smtp settings")
            }
            smtp = try readSMTP(smtpMap)
        } else if transport == .smtp {
            throw source.error(
                at: map.keyNode("transport"), map.path("smtp"), "missing (transport is smtp)",
                fix: "Add smtp: { host: mail.example.com, port: 587, starttls: true }")
        }
        var sendmail = EmailSettings.defaultSendmail
        if let text = try map.string("sendmail") {
            let at = map.value("sendmail")
            guard transport == .sendmail else {
                throw source.error(
                    at: map.keyNode("sendmail"), map.path("sendmail"), "is given but transport is smtp",
                    fix: "Write transport: sendmail, or remove the sendmail setting")
            }
            guard let words = commandWords(text), let program = words.first, program.hasPrefix("/") else {
                throw source.error(
                    at: at, map.path("sendmail"), "'\(text)' is not a program's full path with its arguments",
                    fix: "Write e.g. sendmail: \"/usr/sbin/sendmail -t -oi\" (no shell: no pipes, no variables)")
            }
            sendmail = words
        }
        return EmailSettings(to: to.map(\.0), from: from, transport: transport, smtp: smtp, sendmail: sendmail)
    }

    private static func readSMTP(_ map: ConfigMapping) throws(ConfigError) -> SMTPSettings {
        let source = map.source
        try map.checkKeys(["host", "port", "starttls", "credentials", "ca_file"])
        let host = try map.requiredString("host", fix: "Give the SMTP relay's host name or address")
        let port =
            try map.int(
                "port", in: 1...65535, what: "a port number", fix: "Use 587 (submission), 25 or 465") ?? 587
        let starttls = try map.bool("starttls") ?? true
        var credentials: String?
        if let text = try map.string("credentials") {
            let path = source.resolve(text)
            let at = map.value("credentials")
            guard FileManager.default.fileExists(atPath: path) else {
                throw source.error(
                    at: at, map.path("credentials"), "credentials file \(path) does not exist",
                    fix: "Correct the path, or create it holding user:password with 'chmod 600 \(path)'")
            }
            // Reads the file as the transport will (mode, then user:password), so a problem shows at load, not
            // at the first alert. The error never quotes the file's content.
            do {
                _ = try SMTPCredentials.load(path: path)
            } catch {
                // "what is wrong; what to do": the chmod or chown to run, or how to write the file.
                let parts = error.message.components(separatedBy: "; ")
                let fix =
                    parts.count > 1 && parts[1].hasPrefix("Run")
                    ? parts[1] : "Write one line 'user:password' into \(path), mode 600"
                throw source.error(at: at, map.path("credentials"), parts[0], fix: fix)
            }
            credentials = path
        }
        var caFile: String?
        if let text = try map.string("ca_file") {
            let path = source.resolve(text)
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw source.error(
                    at: map.value("ca_file"), map.path("ca_file"), "\(path) does not exist or cannot be read",
                    fix: "Name the PEM file holding the CA certificate that signed the relay's certificate")
            }
            caFile = path
        }
        if credentials != nil && !starttls && port != 465 {
            throw source.error(
                at: map.keyNode("starttls"), map.path("starttls"),
                "is false but credentials are given (they would cross the network in clear text)",
                fix: "Set starttls: true, or remove credentials")
        }
        return SMTPSettings(
            host: host, port: UInt16(port), starttls: starttls, credentialsPath: credentials, caFile: caFile)
    }

    /// A command line split into words at spaces, with "double" or 'single' quotes grouping a word; nil when
    /// a quote is not closed or there is no word.
    static func commandWords(_ text: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil else { return nil }
        if inWord { words.append(current) }
        return words.isEmpty ? nil : words
    }

    private static func isMailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !text.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," })
    }

    static func readState(_ top: ConfigMapping) throws(ConfigError) -> StateSettings {
        var settings = StateSettings()
        guard let map = try top.mapping("state") else { return settings }
        try map.checkKeys(["directory"])
        if let directory = try map.string("directory") {
            guard !directory.isEmpty else {
                throw source(map).error(
                    at: map.keyNode("directory"), map.path("directory"), "is empty",
                    fix: "Name a directory, e.g. /var/lib/zonecheck")
            }
            settings.directory = map.source.resolve(directory)
        }
        return settings
    }

    /// `vantage`: 1 to 64 letters, digits, `.`, `_` or `-`, so the label reads the same in Prometheus, in a
    /// mail subject and in a shell.
    static func readVantage(_ top: ConfigMapping) throws(ConfigError) -> String? {
        guard let vantage = try top.string("vantage") else { return nil }
        let allowed = vantage.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0))
        }
        guard (1...64).contains(vantage.count), allowed else {
            throw source(top).error(
                at: top.value("vantage"), top.path("vantage"), "'\(vantage)' is not a vantage name",
                fix: "Name where this checker runs in 1 to 64 letters, digits, '.', '_' or '-', e.g. eu-par1")
        }
        return vantage
    }

    private static func source(_ map: ConfigMapping) -> ConfigSource { map.source }
}
