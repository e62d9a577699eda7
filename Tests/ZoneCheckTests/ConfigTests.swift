import DNSKit
import Foundation
import Testing
import ZoneCheck

/// The configuration loader: the docs/configuration.md example loads with the values it says, and each mistake an
/// operator can make is reported with the file, the line, the key and a fix.
@Suite("Configuration")
struct ConfigTests {
    /// Loads `yaml` (written beside the fixture's keys) and returns the error it must produce.
    func configError(
        _ yaml: String, fixture: ConfigFixture, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> ConfigError? {
        switch try fixture.load(yaml) {
        case .success:
            Issue.record("expected a configuration error, the file loaded", sourceLocation: sourceLocation)
            return nil
        case .failure(let error):
            return error
        }
    }

    func replacing(_ old: String, with new: String, in yaml: String = ConfigFixture.validYAML) -> String {
        precondition(yaml.contains(old), "fixture does not contain \(old)")
        return yaml.replacingOccurrences(of: old, with: new)
    }

    @Test("the docs/configuration.md example loads with its values")
    func validExample() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let config = try fixture.load(ConfigFixture.validYAML).get()
        #expect(config.servers.map(\.name) == ["ns1", "ns2", "ns3"])
        #expect(config.primary.name == "ns1")
        #expect(config.secondaries.map(\.name) == ["ns2", "ns3"])
        #expect(config.server(named: "NS3")?.address == "2001:db8::53")
        #expect(config.server(named: "ns9") == nil)
        #expect(config.primary.port == 53)
        #expect(config.servers[1].port == 53, "port defaults to 53")
        #expect(config.servers[2].port == 5353)
        #expect(config.servers[2].address == "2001:db8::53")
        #expect(config.primary.keyPath == fixture.directory + "/keys/ns1.key", "key resolved against the config")
        #expect(config.primary.keyName == "zonecheck-ns1")
        #expect(config.servers[1].keyName == nil)
        #expect(config.primary.reload?.words == ["rndc", "reload", "{zone}"])
        #expect(config.primary.reloadCommand(for: "example.com.") == ["rndc", "reload", "example.com"])
        #expect(
            config.servers[1].retransferCommand(for: "example.com") == [
                "rndc", "-s", "ns2", "retransfer", "example.com",
            ])
        #expect(config.primary.zoneFile(for: "example.com.") == "/var/lib/bind/example.com.db")
        #expect(config.primary.zoneFile(for: "example.com") == "/var/lib/bind/example.com.db")
        let name = try DomainName(labels: ["example", "net"].map { Array($0.utf8) })
        #expect(config.primary.zoneFile(for: name) == "/var/lib/bind/example.net.db")
        #expect(config.servers[1].zoneFile(for: "example.com") == nil)
        #expect(config.zones.names == ["example.com", "example.net"])
        #expect(config.zones.catalog == "catalog.example")
        #expect(config.zones.directory == nil)
        #expect(
            config.check
                == CheckSettings(
                    timeout: .seconds(2), retries: 2, concurrency: 64, lagGrace: .seconds(600), deep: .seconds(3600)))
        #expect(
            config.repair
                == RepairSettings(
                    auto: true, primaryFromSecondary: false, maxPerZonePerHour: 3, convergeTimeout: .seconds(60)))
        #expect(
            config.alerts.email
                == EmailSettings(to: ["hostmaster@example.com"], from: "zonecheck@example.com", transport: .sendmail))
        #expect(config.alerts.digestEvery == .seconds(86_400))
        #expect(config.state.directory == fixture.directory + "/state")
    }

    @Test("sections left out take their defaults")
    func defaults() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = """
            servers:
              - { name: a, role: primary, address: 127.0.0.1, key: keys/ns1.key }
              - { name: b, role: secondary, address: 127.0.0.2, key: keys/ns2.key }
            zones: { names: [example.com] }
            """
        let config = try fixture.load(yaml).get()
        #expect(config.check == CheckSettings())
        #expect(config.check.timeout == .seconds(2) && config.check.deep == .seconds(3600))
        #expect(config.repair == RepairSettings())
        #expect(config.alerts == AlertSettings())
        #expect(config.alerts.email == nil)
        #expect(config.state.directory == "/var/lib/zonecheck")
    }

    @Test("a port out of range names file, line and key")
    func badPort() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = replacing("port: 5353", with: "port: 70000")
        let error = try #require(try configError(yaml, fixture: fixture))
        let line = try #require(ConfigFixture.line(of: "port: 70000", in: yaml))
        #expect(error.line == line)
        #expect(error.keyPath == "servers[2].port")
        #expect(
            error.description.hasPrefix(
                "\(fixture.configPath):\(line): servers[2].port: 70000 is not a port number (1-65535). "))
        #expect(!error.fix.isEmpty)
    }

    @Test(
        "unknown keys are errors, with the nearest known key",
        arguments: [
            ("  - name: ns2\n", "  - name: ns2\n    adress: 192.0.2.1\n", "servers[1].adress", "adress:", "address"),
            ("check:   {", "check:   { timout: 3s,", "check.timout", "timout:", "timeout"),
            ("state:", "stat: { directory: x }\nstate:", "stat", "stat:", "state"),
            ("  digest_every: 24h", "  digest_every: 24h\n  pager: yes", "alerts.pager", "pager:", nil),
        ] as [(String, String, String, String, String?)])
    func unknownKey(old: String, new: String, keyPath: String, lineText: String, suggestion: String?) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = replacing(old, with: new)
        let error = try #require(try configError(yaml, fixture: fixture))
        #expect(error.keyPath == keyPath)
        #expect(error.message.contains("unknown key"))
        #expect(error.line == ConfigFixture.line(of: lineText, in: yaml))
        if let suggestion {
            #expect(error.fix.contains("Did you mean '\(suggestion)'?"), "\(error)")
        } else {
            #expect(!error.fix.contains("Did you mean"), "\(error)")
        }
    }

    @Test(
        "missing required keys",
        arguments: [
            ("    address: 198.51.100.53\n", "", "servers[1].address"),
            ("    role: primary\n", "", "servers[0].role"),
            ("    key: keys/ns3.key\n", "", "servers[2].key"),
        ])
    func missingKey(old: String, new: String, keyPath: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let error = try #require(try configError(replacing(old, with: new), fixture: fixture))
        #expect(error.keyPath == keyPath)
        #expect(error.message == "missing")
        #expect(error.line != nil)
    }

    @Test("no servers or no zones section")
    func missingSections() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let noZones = try #require(
            try configError(
                "servers:\n  - { name: a, role: primary, address: 127.0.0.1, key: keys/ns1.key }\n", fixture: fixture))
        #expect(noZones.keyPath == "zones")
        let noServers = try #require(try configError("zones: { names: [example.com] }\n", fixture: fixture))
        #expect(noServers.keyPath == "servers")
        #expect(noServers.message == "missing")
    }

    @Test("exactly one primary")
    func primaries() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let none = try #require(
            try configError(
                replacing(
                    "    role: primary\n    address: 192.0.2.53", with: "    role: secondary\n    address: 192.0.2.53",
                    in: replacing(
                        "    zone_file: /var/lib/bind/{zone}.db\n    reload: \"rndc reload {zone}\"\n", with: "")),
                fixture: fixture))
        #expect(none.message == "no server has role: primary")
        #expect(none.keyPath == "servers")

        let yaml = replacing(
            "    role: secondary\n    address: 2001:db8::53", with: "    role: primary\n    address: 2001:db8::53")
        let two = try #require(try configError(yaml, fixture: fixture))
        #expect(two.message == "two primaries (ns1, ns3)")
        #expect(two.keyPath == "servers[2].role")
        #expect(two.line == ConfigFixture.line(of: "- name: ns3", in: yaml).map { $0 + 1 }, "the line of ns3's role")
    }

    @Test("duplicate names and duplicate address:port")
    func duplicates() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let name = try #require(try configError(replacing("- name: ns3", with: "- name: NS2"), fixture: fixture))
        #expect(name.keyPath == "servers[2].name")
        #expect(name.message.contains("also the name of servers[1]"))

        // The same IPv6 address written another way, on the same port, is the same server.
        let yaml = replacing("address: 198.51.100.53", with: "address: 2001:DB8:0:0::53\n    port: 5353")
        let endpoint = try #require(try configError(yaml, fixture: fixture))
        #expect(endpoint.keyPath == "servers[2].address")
        #expect(endpoint.message.contains("same address and port"))
        // Same address, another port: two servers.
        #expect(throws: Never.self) {
            try fixture.load(replacing("address: 198.51.100.53", with: "address: 2001:db8::53")).get()
        }
    }

    @Test(
        "bad addresses",
        arguments: [
            "256.1.1.1", "192.0.2", "192.0.2.053", "2001:db8:::1", "2001:db8::1::2",
            "1:2:3:4:5:6:7:8:9", "ns2.example.com", "'[2001:db8::1]'", "fe80::1%eth0", "'12345::'",
            "'1::2:3:4:5:6:7:8'",
        ])
    func badAddress(address: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let error = try #require(
            try configError(replacing("address: 198.51.100.53", with: "address: \(address)"), fixture: fixture))
        #expect(error.keyPath == "servers[1].address")
        #expect(error.message.contains("is not an IPv4 or IPv6 address"))
    }

    @Test(
        "good addresses",
        arguments: [
            "::1", "::", "2001:db8::53", "2001:db8:0:0:0:0:0:53", "::ffff:192.0.2.1",
            "fe80::", "10.0.0.1", "0.0.0.0",
        ])
    func goodAddress(address: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let config = try fixture.load(replacing("address: 198.51.100.53", with: "address: \"\(address)\"")).get()
        #expect(config.servers[1].address == address)
    }

    @Test(
        "durations with units",
        arguments: [
            ("2s", Duration.seconds(2)), ("10m", .seconds(600)), ("1h", .seconds(3600)), ("24h", .seconds(86_400)),
            ("1d", .seconds(86_400)), ("1w", .seconds(604_800)), ("1h30m", .seconds(5400)),
            ("500ms", .milliseconds(500)),
        ])
    func goodDuration(text: String, expected: Duration) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let config = try fixture.load(replacing("timeout: 2s", with: "timeout: \(text)")).get()
        #expect(config.check.timeout == expected)
    }

    @Test("bad durations", arguments: ["2", "2x", "s", "-1s", "1.5h", "2 s", "0s", "tomorrow"])
    func badDuration(text: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = replacing("timeout: 2s", with: "timeout: \(text)")
        let error = try #require(try configError(yaml, fixture: fixture))
        #expect(error.keyPath == "check.timeout")
        #expect(error.line == ConfigFixture.line(of: "timeout: \(text)", in: yaml))
        if text == "2" { #expect(error.fix.contains("2s")) }
    }

    @Test(
        "hostile durations are refused with the line, never a trap (issue 11: Int64 overflow)",
        arguments: [
            "99999999999999999999d", String(repeating: "999999999w", count: 16), "999999999w", "5300w",
            String(repeating: "1d", count: 36_501),
        ])
    func hostileDuration(text: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = replacing("timeout: 2s", with: "timeout: \(text)")
        let error = try #require(try configError(yaml, fixture: fixture), "\(text.prefix(40)) was accepted")
        #expect(error.keyPath == "check.timeout")
        #expect(error.line == ConfigFixture.line(of: "timeout: \(text)", in: yaml))
        #expect(error.fix.contains("at most 100 years"), "\(error.fix)")
    }

    @Test("the longest duration a setting may name is 100 years")
    func centuryIsTheLimit() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let config = try fixture.load(replacing("deep: 1h", with: "deep: 5214w2d")).get()
        #expect(config.check.deep == .seconds(Int64(100 * 365 * 86_400)))
    }

    @Test("vantage: optional, names this checker among several")
    func vantage() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        #expect(try fixture.load(ConfigFixture.validYAML).get().vantage == nil)
        let yaml = replacing("state:   { directory: state }", with: "state:   { directory: state }\nvantage: eu-par1")
        #expect(try fixture.load(yaml).get().vantage == "eu-par1")
    }

    @Test(
        "a vantage that would not read the same in a label, a subject and a shell is refused with the line",
        arguments: ["\"\"", "\"eu par1\"", "\"eu\\\"par\"", "[a, b]", String(repeating: "x", count: 65), "\"bücher\""])
    func badVantage(text: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = replacing("state:   { directory: state }", with: "state:   { directory: state }\nvantage: \(text)")
        let error = try #require(try configError(yaml, fixture: fixture), "vantage: \(text) was accepted")
        #expect(error.keyPath == "vantage")
        #expect(error.line == ConfigFixture.line(of: "vantage: \(text)", in: yaml))
    }

    @Test("deep can be turned off")
    func deepOff() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        #expect(try fixture.load(replacing("deep: 1h", with: "deep: never")).get().check.deep == nil)
    }

    @Test("a missing key file")
    func missingKeyFile() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = replacing("key: keys/ns2.key", with: "key: keys/nope.key")
        let error = try #require(try configError(yaml, fixture: fixture))
        #expect(error.keyPath == "servers[1].key")
        #expect(error.line == ConfigFixture.line(of: "keys/nope.key", in: yaml))
        #expect(error.message == "TSIG key file \(fixture.directory)/keys/nope.key does not exist")
        #expect(error.fix.contains("tsig-keygen -a hmac-sha512"))
    }

    @Test("a key file readable by every user", arguments: [0o644, 0o604])
    func worldReadableKey(mode: Int) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.writeKey("keys/ns3.key", names: ["zonecheck-ns3"], mode: mode)
        let error = try #require(try configError(ConfigFixture.validYAML, fixture: fixture))
        let path = fixture.directory + "/keys/ns3.key"
        #expect(error.keyPath == "servers[2].key")
        #expect(error.message.contains(path))
        #expect(error.fix.contains("chmod 600 \(path)"))
        #expect(!error.description.contains("dGVzdC1vbmx5"), "the secret never appears in an error")
    }

    @Test("a group-readable key file is accepted")
    func groupReadableKey() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.writeKey("keys/ns3.key", names: ["zonecheck-ns3"], mode: 0o640)
        #expect(throws: Never.self) { try fixture.load(ConfigFixture.validYAML).get() }
    }

    @Test("key_name must be in the key file; several keys need key_name")
    func keyNames() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let wrong = try #require(
            try configError(replacing("key_name: zonecheck-ns1", with: "key_name: zonecheck-nsX"), fixture: fixture))
        #expect(wrong.keyPath == "servers[0].key_name")
        #expect(wrong.message.contains("no key named \"zonecheck-nsX\" (the file has: zonecheck-ns1)"))

        try fixture.writeKey("keys/ns2.key", names: ["zonecheck-ns2", "other"])
        let several = try #require(try configError(ConfigFixture.validYAML, fixture: fixture))
        #expect(several.keyPath == "servers[1].key")
        #expect(several.message.contains("holds several keys (zonecheck-ns2, other)"))
        #expect(several.fix.contains("key_name"))
        let chosen = try fixture.load(replacing("key: keys/ns2.key", with: "key: keys/ns2.key\n    key_name: other"))
            .get()
        #expect(chosen.servers[1].keyName == "other")
    }

    @Test(
        "primary-only and secondary-only keys",
        arguments: [
            (
                "    key: keys/ns3.key\n", "    key: keys/ns3.key\n    zone_file: /x/{zone}\n", "servers[2].zone_file",
                "zone_file: /x/"
            ),
            (
                "    key: keys/ns3.key\n", "    key: keys/ns3.key\n    reload: rndc reload\n", "servers[2].reload",
                "reload: rndc reload\n"
            ),
            (
                "    key_name: zonecheck-ns1\n",
                "    key_name: zonecheck-ns1\n    retransfer: rndc retransfer {zone}\n",
                "servers[0].retransfer", "retransfer: rndc retransfer"
            ),
        ])
    func roleKeys(old: String, new: String, keyPath: String, lineText: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = replacing(old, with: new)
        let error = try #require(try configError(yaml, fixture: fixture))
        #expect(error.keyPath == keyPath)
        #expect(error.line == ConfigFixture.line(of: lineText.trimmingCharacters(in: .newlines), in: yaml))
    }

    @Test("relative paths are resolved against the configuration file's directory")
    func relativePaths() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try FileManager.default.createDirectory(atPath: fixture.directory + "/zones", withIntermediateDirectories: true)
        let yaml = replacing(
            "zone_file: /var/lib/bind/{zone}.db", with: "zone_file: zones/{zone}.db",
            in: replacing("  catalog: catalog.example.", with: "  directory: ./zones/../zones"))
        let config = try fixture.load(yaml).get()
        #expect(config.primary.zoneFile(for: "example.com") == fixture.directory + "/zones/example.com.db")
        #expect(config.zones.directory == fixture.directory + "/zones")
        #expect(config.state.directory == fixture.directory + "/state")
        for server in config.servers { #expect(server.keyPath.hasPrefix(fixture.directory + "/keys/")) }
    }

    @Test(
        "zone sources",
        arguments: [
            (
                "zones:\n  names: [example.com, example.net.]\n  catalog: catalog.example.", "zones: {}", "zones",
                "no zone source is given"
            ),
            (
                "zones:\n  names: [example.com, example.net.]\n  catalog: catalog.example.", "zones:\n  names: []",
                "zones", "no zone source is given"
            ),
            ("example.net.]", "example.net., EXAMPLE.com]", "zones.names[2]", "listed twice"),
            ("example.net.]", "bad..name]", "zones.names[1]", "is not a zone name"),
            ("  catalog: catalog.example.", "  directory: /nonexistent/zones", "zones.directory", "is not a directory"),
            (
                "  catalog: catalog.example.", "  named_conf: /nonexistent/named.conf", "zones.named_conf",
                "does not exist"
            ),
        ])
    func zoneSources(old: String, new: String, keyPath: String, message: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let error = try #require(try configError(replacing(old, with: new), fixture: fixture))
        #expect(error.keyPath == keyPath)
        #expect(error.message.contains(message), "\(error)")
    }

    @Test("YAML syntax errors carry the line")
    func syntaxError() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = replacing("    port: 5353", with: "    port: 5353\n   key: [unclosed")
        let error = try #require(try configError(yaml, fixture: fixture))
        #expect(error.keyPath == "")
        let line = try #require(error.line)
        let bad = try #require(ConfigFixture.line(of: "[unclosed", in: yaml))
        #expect((bad...bad + 2).contains(line), "reported line \(line), the mistake is on \(bad)")
        #expect(error.description.hasPrefix("\(fixture.configPath):\(line): YAML syntax"))
    }

    @Test("a key given twice")
    func duplicateKey() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let error = try #require(
            try configError(replacing("    port: 5353", with: "    port: 5353\n    port: 53"), fixture: fixture))
        #expect(error.message.contains("'port' given twice"))
        #expect(error.line != nil)
    }

    @Test("a missing or empty file")
    func missingFile() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        #expect(throws: ConfigError.self) { try Configuration.load(path: fixture.directory + "/absent.yaml") }
        do {
            _ = try Configuration.load(path: fixture.directory + "/absent.yaml")
        } catch {
            #expect(error.message == "does not exist")
            #expect(error.fix.contains("--config"))
        }
        let empty = try #require(try configError("", fixture: fixture))
        #expect(empty.message == "is empty")
    }

    @Test(
        "wrong value types",
        arguments: [
            ("servers:", "servers: ns1\nold_servers:", "servers"),
            ("  names: [example.com, example.net.]", "  names: example.com", "zones.names"),
            ("auto: true", "auto: maybe", "repair.auto"),
            ("retries: 2", "retries: many", "check.retries"),
            ("    address: 192.0.2.53", "    address: [192.0.2.53]", "servers[0].address"),
        ])
    func wrongTypes(old: String, new: String, keyPath: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let error = try #require(try configError(replacing(old, with: new), fixture: fixture))
        #expect(error.keyPath == keyPath || error.message.contains("unknown key"), "\(error)")
    }

    @Test("email settings")
    func email() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let smtpMissing = try #require(
            try configError(replacing("transport: sendmail", with: "transport: smtp"), fixture: fixture))
        #expect(smtpMissing.keyPath == "alerts.email.smtp")
        let badAddress = try #require(
            try configError(replacing("to: [hostmaster@example.com]", with: "to: [hostmaster]"), fixture: fixture))
        #expect(badAddress.keyPath == "alerts.email.to[0]")
        let badTransport = try #require(
            try configError(replacing("transport: sendmail", with: "transport: pigeon"), fixture: fixture))
        #expect(badTransport.keyPath == "alerts.email.transport")

        try "user:pass\n".write(toFile: fixture.directory + "/smtp.cred", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o600], ofItemAtPath: fixture.directory + "/smtp.cred")
        let smtp = replacing(
            "transport: sendmail }",
            with: "transport: smtp, smtp: { host: mail.example.com, credentials: smtp.cred } }")
        let config = try fixture.load(smtp).get()
        #expect(
            config.alerts.email?.smtp
                == SMTPSettings(
                    host: "mail.example.com", port: 587, starttls: true,
                    credentialsPath: fixture.directory + "/smtp.cred"))

        try FileManager.default.setAttributes(
            [.posixPermissions: 0o644], ofItemAtPath: fixture.directory + "/smtp.cred")
        let open = try #require(try configError(smtp, fixture: fixture))
        #expect(open.keyPath == "alerts.email.smtp.credentials")
        #expect(open.fix.contains("chmod 600 \(fixture.directory)/smtp.cred"))
    }

    @Test("the sample configuration loads")
    func sample() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let sample = try String(
            contentsOf: repository.appendingPathComponent("config/zonecheck.sample.yaml"), encoding: .utf8)
        let config = try fixture.load(sample).get()
        #expect(config.servers.count == 5)
        #expect(config.primary.name == "ns1")
        #expect(config.secondaries.count == 4)
        #expect(config.check == CheckSettings())
        #expect(config.repair == RepairSettings())
        #expect(config.alerts.email?.to == ["hostmaster@example.com"])
    }

    @Test("ten thousand zone names, as the lab writes them")
    func manyZones() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let names = (1...10_000).map { String(format: "zone%05d.lab", $0) }
        let list = stride(from: 0, to: names.count, by: 8).map {
            names[$0..<min($0 + 8, names.count)].joined(separator: ", ")
        }
        let yaml = replacing(
            "  names: [example.com, example.net.]",
            with: "  names: [\n    " + list.joined(separator: ",\n    ") + "\n  ]")
        let clock = ContinuousClock()
        let start = clock.now
        let config = try fixture.load(yaml).get()
        #expect(config.zones.names.count == 10_000)
        #expect(config.zones.names.last == "zone10000.lab")
        #expect(clock.now - start < .seconds(10), "loading took \(clock.now - start)")
    }

    @Test("ZONECHECK_CONFIG overrides the default path")
    func defaultPath() {
        let saved = ProcessInfo.processInfo.environment["ZONECHECK_CONFIG"]
        defer {
            if let saved { setenv("ZONECHECK_CONFIG", saved, 1) } else { unsetenv("ZONECHECK_CONFIG") }
        }
        unsetenv("ZONECHECK_CONFIG")
        #expect(Configuration.defaultPath == "/etc/zonecheck/zonecheck.yaml")
        setenv("ZONECHECK_CONFIG", "/tmp/other.yaml", 1)
        #expect(Configuration.defaultPath == "/tmp/other.yaml")
        setenv("ZONECHECK_CONFIG", "", 1)
        #expect(Configuration.defaultPath == "/etc/zonecheck/zonecheck.yaml", "an empty variable is not a path")
    }

    @Test(
        "the key's algorithm must be a TSIG algorithm",
        arguments: [
            ("hmac-sha3", "unknown TSIG algorithm"), (nil, "has no algorithm clause"),
        ] as [(String?, String)])
    func keyAlgorithm(algorithm: String?, message: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let line = algorithm.map { "\talgorithm \($0);\n" } ?? ""
        let path = fixture.directory + "/keys/ns2.key"
        try "key \"zonecheck-ns2\" {\n\(line)\tsecret \"c2VjcmV0Ly9ub3QtYS1jb21tZW50\";\n};\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let error = try #require(try configError(ConfigFixture.validYAML, fixture: fixture))
        #expect(error.keyPath == "servers[1].key")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.fix.contains("hmac-sha512"))
        #expect(!error.description.contains("c2VjcmV0"), "the secret never appears in an error")
    }

    @Test("key files: comments, quotes, several keys")
    func keyFileSyntax() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let path = fixture.directory + "/keys/ns2.key"
        let text = """
            # made by tsig-keygen
            key "old" { algorithm hmac-sha384; secret "b2xk"; };  // retired
            key zonecheck-ns2. {
                algorithm "hmac-sha512";   # quoted is fine
                secret "YWJj//ZGZmdo";     // a secret may contain two slashes
            };
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let config = try fixture.load(
            replacing("key: keys/ns2.key", with: "key: keys/ns2.key\n    key_name: zonecheck-ns2")
        ).get()
        #expect(config.servers[1].keyName == "zonecheck-ns2")
        // hmac-sha384 is signed with libcrypto, not ldns (whose sha384 is wrong), so it is usable.
        let old = try fixture.load(
            replacing("key: keys/ns2.key", with: "key: keys/ns2.key\n    key_name: old")
        ).get()
        #expect(old.servers[1].keyName == "old")
    }
}
