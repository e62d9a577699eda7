internal import CLDNS

extension ResourceRecord {
    /// The record as one line of presentation format (RFC 1035 §5.1), absolute names, fields
    /// separated by single spaces: `www.example.com. 3600 IN A 192.0.2.1`. For diffs and messages.
    ///
    /// Text comes from libldns (`ldns_wire2rr` then `ldns_rr2str`), or for the types it does not know or
    /// prints wrongly from `ownRDATAText` (DSYNC, AMTRELAY, RESINFO, ATMA, NXT...); RDATA neither can read is
    /// shown in the RFC 3597 §5 generic form `\# length hex`, so every record has a line.
    public var presentation: String {
        if let rdataText = ownRDATAText() { return "\(owner) \(ttl) \(dnsClass) \(type) \(rdataText)" }
        if let text = ldnsText() { return text }
        var hex = ""
        for byte in rdata {
            hex += String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
        }
        let data = rdata.isEmpty ? "\\# 0" : "\\# \(rdata.count) \(hex)"
        return "\(owner) \(ttl) \(dnsClass) \(type) \(data)"
    }

    private func ldnsText() -> String? {
        guard let wire = try? uncompressedWire() else { return nil }
        var record: UnsafeMutablePointer<ldns_rr>? = nil
        var position = 0
        let status = wire.withUnsafeBufferPointer {
            ldns_wire2rr(&record, $0.baseAddress, $0.count, &position, LDNS_SECTION_ANSWER)
        }
        defer { ldns_rr_free(record) }
        guard status == LDNS_STATUS_OK, position == wire.count, let record, let text = ldns_rr2str(record) else {
            return nil
        }
        defer { free(text) }
        var line = String(cString: text)
        while line.last == "\n" { line.removeLast() }
        // ldns separates fields with tabs and escapes tabs inside strings, so this is safe.
        return line.replacingTabs()
    }
}

extension String {
    fileprivate func replacingTabs() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\t" ? " " : $0 }))
    }
}
