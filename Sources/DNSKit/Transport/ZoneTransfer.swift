#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
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
    ///
    /// A server that closes or resets the connection before a single message (`endedBeforeAnything`) is
    /// asked once more after 200 ms: nothing was received, so nothing reached `onRecord`.
    public func axfr(
        zone: DomainName, from server: ServerEndpoint, limits: AXFRLimits = AXFRLimits(),
        onRecord: (ResourceRecord) throws -> Void
    ) async -> AXFROutcome {
        let first = await axfrOnce(zone: zone, from: server, limits: limits, onRecord: onRecord)
        guard case .failed(let error, let stats) = first, stats.messages == 0, Self.endedBeforeAnything(error.failure)
        else { return first }
        try? await Task.sleep(for: .milliseconds(200))
        return await axfrOnce(zone: zone, from: server, limits: limits, onRecord: onRecord)
    }

    /// Closed or reset before a single record: a busy BIND at its TCP quota closes; NSD resets the
    /// connections of the server process it replaces when it reloads after a transfer (seen on the lab: an
    /// AXFR right after NSD committed a zone was reset, and the deep check reported CRITICAL).
    static func endedBeforeAnything(_ failure: QueryFailure) -> Bool {
        switch failure {
        case .transferBroken(.closedEarly(afterRecords: 0)), .transferBroken(.connectionReset(afterRecords: 0)): true
        default: false
        }
    }

    private func axfrOnce(
        zone: DomainName, from server: ServerEndpoint, limits: AXFRLimits,
        onRecord: (ResourceRecord) throws -> Void
    ) async -> AXFROutcome {
        let started = ContinuousClock.now
        let id = UInt16.random(in: 0...UInt16.max)
        var request = MessageBuilder.axfrQuery(zone: zone, id: id)
        let requestMAC = server.key.map { TSIG.sign(&request, key: $0, time: Self.now(offset: limits.clockOffset)) }
        var stream = AXFRStreamVerifier(
            zone: zone, requestID: id, key: server.key, requestMAC: requestMAC, limits: limits)
        func outcome(_ failure: QueryFailure?) -> AXFROutcome {
            var stats = stream.stats
            stats.duration = ContinuousClock.now - started
            if case .transferBroken(let fault) = failure {
                var sent = stream.sent
                sent.duration = stats.duration
                let failure = QueryFailure.transferBroken(fault.with(sent: sent))
                return .failed(QueryError(zone: zone, server: server, kind: .axfr, failure: failure), stats)
            }
            if let failure {
                return .failed(QueryError(zone: zone, server: server, kind: .axfr, failure: failure), stats)
            }
            return .complete(stats)
        }
        let address: SocketAddress
        do {
            address = try Self.address(of: server)
        } catch {
            return outcome(error)
        }
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
                    let records = try stream.receive(
                        Array(buffer.readableBytesView), now: Self.now(offset: limits.clockOffset))
                    for record in records {
                        do { try onRecord(record) } catch let failure as QueryFailure {
                            throw failure
                        } catch {
                            throw QueryFailure.transferBroken(.receiverStopped(String(describing: error)))
                        }
                    }
                    if stream.finished { break }
                }
            }
            failure = stream.endOfStream()
        } catch let error as QueryFailure {
            failure = error
        } catch let error as TCPTransportError {
            switch error {
            case .idleTimeout:
                failure = .transferBroken(.stalled(afterRecords: stream.stats.records, idle: limits.idleTimeout))
            case .totalTimeout:
                failure = .transferBroken(.tooSlow(limit: limits.totalTimeout, sent: stream.sent))
            case .closedMidMessage(let buffered):
                failure = .transferBroken(.closedMidMessage(octets: buffered))
            }
        } catch let error as IOError where error.errnoCode == ECONNRESET || error.errnoCode == EPIPE {
            // Connected, then reset: a transfer cut off, not a server out of reach.
            failure = .transferBroken(.connectionReset(afterRecords: stream.stats.records))
        } catch ChannelError.ioOnClosedChannel {
            // The server closed its end (FIN) before or while we wrote the query: ended early, not unreachable.
            failure = .transferBroken(.closedEarly(afterRecords: stream.stats.records))
        } catch {
            failure = TCPConnection.classify(error, connectTimeout: limits.connectTimeout)
        }
        return outcome(failure)
    }
}
