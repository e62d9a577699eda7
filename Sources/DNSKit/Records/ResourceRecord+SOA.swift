extension ResourceRecord {
    /// The SOA serial (RFC 1035 §3.3.13) when this is a well-formed SOA record.
    public var soaSerial: UInt32? {
        guard type == .soa else { return nil }
        return SOA(rdata: rdata)?.serial.rawValue
    }
}
