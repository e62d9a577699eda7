internal import CLDNS

/// An origin as an ldns dname, owned: freed when the last reference goes.
final class LDNSOrigin {
    let name: DomainName
    let rdf: UnsafeMutablePointer<ldns_rdf>?

    init(_ name: DomainName) {
        self.name = name
        self.rdf = name.wire.withUnsafeBytes { ldns_dname_new_frm_data(UInt16($0.count), $0.baseAddress) }
    }

    deinit { ldns_rdf_deep_free(rdf) }
}

/// The types without a native parser go through libldns: one normalised line, parsed by
/// `ldns_rr_new_frm_str`, RDATA taken back as wire.
///
/// The reader has already checked everything ldns is lenient about outside the RDATA (owner,
/// TTL, class, type, parentheses, quoting); what ldns accepts inside the RDATA of these rarer
/// types is taken as it is.
enum LDNSRecordText {
    /// Parses `line` (absolute owner, TTL, class, type, RDATA as written) and returns the RDATA
    /// wire, or the ldns error text.
    static func rdata(line: String, origin: LDNSOrigin, type: RecordType) -> Result<[UInt8], RecordRejection> {
        var record: UnsafeMutablePointer<ldns_rr>? = nil
        let status = line.withCString { ldns_rr_new_frm_str(&record, $0, 0, origin.rdf, nil) }
        defer { ldns_rr_free(record) }
        guard status == LDNS_STATUS_OK, let record else {
            let reason = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
            return .failure(
                RecordRejection(rule: "rdata", line: 0, message: "\(type) RDATA is not valid: \(reason.lowercased())"))
        }
        guard UInt16(exactly: ldns_rr_get_type(record).rawValue) == type.rawValue else {
            return .failure(RecordRejection(rule: "rdata", line: 0, message: "\(type) RDATA could not be read"))
        }
        guard let buffer = ldns_buffer_new(64) else {
            return .failure(RecordRejection(rule: "rdata", line: 0, message: "out of memory"))
        }
        defer { ldns_buffer_free(buffer) }
        guard ldns_rr_rdata2buffer_wire(buffer, record) == LDNS_STATUS_OK else {
            return .failure(RecordRejection(rule: "rdata", line: 0, message: "\(type) RDATA could not be encoded"))
        }
        let count = ldns_buffer_position(buffer)
        let start = ldns_buffer_begin(buffer)
        return .success(Array(UnsafeBufferPointer(start: start, count: count)))
    }

    /// ldns keeps the low bits of a number too big for its field (MX 70000 became 4464) and reads
    /// `2x` as 2. For the types it parses here, the leading integer and name fields of its own
    /// layout are checked first: a number too large for its 8, 16 or 32 bits is a `range` error,
    /// anything but decimal digits in a number field or a quoted name an `rdata` error.
    static func checkLeadingIntegers(_ text: RDATAText) throws(RecordRejection) {
        guard let descriptor = ldns_rr_descript(text.type.rawValue), descriptor.pointee._name != nil,
            descriptor.pointee._type.rawValue == UInt32(text.type.rawValue),
            let formats = descriptor.pointee._wireformat
        else { return }
        var index = text.index
        for field in 0..<Int(descriptor.pointee._maximum) {
            guard index < text.tokens.count else { return }
            let max: UInt64
            switch formats[field] {
            case LDNS_RDF_TYPE_INT8: max = 0xFF
            case LDNS_RDF_TYPE_INT16: max = 0xFFFF
            case LDNS_RDF_TYPE_INT32: max = 0xFFFF_FFFF
            case LDNS_RDF_TYPE_DNAME:
                let token = text.tokens[index]
                if token.isQuoted {
                    throw RecordRejection(
                        rule: "rdata", line: token.line,
                        message:
                            "\(text.type) field \(field + 1) \(text.text(token)) is quoted; write domain names without quotes"
                    )
                }
                index += 1
                continue
            default: return
            }
            let token = text.tokens[index]
            guard !token.isQuoted, let value = TTLText.decimal(text.slice(token)) else {
                // ldns reads these with strtol, which stops at the first non-digit ("2x" is 2).
                throw RecordRejection(
                    rule: "rdata", line: token.line,
                    message:
                        "\(text.type) field \(field + 1) must be a number from 0 to \(max), not \(text.text(token))")
            }
            if value > max {
                throw RecordRejection(
                    rule: "range", line: token.line,
                    message: "\(text.type) field \(field + 1) value \(text.text(token)) is out of range 0...\(max)")
            }
            index += 1
        }
    }

    /// True when ldns can read `rdata` as a record of `type` (used to check RFC 3597 data of
    /// types it knows: `A \# 3 010203` is not an A record). Unknown types are always fine.
    static func wireIsValid(type: RecordType, rdata: [UInt8]) -> Bool {
        guard let descriptor = ldns_rr_descript(type.rawValue), descriptor.pointee._name != nil,
            descriptor.pointee._type.rawValue == UInt32(type.rawValue)
        else { return true }
        guard rdata.count <= 0xFFFF else { return false }
        var wire: [UInt8] = [0, UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1, 0, 0, 0, 0]
        wire.append(UInt8(truncatingIfNeeded: rdata.count >> 8))
        wire.append(UInt8(truncatingIfNeeded: rdata.count))
        wire.append(contentsOf: rdata)
        var record: UnsafeMutablePointer<ldns_rr>? = nil
        var position = 0
        let status = wire.withUnsafeBufferPointer {
            ldns_wire2rr(&record, $0.baseAddress, $0.count, &position, LDNS_SECTION_ANSWER)
        }
        defer { ldns_rr_free(record) }
        return status == LDNS_STATUS_OK && position == wire.count
    }
}
