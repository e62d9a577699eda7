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
}
