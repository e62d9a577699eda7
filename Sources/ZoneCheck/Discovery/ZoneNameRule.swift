public import DNSKit

/// The zone names zonecheck will work on, whatever source named them (`zones.names`, a file in
/// `zones.directory`, a `zone` statement of `zones.named_conf`, a catalog member, the command line).
///
/// A zone's name ends up in a reload or retransfer command's arguments and in the primary's zone file path,
/// so it is held to a conservative set rather than to everything the DNS allows (RFC 2181 §11 allows any
/// octet): each label is ASCII letters, digits, `-` and `_`, labels are joined by dots, and the name does not
/// start with `-` (it would read as an option to `rndc` or `knotc`). A `/`, a backtick, a quote, a space, an
/// escaped dot or any other octet refuses the zone: it is reported, and never checked, repaired, passed to a
/// command or used in a path. The root zone (`.`) is accepted.
public enum ZoneNameRule {
    /// Why `name` is refused (a sentence naming the first offending character), or nil when it is accepted.
    public static func refusal(_ name: DomainName) -> String? {
        for (index, label) in name.labels.enumerated() {
            if index == 0, label.first == UInt8(ascii: "-") {
                return "it starts with '-', which a command would read as an option"
            }
            for byte in label where !allowed(byte) {
                let shown =
                    byte == UInt8(ascii: ".")
                    ? "an escaped '.' inside a label"
                    : (0x21...0x7E).contains(byte)
                        ? "the character '\(Character(Unicode.Scalar(byte)))'" : "the octet \\\(byte)"
                return "it contains \(shown); zonecheck accepts only letters, digits, '-', '_' and '.' in zone names"
            }
        }
        return nil
    }

    private static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}

/// A zone a source named that `ZoneNameRule` refused: where it was found and why, for the operator.
public struct RefusedZone: Sendable, Equatable, CustomStringConvertible {
    public var name: DomainName
    public var source: ZoneOriginSource
    public var reason: String

    public init(name: DomainName, source: ZoneOriginSource, reason: String) {
        self.name = name
        self.source = source
        self.reason = reason
    }

    public var description: String {
        "\(source): zone \(name) refused: \(reason). It is not checked or repaired; rename it or remove it there"
    }
}
