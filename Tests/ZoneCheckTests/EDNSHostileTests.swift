import DNSKit
import Foundation
import TestSupport
import Testing
import ZoneCheck

/// EDNS against servers that do not take it well (the scripted hostile server, 127.53.110.200-201 port
/// 5410): a server from before EDNS is asked again without it and its serial is read; an answer with two OPT
/// RRs is malformed, never believed.
@Suite("EDNS against hostile servers", .ownThreads)
struct EDNSHostileTests {
    static let zone = try! DomainName(presentation: "hostile.test.", origin: nil)
    static let options = QueryOptions(timeout: .seconds(1), retries: 1, edns: .query)

    @Test("FORMERR to EDNS: asked again without, answered, nothing known of its signatures")
    func formerrFallsBackToPlainQuery() async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            let keys = try HostileServerTests.sharedKeys.get()
            let server = try HostileServer(
                host: "127.53.110.200", port: 5410, zone: Self.zone, key: keys.key, behaviour: .formerrToEDNS)
            defer { server.close() }
            let client = try DNSClient()
            let outcome = await client.soa(zone: Self.zone, at: server.endpoint, options: Self.options)
            let batch = await client.soa(zones: [Self.zone], at: server.endpoint, options: Self.options)
            await client.close()
            for result in [outcome] + batch {
                guard case .answered(let answer) = result else {
                    Issue.record("not answered: \(result)")
                    continue
                }
                #expect(answer.serial == server.serial)
                #expect(answer.edns == nil && answer.signatures.isEmpty)
            }
            let received = server.received
            #expect(received.filter(\.edns).count >= 2, "both asked with EDNS first")
            #expect(received.filter { !$0.edns }.count >= 2, "then again without: \(received.count) requests")
        }
    }

    @Test("two OPT RRs in a signed answer: malformed, the serial not believed")
    func twoOPTsAreMalformed() async throws {
        try await withTaskExecutorPreference(OwnThreadsExecutor.shared) {
            let keys = try HostileServerTests.sharedKeys.get()
            let server = try HostileServer(
                host: "127.53.110.201", port: 5410, zone: Self.zone, key: keys.key, behaviour: .twoOPTs)
            defer { server.close() }
            let client = try DNSClient()
            let outcome = await client.soa(zone: Self.zone, at: server.endpoint, options: Self.options)
            await client.close()
            guard case .failed(let error) = outcome else {
                Issue.record("a message with two OPT RRs was believed: \(outcome)")
                return
            }
            #expect(Compare.state(of: error.failure) == .badAnswer, "\(error)")
            #expect(error.description.contains("a second OPT RR"), "\(error)")
        }
    }
}
