import DNSKit
import Testing

/// The per-server send window the transport keeps (`SendWindow`): growth, hold, loss, ceiling, floor.
@Suite("send window")
struct SendWindowTests {
    /// A window's worth of answers, each `roundTrip` long.
    static func answers(_ count: Int, _ window: inout SendWindow, roundTrip: Duration = .milliseconds(310)) {
        for _ in 0..<count { window.answer(roundTrip: roundTrip) }
    }

    @Test("starts wide (256), capped by the ceiling and raised to the floor")
    func start() {
        #expect(SendWindow(ceiling: 4096).size == 256)
        #expect(SendWindow(ceiling: 100).size == 100)
        #expect(SendWindow(ceiling: 4096, initial: 1).size == 256)
        #expect(SendWindow(ceiling: 4096, initial: 1, floor: 16).size == 16)
        #expect(SendWindow(ceiling: 2, floor: 16).size == 2, "a ceiling below the floor wins")
        #expect(SendWindow(ceiling: 0).size == 1)
    }

    @Test("slow start: a round trip of answers triples the window, up to the ceiling and not past it")
    func growth() {
        var window = SendWindow(ceiling: 4096)
        Self.answers(1, &window)
        #expect(window.size == 1026, "a paced server starts at 1,024")
        Self.answers(1025, &window)
        #expect(window.size == 3076)
        Self.answers(2000, &window)
        #expect(window.size == 4096)
        Self.answers(10_000, &window)
        #expect(window.size == 4096)
    }

    @Test("answers that queue (round trip beyond the least + an eighth + 15 ms) hold the window, not shrink it")
    func hold() {
        var window = SendWindow(ceiling: 4096)
        window.answer(roundTrip: .milliseconds(300))
        #expect(window.size == 1026)
        #expect(window.queueDelayLimit == .microseconds(52_500))
        Self.answers(500, &window, roundTrip: .milliseconds(353))
        #expect(window.size == 1026)
        Self.answers(10, &window, roundTrip: .milliseconds(352))
        #expect(window.size == 1046)
        // A LAN server 3 ms away: 20 ms answers (a queue of six times the path) hold it.
        var near = SendWindow(ceiling: 4096)
        near.answer(roundTrip: .milliseconds(3))
        Self.answers(1000, &near, roundTrip: .milliseconds(20))
        #expect(near.size == 1026)
    }

    @Test("a paced server's window jumps to 1,024 at its first round trip (the ceiling permitting), once")
    func pacedStart() {
        var far = SendWindow(ceiling: 4096)
        far.answer(roundTrip: .milliseconds(310))
        #expect(far.size == 1026, "1,024, then the answer's growth")
        var capped = SendWindow(ceiling: 600)
        capped.answer(roundTrip: .milliseconds(310))
        #expect(capped.size == 600)
        var loopback = SendWindow(ceiling: 4096)
        loopback.answer(roundTrip: .microseconds(300))
        #expect(loopback.size == 256)
        // A loopback server whose first answer took 3 ms (a busy host) falls back once it shows it is near.
        var busy = SendWindow(ceiling: 4096)
        busy.answer(roundTrip: .milliseconds(3))
        #expect(busy.size == 1026)
        busy.answer(roundTrip: .microseconds(200))
        #expect(busy.size == 256)
        Self.answers(1000, &busy, roundTrip: .microseconds(200))
        #expect(busy.size == 256)
        // Only the first sample: a window halved later does not jump back.
        var halved = SendWindow(ceiling: 4096)
        halved.answer(roundTrip: .milliseconds(80))
        for _ in 0..<2000 { halved.loss(sentIn: halved.generation) }
        #expect(halved.size < 1024)
        let after = halved.size
        halved.answer(roundTrip: .milliseconds(70))
        #expect(halved.size <= after + 1)
    }

    @Test("a spurious timeout (the answer came late) is taken back: late answers do not halve it")
    func spurious() {
        var window = SendWindow(ceiling: 4096, initial: 1000)
        window.answer(roundTrip: .milliseconds(310))
        let size = window.size
        // 14 % of the attempts time out (several epochs' worth; the other answers queued, so the window
        // holds), but every one of them is answered late after all.
        for i in 0..<5000 {
            if i % 7 == 0 {
                window.loss(sentIn: window.generation)
                window.spurious(sentIn: window.generation)
                window.answer(roundTrip: nil)
            } else {
                window.answer(roundTrip: .milliseconds(400))
            }
        }
        #expect(window.generation == 0)
        #expect(window.size >= size)
        // Without the detection, the same outcomes halve it.
        var counted = SendWindow(ceiling: 4096, initial: 1000)
        counted.answer(roundTrip: .milliseconds(310))
        for i in 0..<5000 {
            if i % 7 == 0 {
                counted.loss(sentIn: counted.generation)
                counted.answer(roundTrip: nil)
            } else {
                counted.answer(roundTrip: .milliseconds(400))
            }
        }
        #expect(counted.generation >= 1)
        // A spurious timeout from before a halving changes nothing.
        let lost = counted.lost
        counted.spurious(sentIn: 0)
        #expect(counted.lost == lost)
        counted.spurious(sentIn: counted.generation)
        #expect(counted.lost == max(0, lost - 1))
    }

    @Test("a server under 2 ms away (not paced) keeps the floor: its answers clock the sends")
    func unpacedStaysAtFloor() {
        var loopback = SendWindow(ceiling: 4096)
        Self.answers(10_000, &loopback, roundTrip: .microseconds(200))
        #expect(loopback.size == 256)
        #expect(loopback.growthLimit == 256)
        // Started wider than the floor (a caller's initial), it is not shrunk, only not grown.
        var wide = SendWindow(ceiling: 4096, initial: 1000)
        Self.answers(5000, &wide, roundTrip: .microseconds(200))
        #expect(wide.size == 1000)
        // Before any round trip is measured (answers to retransmissions only), the ceiling is the limit.
        var unknown = SendWindow(ceiling: 4096)
        unknown.answer(roundTrip: nil)
        #expect(unknown.growthLimit == 4096)
        #expect(unknown.size == 258)
        // 2 ms and more: paced, grows to the ceiling.
        var lan = SendWindow(ceiling: 4096)
        Self.answers(10_000, &lan, roundTrip: .milliseconds(2))
        #expect(lan.size == 4096)
    }

    @Test("answers to retransmitted queries (no sample, Karn) grow it too: the server answers")
    func karn() {
        var window = SendWindow(ceiling: 4096)
        window.answer(roundTrip: nil)
        #expect(window.size == 258)
        #expect(window.leastRoundTrip == nil)
    }

    @Test("random loss of 2 % (1 % each way) never shrinks it, nor backs retransmissions off")
    func randomLoss() {
        var window = SendWindow(ceiling: 4096)
        for i in 0..<20_000 {
            if i % 50 == 0 {
                window.loss(sentIn: window.generation)
            } else {
                window.answer(roundTrip: .milliseconds(310))
            }
        }
        #expect(window.size == 4096)
        #expect(window.generation == 0)
    }

    @Test("retransmissions leave in two copies under random loss (1 % and 3 % each way), in one under 30 %")
    func copies() {
        for (every, copies) in [(50, true), (17, true), (2, false)] {
            var window = SendWindow(ceiling: 4096)
            #expect(window.retransmitsInCopies, "before any outcome")
            for i in 0..<20_000 {
                if i % every == 0 {
                    window.loss(sentIn: window.generation)
                } else {
                    window.answer(roundTrip: .milliseconds(310))
                }
            }
            #expect(window.retransmitsInCopies == copies, "one attempt in \(every) lost")
        }
        // The present epoch counts once it has 64 outcomes: a burst of losses turns the copies off at once.
        var window = SendWindow(ceiling: 4096)
        Self.answers(50, &window, roundTrip: .milliseconds(310))
        for _ in 0..<13 { window.loss(sentIn: window.generation) }
        #expect(window.retransmitsInCopies, "63 outcomes: too few to judge")
        window.loss(sentIn: window.generation)
        #expect(!window.retransmitsInCopies, "14 of 64 lost")
    }

    @Test("an epoch losing more than 5 % halves it once and ends slow start; later growth is one per window")
    func congestion() {
        var window = SendWindow(ceiling: 4096, initial: 1100)
        // One epoch (1,102 outcomes: the first answer grew the window by 2): 800 lost, the rest queued.
        window.answer(roundTrip: .milliseconds(10))
        #expect(window.size == 1102)
        for _ in 0..<800 { window.loss(sentIn: 0) }
        Self.answers(300, &window, roundTrip: .milliseconds(50))
        #expect(window.size == 1102, "queued answers do not grow it, and the epoch is not over")
        window.answer(roundTrip: .milliseconds(50))
        #expect(window.size == 551)
        #expect(window.threshold == 551)
        #expect(window.generation == 1)
        // Losses of attempts sent before the halving are not counted again.
        for _ in 0..<2000 { window.loss(sentIn: 0) }
        #expect(window.size == 551)
        // Congestion avoidance: one more per window's worth of answers.
        Self.answers(551, &window, roundTrip: .milliseconds(10))
        #expect(window.size == 552)
    }

    @Test("repeated congestion halves down to the floor (by default the initial 256), never below")
    func floor() {
        var wide = SendWindow(ceiling: 4096, initial: 2048)
        for _ in 0..<10 {
            for _ in 0..<wide.size { wide.loss(sentIn: wide.generation) }
        }
        #expect(wide.size == 256)
        var window = SendWindow(ceiling: 4096, initial: 256, floor: 16)
        for _ in 0..<20 {
            for _ in 0..<max(window.size, SendWindow.minimumEpoch) { window.loss(sentIn: window.generation) }
        }
        #expect(window.size == 16)
        #expect(window.generation == 20)
    }

    @Test("few outcomes do not end an epoch: one lost datagram among the first 10 is no congestion")
    func minimumEpoch() {
        var window = SendWindow(ceiling: 32, initial: 32)
        window.loss(sentIn: 0)
        Self.answers(9, &window)
        #expect(window.size == 32)
        #expect(window.generation == 0)
    }
}

/// Pacing a window over the round trip (`SendPacer`).
@Suite("send pacer")
struct SendPacerTests {
    @Test("unpaced before a round trip is measured and on loopback (under 2 ms)")
    func unpaced() {
        var pacer = SendPacer()
        #expect(pacer.allowance(now: .zero, window: 4096, roundTrip: nil) == .max)
        #expect(pacer.allowance(now: .zero, window: 4096, roundTrip: .microseconds(300)) == .max)
    }

    @Test("a window of 3,100 over 310 ms: 16 at once, then 10 per millisecond, saved up for at most 20 ms")
    func paced() {
        var pacer = SendPacer()
        let rtt = Duration.milliseconds(310)
        #expect(pacer.allowance(now: .seconds(1), window: 3100, roundTrip: rtt) == 16)
        pacer.spend(16)
        #expect(pacer.allowance(now: .seconds(1), window: 3100, roundTrip: rtt) == 0)
        let tick = pacer.allowance(now: .seconds(1) + .milliseconds(1), window: 3100, roundTrip: rtt)
        #expect(tick == 9 || tick == 10, "\(tick)")
        pacer.spend(tick)
        // A late tick: 100 ms later, only 20 ms' worth (200) is there.
        let late = pacer.allowance(now: .seconds(1) + .milliseconds(101), window: 3100, roundTrip: rtt)
        #expect(late == 199 || late == 200, "\(late)")
        // Over one round trip the pacer lets a whole window go, no more.
        var sent = 0
        var now = Duration.seconds(5)
        _ = pacer.allowance(now: now, window: 3100, roundTrip: rtt)
        pacer.spend(Int(pacer.tokens))
        for _ in 0..<310 {
            now += .milliseconds(1)
            let allowed = pacer.allowance(now: now, window: 3100, roundTrip: rtt)
            pacer.spend(allowed)
            sent += allowed
        }
        #expect(sent >= 3090 && sent <= 3100, "\(sent)")
    }
}
