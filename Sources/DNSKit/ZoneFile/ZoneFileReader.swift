/// A strict reader of RFC 1035 §5 master files, in front of libldns.
///
/// Reads the whole master-file syntax: `$ORIGIN`, `$TTL` (plain seconds or units `1h30m`,
/// `2w`), `$INCLUDE file [origin]` (path relative to the including file, at most 16 deep, no
/// cycles, origin and owner restored afterwards), parentheses over several lines, quoted strings
/// with `\"` and `\DDD`, comments, a blank owner repeating the previous one, TTL and class in
/// either order, `@`, relative names, RFC 3597 `TYPEnnn`, `CLASSnnn` and `\# length hex` RDATA.
/// Common types are parsed natively (A AAAA NS CNAME PTR DNAME MX AFSDB RT KX TXT SPF SOA SRV
/// CAA TLSA SMIMEA DS CDS DNSKEY CDNSKEY RRSIG NSEC NSEC3 NSEC3PARAM CSYNC ZONEMD SSHFP HINFO
/// MINFO RP NAPTR, and where libldns is lax or blind: LOC CERT APL WKS X25 ATMA DSYNC HHIT BRID NINFO AVC
/// DOA AMTRELAY RESINFO WALLET); every other type libldns knows goes through
/// `ldns_rr_new_frm_str` one record at a time. Records stream to the caller one at a time.
///
/// Whatever libldns is lenient about (docs/architecture.md "Facts about libldns") is an error here, at the
/// file and line where it is written, and reading goes on so that one pass reports everything.
///
/// Rule ids of the diagnostics (stable; lint fixtures and tests refer to them):
/// - `file` (error): the zone file cannot be read.
/// - `syntax` (error): malformed entry (TTL or class given twice, lone `\`, bad `\DDD` in a string).
/// - `unbalanced-parenthesis` (error): `)` without `(`, or `(` never closed (reported at the `(`).
/// - `unterminated-string` (error): a `"` not closed on its line.
/// - `ttl` (error): malformed TTL (`6x0`, `1h3x`, `abc`), above 2147483647 (RFC 2181 §8), or no
///   TTL known for a record before the SOA.
/// - `directive` (error): unknown `$` directive, wrong arguments, or a `$GENERATE` whose range,
///   modifiers or generated records are malformed.
/// - `include` (error): `$INCLUDE` file missing or unreadable, nested more than 16 deep, cyclic,
///   more than 4,096 distinct files, or a file name with control characters.
/// - `name` (error): a label over 63 octets, a name over 255, an empty label, a bad escape.
/// - `type` (error): unknown type mnemonic, meta type (ANY, AXFR, OPT...), or no type at all.
/// - `class` (error): unknown class, or a class other than the zone's (the first record's).
/// - `rdata` (error): wrong number of RDATA fields, malformed field (non-digits in a number,
///   bad hex/base64/base32hex, unknown type in a bit map, bad signature time), a quoted domain
///   name, a DS/SSHFP/ZONEMD digest of the wrong length, `\#` length mismatch or `\#` data not
///   valid for its type, CAA tag not alphanumeric, a type known only by number without `\#`
///   data, RDATA libldns cannot read.
/// - `range` (error): a number too large for its field (MX preference 70000, CAA flags 256...).
/// - `address` (error): an A or AAAA address `inet_pton` would not accept (`256.1.1.1`, `1.2.3`).
/// - `string-too-long` (error): a character-string over 255 octets (RFC 1035 §3.3).
/// - `rdata-too-long` (error): RDATA over 65,535 octets, more than RDLENGTH can say (RFC 1035
///   §3.2.1); the record is never built, so nothing after the reader sees it.
/// - `soa-missing` (error): no SOA record in the zone (reported at line 1 of the zone file).
/// - `soa-multiple` (error): a second SOA record (it is not delivered).
/// - `soa-not-apex` (error): an SOA whose owner is not the origin (it is not delivered).
/// - `no-owner` (error): a record with a blank owner before any record with an owner.
/// - `no-ttl` (warning): no `$TTL` and no explicit TTL: the SOA minimum is used, as BIND does.
///
/// Records outside the origin are delivered as they are; judging them is the linter's job.
public final class ZoneFileReader {
    /// Deepest `$INCLUDE` nesting accepted.
    public static let maxIncludeDepth = 16

    /// Most distinct files one zone may include (RFC 1035 sets no limit; BIND none either): a
    /// bound on the work and the file table, far above any real zone.
    public static let maxIncludedFiles = 4_096

    /// Largest RDATA a record can carry: RDLENGTH is 16 bits (RFC 1035 §3.2.1).
    public static let maxRDATALength = 65_535

    let path: String
    let text: [UInt8]?
    let explicitOrigin: DomainName?
    /// Where relative `$INCLUDE` names are read from; nil: the including file's directory.
    let includeDirectory: String?

    /// Reads the file at `path`.
    ///
    /// origin: `--origin` if given; else the file's first `$ORIGIN` (if it comes before the first
    /// record); else derived from the file name (`example.com.zone`, `example.com.db`,
    /// `db.example.com`, `example.com`).
    ///
    /// includeDirectory: where relative `$INCLUDE` file names are read from, as BIND reads them
    /// from its `directory` option and NSD from its working directory; nil reads them from the
    /// directory of the file that includes them.
    public init(path: String, origin: DomainName? = nil, includeDirectory: String? = nil) {
        self.path = path
        self.text = nil
        self.explicitOrigin = origin
        self.includeDirectory = includeDirectory
    }

    /// Reads `text` as if it were the file `fileName` (for tests); `$INCLUDE` paths are relative
    /// to `fileName`'s directory.
    public convenience init(
        text: String, fileName: String, origin: DomainName? = nil, includeDirectory: String? = nil
    ) {
        self.init(bytes: Array(text.utf8), fileName: fileName, origin: origin, includeDirectory: includeDirectory)
    }

    /// Reads `bytes` as if they were the file `fileName` (standard input, a pipe); `$INCLUDE` paths are
    /// relative to `fileName`'s directory.
    public init(bytes: [UInt8], fileName: String, origin: DomainName? = nil, includeDirectory: String? = nil) {
        self.path = fileName
        self.text = bytes
        self.explicitOrigin = origin
        self.includeDirectory = includeDirectory
    }

    // MARK: state of one read
    // Only this reader's own methods touch these, one call at a time: the dynamic exclusivity
    // checks (a tenth of the reading time of a big zone) buy nothing here.
    @exclusivity(unchecked) var diagnostics: [Diagnostic] = []
    @exclusivity(unchecked) var zoneOrigin = DomainName.root
    @exclusivity(unchecked) var currentOrigin = DomainName.root
    @exclusivity(unchecked) var ldnsOrigin: LDNSOrigin? = nil
    @exclusivity(unchecked) var lastOwner: DomainName? = nil
    /// The last written owner was rejected: blank-owner records after it are skipped silently.
    @exclusivity(unchecked) var ownerInvalid = false
    @exclusivity(unchecked) var defaultTTL: UInt32? = nil
    @exclusivity(unchecked) var lastExplicitTTL: UInt32? = nil
    @exclusivity(unchecked) var zoneClass: DNSClass? = nil
    @exclusivity(unchecked) var soa: ResourceRecord? = nil
    @exclusivity(unchecked) var soaLocation: SourceLocation? = nil
    @exclusivity(unchecked) var sawSOA = false
    @exclusivity(unchecked) var recordCount = 0
    @exclusivity(unchecked) var includeStack: [String] = []
    @exclusivity(unchecked) var includedFiles: Set<String> = []
    @exclusivity(unchecked) var shortTypes: [UInt64: RecordType] = [:]
    @exclusivity(unchecked) var longTypes: [String: RecordType] = [:]

    private func reset() {
        diagnostics = []
        ldnsOrigin = nil
        lastOwner = nil
        ownerInvalid = false
        defaultTTL = nil
        lastExplicitTTL = nil
        zoneClass = nil
        soa = nil
        soaLocation = nil
        sawSOA = false
        recordCount = 0
        includeStack = []
        includedFiles = []
    }

    // MARK: reading

    /// Streams every accepted record, in file order, to `body`.
    public func read(_ body: (ParsedRecord) throws -> Void) rethrows -> ZoneFileResult {
        reset()
        let contents: ZoneFileContents
        if let text {
            contents = ZoneFileContents(copying: text)
        } else {
            switch ZoneFileContents.read(path: path) {
            case .success(let read):
                contents = read
            case .failure(let failure):
                zoneOrigin = explicitOrigin ?? Self.origin(fromFileName: path)
                diagnostics.append(
                    Diagnostic(
                        .error, "file", at: SourceLocation(file: path, line: 1),
                        "cannot read zone file \(path): \(failure.reason)"))
                return result()
            }
        }
        zoneOrigin = explicitOrigin ?? firstOrigin(in: contents) ?? Self.origin(fromFileName: path)
        currentOrigin = zoneOrigin
        includeStack = [ZoneFileContents.canonicalPath(path)]
        try readContents(contents, file: path, body)
        // A file that is not text at all (its `file` error said so) has no SOA to miss.
        if !sawSOA && !diagnostics.contains(where: { $0.rule == "file" }) {
            diagnostics.append(
                Diagnostic(
                    .error, "soa-missing", at: SourceLocation(file: path, line: 1),
                    "zone \(zoneOrigin) has no SOA record; add one at the apex (owner @) as the first record"))
        }
        return result()
    }

    /// Convenience for small zones and tests.
    public func readAll() -> (records: [ParsedRecord], result: ZoneFileResult) {
        var records: [ParsedRecord] = []
        let result = read { records.append($0) }
        return (records, result)
    }

    private func result() -> ZoneFileResult {
        ZoneFileResult(origin: zoneOrigin, diagnostics: diagnostics, recordCount: recordCount, soa: soa)
    }

    func error(_ rule: String, _ file: String, _ line: Int, _ message: String) {
        diagnostics.append(
            Diagnostic(.error, rule, at: SourceLocation(file: file, line: line), PrintableText.sanitized(message)))
    }

    /// Reads one file's entries; `$INCLUDE` recurses into here.
    func readContents(_ contents: ZoneFileContents, file: String, _ body: (ParsedRecord) throws -> Void) rethrows {
        var bytes = contents.buffer
        // A master file is text: a NUL among its first 4 KiB is a binary file, most likely BIND's raw or map
        // format (`masterfile-format`, what BIND keeps a secondary's copy in), whose bytes would otherwise be
        // reported as a page of unrelated syntax errors.
        if UnsafeBufferPointer(rebasing: bytes.prefix(4096)).contains(0) {
            error(
                "file", file, 1,
                "\(file) is a binary file, not a zone file in text (RFC 1035 §5): BIND's raw or map format, or not a zone at all; point to the text file, or convert it with named-compilezone -f raw -F text -o FILE.txt ZONE \(file)"
            )
            return
        }
        // A UTF-8 byte order mark, as some editors write: BIND and NSD refuse the file; said once, then the
        // rest is read as if it were not there, so that one pass reports everything else too.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            error(
                "syntax", file, 1,
                "\(file) starts with a UTF-8 byte order mark (EF BB BF), which BIND and NSD refuse; save the file without it (vim: :set nobomb, then :w)"
            )
            bytes = UnsafeBufferPointer(rebasing: bytes[3...])
        }
        var lexer = ZoneFileLexer(bytes: bytes)
        var tokens: [ZoneToken] = []
        tokens.reserveCapacity(32)
        while let logical = lexer.next(
            into: &tokens, report: { problem in error(problem.rule, file, problem.line, problem.message) })
        {
            let first = tokens[0]
            if !logical.startsWithBlank && !first.isQuoted && bytes[first.start] == UInt8(ascii: "$") {
                try directive(tokens, bytes: bytes, line: logical.line, file: file, body)
                continue
            }
            let outcome = tokens.withUnsafeBufferPointer { tokens in
                Result { () throws(RecordRejection) in try record(tokens, bytes: bytes, logical: logical, file: file) }
            }
            switch outcome {
            case .success(let record?):
                recordCount += 1
                try body(ParsedRecord(record: record, location: SourceLocation(file: file, line: logical.line)))
            case .success(nil):
                break
            case .failure(let rejection):
                error(rejection.rule, file, rejection.line == 0 ? logical.line : rejection.line, rejection.message)
            }
        }
    }

    // MARK: one record

    /// Parses one record entry: `[owner] [ttl] [class] type rdata` with TTL and class in either
    /// order (RFC 1035 §5.1). Nil when the record is skipped without a new diagnostic.
    func record(
        _ tokens: UnsafeBufferPointer<ZoneToken>, bytes: UnsafeBufferPointer<UInt8>, logical: LogicalLine,
        file: String
    ) throws(RecordRejection) -> ResourceRecord? {
        var index = 0
        let owner: DomainName
        if logical.startsWithBlank {
            if let lastOwner {
                owner = lastOwner
            } else if ownerInvalid {
                return nil
            } else {
                throw RecordRejection(
                    rule: "no-owner", line: logical.line,
                    message:
                        "record starts with a blank, so it repeats the previous owner, but there is none; write its owner name in the first column"
                )
            }
        } else {
            let token = tokens[0]
            do throws(NameError) {
                owner = try DomainName.parsePresentation(slice(bytes, token), origin: currentOrigin)
            } catch {
                lastOwner = nil
                ownerInvalid = true
                throw RecordRejection(
                    rule: "name", line: token.line,
                    message: "owner '\(text(bytes, token))': \(error)")
            }
            lastOwner = owner
            ownerInvalid = false
            index = 1
        }

        var ttl: UInt32? = nil
        var dnsClass: DNSClass? = nil
        while index < tokens.count {
            let token = tokens[index]
            if token.isQuoted { break }
            if bytes[token.start] &- UInt8(ascii: "0") < 10 {
                guard ttl == nil else {
                    throw RecordRejection(
                        rule: "syntax", line: token.line,
                        message: "second TTL '\(text(bytes, token))' in one record; keep one")
                }
                ttl = try Self.ttl(token, bytes: bytes, what: "TTL")
            } else if let known = Self.dnsClass(token, bytes: bytes) {
                guard dnsClass == nil else {
                    throw RecordRejection(
                        rule: "syntax", line: token.line,
                        message: "second class '\(text(bytes, token))' in one record; keep one")
                }
                dnsClass = known
            } else {
                break
            }
            index += 1
        }

        guard index < tokens.count else {
            throw RecordRejection(
                rule: "type", line: tokens[tokens.count - 1].line,
                message: "record has no type; write one such as A, MX or TXT after the owner, TTL and class")
        }
        let typeToken = tokens[index]
        guard let type = recordType(typeToken, bytes: bytes) else {
            if dnsClass == nil, index + 1 < tokens.count, recordType(tokens[index + 1], bytes: bytes) != nil {
                throw RecordRejection(
                    rule: "class", line: typeToken.line,
                    message: "unknown class '\(text(bytes, typeToken))'; zones here use IN (or CH, HS, CLASSnnn)")
            }
            throw RecordRejection(
                rule: "type", line: typeToken.line,
                message:
                    "unknown type '\(text(bytes, typeToken))'; write a known mnemonic, or TYPEnnn with \\# RDATA (RFC 3597)"
            )
        }
        guard !type.isMetaType else {
            throw RecordRejection(
                rule: "type", line: typeToken.line,
                message: "\(type) is a query or meta type and cannot be a record in a zone file")
        }
        index += 1
        if type == .soa { sawSOA = true }

        let recordClass = dnsClass ?? zoneClass ?? .in
        if let zoneClass, recordClass != zoneClass {
            throw RecordRejection(
                rule: "class", line: typeToken.line,
                message:
                    "class \(recordClass) differs from the zone's class \(zoneClass); every record must be \(zoneClass)"
            )
        }

        let rdata = try self.rdata(tokens, from: index, bytes: bytes, owner: owner, type: type, logical: logical)
        // Before any ResourceRecord exists: every later stage (wire form, digests, lint) may rely on it.
        guard rdata.count <= Self.maxRDATALength else {
            throw RecordRejection(
                rule: "rdata-too-long", line: logical.line,
                message:
                    "\(type) RDATA is \(rdata.count) octets, more than the \(Self.maxRDATALength) a record can hold "
                    + "(RFC 1035 §3.2.1): no server can load or send it; split it into several \(type) records or shorten it"
            )
        }

        let recordTTL: UInt32
        if let ttl {
            recordTTL = ttl
            lastExplicitTTL = ttl
        } else if let defaultTTL {
            recordTTL = defaultTTL
        } else if let lastExplicitTTL {
            // RFC 1035 §5.1: an omitted TTL is the last one stated.
            recordTTL = lastExplicitTTL
        } else if type == .soa && rdata.count >= 20 {
            let tail = rdata.suffix(4)
            let minimum = tail.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            recordTTL = min(minimum, UInt32(TTLText.maxTTL))
            defaultTTL = recordTTL
            diagnostics.append(
                Diagnostic(
                    .warning, "no-ttl", at: SourceLocation(file: file, line: logical.line),
                    "no $TTL and no TTL on the SOA: using the SOA minimum \(recordTTL) as every record's TTL, as BIND does; add '$TTL \(recordTTL)' at the top"
                ))
        } else {
            throw RecordRejection(
                rule: "ttl", line: logical.line,
                message:
                    "no TTL for this record: no $TTL, no explicit TTL and no SOA before it; add '$TTL 3600' at the top of the file"
            )
        }

        if type == .soa {
            guard owner == zoneOrigin else {
                throw RecordRejection(
                    rule: "soa-not-apex", line: logical.line,
                    message:
                        "SOA owner \(owner) is not the zone apex \(zoneOrigin); the SOA belongs at the origin (owner @), or the origin is wrong"
                )
            }
            if let soaLocation {
                throw RecordRejection(
                    rule: "soa-multiple", line: logical.line,
                    message:
                        "second SOA record; a zone has exactly one, the first is at \(soaLocation); remove this one")
            }
        }

        let record = ResourceRecord(owner: owner, type: type, dnsClass: recordClass, ttl: recordTTL, rdata: rdata)
        zoneClass = recordClass
        if type == .soa {
            soa = record
            soaLocation = SourceLocation(file: file, line: logical.line)
        }
        return record
    }

    private func rdata(
        _ tokens: UnsafeBufferPointer<ZoneToken>, from index: Int, bytes: UnsafeBufferPointer<UInt8>,
        owner: DomainName, type: RecordType, logical: LogicalLine
    ) throws(RecordRejection) -> [UInt8] {
        var parser = RDATAText(
            bytes: bytes, tokens: tokens, index: index, origin: currentOrigin, type: type, recordLine: logical.line)
        let rdata: [UInt8]
        if parser.isGenericStart() {
            try parser.generic()
            guard LDNSRecordText.wireIsValid(type: type, rdata: parser.out) else {
                throw RecordRejection(
                    rule: "rdata", line: tokens[index].line,
                    message: "the \\# data is not a valid \(type) RDATA; check the octets against the type's layout")
            }
            rdata = parser.out
        } else if try parser.parseNative() {
            return parser.out
        } else {
            try LDNSRecordText.checkLeadingIntegers(parser)
            if type == .svcb || type == .https {
                try SVCBParameters.checkText(
                    UnsafeBufferPointer(rebasing: tokens[index...]), bytes: bytes, type: type)
            }
            rdata = try ldnsRDATA(tokens, from: index, bytes: bytes, owner: owner, type: type, logical: logical)
        }
        if type == .svcb || type == .https {
            try SVCBParameters.check(rdata, type: type, line: index < tokens.count ? tokens[index].line : logical.line)
        }
        return rdata
    }

    /// The fallback for the rarer types: one normalised line through libldns.
    private func ldnsRDATA(
        _ tokens: UnsafeBufferPointer<ZoneToken>, from index: Int, bytes: UnsafeBufferPointer<UInt8>,
        owner: DomainName, type: RecordType, logical: LogicalLine
    ) throws(RecordRejection) -> [UInt8] {
        guard type.description != "TYPE\(type.rawValue)" else {
            throw RecordRejection(
                rule: "rdata", line: logical.line,
                message: "\(type) is not a type this reader knows; write its RDATA as '\\# length hex' (RFC 3597 §5)")
        }
        var line = "\(owner) 0 IN \(type)"
        var previousEnd = -1
        for token in tokens[index...] {
            // Tokens as written, quotes included; no blank where the file had none, so that
            // RFC 9460 `alpn="h2,h3"` stays one field.
            let start = token.isQuoted ? token.start - 1 : token.start
            let end = token.isQuoted ? token.end + 1 : token.end
            if start != previousEnd { line += " " }
            line += String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            previousEnd = end
        }
        let origin: LDNSOrigin
        if let cached = ldnsOrigin, cached.name.wire == currentOrigin.wire {
            origin = cached
        } else {
            origin = LDNSOrigin(currentOrigin)
            ldnsOrigin = origin
        }
        switch LDNSRecordText.rdata(line: line, origin: origin, type: type) {
        case .success(let wire):
            return wire
        case .failure(var rejection):
            rejection.line = index < tokens.count ? tokens[index].line : logical.line
            throw rejection
        }
    }

    // MARK: tokens

    @inline(__always)
    func slice(_ bytes: UnsafeBufferPointer<UInt8>, _ token: ZoneToken) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[token.start..<token.end])
    }

    /// The token as written, for messages: octets outside printable ASCII as `\\DDD`.
    func text(_ bytes: UnsafeBufferPointer<UInt8>, _ token: ZoneToken) -> String {
        PrintableText.escaping(slice(bytes, token))
    }

    /// A TTL field (RFC 1035 §5.1, units as BIND reads them, RFC 2181 §8 limit).
    static func ttl(_ token: ZoneToken, bytes: UnsafeBufferPointer<UInt8>, what: String) throws(RecordRejection)
        -> UInt32
    {
        let raw = UnsafeBufferPointer(rebasing: bytes[token.start..<token.end])
        guard !token.isQuoted, let value = TTLText.parse(raw) else {
            throw RecordRejection(
                rule: "ttl", line: token.line,
                message:
                    "bad \(what) '\(PrintableText.escaping(raw))'; write seconds (3600) or a duration with units s m h d w (1h30m)"
            )
        }
        guard value <= TTLText.maxTTL else {
            throw RecordRejection(
                rule: "ttl", line: token.line,
                message:
                    "\(what) \(PrintableText.escaping(raw)) is above 2147483647, the largest RFC 2181 §8 allows"
            )
        }
        return UInt32(value)
    }

    static func dnsClass(_ token: ZoneToken, bytes: UnsafeBufferPointer<UInt8>) -> DNSClass? {
        let length = token.end - token.start
        if length == 2 {
            let a = bytes[token.start] | 0x20
            let b = bytes[token.start + 1] | 0x20
            switch (a, b) {
            case (UInt8(ascii: "i"), UInt8(ascii: "n")): return .in
            case (UInt8(ascii: "c"), UInt8(ascii: "h")): return .ch
            case (UInt8(ascii: "h"), UInt8(ascii: "s")): return .hs
            default: return nil
            }
        }
        guard length >= 5, length <= 10 else { return nil }
        let first = bytes[token.start] | 0x20
        guard first == UInt8(ascii: "c") || first == UInt8(ascii: "h") else { return nil }
        return DNSClass(
            mnemonic: String(decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self))
    }

    /// The type a mnemonic names; looked up in libldns once per spelling, then cached.
    func recordType(_ token: ZoneToken, bytes: UnsafeBufferPointer<UInt8>) -> RecordType? {
        guard !token.isQuoted, !token.hasEscape else { return nil }
        let length = token.end - token.start
        if length <= 7 {
            var key: UInt64 = 0
            for k in token.start..<token.end {
                let byte = bytes[k]
                key = key << 8 | UInt64(byte &- UInt8(ascii: "a") < 26 ? byte - 32 : byte)
            }
            key |= UInt64(length) << 56
            if let known = shortTypes[key] { return known }
            guard let type = RecordType(mnemonic: text(bytes, token)) else { return nil }
            shortTypes[key] = type
            return type
        }
        let spelling = text(bytes, token)
        if let known = longTypes[spelling] { return known }
        guard let type = RecordType(mnemonic: spelling) else { return nil }
        longTypes[spelling] = type
        return type
    }
}

/// One record as read, with where it was written.
public struct ParsedRecord: Sendable {
    public var record: ResourceRecord
    public var location: SourceLocation

    public init(record: ResourceRecord, location: SourceLocation) {
        self.record = record
        self.location = location
    }
}

/// What reading a zone file found besides the records themselves.
public struct ZoneFileResult: Sendable {
    /// The origin actually used.
    public var origin: DomainName
    /// In file order; diagnostics about an included file name that file.
    public var diagnostics: [Diagnostic]
    /// Records delivered to the sink.
    public var recordCount: Int
    /// The apex SOA, if one was read.
    public var soa: ResourceRecord?

    public init(origin: DomainName, diagnostics: [Diagnostic], recordCount: Int, soa: ResourceRecord?) {
        self.origin = origin
        self.diagnostics = diagnostics
        self.recordCount = recordCount
        self.soa = soa
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
