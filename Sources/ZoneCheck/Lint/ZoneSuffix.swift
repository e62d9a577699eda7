import DNSKit

/// "Is this name at or below the origin?", asked for every owner and target of a large zone,
/// answered on the wire bytes without allocating (`DomainName.isSubdomain` is the reference;
/// this is the same test with the origin lower-cased once).
struct ZoneSuffix {
    private let wire: [UInt8]

    init(_ origin: DomainName) {
        wire = origin.wire.map(OwnerIndex.lower)
    }

    func contains(_ name: DomainName) -> Bool {
        name.wire.withUnsafeBufferPointer { name in
            wire.withUnsafeBufferPointer { suffix in
                guard name.count >= suffix.count else { return false }
                // Walk label boundaries until what is left has the origin's length.
                var i = 0
                while name.count - i > suffix.count { i += 1 + Int(name[i]) }
                guard name.count - i == suffix.count else { return false }
                var k = 0
                while k < suffix.count {
                    if OwnerIndex.lower(name[i + k]) != suffix[k] { return false }
                    k += 1
                }
                return true
            }
        }
    }
}
