import DNSKit
import Testing
import ZoneCheck

/// The verdict on one zone from hand-made observations: no network, no clock. Each test states the
/// situation an operator would see and the verdict zonecheck must give.
@Suite struct CompareTests {
    static let zone = try! DomainName(presentation: "example.com.", origin: nil)

    static func answered(_ server: String, _ serial: UInt32, role: ServerRole = .secondary) -> ServerObservation {
        ServerObservation(server: server, role: role, answer: .serial(serial, rtt: .milliseconds(3)))
    }

    static func failed(_ server: String, _ failure: QueryFailure, role: ServerRole = .secondary) -> ServerObservation {
        let endpoint = ServerEndpoint(name: server, host: "192.0.2.\(server.dropFirst(2))", port: 53, key: nil)
        return ServerObservation(
            server: server, role: role,
            answer: .failed(QueryError(zone: zone, server: endpoint, kind: .soa, failure: failure)))
    }

    /// ns1 primary with `primary`, then ns2...ns5 as given.
    static func verdict(primary: UInt32, _ secondaries: [ServerObservation]) -> ZoneVerdict {
        Compare.verdict(
            ZoneObservation(zone: zone, servers: [answered("ns1", primary, role: .primary)] + secondaries))
    }

    static func state(_ verdict: ZoneVerdict, _ server: String) -> ServerState? {
        verdict.servers.first { $0.server == server }?.state
    }

    @Test func allEqualIsOKWithoutFindings() {
        let v = Self.verdict(primary: 2_026_112_205, (2...5).map { Self.answered("ns\($0)", 2_026_112_205) })
        #expect(v.status == .ok)
        #expect(v.findings.isEmpty)
        #expect(v.servers.allSatisfy { $0.state == .ok && $0.serial == 2_026_112_205 })
    }

    @Test func secondaryBehindIsLaggingWarningWithTheNextStep() throws {
        let v = Self.verdict(
            primary: 2_026_112_205,
            [
                Self.answered("ns2", 2_026_112_205), Self.answered("ns3", 2_026_112_203),
                Self.answered("ns4", 2_026_112_205),
            ])
        #expect(v.status == .warning)
        #expect(Self.state(v, "ns3") == .lagging)
        #expect(Self.state(v, "ns2") == .ok)
        let finding = try #require(v.findings.first)
        #expect(v.findings.count == 1)
        #expect(finding.kind == .lagging && finding.servers == ["ns3"] && finding.zone == "example.com")
        #expect(
            finding.message
                == "ns3 is 2 serials behind ns1 on example.com (serial 2026112203 < 2026112205): a NOTIFY was "
                + "probably lost; run 'zonecheck repair example.com'")
    }

    /// RFC 1982: 4294967290 + 11 wraps to 5, so the secondary is 11 behind, not 4 billion ahead.
    @Test func wrapAroundSecondaryIsLaggingByEleven() throws {
        let v = Self.verdict(primary: 5, [Self.answered("ns2", 4_294_967_290)])
        #expect(Self.state(v, "ns2") == .lagging)
        #expect(v.status == .warning)
        let message = try #require(v.findings.first?.message)
        #expect(message.hasPrefix("ns2 is 11 serials behind ns1"), "\(message)")
    }

    @Test func wrapAroundTheOtherWayIsAhead() {
        let v = Self.verdict(primary: 4_294_967_290, [Self.answered("ns2", 5)])
        #expect(Self.state(v, "ns2") == .ahead)
        #expect(v.status == .critical)
        #expect(v.findings.first?.message.hasPrefix("ns2 is 11 serials ahead of ns1") == true)
    }

    @Test func secondaryNewerThanPrimaryIsAheadCritical() throws {
        let v = Self.verdict(primary: 2_026_112_205, [Self.answered("ns2", 2_026_112_207)])
        #expect(Self.state(v, "ns2") == .ahead)
        #expect(v.status == .critical)
        let finding = try #require(v.findings.first)
        #expect(finding.kind == .ahead)
        #expect(finding.message.contains("NOTIFY cannot fix this"))
        #expect(finding.message.contains("2026112207 > 2026112205"))
    }

    static let halfApart: [(UInt32, UInt32)] = [(0, 1 << 31), (5, 5 + (1 << 31)), (1 << 31, 0)]

    @Test(arguments: halfApart)
    func exactlyHalfTheSpaceApartIsIncomparable(primary: UInt32, secondary: UInt32) {
        let v = Self.verdict(primary: primary, [Self.answered("ns2", secondary)])
        #expect(Self.state(v, "ns2") == .incomparable)
        #expect(v.status == .critical)
        #expect(v.findings.map(\.kind) == [.incomparable])
    }

    @Test func oneNeighbourOfHalfTheSpaceIsStillOrdered() {
        // 2^31 - 1 apart: RFC 1982 still orders them (secondary greater).
        let v = Self.verdict(primary: 0, [Self.answered("ns2", (UInt32(1) << 31) - 1)])
        #expect(Self.state(v, "ns2") == .ahead)
    }

    @Test func oneSecondaryDownIsAWarning() throws {
        let v = Self.verdict(
            primary: 10,
            [
                Self.failed("ns2", .timeout(attempts: 3, waited: .seconds(6))), Self.answered("ns3", 10),
                Self.answered("ns4", 10), Self.answered("ns5", 10),
            ])
        #expect(v.status == .warning)
        #expect(Self.state(v, "ns2") == .unreachable)
        let finding = try #require(v.findings.first)
        #expect(finding.kind == .unreachable && finding.severity == .warning && finding.servers == ["ns2"])
        #expect(finding.message.contains("ns2") && finding.message.contains("example.com"))
        #expect(v.servers.first { $0.server == "ns2" }?.serial == nil)
    }

    @Test func twoSecondariesDownIsCritical() {
        let v = Self.verdict(
            primary: 10,
            [
                Self.failed("ns2", .timeout(attempts: 3, waited: .seconds(6))), Self.failed("ns3", .connectionRefused),
                Self.answered("ns4", 10),
            ])
        #expect(v.status == .critical)
        #expect(v.findings.allSatisfy { $0.kind == .unreachable && $0.severity == .critical })
    }

    @Test func primaryDownIsCriticalAndNothingIsCompared() {
        let v = Compare.verdict(
            ZoneObservation(
                zone: Self.zone,
                servers: [
                    Self.failed("ns1", .timeout(attempts: 3, waited: .seconds(6)), role: .primary),
                    Self.answered("ns2", 10), Self.answered("ns3", 7),
                ]))
        #expect(v.status == .critical)
        #expect(v.findings.map(\.kind) == [.unreachable])
        #expect(Self.state(v, "ns2") == .unchecked && Self.state(v, "ns3") == .unchecked)
    }

    static let authFailures: [QueryFailure] = [
        .notAuth(tsigError: .badSig, signed: false), .notAuth(tsigError: .badKey, signed: false),
        .notAuth(tsigError: .badTime(serverTime: 1_800_000_000, skew: 400), signed: true),
        .macDidNotVerify(.macDidNotVerify), .clockSkew(serverTime: 1_800_000_000, skew: 900, fudge: 300),
        .unsignedReply(rcode: .noError),
    ]

    /// A failed TSIG check is never a serial: no LAGGING/AHEAD is derived from it, whatever the server claimed.
    @Test(arguments: authFailures)
    func authFailureIsCriticalAndNeverCountedAsASerial(failure: QueryFailure) throws {
        let v = Self.verdict(primary: 10, [Self.failed("ns2", failure), Self.answered("ns3", 10)])
        #expect(v.status == .critical)
        #expect(Self.state(v, "ns2") == .authFailed)
        let cell = try #require(v.servers.first { $0.server == "ns2" })
        #expect(cell.serial == nil)
        #expect(v.findings.map(\.kind) == [.authFailed])
        #expect(v.findings[0].message.contains("not trusted"))
    }

    @Test(arguments: [
        QueryFailure.refused, .nxdomainAtApex, .notAuthoritative(referral: true), .notAuthoritative(referral: false),
        .servfail,
    ])
    func zoneNotServedIsCritical(failure: QueryFailure) {
        let v = Self.verdict(primary: 10, [Self.failed("ns2", failure)])
        #expect(v.status == .critical)
        #expect(Self.state(v, "ns2") == .notServed)
        #expect(v.findings.map(\.kind) == [.notServed])
    }

    // MARK: deep

    static func txt(_ owner: String, _ text: String) -> ResourceRecord {
        let name = try! DomainName(presentation: owner, origin: zone)
        return ResourceRecord(owner: name, type: .txt, ttl: 3600, rdata: [UInt8(text.utf8.count)] + Array(text.utf8))
    }

    static func deep(_ transfers: [(String, UInt32, String, [ResourceRecord])]) -> ZoneVerdict {
        let servers = transfers.map {
            answered($0.0, $0.1, role: $0.0 == "ns1" ? .primary : .secondary)
        }
        return Compare.verdict(
            ZoneObservation(
                zone: zone, servers: servers,
                transfers: transfers.map {
                    TransferObservation(
                        server: $0.0, outcome: .transferred(serial: $0.1, digest: $0.2, records: $0.3))
                }))
    }

    @Test func sameSerialDifferentDigestIsDivergedWithTheDifferingRecords() throws {
        let common = [Self.txt("a", "same")]
        let v = Self.deep([
            ("ns1", 7, "aaaa", common + [Self.txt("bump", "generation 1")]),
            ("ns2", 7, "aaaa", common + [Self.txt("bump", "generation 1")]),
            ("ns3", 7, "bbbb", common + [Self.txt("bump", "diverged on ns3")]),
        ])
        #expect(v.status == .critical)
        #expect(Self.state(v, "ns3") == .diverged && Self.state(v, "ns2") == .ok)
        let finding = try #require(v.findings.first)
        #expect(v.findings.count == 1 && finding.kind == .diverged && finding.servers == ["ns1", "ns3"])
        #expect(
            finding.details == [
                "only on ns1: bump.example.com. 3600 IN TXT \"generation 1\"",
                "only on ns3: bump.example.com. 3600 IN TXT \"diverged on ns3\"",
            ])
    }

    @Test func everySecondaryWithTheSameOtherCopyPointsAtThePrimary() {
        let v = Self.deep([
            ("ns1", 7, "aaaa", [Self.txt("a", "edited without a new serial")]),
            ("ns2", 7, "bbbb", [Self.txt("a", "old")]), ("ns3", 7, "bbbb", [Self.txt("a", "old")]),
        ])
        #expect(v.findings.map(\.kind) == [.diverged, .diverged])
        #expect(
            v.findings.allSatisfy {
                $0.message.contains("ns1's content probably changed without a new serial; increment the serial on ns1")
            }, "\(v.findings.map(\.message))")
        // One secondary differing is that secondary's problem, not the primary's.
        let one = Self.deep([("ns1", 7, "aaaa", []), ("ns2", 7, "aaaa", []), ("ns3", 7, "bbbb", [])])
        #expect(one.findings.count == 1 && one.findings[0].message.contains("by hand or its copy is corrupt"))
    }

    @Test func differentSerialsAreNotDivergedButLagging() {
        let v = Self.deep([("ns1", 8, "aaaa", [Self.txt("a", "new")]), ("ns2", 7, "bbbb", [Self.txt("a", "old")])])
        #expect(v.findings.map(\.kind) == [.lagging])
    }

    @Test func recordDiffListsTwentyAndCountsTheRest() {
        let left = (0..<30).map { Self.txt("r\($0)", "left") }
        let lines = Compare.recordDiff(primary: "ns1", left, other: "ns3", [], limit: 20)
        #expect(lines.count == 21)
        #expect(lines.last == "... and 10 more differing records (30 in all)")
        #expect(lines.prefix(20).allSatisfy { $0.hasPrefix("only on ns1: ") })
    }

    /// ns1 and ns2 both answer serial 7; ns1's transfer succeeds, ns2's fails with `failure`.
    static func transferOfNs2Failed(_ failure: QueryFailure) -> ZoneVerdict {
        let endpoint = ServerEndpoint(name: "ns2", host: "192.0.2.2", port: 53, key: nil)
        return Compare.verdict(
            ZoneObservation(
                zone: zone, servers: [answered("ns1", 7, role: .primary), answered("ns2", 7)],
                transfers: [
                    TransferObservation(server: "ns1", outcome: .transferred(serial: 7, digest: "aa", records: [])),
                    TransferObservation(
                        server: "ns2",
                        outcome: .failed(QueryError(zone: zone, server: endpoint, kind: .axfr, failure: failure))),
                ]))
    }

    @Test func failedTransferOfAnAnsweringServerIsCritical() {
        let v = Self.transferOfNs2Failed(.refused)
        #expect(v.status == .critical)
        #expect(v.findings.map(\.kind) == [.transferFailed])
        #expect(Self.state(v, "ns2") == .ok, "a refused transfer leaves the SOA answer standing")
    }

    @Test func transferAgainstTheRulesMakesTheServerABadAnswer() throws {
        let owner = try DomainName(presentation: "www.example.org.", origin: nil)
        let outside = Self.transferOfNs2Failed(.transferBroken(.outsideZone(owner: owner, type: .a)))
        #expect(Self.state(outside, "ns2") == .badAnswer)
        #expect(outside.findings.map(\.kind) == [.transferFailed])
        let reset = Self.transferOfNs2Failed(.transferBroken(.connectionReset(afterRecords: 3)))
        #expect(Self.state(reset, "ns2") == .ok && reset.findings.map(\.kind) == [.transferFailed])
    }

    // MARK: the primary's file

    static func withFile(served: UInt32, file: PrimaryFileObservation) -> ZoneVerdict {
        Compare.verdict(
            ZoneObservation(
                zone: zone, servers: [answered("ns1", served, role: .primary), answered("ns2", served)],
                primaryFile: file))
    }

    @Test func fileNewerThanServedIsNotLoaded() throws {
        let v = Self.withFile(
            served: 2_026_112_205,
            file: PrimaryFileObservation(path: "/zones/example.com.db", serial: 2_026_112_206, diagnostics: []))
        #expect(v.status == .critical)
        let finding = try #require(v.findings.first)
        #expect(finding.kind == .fileNotLoaded)
        #expect(finding.message.contains("has not loaded the file: check its log or reload"))
        #expect(finding.message.contains("/zones/example.com.db") && finding.message.contains("2026112206"))
    }

    @Test func fileSameSerialAsServedIsFine() {
        let v = Self.withFile(
            served: 9, file: PrimaryFileObservation(path: "/zones/example.com.db", serial: 9, diagnostics: []))
        #expect(v.status == .ok && v.findings.isEmpty)
    }

    /// `--deep`: the file's digest against the primary's verified transfer under the same serial.
    static func withFile(served: UInt32, servedDigest: String, file: PrimaryFileObservation) -> ZoneVerdict {
        Compare.verdict(
            ZoneObservation(
                zone: zone, servers: [answered("ns1", served, role: .primary), answered("ns2", served)],
                transfers: [
                    TransferObservation(
                        server: "ns1", outcome: .transferred(serial: served, digest: servedDigest, records: [])),
                    TransferObservation(
                        server: "ns2", outcome: .transferred(serial: served, digest: servedDigest, records: [])),
                ],
                primaryFile: file))
    }

    @Test func fileChangedUnderTheSameSerialIsTheForgottenIncrement() throws {
        let path = "/zones/example.com.db"
        let changed = Self.withFile(
            served: 9, servedDigest: "aaaa",
            file: PrimaryFileObservation(path: path, serial: 9, diagnostics: [], digest: "ffff"))
        #expect(changed.status == .critical)
        let finding = try #require(changed.findings.first)
        #expect(changed.findings.count == 1 && finding.kind == .fileSerialNotIncremented && finding.servers == ["ns1"])
        #expect(finding.message.contains(path) && finding.message.contains("same serial 9"))
        #expect(finding.message.contains("increment the serial in the file, then reload"))
        // The same content, or a new serial (not yet loaded: its own finding), is not this.
        let same = Self.withFile(
            served: 9, servedDigest: "aaaa",
            file: PrimaryFileObservation(path: path, serial: 9, diagnostics: [], digest: "aaaa"))
        #expect(same.findings.isEmpty)
        let newer = Self.withFile(
            served: 9, servedDigest: "aaaa",
            file: PrimaryFileObservation(path: path, serial: 10, diagnostics: [], digest: "ffff"))
        #expect(newer.findings.map(\.kind) == [.fileNotLoaded])
    }

    @Test func lintDiagnosticsGiveWarningOrCriticalBySeverity() throws {
        let at = SourceLocation(file: "/zones/example.com.db", line: 12)
        let warning = Diagnostic(.warning, "ttl-mismatch", at: at, "TTLs differ in one RRset")
        let error = Diagnostic(.error, "cname-and-other-data", at: at, "CNAME beside other data")
        let warned = Self.withFile(
            served: 9, file: PrimaryFileObservation(path: at.file, serial: 9, diagnostics: [warning]))
        #expect(warned.status == .warning && warned.findings.map(\.kind) == [.fileLint])
        #expect(warned.findings[0].details == [warning.description])
        let broken = Self.withFile(
            served: 9, file: PrimaryFileObservation(path: at.file, serial: 9, diagnostics: [warning, error]))
        #expect(broken.status == .critical)
        // Errors first: they are what stops the next reload.
        #expect(broken.findings[0].details.first == error.description)
    }
}
