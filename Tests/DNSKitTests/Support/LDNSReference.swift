import CLDNS

/// libldns's own TSIG code, used only as an independent reference for hmac-sha256/512
/// (the algorithms whose ldns implementation works, docs/architecture.md).
enum LDNSReference {
    /// Signs `wire` with ldns (at ldns's current time) and returns ldns's wire form.
    static func sign(
        _ wire: [UInt8], keyName: String, secretBase64: String, algorithm: String, requestMAC: [UInt8]? = nil,
        timersOnly: Bool = false
    ) -> [UInt8]? {
        var packet: UnsafeMutablePointer<ldns_pkt>?
        let status = wire.withUnsafeBufferPointer { ldns_wire2pkt(&packet, $0.baseAddress, $0.count) }
        guard status == LDNS_STATUS_OK, let packet else { return nil }
        defer { ldns_pkt_free(packet) }
        var macRDF: UnsafeMutablePointer<ldns_rdf>?
        if let requestMAC {
            var copy = requestMAC
            macRDF = copy.withUnsafeMutableBufferPointer { ldns_native2rdf_int16_data($0.count, $0.baseAddress) }
        }
        defer { if let macRDF { ldns_rdf_free(macRDF) } }
        let signStatus = ldns_pkt_tsig_sign_next(
            packet, keyName, secretBase64, 300, algorithm, macRDF, timersOnly ? 1 : 0)
        guard signStatus == LDNS_STATUS_OK else { return nil }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        guard ldns_pkt2wire(&out, packet, &size) == LDNS_STATUS_OK, let out else { return nil }
        defer { free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Verifies a signed message with ldns; `requestMAC` nil for a request.
    static func verify(
        _ wire: [UInt8], keyName: String, secretBase64: String, requestMAC: [UInt8]? = nil, timersOnly: Bool = false
    ) -> Bool {
        var packet: UnsafeMutablePointer<ldns_pkt>?
        let status = wire.withUnsafeBufferPointer { ldns_wire2pkt(&packet, $0.baseAddress, $0.count) }
        guard status == LDNS_STATUS_OK, let packet else { return false }
        defer { ldns_pkt_free(packet) }
        var macRDF: UnsafeMutablePointer<ldns_rdf>?
        if let requestMAC {
            var copy = requestMAC
            macRDF = copy.withUnsafeMutableBufferPointer { ldns_native2rdf_int16_data($0.count, $0.baseAddress) }
        }
        defer { if let macRDF { ldns_rdf_free(macRDF) } }
        return wire.withUnsafeBufferPointer {
            ldns_pkt_tsig_verify_next(
                packet, $0.baseAddress, $0.count, keyName, secretBase64, macRDF, timersOnly ? 1 : 0)
        }
    }
}
