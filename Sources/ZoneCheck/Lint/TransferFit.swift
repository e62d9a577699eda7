public import DNSKit

/// Whether one record can travel in a zone transfer at all: pure arithmetic, no I/O.
///
/// A transfer over TCP is a stream of DNS messages of at most 65,535 octets each (RFC 1035
/// §4.2.2, RFC 5936 §2.2); a record is never split across messages, so the largest message a
/// record can need is the one that carries it alone:
///
///     header 12
///   + question: zone name + type 2 + class 2
///   + the record, uncompressed: owner + type 2 + class 2 + TTL 4 + RDLENGTH 2 + RDATA
///   + TSIG (RFC 8945 §4.2): key name + 10 + algorithm name + time 6 + fudge 2 + MAC size 2
///     + MAC + original ID 2 + error 2 + other length 2
///
/// The owner is counted uncompressed, as BIND counts it: measured with BIND 9.18, a TXT of
/// 65,481 octets of RDATA at a 21-octet owner gives "RR too large for zone transfer (65512
/// bytes)" (21 + 10 + 65,481) and the transfer stops there, so every secondary keeps the old
/// serial.
public enum TransferFit {
    /// Largest DNS message over TCP (a 16-bit length prefix, RFC 1035 §4.2.2).
    public static let messageLimit = 65_535
    /// A record whose message comes within this many octets of the limit is a warning: a longer
    /// key name, another algorithm or a small edit tips it over.
    public static let warningMargin = 1_024

    /// The TSIG key a transfer is signed with, as far as its size goes.
    public struct Signer: Sendable, Hashable, CustomStringConvertible {
        public var algorithm: TSIGAlgorithm
        /// Nil when unknown: the longest a name can be (255 octets) is assumed.
        public var keyName: DomainName?

        public init(algorithm: TSIGAlgorithm, keyName: DomainName?) {
            self.algorithm = algorithm
            self.keyName = keyName
        }

        /// Without a configuration: hmac-sha512 (the fleet's algorithm, the largest MAC) and a
        /// key name of the maximum length, so no real key can need more room.
        public static let assumed = Signer(algorithm: .hmacSHA512, keyName: nil)

        /// The key that needs the most room among `keys`; `assumed` when there are none.
        public static func worst(of keys: [TSIGKey]) -> Signer {
            keys.map { Signer(algorithm: $0.algorithm, keyName: $0.name) }.max { $0.recordLength < $1.recordLength }
                ?? assumed
        }

        /// Octets of the TSIG record in a message signed with this key.
        public var recordLength: Int {
            (keyName?.wire.count ?? DomainName.maxWireLength) + 10 + algorithm.domainName.wire.count + 16
                + algorithm.macLength
        }

        public var description: String {
            guard let keyName else {
                return "an \(algorithm) key with a 255-octet name (the worst case; pass --config)"
            }
            return "key \(keyName) (\(algorithm))"
        }
    }

    /// Octets of the transfer message that carries one record of `ownerLength` (wire) and
    /// `rdataLength` alone, for the zone `zone`, signed by `signer`.
    public static func messageSize(ownerLength: Int, rdataLength: Int, zone: DomainName, signer: Signer) -> Int {
        12 + zone.wire.count + 4 + ownerLength + 10 + rdataLength + signer.recordLength
    }

    public enum Verdict: Sendable, Equatable {
        case fits
        /// Fits, with fewer than `warningMargin` octets to spare.
        case close(size: Int)
        case tooLarge(size: Int)
    }

    public static func verdict(size: Int) -> Verdict {
        if size > messageLimit { return .tooLarge(size: size) }
        if size > messageLimit - warningMargin { return .close(size: size) }
        return .fits
    }

    public static func verdict(_ record: ResourceRecord, zone: DomainName, signer: Signer) -> Verdict {
        verdict(
            size: messageSize(
                ownerLength: record.owner.wire.count, rdataLength: record.rdata.count, zone: zone, signer: signer))
    }
}
