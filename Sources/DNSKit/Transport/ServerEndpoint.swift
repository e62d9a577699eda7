/// One name server as the transport reaches it: an operator's name for it (`ns3`), its
/// address, its port and the TSIG key every request to it is signed with.
public struct ServerEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// An IPv4 or IPv6 address literal.
    public var host: String
    public var port: Int
    public var key: TSIGKey?

    public init(name: String, host: String, port: Int = 53, key: TSIGKey?) {
        self.name = name
        self.host = host
        self.port = port
        self.key = key
    }

    public var description: String { name }

    /// `127.53.0.3 port 53`, for messages that tell the operator where we sent it.
    public var address: String { "\(host) port \(port)" }
}

/// How one SOA query or NOTIFY is sent.
public struct QueryOptions: Sendable, Hashable {
    /// How long each attempt waits for an answer.
    public var timeout: Duration
    /// Retransmissions after the first attempt (so `retries + 1` attempts in all).
    public var retries: Int
    /// Requests to one server in flight at once; more wait their turn.
    public var maxInFlightPerServer: Int
    /// Added to our clock when signing and checking TSIG times: tests use it to act as a
    /// host whose clock is wrong.
    public var clockOffset: Duration
    /// Accept answers whose MAC is truncated within RFC 8945 §5.2.2.1's limits.
    public var acceptTruncatedMAC: Bool
    /// Wait for each server as long as its measured round trips say (`RoundTripEstimator`, RFC 6298),
    /// at least `minimumTimeout` and at most `timeout`; false: every attempt waits `timeout`.
    public var adaptiveTimeout: Bool
    /// The adaptive timeout's floor.
    public var minimumTimeout: Duration
    /// No attempt is sent, and no request waits, past this instant: requests still unanswered then
    /// fail (a sweep's deadline). Nil: no deadline.
    public var deadline: ContinuousClock.Instant?
    /// The OPT RR SOA queries carry (`EDNS.query`: DO and NSID), nil for none. A server that answers
    /// FORMERR to it is asked again without (RFC 6891 §7).
    public var edns: EDNS?

    public init(
        timeout: Duration = .seconds(2), retries: Int = 2, maxInFlightPerServer: Int = 64,
        clockOffset: Duration = .zero,
        acceptTruncatedMAC: Bool = false, adaptiveTimeout: Bool = false, minimumTimeout: Duration = .milliseconds(300),
        deadline: ContinuousClock.Instant? = nil, edns: EDNS? = nil
    ) {
        self.timeout = timeout
        self.retries = retries
        self.maxInFlightPerServer = maxInFlightPerServer
        self.clockOffset = clockOffset
        self.acceptTruncatedMAC = acceptTruncatedMAC
        self.adaptiveTimeout = adaptiveTimeout
        self.minimumTimeout = minimumTimeout
        self.deadline = deadline
        self.edns = edns
    }
}

/// Bounds on one zone transfer; crossing any of them ends it as a failure.
public struct AXFRLimits: Sendable, Hashable {
    public var connectTimeout: Duration
    /// Longest silence between two messages.
    public var idleTimeout: Duration
    /// Longest the whole transfer may take.
    public var totalTimeout: Duration
    public var maxBytes: Int
    public var maxRecords: Int
    public var clockOffset: Duration
    public var acceptTruncatedMAC: Bool

    public init(
        connectTimeout: Duration = .seconds(5), idleTimeout: Duration = .seconds(15),
        totalTimeout: Duration = .seconds(600),
        maxBytes: Int = 2 << 30, maxRecords: Int = 20_000_000, clockOffset: Duration = .zero,
        acceptTruncatedMAC: Bool = false
    ) {
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.totalTimeout = totalTimeout
        self.maxBytes = maxBytes
        self.maxRecords = maxRecords
        self.clockOffset = clockOffset
        self.acceptTruncatedMAC = acceptTruncatedMAC
    }
}
