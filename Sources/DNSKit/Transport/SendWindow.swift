/// How many queries one server may have in flight at once, learned from its answers: a congestion
/// window in the spirit of RFC 5681, for datagrams that have no acknowledgements of their own (an answer
/// is the acknowledgement; a timed-out attempt is the loss).
///
/// - Start wide (`initial`, at most `ceiling`): a name server answers hundreds of queries at once.
/// - Slow start: each answer whose round trip shows no queue adds `growth` to the window, so a window's
///   worth of answers multiplies it by `1 + growth` per round trip, up to `ceiling` (the operator's
///   `check.concurrency`). The round trip is the bandwidth-delay test: a sweep over a 310 ms link needs
///   thousands in flight to finish in a few round trips, a loopback server needs a few hundred.
/// - Hold: an answer that took longer than `queueDelayLimit` beyond the least round trip seen says the
///   server (or the path) is queueing: the window stops growing (it does not shrink: a queue is no loss).
/// - Loss: the window's outcomes are counted per epoch (one window's worth of them, at least
///   `minimumEpoch`); an epoch in which more than `tolerableLoss` (5 %) of the attempts timed out halves the
///   window (never below `floor`, by default the initial 256) and ends slow start: afterwards it grows by one per window of answers
///   (RFC 5681 §3.1's congestion avoidance). Losses of attempts sent before a halving are not counted
///   again (`generation`): one overflow halves the window once, as TCP's fast recovery does. Random loss of a few percent, as on a long link, does not
///   shrink it: retransmissions cover that loss, and halving on it would make a lossy link a slow one.
public struct SendWindow: Sendable, Hashable {
    public let ceiling: Int
    public let floor: Int
    /// Queries allowed in flight now.
    public private(set) var size: Int
    /// Below it, slow start; at or above it, one more per window of answers.
    public private(set) var threshold: Int
    /// The least round trip measured (nil before the first sample).
    public private(set) var leastRoundTrip: Duration?
    /// Outcomes of the current epoch.
    public private(set) var answered = 0
    public private(set) var lost = 0
    /// Answers counted towards the next step of congestion avoidance.
    private var credit = 0
    /// The size before the jump to `pacedInitial`, until the server shows it is near after all.
    private var sizeBeforeJump: Int?
    /// Bumped at each halving; an attempt carries the generation it was sent in.
    public private(set) var generation = 0

    /// The share of timed-out attempts in an epoch that halves the window: above the 2 % of a link losing
    /// 1 % each way, below what an overflowing receive buffer drops (with 10 %, an overflow had already
    /// cost some queries four attempts before the window halved).
    public static let tolerableLoss = 0.05
    /// Above this share of attempts timed out, a retransmission leaves as one datagram, not two copies
    /// (`retransmitsInCopies`): random loss on long links stays within a few percent each way (1 % each
    /// way fails 2 % of attempts, 3 % about 6 %); beyond a tenth the path is congested or broken, copies
    /// would add load where it hurts, and the server had better be reported than worked around.
    public static let copiesUpToLoss = 0.10
    /// An epoch counts at least this many outcomes: with fewer, one lost datagram would be 10 %.
    public static let minimumEpoch = 64
    /// Added to the window per answer in slow start: the window triples per round trip.
    public static let growth = 2

    /// Where a server's window starts: 256 in flight, which loopback name servers took with about 1 % loss
    /// on this project's 2-core machine (the fixed window before this one).
    public static let defaultInitial = 256

    /// Where the window of a paced server (one whose first round trip is 2 ms or more: `SendPacer`) jumps
    /// to at its first measured round trip, the ceiling permitting. Paced, 1,024 queries leave over one
    /// round trip, 3,300 a second to a server 310 ms away, 13,000 to one 80 ms away; slow start from 256
    /// spent three round trips getting there, about a second of a 5,000-zone sweep over the farthest
    /// link. A server that cannot take it queues (the window holds) or drops (it halves).
    public static let pacedInitial = 1024

    /// The least window: the fixed window zonecheck used before this one (256), which swept this project's
    /// labs, loopback and 80-310 ms relays alike, without a false alarm at 1 % loss. Below it the loss
    /// signal cannot be trusted: on a busy host a stalled event loop or relay makes answers late, the
    /// timeouts look like loss, and with a floor of 16 one sweep through the relays halved a window down
    /// to 16-22 for 30 s (a 35 s sweep instead of 5).
    public static let defaultFloor = 256

    public init(ceiling: Int, initial: Int = SendWindow.defaultInitial, floor: Int = SendWindow.defaultFloor) {
        self.ceiling = max(1, ceiling)
        self.floor = min(max(1, floor), self.ceiling)
        size = min(max(initial, self.floor), self.ceiling)
        threshold = self.ceiling
    }

    /// How far above the least round trip an answer may come before it counts as queued: an eighth of that
    /// round trip plus 15 ms. Mostly absolute, because what overflows is the server's socket buffer, which
    /// holds tens of milliseconds of queries whatever the path's length. Measured through the 80-310 ms
    /// relays on this project's 2-core machine: with half the round trip plus 10 ms the windows grew to
    /// 1,000-3,000, the servers' receive buffers dropped 1,800-5,900 queries per 5,000-zone sweep (kernel
    /// UDP RcvbufErrors) and two sweeps in three ended with a query lost four times in a row; at a fixed
    /// 256, none were dropped.
    public var queueDelayLimit: Duration {
        guard let least = leastRoundTrip else { return .zero }
        return least / 8 + .milliseconds(15)
    }

    /// How far the window may grow: the ceiling, except for a server nearer than `SendPacer.unpacedBelow`
    /// (loopback, a LAN), whose window stays at the floor. Its answers come back within a millisecond and
    /// clock the sends themselves, so 256 in flight already carry hundreds of thousands of queries a
    /// second; a larger window there only queues in the server's socket buffer, and the queue test
    /// (`queueDelayLimit`, tens of milliseconds) is far too slow to see that buffer fill: 15 ms of a
    /// loopback server's rate is thousands of datagrams, ten times what a 208 KiB buffer holds.
    public var growthLimit: Int {
        guard let least = leastRoundTrip, least < SendPacer.unpacedBelow else { return ceiling }
        return floor
    }

    /// An answer came. `roundTrip` is its sample when it answered a first attempt (Karn's rule: nil for
    /// an answer to a retransmitted query, whose round trip is ambiguous).
    public mutating func answer(roundTrip: Duration?) {
        answered += 1
        var queued = false
        if let roundTrip {
            if let least = leastRoundTrip {
                queued = roundTrip > least + queueDelayLimit
                if roundTrip < least { leastRoundTrip = roundTrip }
            } else {
                leastRoundTrip = roundTrip
                // The first round trip measured (the sweep's probe, before its flood): a paced server
                // starts wider.
                if roundTrip >= SendPacer.unpacedBelow && size < Self.pacedInitial {
                    sizeBeforeJump = size
                    size = min(threshold, Self.pacedInitial)
                }
            }
            // A near server whose first answer was slow (a busy host can take 2 ms on loopback) is not
            // paced after all: back to where it was.
            if let before = sizeBeforeJump, let least = leastRoundTrip, least < SendPacer.unpacedBelow {
                size = min(size, before)
                sizeBeforeJump = nil
            }
        }
        if !queued && size < growthLimit {
            if size < threshold {
                size = min(threshold, growthLimit, size + Self.growth)
            } else {
                credit += 1
                if credit >= size {
                    credit = 0
                    size = min(growthLimit, size + 1)
                }
            }
        }
        endEpochIfDue()
    }

    /// An attempt sent in `generation` timed out (the query may still be retransmitted). A loss from
    /// before the last halving was already answered for by it.
    public mutating func loss(sentIn generation: Int) {
        guard generation == self.generation else { return }
        lost += 1
        endEpochIfDue()
    }

    /// A timeout counted by `loss(sentIn:)` was spurious: the answer to the attempt came after all, too
    /// soon after the retransmission to be the answer to it (RFC 3522's Eifel detection, by timing:
    /// a DNS retransmission carries the same ID). The answer was late, not lost, so the loss is taken
    /// back. On a busy host, answers delayed 50-150 ms beyond the RTO were otherwise counted as
    /// losses of 10-20 % and halved windows on links losing 2 %.
    public mutating func spurious(sentIn generation: Int) {
        guard generation == self.generation, lost > 0 else { return }
        lost -= 1
    }

    /// The share of attempts that timed out in the last epoch that ended.
    public private(set) var lastEpochLoss = 0.0

    /// Whether a retransmission leaves as two copies: while the last epoch and the present one (once it
    /// has `minimumEpoch` outcomes) lost at most `copiesUpToLoss` of their attempts.
    public var retransmitsInCopies: Bool {
        let outcomes = answered + lost
        let present = outcomes >= Self.minimumEpoch ? Double(lost) / Double(outcomes) : 0
        return max(lastEpochLoss, present) <= Self.copiesUpToLoss
    }

    private mutating func endEpochIfDue() {
        let outcomes = answered + lost
        guard outcomes >= max(size, Self.minimumEpoch) else { return }
        lastEpochLoss = Double(lost) / Double(outcomes)
        if Double(lost) > Self.tolerableLoss * Double(outcomes) {
            size = max(floor, size / 2)
            threshold = size
            credit = 0
            generation += 1
        }
        answered = 0
        lost = 0
    }
}
