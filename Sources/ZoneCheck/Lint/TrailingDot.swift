import DNSKit

/// `missing-trailing-dot`: RFC 1035 §5.1 makes a name without a final dot relative to the
/// origin, so `mail.example.com` written in example.com becomes `mail.example.com.example.com.`
/// and `web.example.net` becomes `web.example.net.example.com.`. Both load without complaint
/// everywhere (BIND, NSD, ldns) and break mail or the web quietly.
///
/// Two signs, checked per name with no allocation unless they fire:
/// - the name ends in the origin twice: certain;
/// - a name in RDATA whose part above the origin has two or more labels and ends in a
///   top-level-domain-like label (`com`, `net`, `de`, ..., or the origin's own TLD): likely,
///   so it is only reported when that name has no data in the zone (see `Linter.finish`).
struct TrailingDot {
    let origin: DomainName
    /// The origin appended to itself; nil when that is longer than a name may be.
    let doubled: DomainName?
    let originLabels: Int
    /// The origin's top-level label, lower-cased (`com` for example.com., `arpa` for reverse zones).
    let originTLD: [UInt8]
    private let zone: ZoneSuffix
    private let doubledZone: ZoneSuffix?

    enum Verdict {
        case fine
        /// Certainly a forgotten dot: the name that was probably meant.
        case doubledOrigin(meant: DomainName)
        /// Probably a forgotten dot, unless the zone has data at that name.
        case looksExternal(meant: DomainName)
    }

    /// Well-known TLDs that are also plausible last labels of a name someone meant to write in full.
    static let topLevelLabels: Set<[UInt8]> = Set(
        [
            "com", "net", "org", "info", "biz", "edu", "gov", "mil", "int", "arpa", "io", "co", "app", "dev",
            "cloud", "online", "site", "shop", "xyz", "eu", "de", "at", "ch", "uk", "fr", "nl", "be", "lu", "it",
            "es", "pt", "se", "no", "dk", "fi", "is", "ie", "pl", "cz", "sk", "hu", "ro", "bg", "gr", "ru", "ua",
            "tr", "us", "ca", "mx", "br", "ar", "cl", "au", "nz", "jp", "cn", "kr", "in", "sg", "hk", "tw", "za",
        ].map { Array($0.utf8) })

    init(origin: DomainName) {
        self.origin = origin
        self.originLabels = origin.labelCount
        self.doubled = origin.isRoot ? nil : try? origin.appending(origin)
        self.originTLD = origin.labels.last.map { $0.map(OwnerIndex.lower) } ?? []
        self.zone = ZoneSuffix(origin)
        self.doubledZone = doubled.map(ZoneSuffix.init)
    }

    /// An owner name: only the certain sign counts (owners far from the origin are `out-of-zone`).
    func checkOwner(_ name: DomainName) -> Verdict {
        guard let doubledZone, doubledZone.contains(name) else { return .fine }
        return .doubledOrigin(meant: stripOrigin(name))
    }

    /// A name inside RDATA (a target).
    func checkTarget(_ name: DomainName) -> Verdict {
        if let doubledZone, doubledZone.contains(name) { return .doubledOrigin(meant: stripOrigin(name)) }
        guard !origin.isRoot, zone.contains(name) else { return .fine }
        let above = name.labelCount - originLabels
        guard above >= 2 else { return .fine }
        // The label just above the origin, found by walking the wire form (no allocation).
        let wire = name.wire
        var start = 0
        for _ in 0..<(above - 1) { start += 1 + Int(wire[start]) }
        let length = Int(wire[start])
        let last = wire[(start + 1)..<(start + 1 + length)].map(OwnerIndex.lower)
        guard last == originTLD || Self.topLevelLabels.contains(last) else { return .fine }
        return .looksExternal(meant: stripOrigin(name))
    }

    /// The name with the origin taken off its end once, made absolute.
    func stripOrigin(_ name: DomainName) -> DomainName {
        let labels = name.labels
        return (try? DomainName(labels: labels.prefix(labels.count - originLabels))) ?? name
    }

    func message(_ what: String, became: DomainName, meant: DomainName) -> String {
        let written = String(meant.description.dropLast())
        return
            "\(what) became '\(became)' because '\(written)' has no trailing dot; "
            + "it was probably meant as '\(meant)': write the final dot"
    }
}
