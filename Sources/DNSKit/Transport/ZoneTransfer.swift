import NIOCore

extension DNSClient {
    /// Transfers `zone` from `server` (RFC 5936) and hands each record to `onRecord` once
    /// the message carrying it has been verified.
    ///
    /// Checked on every message: same ID as the request, QR set, opcode QUERY, RCODE
    /// NOERROR, question (when present) ours, and TSIG chained to the previous MAC (RFC 8945
    /// §5.3.1: up to 99 unsigned messages in between, folded into the next MAC, their
    /// records held back until it verifies; first and last signed). The first record is the
    /// zone's SOA and the transfer ends at the next SOA, which must be the same; no other
    /// SOA, no record outside the zone, nothing after the end. The closing SOA is not passed
    /// to `onRecord` (the zone has one SOA). Any failure ends the transfer: the caller must
    /// discard what it received.
    public func axfr(
        zone: DomainName, from server: ServerEndpoint, limits: AXFRLimits = AXFRLimits(),
        onRecord: (ResourceRecord) throws -> Void
    ) async -> AXFROutcome {
        let started = ContinuousClock.now
        var transfer = ZoneTransferState(zone: zone, limits: limits)
        func outcome(_ failure: QueryFailure?) -> AXFROutcome {
            transfer.stats.duration = ContinuousClock.now - started
            if let failure {
                return .failed(QueryError(zone: zone, server: server, kind: .axfr, failure: failure), transfer.stats)
            }
            return .complete(transfer.stats)
        }
        let address: SocketAddress
        do {
            address = try Self.address(of: server)
        } catch {
            return outcome(error)
        }
        let id = UInt16.random(in: 0...UInt16.max)
        var request = MessageBuilder.axfrQuery(zone: zone, id: id)
        if let key = server.key {
            let mac = TSIG.sign(&request, key: key, time: Self.now(offset: limits.clockOffset))
            transfer.verifier = TSIGVerifier(
                key: key, requestMAC: mac, requestID: id, acceptTruncatedMAC: limits.acceptTruncatedMAC)
        }
        transfer.requestID = id

        let channel: TCPConnection.Channel
        do {
            channel = try await TCPConnection.connect(
                group: group, to: address, connectTimeout: limits.connectTimeout, idleTimeout: limits.idleTimeout)
        } catch {
            return outcome(error)
        }
        let deadline = channel.channel.eventLoop.scheduleTask(in: TimeAmount(limits.totalTimeout)) {
            [channel = channel.channel] in
            channel.pipeline.fireErrorCaught(TCPTransportError.totalTimeout)
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        var failure: QueryFailure?
        do {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(TCPConnection.frame(request, allocator: channel.channel.allocator))
                for try await buffer in inbound {
                    let wire = Array(buffer.readableBytesView)
                    try transfer.receive(wire, now: Self.now(offset: limits.clockOffset), deliver: onRecord)
                    if transfer.finished { break }
                }
            }
            if !transfer.finished {
                failure = .transferBroken(
                    "the server closed the connection after \(transfer.stats.records) records without the closing SOA")
            }
        } catch let error as QueryFailure {
            failure = error
        } catch let error as TCPTransportError {
            switch error {
            case .idleTimeout:
                failure = .transferBroken(
                    "nothing arrived for \(QueryError.seconds(limits.idleTimeout)) after \(transfer.stats.records) records"
                )
            case .totalTimeout:
                failure = .transferBroken("not finished within \(QueryError.seconds(limits.totalTimeout))")
            case .closedMidMessage(let buffered):
                failure = .transferBroken("the connection closed in the middle of a message (\(buffered) octets)")
            }
        } catch {
            failure = TCPConnection.classify(error, connectTimeout: limits.connectTimeout)
        }
        if failure == nil, transfer.verifier != nil { transfer.stats.tsig = .verified(keyName: server.key!.name) }
        return outcome(failure)
    }
}

/// The rules of one transfer, applied message by message (RFC 5936 §2.2 and §3, RFC 8945 §5.3.1).
struct ZoneTransferState {
    let zone: DomainName
    let limits: AXFRLimits
    var requestID: UInt16 = 0
    var verifier: TSIGVerifier?
    var stats = AXFRStats()
    var openingSOA: ResourceRecord?
    var finished = false
    /// Records of unsigned messages, held until the next signed message verifies them.
    var held: [ResourceRecord] = []

    init(zone: DomainName, limits: AXFRLimits) {
        self.zone = zone
        self.limits = limits
    }

    mutating func receive(_ wire: [UInt8], now: UInt64, deliver: (ResourceRecord) throws -> Void) throws(QueryFailure) {
        stats.messages += 1
        stats.bytes += wire.count + 2
        guard stats.bytes <= limits.maxBytes else {
            throw .transferBroken("more than \(limits.maxBytes) octets (limit)")
        }
        let message: Message
        do {
            message = try Message(wire: wire)
        } catch {
            throw .malformed("message \(stats.messages): \(error.description)")
        }
        let header = message.header
        guard header.id == requestID else {
            throw .transferBroken("message \(stats.messages) has ID \(header.id), not the request's \(requestID)")
        }
        guard header.isResponse, header.opcode == .query else {
            throw .transferBroken("message \(stats.messages) is not a response to a QUERY")
        }
        let errorWithoutQuestion = message.questions.isEmpty && header.rcode != .noError
        if (stats.messages == 1 && !errorWithoutQuestion) || !message.questions.isEmpty {
            guard message.questions == [Question(name: zone, type: .axfr)] else {
                throw .transferBroken("message \(stats.messages) carries another question than \(zone) AXFR")
            }
        }
        var trusted = true
        if var checker = verifier {
            do {
                trusted = try checker.verify(wire: wire, message: message, now: now) == .verified
            } catch {
                if stats.messages == 1 { throw DNSClient.classify(error, rcode: header.rcode) }
                throw .transferBroken("message \(stats.messages): \(error.description)")
            }
            verifier = checker
        }
        switch header.rcode {
        case .noError: break
        case .refused where stats.messages == 1: throw .refused
        case .notAuth where stats.messages == 1: throw .notAuthoritative(referral: false)
        case .servFail where stats.messages == 1: throw .servfail
        case .formErr where stats.messages == 1: throw .formerr
        default: throw .transferBroken("message \(stats.messages) has RCODE \(header.rcode)")
        }
        guard message.authority.isEmpty else {
            throw .transferBroken("message \(stats.messages) has records in the authority section")
        }
        if message.answers.isEmpty && stats.messages == 1 {
            throw .transferBroken("the first message holds no records")
        }
        for (index, record) in message.answers.enumerated() {
            guard !finished else {
                throw .transferBroken("records follow the closing SOA (message \(stats.messages), record \(index + 1))")
            }
            try accept(record)
            if finished { continue }
            if trusted {
                do { try deliver(record) } catch {
                    throw .transferBroken("the receiver stopped the transfer: \(error)")
                }
            } else {
                held.append(record)
            }
        }
        if trusted && !held.isEmpty {
            // This signed message verified the unsigned ones before it, whose records come first.
            let earlier = held
            held.removeAll(keepingCapacity: true)
            for record in earlier {
                do { try deliver(record) } catch {
                    throw .transferBroken("the receiver stopped the transfer: \(error)")
                }
            }
        }
        if finished {
            guard trusted else { throw .transferBroken("the message with the closing SOA is not signed") }
            if let verifier {
                do { try verifier.finish() } catch { throw .transferBroken(error.description) }
            }
        }
    }

    private mutating func accept(_ record: ResourceRecord) throws(QueryFailure) {
        guard let opening = openingSOA else {
            guard record.type == .soa, record.owner == zone, let serial = record.soaSerial else {
                throw .transferBroken("the first record is \(record.owner) \(record.type), not the SOA of \(zone)")
            }
            openingSOA = record
            stats.serial = serial
            try count(record)
            return
        }
        if record.type == .soa {
            guard record.owner == zone, record.dnsClass == opening.dnsClass, record.rdata == opening.rdata else {
                throw .transferBroken(
                    "a second, different SOA (\(record.owner), serial \(record.soaSerial.map(String.init) ?? "?")) "
                        + "appears after \(stats.records) records")
            }
            finished = true
            return
        }
        guard record.owner.isSubdomain(of: zone) else {
            throw .transferBroken("record \(record.owner) \(record.type) is outside the zone \(zone)")
        }
        guard record.dnsClass == opening.dnsClass else {
            throw .transferBroken("record \(record.owner) \(record.type) has class \(record.dnsClass)")
        }
        try count(record)
    }

    private mutating func count(_ record: ResourceRecord) throws(QueryFailure) {
        guard stats.records < limits.maxRecords else {
            throw .transferBroken("more than \(limits.maxRecords) records (limit)")
        }
        stats.records += 1
        stats.countsByType[record.type, default: 0] += 1
    }
}
