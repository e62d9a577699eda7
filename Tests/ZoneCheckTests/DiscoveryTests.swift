import DNSKit
import Foundation
import Testing
import ZoneCheck

/// Zone discovery without the network: named.conf fixtures (each states its expected zones or error in
/// its first lines, see Fixtures/NamedConf/README.md), a directory of zone files, the merge of sources,
/// and catalog zones built from records.
@Suite("zone discovery")
struct DiscoveryTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/NamedConf").path

    static func name(_ text: String) -> DomainName {
        try! DomainName(zoneName: text)
    }

    /// The `// expect...:` lines of a fixture.
    static func expectations(_ path: String, _ tag: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            line.hasPrefix("// \(tag): ") ? String(line.dropFirst("// \(tag): ".count)) : nil
        }
    }

    static func relative(_ path: String) -> String {
        path.hasPrefix(fixtures + "/") ? String(path.dropFirst(fixtures.count + 1)) : path
    }

    @Test(
        "named.conf fixtures: primary zones with their file:line, includes, views, globs",
        arguments: [
            "valid/named.conf", "directory/named.conf", "debian/named.conf",
        ])
    func namedConfZones(fixture: String) throws {
        let path = Self.fixtures + "/" + fixture
        let expected = try Self.expectations(path, "expect")
        try #require(expected.count == 1, "\(fixture) has no '// expect:' line")
        let zones = try ZoneDiscovery.local(arguments: [], sources: ZoneSources(namedConf: path)).zones
        let got = zones.map { zone -> String in
            guard case .namedConf(let file, let line) = zone.source else { return "\(zone.name.displayName)@?" }
            return "\(zone.name.displayName)@\(Self.relative(file)):\(line)"
        }
        #expect(got == expected[0].split(separator: " ").map(String.init), "\(fixture)")
        let read = try NamedConfReader.primaryZones(path: path)
        for line in try Self.expectations(path, "expect-file") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            let zone = try #require(read.first { $0.name == Self.name(parts[0]) }, "\(parts[0]) not read")
            let want = parts[1].hasPrefix("/") ? parts[1] : Self.fixtures + "/" + parts[1]
            #expect(zone.file == want, "\(fixture): zone file of \(parts[0])")
        }
    }

    static let errorFixtures: [String] = {
        let folder = fixtures + "/errors"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.filter { $0.hasSuffix(".conf") }.sorted().map { "errors/" + $0 }
    }()

    @Test("broken named.conf fixtures fail at the file and line they state", arguments: errorFixtures)
    func namedConfErrors(fixture: String) throws {
        let path = Self.fixtures + "/" + fixture
        let expected = try #require(try Self.expectations(path, "expect-error").first, "no expect-error line")
        let parts = expected.split(separator: ":", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
        try #require(parts.count == 3)
        do {
            let zones = try NamedConfReader.primaryZones(path: path)
            Issue.record("\(fixture) was read without error: \(zones.map(\.name))")
        } catch {
            #expect(Self.relative(error.path) == parts[0], "\(fixture): \(error)")
            #expect(error.line == Int(parts[1]), "\(fixture): \(error)")
            #expect(error.message.contains(parts[2]), "\(fixture): \(error)")
            #expect(!error.fix.isEmpty, "\(fixture): every error says what to do")
            #expect(error.description.hasPrefix("\(error.path):\(parts[1]): "))
        }
    }

    @Test("the error fixtures are all there (a missing folder must not pass silently)")
    func errorFixturesExist() {
        #expect(Self.errorFixtures.count >= 12)
    }

    @Test("200,000 nested blocks: an error naming file and line, not a stack overflow")
    func hostileNesting() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nesting-\(UUID()).conf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text =
            "zone \"a.example\" " + String(repeating: "{", count: 200_000) + String(repeating: "}", count: 200_000)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try NamedConfReader.primaryZones(path: path)
            Issue.record("200,000 nested blocks were read")
        } catch {
            #expect(error.line == 1)
            #expect(error.message.contains("nest more than"))
        }
    }

    @Test("directory: $ORIGIN, else an absolute SOA owner, else the file name; hidden and other files skipped")
    func directory() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("discovery-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = [
            "a.db": "$TTL 1h\n$ORIGIN origin.example.\n@ IN SOA ns h 1 2 3 4 5\n",
            "b.zone": "; comment\nsoa-owner.example. 3600 IN SOA ns h 1 2 3 4 5\n",
            "file-name.example.db": "@ 3600 IN SOA ns h 1 2 3 4 5\n",
            "relative-owner.example.zone": "www 3600 IN SOA ns h 1 2 3 4 5\n",
            ".hidden.db": "$ORIGIN hidden.example.\n",
            "notes.txt": "$ORIGIN notes.example.\n",
        ]
        for (file, text) in files { try text.write(toFile: folder + "/" + file, atomically: true, encoding: .utf8) }
        let entries = try ZoneDirectory.zones(in: folder)
        #expect(
            entries.map(\.name.displayName) == [
                "origin.example", "soa-owner.example", "file-name.example", "relative-owner.example",
            ])
        #expect(throws: ConfigError.self) { try ZoneDirectory.zones(in: folder + "/missing") }
    }

    @Test("sources merge in order without duplicates, each zone keeping the first source that named it")
    func merge() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("discovery-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "@ 3600 IN SOA ns h 1 2 3 4 5\n".write(
            toFile: folder + "/one.example.db", atomically: true, encoding: .utf8)
        try "@ 3600 IN SOA ns h 1 2 3 4 5\n".write(
            toFile: folder + "/dir.example.db", atomically: true, encoding: .utf8)
        let conf = Self.fixtures + "/valid/named.conf"
        let sources = ZoneSources(names: ["EXAMPLE.com", "listed.example"], directory: folder, namedConf: conf)
        let zones = try ZoneDiscovery.local(arguments: [], sources: sources).zones
        #expect(
            zones.map(\.name.displayName) == [
                "EXAMPLE.com", "listed.example", "dir.example", "one.example", "legacy.example", "internal.example",
                "a.example", "b.example",
            ])
        #expect(zones[0].source == .names(index: 0))
        #expect(zones[2].source == .directory(path: folder + "/dir.example.db"))
        #expect(zones[3].source == .directory(path: folder + "/one.example.db"), "the directory named it first")
        #expect(zones[4].source.description.hasSuffix("valid/named.conf:22"))
        let given = try ZoneDiscovery.local(arguments: ["x.example", "X.example."], sources: sources).zones
        #expect(given.map(\.name.displayName) == ["x.example"])
        #expect(given[0].source == .commandLine)
        #expect(throws: ConfigError.self) { try ZoneDiscovery.local(arguments: ["bad..name"], sources: sources) }
    }

    // MARK: catalog zones from records

    static let catalog = name("catalog.example")

    static func record(_ owner: String, _ type: RecordType, _ rdata: [UInt8]) -> ResourceRecord {
        ResourceRecord(owner: name(owner), type: type, ttl: 0, rdata: rdata)
    }

    static func txt(_ owner: String, _ strings: String...) -> ResourceRecord {
        record(owner, .txt, strings.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) })
    }

    static func ptr(_ owner: String, _ target: String) -> ResourceRecord {
        record(owner, .ptr, name(target).wire)
    }

    static let soa = record(
        "catalog.example", .soa, name("invalid").wire + name("invalid").wire + [UInt8](repeating: 0, count: 20))

    @Test("catalog version 2: members are the PTRs at <unique>.zones, properties below them are not members")
    func catalogMembers() throws {
        let records = [
            Self.soa, Self.txt("version.catalog.example", "2"),
            Self.ptr("m1.zones.catalog.example", "one.example"),
            Self.ptr("m2.zones.catalog.example", "two.example"),
            Self.txt("group.m2.zones.catalog.example", "blue"),
            Self.ptr("coo.m1.zones.catalog.example", "other-catalog.example"),
            Self.ptr("m3.zones.catalog.example", "ONE.example"),
            Self.ptr("stray.catalog.example", "stray.example"),
        ]
        let catalog = try CatalogZone(name: Self.catalog, records: records, place: "test")
        #expect(catalog.members.map(\.zone.displayName) == ["one.example", "two.example"])
        #expect(catalog.members[0].node == Self.name("m1.zones.catalog.example"))
    }

    @Test(
        "catalogs zonecheck must not process: no version, version 1, two version records, two PTRs at a node",
        arguments: [
            ([ptr("m1.zones.catalog.example", "one.example")], "no version.catalog.example. TXT"),
            ([txt("version.catalog.example", "1")], "schema version \"1\""),
            ([txt("version.catalog.example", "2"), txt("version.catalog.example", "3")], "has 2 TXT records"),
            (
                [
                    txt("version.catalog.example", "2"), ptr("m1.zones.catalog.example", "one.example"),
                    ptr("m1.zones.catalog.example", "two.example"),
                ], "holds 2 PTR records"
            ),
        ])
    func catalogRefused(records: [ResourceRecord], message: String) {
        do {
            let catalog = try CatalogZone(name: Self.catalog, records: [Self.soa] + records, place: "catalog on ns1")
            Issue.record("accepted: \(catalog.members.map(\.zone))")
        } catch {
            #expect(error.message.contains(message), "\(error)")
            #expect(error.path == "catalog on ns1")
        }
    }
    @Test("a catalog name over 247 octets is refused with a reason, not a trap (issue 11: try! in CatalogZone)")
    func catalogNameTooLong() throws {
        // 4 labels of 61 octets and "ab": 4 x 62 + 3 + 1 = 252 octets, a legal name, but version.<it> is 260.
        let label = String(repeating: "c", count: 61)
        let name = try DomainName(presentation: "\(label).\(label).\(label).\(label).ab.", origin: nil)
        #expect(name.wire.count == 252)
        do {
            let catalog = try CatalogZone(name: name, records: [], place: "zones.catalog from ns1")
            Issue.record("accepted: \(catalog.members)")
        } catch {
            #expect(error.path == "zones.catalog from ns1")
            #expect(error.message.contains("252 octets long"), "\(error)")
            #expect(error.fix.contains("at most 247 octets"), "\(error)")
        }
    }
}

/// Zone names from every source meet `ZoneNameRule`: a name that could mean something to a command or a path
/// is refused and reported.
@Suite("Zone name rule")
struct ZoneNameRuleTests {
    @Test(
        "accepted names", arguments: ["example.com.", "_dmarc.EXAMPLE.org.", "xn--bcher-kva.example.", "a-b_c.9.", "."])
    func accepted(text: String) throws {
        #expect(ZoneNameRule.refusal(try DomainName(presentation: text, origin: nil)) == nil)
    }

    @Test(
        "refused names, each with the character that refuses it",
        arguments: [
            ("a`id`.example.", "'`'"), ("a\\$(id).example.", "'$'"), ("a/b.example.", "'/'"),
            ("a\\032b.example.", "\\32"), ("a\\.b.example.", "escaped '.'"), ("-rf.example.", "'-'"),
            ("a'b.example.", "'''"), ("*.example.", "'*'"),
        ])
    func refused(text: String, shown: String) throws {
        let reason = try #require(ZoneNameRule.refusal(try DomainName(presentation: text, origin: nil)))
        #expect(reason.contains(shown), "\(reason)")
    }

    @Test("a catalog member with a backtick is read by the catalog reader and refused by the rule, with its node")
    func catalogMember() throws {
        let records = [
            DiscoveryTests.soa, DiscoveryTests.txt("version.catalog.example", "2"),
            DiscoveryTests.ptr("m1.zones.catalog.example", "one.example"),
            DiscoveryTests.record(
                "evil.zones.catalog.example", .ptr, [7] + Array("x`touch".utf8) + [3] + Array("lab".utf8) + [0]),
        ]
        let catalog = try CatalogZone(name: DiscoveryTests.catalog, records: records, place: "test")
        let evil = try #require(catalog.members.first { $0.node == DiscoveryTests.name("evil.zones.catalog.example") })
        let reason = try #require(ZoneNameRule.refusal(evil.zone))
        #expect(reason.contains("'`'"))
        let refused = RefusedZone(
            name: evil.zone, source: .catalog(catalog: DiscoveryTests.catalog, node: evil.node), reason: reason)
        #expect(refused.description.contains("catalog catalog.example. (evil.zones.catalog.example.)"))
        #expect(refused.description.contains("refused"))
    }
}
