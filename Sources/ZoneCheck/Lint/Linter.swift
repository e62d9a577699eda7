public import DNSKit

/// Streams the records of one zone once through every lint rule, then runs the rules that
/// need the whole zone (delegations, targets, occlusion) over a compact index of its names.
///
/// Memory stays proportional to the number of distinct names and RRsets, a few dozen bytes
/// each (`OwnerIndex`, `RecordSets`), never to whole records; no `String` is built for a record
/// unless a diagnostic about it is. That keeps a million-record zone inside the budget of
/// `nsd-checkzone` (measure with `Scripts/bench-parse`).
///
/// Use `Linter.lint(path:...)` for a file; feed records yourself with `check(_:)` and
/// `finish()` when they come from elsewhere.
public struct Linter {
    public let origin: DomainName
    let today: DateSerial.Day
    var index: OwnerIndex
    var trailingDot: TrailingDot
    let zone: ZoneSuffix
    var recordSets = RecordSets()
    /// NS, MX and SRV targets inside the zone, and names that look like a forgotten dot.
    var references: [Reference] = []
    var files: [String] = []
    var diagnostics: [Diagnostic] = []
    var soa: (value: SOA, location: SourceLocation)?
    var history: SerialHistory?
    /// The TSIG key transfers are signed with, for `record-too-large-to-transfer`.
    let signer: TransferFit.Signer
    /// Octets of a transfer message besides the record's owner and RDATA.
    let transferOverhead: Int
    /// The previous record's owner, when it was in the zone and needed no warning.
    var lastOwnerWire: [UInt8] = []
    var lastOwner: UInt32 = 0
    public private(set) var recordCount = 0

    /// A name inside RDATA that a rule must look up once the whole zone is known.
    struct Reference {
        var source: UInt32
        var target: UInt32
        var type: RecordType
        var file: UInt16
        var line: UInt32
        /// `target-without-address` and friends apply (NS, MX, SRV).
        var isTarget: Bool
        /// Looks like an outside name with a forgotten dot; reported if the name has no data.
        var looksExternal: Bool
    }

    /// - Parameters:
    ///   - today: the date `serial-future` compares against (UTC; tests pass a fixed day).
    ///   - previous: the version before this one, for `serial-not-incremented` and `serial-decreased`.
    ///   - signer: the TSIG key transfers are signed with (`TransferFit.Signer.worst(of:)` the fleet's keys).
    public init(
        origin: DomainName, today: DateSerial.Day, previous: PreviousZone? = nil,
        signer: TransferFit.Signer = .assumed
    ) {
        self.origin = origin
        self.today = today
        self.signer = signer
        self.transferOverhead = TransferFit.messageSize(ownerLength: 0, rdataLength: 0, zone: origin, signer: signer)
        self.index = OwnerIndex(apex: origin)
        self.trailingDot = TrailingDot(origin: origin)
        self.zone = ZoneSuffix(origin)
        if let previous { self.history = SerialHistory(previous: previous, origin: origin) }
    }

    /// Runs the per-record rules on one record, in file order.
    public mutating func check(_ parsed: ParsedRecord) {
        recordCount += 1
        let record = parsed.record
        // The zone-file reader never delivers such a record; one fed from elsewhere must not reach
        // the digest or the canonical form, which need RDLENGTH to fit 16 bits.
        guard record.rdata.count <= ZoneFileReader.maxRDATALength else {
            report(
                .recordTooLargeToTransfer, parsed.location,
                "\(record.owner) \(record.type) has \(record.rdata.count) octets of RDATA, more than the "
                    + "\(ZoneFileReader.maxRDATALength) a record can hold: no server can load or send it; shorten it")
            return
        }
        history?.add(record)
        let file = fileIndex(parsed.location.file)
        let line = UInt32(clamping: parsed.location.line)

        let owner: UInt32
        if record.owner.wire == lastOwnerWire {
            // Records of one name come together: skip the lookup for all but the first.
            owner = lastOwner
        } else {
            let verdict = trailingDot.checkOwner(record.owner)
            if case .doubledOrigin(let meant) = verdict {
                report(
                    .missingTrailingDot, parsed.location,
                    trailingDot.message("owner", became: record.owner, meant: meant))
            }
            guard zone.contains(record.owner) else {
                report(
                    .outOfZone, parsed.location,
                    "\(record.owner) \(record.type) is outside the zone \(origin): name servers ignore it "
                        + "(BIND says so only in its log); move it to the zone of \(record.owner) or delete it")
                return
            }
            owner = index.intern(record.owner)
            if case .fine = verdict {
                lastOwnerWire = record.owner.wire
                lastOwner = owner
            }
        }

        checkTransferFit(record, at: parsed.location)
        if let duplicate = recordSets.add(record, owner: owner, state: &index[owner], line: line) {
            report(
                .duplicateRecord, parsed.location,
                "\(record.owner) \(record.type) repeats the record at line \(duplicate) (same data; "
                    + "case and TTL do not count): servers keep one copy, so delete this one")
            return
        }
        if let first = recordSets.ttlConflict, record.type != .rrsig {
            report(
                .ttlMismatch, parsed.location,
                "\(record.owner) \(record.type) has TTL \(record.ttl) but the same RRset has TTL \(first.ttl) "
                    + "at line \(first.line) (RFC 2181 §5.2: one TTL per RRset; servers use one of them): "
                    + "give all \(record.type) records of \(record.owner) the same TTL")
        }

        let bit = TypeSet(record.type)
        checkCNAME(record, owner: owner, bit: bit, at: parsed.location)
        if bit == .dname, index[owner].types.contains(.dname) {
            report(
                .multipleDNAME, parsed.location,
                "\(record.owner) already has a DNAME (its records start at line \(index[owner].line)); a name can redirect to only one "
                    + "name (RFC 6672 §2.4; BIND: 'multiple RRs of singleton type'): keep one DNAME and delete the others"
            )
        }
        if bit == .ds, owner == OwnerIndex.apex {
            report(
                .dsAtApex, parsed.location,
                "\(record.owner) DS is at the apex of its own zone, but a DS belongs in the parent zone "
                    + "(RFC 4034 §5; BIND: 'DS record at top of zone' and refuses the zone): give it to the "
                    + "parent's operator (registrar) and delete it here")
        }
        if index[owner].types.isEmpty {
            index[owner].line = line
            index[owner].file = file
        }
        index[owner].types.insert(bit)

        if bit == .soa, owner == OwnerIndex.apex, soa == nil, let value = SOA(record: record) {
            soa = (value, parsed.location)
            checkSOA(value, at: parsed.location)
        }
        // A, AAAA and TXT carry no names: skip the RDATA walk for the bulk of a large zone.
        if bit.isDisjoint(with: [.a, .aaaa, .txt]) {
            checkNames(in: record, owner: owner, file: file, line: line, at: parsed.location)
        }
    }

    /// `record-too-large-to-transfer` and `record-close-to-transfer-limit`.
    mutating func checkTransferFit(_ record: ResourceRecord, at location: SourceLocation) {
        let size = transferOverhead + record.owner.wire.count + record.rdata.count
        let verdict = TransferFit.verdict(size: size)
        guard verdict != .fits else { return }
        let wire = record.owner.wire.count + 10 + record.rdata.count
        let what =
            "\(record.owner) \(record.type) is \(wire) octets on the wire (RDATA \(record.rdata.count)); a transfer "
            + "message carrying it, with header, question and a TSIG by \(signer), needs \(size) octets"
        let fix =
            record.type == .txt || record.type.rawValue == 99
            ? "split the text into several \(record.type) records, or shorten it"
            : "shorten its data"
        if case .tooLarge = verdict {
            report(
                .recordTooLargeToTransfer, location,
                "\(what), more than the \(TransferFit.messageLimit) a DNS message can hold: the primary loads the "
                    + "zone but cannot send it (BIND: 'RR too large for zone transfer'), so every secondary keeps "
                    + "the old serial; \(fix)")
        } else {
            report(
                .recordCloseToTransferLimit, location,
                "\(what), within \(TransferFit.warningMargin) octets of the \(TransferFit.messageLimit) a DNS "
                    + "message can hold: a longer key name or a small edit and no secondary gets the zone; \(fix)")
        }
    }

    /// Looks at every name inside the RDATA: forgotten dots now, targets later.
    mutating func checkNames(
        in record: ResourceRecord, owner: UInt32, file: UInt16, line: UInt32, at location: SourceLocation
    ) {
        let names = record.rdataNames
        guard !names.isEmpty else { return }
        let isTargetType = record.type == .ns || record.type == .mx || record.type == .srv
        for (position, name) in names.enumerated() {
            var looksExternal = false
            switch trailingDot.checkTarget(name) {
            case .doubledOrigin(let meant):
                report(
                    .missingTrailingDot, location,
                    trailingDot.message("\(record.type) target", became: name, meant: meant))
                continue
            case .looksExternal:
                looksExternal = true
            case .fine:
                break
            }
            // The name is the record's target for NS, MX, SRV (their only name).
            let isTarget = isTargetType && position == 0
            let inZone = zone.contains(name)
            // A name server outside the zone is found without this zone's help.
            if isTarget && !inZone && record.type == .ns { index[owner].hasOutsideNameServer = true }
            guard isTarget || looksExternal, inZone else { continue }
            let target = index.intern(name)
            if record.type == .ns { index[target].isNameServer = true }
            references.append(
                Reference(
                    source: owner, target: target, type: record.type, file: file, line: line, isTarget: isTarget,
                    looksExternal: looksExternal))
        }
    }

    /// Runs the rules that need the whole zone and returns every lint diagnostic (unsorted).
    ///
    /// With `wholeZone` false (part of the zone could not be read: an `$INCLUDE` failed) only the
    /// per-record findings are returned: the others would be knock-on effects of the missing part.
    public mutating func finish(wholeZone: Bool = true) -> [Diagnostic] {
        guard wholeZone else { return diagnostics }
        checkDelegationsAndTargets()
        if let soa {
            if !index[OwnerIndex.apex].types.contains(.ns) {
                report(
                    .noApexNS, soa.location,
                    "\(origin) has no NS record at its apex: nothing can be delegated to it "
                        + "(RFC 1034 §4.2.1); add an NS record for each name server")
            }
            if let history {
                for diagnostic in history.findings(current: soa.value, at: soa.location) {
                    diagnostics.append(diagnostic)
                }
            }
        }
        return diagnostics
    }

    // MARK: shared

    mutating func report(_ rule: LintRule, _ location: SourceLocation, _ message: String) {
        diagnostics.append(rule.diagnostic(at: location, message))
    }

    func location(file: UInt16, line: UInt32) -> SourceLocation {
        SourceLocation(file: files[Int(file)], line: Int(line))
    }

    mutating func fileIndex(_ file: String) -> UInt16 {
        // Records come in runs from one file; $INCLUDE makes a handful of files at most (the
        // reader stops at `ZoneFileReader.maxIncludedFiles`). Past 65,535 files (records fed
        // from elsewhere) the last slot is reused rather than trapping.
        if let last = files.last, last == file { return UInt16(truncatingIfNeeded: files.count - 1) }
        if let found = files.firstIndex(of: file) { return UInt16(clamping: found) }
        if files.count < Int(UInt16.max) { files.append(file) }
        return UInt16(truncatingIfNeeded: files.count - 1)
    }
}
