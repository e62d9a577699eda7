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
    /// A server that closes the connection before a single message (a busy BIND at its TCP quota does) is
    /// asked once more after 200 ms: nothing was received, so nothing reached `onRecord`.
    public func axfr(
        zone: DomainName, from server: ServerEndpoint, limits: AXFRLimits = AXFRLimits(),
        onRecord: (ResourceRecord) throws -> Void
    ) async -> AXFROutcome {
        var given = false
        var result: AXFROutcome?
        await axfrSeries(
            from: server,
            next: {
                defer { given = true }
                return given ? nil : (zone, limits)
            }, onRecord: onRecord, finished: { _, outcome in result = outcome })
        // `axfrSeries` tells the outcome of every zone `next` gave.
        return result
            ?? .failed(
                QueryError(zone: zone, server: server, kind: .axfr, failure: .transferBroken("no outcome recorded")),
                AXFRStats())
    }

    /// Transfers zones from `server` one after another on one TCP connection, each checked as `axfr` checks
    /// it (RFC 7766 §6.2.1: a client may send further queries on a connection once it has its answer; BIND,
    /// Knot and NSD serve transfers back to back). A transfer costs its own round trip and no connection
    /// set-up; the server counts one TCP client and one transfer at a time against its quotas.
    ///
    /// `next` gives the next zone and its limits (nil: done); each of its records goes to `onRecord` once
    /// verified, and its outcome to `finished` (what `onRecord` got of a failed transfer must be discarded).
    /// After any failure the connection is closed and the next zone gets a new one. A transfer that ends
    /// before a message of its own arrived on a connection that already carried one (the server closed it
    /// while idle) is asked again at once on a new connection; on a new connection (a busy BIND at its TCP
    /// quota closes at once), after 200 ms. Either way nothing reached `onRecord`. Returns how many
    /// connections were opened.
    @discardableResult
    public func axfrSeries(
        from server: ServerEndpoint, next: () async -> (DomainName, AXFRLimits)?,
        onRecord: (ResourceRecord) throws -> Void, finished: (DomainName, AXFROutcome) async -> Void
    ) async -> Int {
        var connections = 0
        var retry: (zone: DomainName, limits: AXFRLimits, wait: Bool)?
        var retried = false
        while true {
            let job: (DomainName, AXFRLimits)
            if let again = retry {
                if again.wait { try? await Task.sleep(for: .milliseconds(200)) }
                job = (again.zone, again.limits)
                retry = nil
                retried = true
            } else if let zone = await next() {
                job = zone
                retried = false
            } else {
                return connections
            }
            let address: SocketAddress
            let channel: TCPConnection.Channel
            do {
                address = try Self.address(of: server)
                channel = try await TCPConnection.connect(
                    group: group, to: address, connectTimeout: job.1.connectTimeout, idleTimeout: job.1.idleTimeout)
            } catch {
                let stats = AXFRStats()
                await finished(
                    job.0, .failed(QueryError(zone: job.0, server: server, kind: .axfr, failure: error), stats))
                continue
            }
            connections += 1
            var carried = 0
            var current: (DomainName, AXFRLimits)? = job
            try? await channel.executeThenClose { inbound, outbound in
                var messages = inbound.makeAsyncIterator()
                while case let (zone, limits)? = current {
                    let (outcome, open) = await transfer(
                        zone, from: server, limits: limits, channel: channel.channel, messages: &messages,
                        outbound: outbound, onRecord: onRecord)
                    if case .failed(let error, let stats) = outcome, stats.messages == 0, !retried,
                        carried > 0 || error.failure == .transferBroken(.closedEarly(afterRecords: 0))
                    {
                        retry = (zone, limits, carried == 0)
                        return
                    }
                    await finished(zone, outcome)
                    carried += 1
                    retried = false
                    guard open else { return }
                    current = await next()
                }
            }
            if retry == nil && current == nil { return connections }
        }
    }

    /// One transfer on an open connection; `open` is false when the connection must not carry another (the
    /// transfer failed: what is still on the wire is unknown).
    private func transfer(
        _ zone: DomainName, from server: ServerEndpoint, limits: AXFRLimits, channel: any Channel,
        messages: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, onRecord: (ResourceRecord) throws -> Void
    ) async -> (outcome: AXFROutcome, open: Bool) {
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
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(limits.totalTimeout)) {
            channel.pipeline.fireErrorCaught(TCPTransportError.totalTimeout)
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        var failure: QueryFailure?
        do {
            try await outbound.write(TCPConnection.frame(request, allocator: channel.allocator))
            while !stream.finished, let buffer = try await messages.next() {
                let records = try stream.receive(
                    Array(buffer.readableBytesView), now: Self.now(offset: limits.clockOffset))
                for record in records {
                    do { try onRecord(record) } catch let failure as QueryFailure {
                        throw failure
                    } catch {
                        throw QueryFailure.transferBroken(.receiverStopped(String(describing: error)))
                    }
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
        return (outcome(failure), failure == nil)
    }
}
