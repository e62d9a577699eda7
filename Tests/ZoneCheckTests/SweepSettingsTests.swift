import Foundation
import Testing
import ZoneCheck

/// `check.deadline` and the sweep's defaults, parsed strictly.
@Suite("sweep settings")
struct SweepSettingsTests {
    static func yaml(_ check: String) -> String {
        """
        servers:
          - { name: a, role: primary, address: 127.0.0.1, key: keys/ns1.key }
          - { name: b, role: secondary, address: 127.0.0.2, key: keys/ns2.key }
        zones: { names: [example.com] }
        check: \(check)
        """
    }

    @Test("defaults: at most 4,096 queries in flight per server, 3 retries, a 60 s deadline")
    func defaults() {
        #expect(CheckSettings().concurrency == 4096)
        #expect(CheckSettings().retries == 3)
        #expect(CheckSettings().deadline == .seconds(60))
    }

    @Test("batches handed out follow each server's send window, not the ceiling: 2,048 queries at 256")
    func batchesFollowTheWindow() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let config = try fixture.load(Self.yaml("{ concurrency: 4096 }")).get()
        let sweep = Sweep(fleet: try Fleet(configuration: config), settings: config.check)
        #expect(sweep.batchSize == 32)
        #expect(sweep.batchesPerServer(window: 256) == 2048 / 32 + 1)
        #expect(sweep.batchesPerServer(window: 1024) == 3072 / 32 + 1)
        #expect(sweep.batchesPerServer(window: 4096) == 6144 / 32 + 1)
        #expect(sweep.batchesPerServer(window: 100_000) == 6144 / 32 + 1, "the ceiling bounds it")
        let small = try fixture.load(Self.yaml("{ concurrency: 2 }")).get()
        let narrow = Sweep(fleet: try Fleet(configuration: small), settings: small.check)
        #expect(narrow.batchesPerServer(window: 256) == 2, "16 queries, batches of 16: two")
    }

    @Test("check.deadline is read as a duration")
    func deadline() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let config = try fixture.load(Self.yaml("{ timeout: 1s, deadline: 45s }")).get()
        #expect(config.check.deadline == .seconds(45))
    }

    @Test(
        "a bad check.deadline names the line and the key",
        arguments: [
            ("{ deadline: soon }", "is not a duration"),
            ("{ deadline: 30 }", "Add a unit"),
            ("{ timeout: 5s, deadline: 2s }", "shorter than check.timeout"),
            ("{ deadlines: 30s }", "deadlines"),
        ])
    func badDeadline(check: String, message: String) throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        switch try fixture.load(Self.yaml(check)) {
        case .success: Issue.record("accepted check: \(check)")
        case .failure(let error):
            #expect(error.line == 5, "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test("check.max_transfer_size and max_transfer_records bound every transfer; generous defaults")
    func transferBounds() throws {
        #expect(CheckSettings().maxTransferSize == 256 << 20)
        #expect(CheckSettings().maxTransferRecords == 5_000_000)
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let config = try fixture.load(Self.yaml("{ max_transfer_size: 64MiB, max_transfer_records: 1000 }")).get()
        #expect(config.check.maxTransferSize == 64 << 20)
        #expect(config.check.maxTransferRecords == 1000)
        let deep = DeepCheck(fleet: try Fleet(configuration: config), settings: config.check).limits
        #expect(deep.maxBytes == 64 << 20 && deep.maxRecords == 1000)
        for (text, octets) in [("1048576", 1 << 20), ("512KiB", 512 << 10), ("2G", 2 << 30), ("1 MiB", 1 << 20)] {
            #expect(CheckSettings.octets(configText: text) == octets, "\(text)")
        }
        for text in ["0", "lots", "-5MiB", "2TiB", "99999999999999999999", "5 parsecs"] {
            #expect(CheckSettings.octets(configText: text) == nil, "\(text) accepted")
        }
        switch try fixture.load(Self.yaml("{ max_transfer_size: huge }")) {
        case .success: Issue.record("accepted max_transfer_size: huge")
        case .failure(let error):
            #expect(error.line == 5 && error.description.contains("is not an amount of octets"), "\(error)")
        }
    }

    @Test("check.signatures: 7 days WARNING, 2 days CRITICAL by default; read as durations, critical the nearer")
    func signatureThresholds() throws {
        #expect(
            CheckSettings().signatures == SignatureWindow(warning: .seconds(604_800), critical: .seconds(172_800)))
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let config = try fixture.load(Self.yaml("{ signatures: { warning: 10d, critical: 3d } }")).get()
        #expect(config.check.signatures == SignatureWindow(warning: .seconds(864_000), critical: .seconds(259_200)))
        for (check, message) in [
            ("{ signatures: { warning: 1d, critical: 3d } }", "is longer than warning"),
            ("{ signatures: { warning: soon } }", "is not a duration"),
            ("{ signatures: { expiry: 3d } }", "expiry"),
        ] {
            switch try fixture.load(Self.yaml(check)) {
            case .success: Issue.record("accepted check: \(check)")
            case .failure(let error):
                #expect(error.line == 5, "\(error)")
                #expect(error.description.contains(message), "\(error)")
            }
        }
    }
}
