import Glibc

/// The command line, the same as the Python relay it replaced (docs/development.md):
///
///     wan-relay --listen ADDRESS:PORT --to ADDRESS:PORT --rtt MS [--loss P] [--seed N] [--stats FILE]
///               [--tamper-zone ZONE]
struct Options {
    var listen: SocketAddress
    var target: SocketAddress
    /// The round trip added, milliseconds: each direction waits half of it.
    var rttMilliseconds: Double
    /// The longest round trip the relay emulates, in milliseconds (a minute).
    static let maxRTT: Double = 60_000
    /// The probability that one UDP datagram is dropped, in each direction.
    var loss: Double = 0
    var seed: UInt64?
    var statsPath: String?
    /// Lower case, without the trailing dot; nil when no zone is tampered with.
    var tamperZone: [UInt8]?
    /// Ask for real-time scheduling (when the kernel allows it).
    var realtime = true

    static let usage = """
        usage: wan-relay --listen ADDRESS:PORT --to ADDRESS:PORT --rtt MS [--loss P] [--seed N]
                         [--stats FILE] [--tamper-zone ZONE]

        A long, lossy link in front of one name server, on loopback (this machine's kernel has no netem).
        UDP and TCP are relayed; every datagram and every chunk of a TCP stream waits half of --rtt in each
        direction; UDP datagrams are dropped with probability --loss in each direction, TCP never. Prints
        "ready" once bound; on SIGTERM or SIGINT writes its counters as JSON to --stats and exits.

          --listen ADDRESS:PORT   where clients send (UDP and TCP)
          --to ADDRESS:PORT       the name server
          --rtt MS                round trip added, milliseconds (0 to 60000)
          --loss P                UDP drop probability per datagram and direction (0 <= P < 1, default 0)
          --seed N                seed of the drops (default: a random one)
          --stats FILE            where the counters go on exit
          --tamper-zone ZONE      flip a bit in every UDP answer about ZONE (its TSIG MAC must catch it)
          --no-realtime           run as an ordinary process; by default the relay asks SCHED_FIFO (as
                                  root) so packets leave on time on a busy machine, as on a real link
        """

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses `arguments` (without the program name); nil when help was asked.
    static func parse(_ arguments: [String]) throws(Invalid) -> Options? {
        var values: [String: String] = [:]
        var rest = arguments[...]
        let known = ["--listen", "--to", "--rtt", "--loss", "--seed", "--stats", "--tamper-zone"]
        while let argument = rest.popFirst() {
            if argument == "-h" || argument == "--help" { return nil }
            if argument == "--no-realtime" {
                values[argument] = ""
                continue
            }
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard known.contains(name) else { throw Invalid(description: "unknown argument '\(argument)'") }
            guard let given = value ?? rest.popFirst() else { throw Invalid(description: "\(name) needs a value") }
            values[name] = given
        }
        func required(_ name: String) throws(Invalid) -> String {
            guard let value = values[name] else { throw Invalid(description: "\(name) is required") }
            return value
        }
        func endpoint(_ name: String) throws(Invalid) -> SocketAddress {
            let text = try required(name)
            guard let address = SocketAddress(endpoint: text) else {
                throw Invalid(description: "\(name) '\(text)' is not ADDRESS:PORT (a numeric IPv4 or IPv6 address)")
            }
            return address
        }
        // At most a minute: the delay becomes nanoseconds in an Int64, which 1e300 ms would overflow (a trap).
        guard let rtt = Double(try required("--rtt")), rtt >= 0, rtt <= Self.maxRTT else {
            throw Invalid(description: "--rtt must be a number of milliseconds from 0 to \(Int(Self.maxRTT))")
        }
        var options = Options(listen: try endpoint("--listen"), target: try endpoint("--to"), rttMilliseconds: rtt)
        if let text = values["--loss"] {
            guard let loss = Double(text), loss >= 0, loss < 1 else {
                throw Invalid(description: "--loss must be at least 0 and below 1")
            }
            options.loss = loss
        }
        if let text = values["--seed"] {
            guard let seed = Int64(text) else { throw Invalid(description: "--seed must be a whole number") }
            options.seed = UInt64(bitPattern: seed)
        }
        options.statsPath = values["--stats"]
        options.realtime = values["--no-realtime"] == nil
        if let zone = values["--tamper-zone"] {
            var bytes = Array(zone.utf8)
            while bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
            options.tamperZone = bytes.isEmpty ? nil : bytes.map(Tamper.lowercased)
        }
        return options
    }
}
