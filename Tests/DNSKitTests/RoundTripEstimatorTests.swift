import DNSKit
import Testing

/// RFC 6298's retransmission timer as the sweep uses it per server (`RoundTripEstimator`).
@Suite("adaptive timeout (RFC 6298)")
struct RoundTripEstimatorTests {
    @Test("before any sample: the initial 1 s, capped by the ceiling")
    func initial() {
        #expect(RoundTripEstimator(ceiling: .seconds(2)).timeout == .seconds(1))
        #expect(RoundTripEstimator(ceiling: .milliseconds(300)).timeout == .milliseconds(300))
    }

    @Test("first sample R: SRTT = R, RTTVAR = R/2, RTO = R + 4 R/2 = 3R (§2.2)")
    func firstSample() {
        var estimator = RoundTripEstimator(ceiling: .seconds(2))
        estimator.add(sample: .milliseconds(310))
        #expect(estimator.smoothed == .milliseconds(310))
        #expect(estimator.variation == .milliseconds(155))
        #expect(estimator.timeout == .milliseconds(930))
    }

    @Test("steady 310 ms round trips bring RTO down towards SRTT (§2.3), never below the floor")
    func converges() {
        var estimator = RoundTripEstimator(ceiling: .seconds(2))
        for _ in 0..<40 { estimator.add(sample: .milliseconds(310)) }
        #expect(estimator.smoothed == .milliseconds(310))
        #expect(estimator.timeout > .milliseconds(310) && estimator.timeout < .milliseconds(330))
        var loopback = RoundTripEstimator(ceiling: .seconds(2))
        for _ in 0..<40 { loopback.add(sample: .microseconds(200)) }
        #expect(loopback.timeout == .milliseconds(100), "the floor")
    }

    @Test("a jittery server gets more room: RTTVAR grows with the spread of the samples")
    func jitter() {
        var steady = RoundTripEstimator(ceiling: .seconds(5))
        var jittery = RoundTripEstimator(ceiling: .seconds(5))
        for i in 0..<40 {
            steady.add(sample: .milliseconds(200))
            jittery.add(sample: .milliseconds(i % 2 == 0 ? 100 : 300))
        }
        #expect(jittery.timeout > steady.timeout + .milliseconds(200))
    }

    @Test("the first retransmission waits one RTO again; each later one doubles (§5.5), up to the ceiling")
    func backoff() {
        var estimator = RoundTripEstimator(ceiling: .seconds(2))
        for _ in 0..<40 { estimator.add(sample: .milliseconds(300)) }
        let first = estimator.timeout(attempt: 1)
        #expect(first > .milliseconds(300) && first < .milliseconds(310), "\(first)")
        #expect(estimator.timeout(attempt: 2) == first)
        #expect(estimator.timeout(attempt: 3) == first * 2)
        #expect(estimator.timeout(attempt: 4) == first * 4)
        #expect(estimator.timeout(attempt: 5) == .seconds(2), "8 x 300 ms is over the ceiling")
        #expect(estimator.timeout(attempt: 9) == .seconds(2))
        #expect(estimator.timeout(attempt: 0) == first, "no attempt before the first")
    }

    /// A sweep's samples come hundreds per round trip. With RFC 6298's gains per sample, 40 steady answers
    /// (a few milliseconds of a sweep) leave RTTVAR at nothing and the timeout a hair above SRTT, so a queue
    /// that grows the next round trip times out every query; divided by the answers per round trip, the
    /// same 40 answers leave most of the spread the first sample set.
    @Test("many samples per round trip move the estimate as one round trip's worth would (RFC 7323 appendix G)")
    func gainsPerRoundTrip() {
        var perAnswer = RoundTripEstimator(ceiling: .seconds(5))
        var perRoundTrip = RoundTripEstimator(ceiling: .seconds(5))
        for _ in 0..<40 {
            perAnswer.add(sample: .milliseconds(300))
            perRoundTrip.add(sample: .milliseconds(300), perRoundTrip: 1000)
        }
        #expect(perAnswer.timeout < .milliseconds(305), "\(perAnswer.timeout)")
        #expect(perRoundTrip.timeout > .milliseconds(850), "\(perRoundTrip.timeout)")
        // One round trip's worth of samples (1,000 at 1,000 per round trip) moves it about as far as one
        // sample at the full gains: RTTVAR 3/4 of its first value, give or take.
        var one = RoundTripEstimator(ceiling: .seconds(5))
        one.add(sample: .milliseconds(300))
        one.add(sample: .milliseconds(300))
        var many = RoundTripEstimator(ceiling: .seconds(5))
        many.add(sample: .milliseconds(300))
        for _ in 0..<1000 { many.add(sample: .milliseconds(300), perRoundTrip: 1000) }
        let ratio = Double(many.variation.components.attoseconds) / Double(one.variation.components.attoseconds)
        #expect(ratio > 0.95 && ratio < 1.1, "RTTVAR \(many.variation) against \(one.variation)")
        // A later, longer round trip still raises SRTT, a thousandth of the way per sample.
        for _ in 0..<1000 { many.add(sample: .milliseconds(500), perRoundTrip: 1000) }
        #expect(many.smoothed! > .milliseconds(320) && many.smoothed! < .milliseconds(340), "\(many.smoothed!)")
        // One sample per round trip is RFC 6298 itself.
        var plain = RoundTripEstimator(ceiling: .seconds(5))
        plain.add(sample: .milliseconds(300), perRoundTrip: 1)
        plain.add(sample: .milliseconds(100), perRoundTrip: 1)
        #expect(plain.smoothed == .milliseconds(275))
        #expect(plain.variation == .milliseconds(162.5))
    }
}
