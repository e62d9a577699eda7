/// The TSIG RR, RFC 8945 §4.2: owner is the key name, class ANY, TTL 0, and this RDATA.
public struct TSIGRecord: Sendable, Hashable {
    public var keyName: DomainName
    public var algorithm: DomainName
    /// Seconds since 1970-01-01 UTC, 48 bits on the wire.
    public var timeSigned: UInt64
    public var fudge: UInt16
    public var mac: [UInt8]
    public var originalID: UInt16
    /// The TSIG error (RFC 8945 §3: BADSIG 16, BADKEY 17, BADTIME 18, BADTRUNC 22).
    public var error: UInt16
    public var otherData: [UInt8]

    public init(
        keyName: DomainName, algorithm: DomainName, timeSigned: UInt64, fudge: UInt16, mac: [UInt8],
        originalID: UInt16, error: UInt16, otherData: [UInt8]
    ) {
        self.keyName = keyName
        self.algorithm = algorithm
        self.timeSigned = timeSigned
        self.fudge = fudge
        self.mac = mac
        self.originalID = originalID
        self.error = error
        self.otherData = otherData
    }

    /// Reads the RDATA strictly: the algorithm name is never compressed and every length must fit.
    init(keyName: DomainName, rdata: [UInt8], offset: Int) throws(MessageError) {
        func fail(_ what: String) -> MessageError { MessageError("TSIG RDATA \(what)", at: offset) }
        var i = 0
        var algorithmWire: [UInt8] = []
        while true {
            guard i < rdata.count else { throw fail("ends inside the algorithm name") }
            let length = Int(rdata[i])
            guard length & 0xC0 == 0 else { throw fail("has a compressed or unknown label in the algorithm name") }
            algorithmWire.append(contentsOf: rdata[i..<min(rdata.count, i + 1 + length)])
            i += 1 + length
            if length == 0 { break }
        }
        guard let algorithm = try? DomainName(wire: algorithmWire) else { throw fail("has a bad algorithm name") }
        guard rdata.count - i >= 10 else { throw fail("ends before the MAC size") }
        let time =
            UInt64(rdata.uint16(at: i)) << 32 | UInt64(rdata.uint16(at: i + 2)) << 16 | UInt64(rdata.uint16(at: i + 4))
        let fudge = rdata.uint16(at: i + 6)
        let macSize = Int(rdata.uint16(at: i + 8))
        i += 10
        guard rdata.count - i >= macSize + 6 else { throw fail("ends inside the MAC") }
        let mac = Array(rdata[i..<(i + macSize)])
        i += macSize
        let originalID = rdata.uint16(at: i)
        let error = rdata.uint16(at: i + 2)
        let otherLength = Int(rdata.uint16(at: i + 4))
        i += 6
        guard rdata.count - i == otherLength else { throw fail("other-data length does not match the RDATA length") }
        self.init(
            keyName: keyName, algorithm: algorithm, timeSigned: time, fudge: fudge, mac: mac, originalID: originalID,
            error: error, otherData: Array(rdata[i...]))
    }

    /// The RDATA in wire form.
    public var rdata: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(algorithm.wire.count + 16 + mac.count + otherData.count)
        out.append(contentsOf: algorithm.wire)
        out.appendUInt48(timeSigned)
        out.appendUInt16(fudge)
        out.appendUInt16(UInt16(mac.count))
        out.append(contentsOf: mac)
        out.appendUInt16(originalID)
        out.appendUInt16(error)
        out.appendUInt16(UInt16(otherData.count))
        out.append(contentsOf: otherData)
        return out
    }

    /// The whole RR as it is appended to a message.
    public var record: ResourceRecord {
        ResourceRecord(owner: keyName, type: .tsig, dnsClass: .any, ttl: 0, rdata: rdata)
    }

    /// The server's clock from a BADTIME answer's Other Data (RFC 8945 §5.2.3), if present.
    public var serverTimeFromOtherData: UInt64? {
        guard otherData.count == 6 else { return nil }
        return UInt64(otherData.uint16(at: 0)) << 32 | UInt64(otherData.uint16(at: 2)) << 16
            | UInt64(otherData.uint16(at: 4))
    }
}
