/// The order of the deep check's transfers (pure; `DeepCheck` carries them out): which zone each server
/// transfers next, and when a zone is done on every server.
///
/// Zones not started on any server wait in two lines: the urgent (a changed serial the sweep found) ahead
/// of the early (known before the sweep). A zone one server starts goes to every other server's backlog,
/// which a server takes before any new zone; a new zone is started only while fewer than `openZones` are
/// under way (started on a server, not yet done on every one). So a slow server holds the others back by
/// at most `openZones` zones (the records of a zone are held until every server's copy is in), and every
/// zone under way is finished on every server, whatever the limit. Each server has at most `perServer`
/// transfers in flight (BIND's `transfers-out` is 10 by default).
public struct DeepTransferQueue: Sendable {
    public let servers: Int
    public let perServer: Int
    public let openZones: Int
    /// Zones known so far (indices are the order they were added in).
    public private(set) var count = 0
    public private(set) var open = 0
    private var urgent: [Int] = []
    private var early: [Int] = []
    private var nextUrgent = 0
    private var nextEarly = 0
    private var backlog: [[Int]]
    private var nextBacklog: [Int]
    private var inFlight: [Int]
    private var done: [Int] = []

    public init(servers: Int, perServer: Int, openZones: Int) {
        self.servers = servers
        self.perServer = max(1, perServer)
        self.openZones = max(1, openZones)
        backlog = [[Int]](repeating: [], count: servers)
        nextBacklog = [Int](repeating: 0, count: servers)
        inFlight = [Int](repeating: 0, count: servers)
    }

    /// A zone to transfer from every server; returns its index. Urgent zones start before the early ones not
    /// started yet.
    public mutating func add(urgent isUrgent: Bool) -> Int {
        let z = count
        count += 1
        done.append(0)
        if isUrgent { urgent.append(z) } else { early.append(z) }
        return z
    }

    /// The next zone server `server` transfers now, if it may start one: its backlog first, else a new zone
    /// while few are open. Counts the transfer as in flight.
    public mutating func take(server: Int) -> Int? {
        guard inFlight[server] < perServer else { return nil }
        let z: Int
        if nextBacklog[server] < backlog[server].count {
            z = backlog[server][nextBacklog[server]]
            nextBacklog[server] += 1
        } else {
            guard open < openZones else { return nil }
            if nextUrgent < urgent.count {
                z = urgent[nextUrgent]
                nextUrgent += 1
            } else if nextEarly < early.count {
                z = early[nextEarly]
                nextEarly += 1
            } else {
                return nil
            }
            open += 1
            for other in 0..<servers where other != server { backlog[other].append(z) }
        }
        inFlight[server] += 1
        return z
    }

    /// Every transfer that may start now, as (zone, server), servers in turn.
    public mutating func takeAll() -> [(zone: Int, server: Int)] {
        var taken: [(zone: Int, server: Int)] = []
        var more = true
        while more {
            more = false
            for server in 0..<servers {
                if let z = take(server: server) {
                    taken.append((z, server))
                    more = true
                }
            }
        }
        return taken
    }

    /// Server `server`'s transfer of zone `zone` ended; true when that zone is now done on every server.
    public mutating func finished(zone: Int, server: Int) -> Bool {
        inFlight[server] -= 1
        done[zone] += 1
        guard done[zone] == servers else { return false }
        open -= 1
        return true
    }
}
