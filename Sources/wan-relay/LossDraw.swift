/// The drops, from a seeded generator so a run can be repeated (SplitMix64: 64 bits of state, every draw a
/// full-period step; statistically ample for a coin with a few percent on one side).
struct LossDraw {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `probability` (a uniform draw in [0, 1) below it); no draw when it is 0.
    mutating func drops(_ probability: Double) -> Bool {
        probability > 0 && Double(next() >> 11) * 0x1p-53 < probability
    }
}
