import Foundation
import TestSupport
import Testing
import ZoneCheck

/// The lab itself (Scripts/lab): five real servers that answer signed queries, a zonecheck.yaml the loader
/// accepts, and a clean stop. Every integration suite depends on it, so it is tested on its own.
@Suite("Lab", .serialized, .ownThreads)
struct LabTests {
    static let secondaries = ["bind", "knot", "nsd", "bind"]

    @Test(
        "start: five servers answer signed SOA queries with the primary's serial; stop leaves no process",
        .enabled(
            if: Lab.unavailableReason(secondaries: secondaries) == nil,
            Comment(rawValue: Lab.unavailableReason(secondaries: secondaries) ?? "")),
        .timeLimit(.minutes(10)))
    func startCheckStop() throws {
        let lab = Lab(prefix: "127.53.1", port: 5301, secondaries: Self.secondaries, zones: 5)
        defer { lab.tearDown() }
        let started = try lab.start()
        #expect(started.stdout.contains("in sync: 6 zones"), "\(started.stdout)")

        // The generated configuration loads and describes this lab.
        let config = try Configuration.load(path: lab.configPath)
        #expect(config.servers.map(\.name) == lab.servers)
        #expect(config.primary.address == "127.53.1.1")
        #expect(config.servers.allSatisfy { $0.port == 5301 })
        #expect(config.secondaries.allSatisfy { $0.retransfer?.mentionsZone == true })
        #expect(config.primary.zoneFile(for: "zone00001.lab.") == lab.directory + "/ns1/zones/zone00001.lab.db")
        #expect(config.zones.names.count == 6)
        #expect(config.zones.names.contains("example.com"))
        for server in lab.servers {
            let mode = try FileManager.default.attributesOfItem(atPath: lab.keyPath(server))[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(server)'s key file must be private")
        }

        // Every server answers a signed SOA query, signs its answer, and serves the primary's serial.
        var serials: [String: String] = [:]
        for server in lab.servers {
            let dig = try Command.run(
                Lab.which("dig")!,
                [
                    "-k", lab.keyPath(server), "@" + lab.address(server), "-p", "5301", "+norecurse", "zone00001.lab",
                    "SOA",
                ])
            #expect(dig.stdout.contains("status: NOERROR"), "\(server): \(dig.stdout)")
            #expect(dig.stdout.contains("flags: qr aa"), "\(server) answers authoritatively")
            #expect(dig.stdout.contains(";; TSIG PSEUDOSECTION:"), "\(server) signs its answer")
            #expect(!dig.stdout.contains("BADSIG") && !dig.stdout.contains("BADKEY") && !dig.stderr.contains("failure"))
            let soa = dig.stdout.split(separator: "\n").first { $0.hasPrefix("zone00001.lab.") && $0.contains("SOA") }
            serials[server] = soa.map { String($0.split(whereSeparator: { $0 == " " || $0 == "\t" })[6]) }
        }
        #expect(serials.count == 5 && Set(serials.values).count == 1 && serials["ns1"] != nil, "\(serials)")

        // Each server gives a full transfer to its zonecheck key (the deep check) and each secondary accepts a
        // NOTIFY signed with it (the first step of a repair); unsigned, both are refused.
        for server in lab.servers {
            let axfr = try Command.run(
                Lab.which("dig")!,
                ["-k", lab.keyPath(server), "@" + lab.address(server), "-p", "5301", "zone00001.lab", "AXFR"])
            let soaCount = axfr.stdout.split(separator: "\n").filter { $0.contains("\tSOA\t") }.count
            #expect(soaCount == 2, "\(server): a signed AXFR starts and ends with the SOA: \(axfr.stdout)")
            guard server != "ns1" else { continue }
            let notify = try Command.run(
                Lab.which("dig")!,
                [
                    "-k", lab.keyPath(server), "+opcode=notify", "+norecurse", "@" + lab.address(server), "-p", "5301",
                    "zone00001.lab", "SOA",
                ])
            #expect(notify.stdout.contains("opcode: NOTIFY, status: NOERROR"), "\(server): \(notify.stdout)")
            let unsignedNotify = try Command.run(
                Lab.which("dig")!,
                ["+opcode=notify", "+norecurse", "@" + lab.address(server), "-p", "5301", "zone00001.lab", "SOA"])
            #expect(
                unsignedNotify.stdout.contains("opcode: NOTIFY")
                    && !unsignedNotify.stdout.contains("status: NOERROR"), "\(server): \(unsignedNotify.stdout)")
        }

        // Transfers need a key: an unsigned AXFR from a secondary is refused.
        let unsigned = try Command.run(
            Lab.which("dig")!, ["@" + lab.address("ns3"), "-p", "5301", "zone00001.lab", "AXFR"])
        #expect(!unsigned.stdout.contains("\tSOA\t"), "unsigned AXFR must be refused: \(unsigned.stdout)")

        // start again is a no-op on a running lab.
        let pids = lab.pidsFromFiles()
        #expect(pids.count == 5)
        let again = try lab.start()
        #expect(again.stdout.contains("already running"))
        #expect(lab.pidsFromFiles() == pids)

        // bump: a new serial on the primary reaches every secondary.
        let bumped = try lab.run(["bump", "zone00002.lab", "--dir", lab.directory])
        #expect(bumped.stdout.contains("zone reload queued"), "\(bumped.stdout)")
        try lab.run(["wait", "--dir", lab.directory, "--timeout", "60"])

        // diverge: same serial, other content, on each kind of secondary.
        for server in ["ns2", "ns3", "ns4"] {
            try lab.run(["diverge", server, "zone00003.lab", "--dir", lab.directory])
            let txt = try dig(lab, server, "bump.zone00003.lab", "TXT")
            #expect(txt.contains("\"diverged on \(server)\""), "\(server): \(txt)")
            #expect(try dig(lab, server, "zone00003.lab", "SOA") == dig(lab, "ns1", "zone00003.lab", "SOA"))
        }
        #expect(try dig(lab, "ns5", "bump.zone00003.lab", "TXT").contains("generation 1"))

        let running = lab.pidsFromFiles()
        try lab.stop()
        #expect(running.count == 5)
        for pid in running {
            #expect(!Lab.isRunning(pid), "pid \(pid) still runs after stop")
        }
        let status = try lab.run(["status", "--dir", lab.directory])
        #expect(status.stdout.components(separatedBy: "stopped").count - 1 == 5, "\(status.stdout)")
        // Logs stay for the user.
        #expect(FileManager.default.fileExists(atPath: lab.directory + "/ns1/named.log"))
    }

    @Test(
        "start --standalone: five Knot primaries of the same files, each with its own key; check is all OK; bump refused",
        .enabled(
            if: Lab.unavailableReason(secondaries: ["knot"]) == nil,
            Comment(rawValue: Lab.unavailableReason(secondaries: ["knot"]) ?? "")),
        .timeLimit(.minutes(10)))
    func standalone() throws {
        let lab = Lab(prefix: "127.53.117", port: 5417, secondaries: ["knot", "knot", "knot", "knot"], zones: 5)
        defer { lab.tearDown() }
        let options = ["--dir", lab.directory, "--prefix", lab.prefix, "--port", "5417", "--zones", "5"]
        let started = try lab.run(["start", "--standalone"] + options)
        #expect(started.stdout.contains("ns1 (Knot) started") && started.stdout.contains("ns5 (Knot) started"))
        #expect(started.stdout.contains("in sync: 6 zones"), "\(started.stdout)")
        // Nothing to transfer: no secondary has its own copy of the zone files.
        #expect(!FileManager.default.fileExists(atPath: lab.directory + "/ns2/zones"))

        let config = try Configuration.load(path: lab.configPath)
        #expect(config.servers.map(\.name) == lab.servers)
        #expect(config.primary.name == "ns1" && config.secondaries.count == 4)
        #expect(config.servers.map(\.keyName) == lab.servers.map { Optional("zonecheck-\($0)") })
        #expect(config.secondaries.allSatisfy { $0.retransfer == nil }, "a standalone secondary cannot retransfer")
        #expect(config.primary.zoneFile(for: "zone00001.lab.") == lab.directory + "/ns1/zones/zone00001.lab.db")

        // Each server signs its answer with its own key and refuses another server's.
        for (index, server) in lab.servers.enumerated() {
            let own = try Command.run(
                Lab.which("dig")!,
                [
                    "-k", lab.keyPath(server), "@" + lab.address(server), "-p", "5417", "+norecurse", "zone00005.lab",
                    "SOA",
                ])
            #expect(
                own.stdout.contains("status: NOERROR") && own.stdout.contains("flags: qr aa"),
                "\(server): \(own.stdout)")
            #expect(own.stdout.contains(";; TSIG PSEUDOSECTION:"), "\(server) signs its answer")
            let other = lab.servers[(index + 1) % 5]
            let wrong = try Command.run(
                Lab.which("dig")!,
                [
                    "-k", lab.keyPath(other), "@" + lab.address(server), "-p", "5417", "+norecurse", "zone00005.lab",
                    "SOA",
                ])
            #expect(!wrong.stdout.contains("status: NOERROR"), "\(server) must refuse \(other)'s key: \(wrong.stdout)")
        }

        let check = try ZoneCheckBinary.check([], config: lab.configPath)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")

        let bump = try Command.run(Lab.script, ["bump", "zone00001.lab", "--dir", lab.directory])
        #expect(bump.status != 0)
        #expect(
            bump.stderr.contains("is --standalone") && bump.stderr.contains("without --standalone"), "\(bump.stderr)")

        let running = lab.pidsFromFiles()
        #expect(running.count == 5)
        try lab.stop()
        for pid in running { #expect(!Lab.isRunning(pid), "pid \(pid) still runs after stop") }
    }

    @Test("bad options are refused with a sentence saying what to give")
    func badOptions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-lab-bad").path
        let run = try Command.run(Lab.script, ["start", "--dir", directory, "--secondaries", "bind,powerdns,nsd,bind"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("'powerdns' is not one of bind, knot, nsd"), "\(run.stderr)")
        let three = try Command.run(Lab.script, ["start", "--dir", directory, "--secondaries", "bind,bind,bind"])
        #expect(three.stderr.contains("exactly four"), "\(three.stderr)")
        let mixed = try Command.run(
            Lab.script, ["start", "--dir", directory, "--standalone", "--secondaries", "bind,knot,nsd,bind"])
        #expect(mixed.stderr.contains("--standalone runs Knot on all five servers"), "\(mixed.stderr)")
        let signed = try Command.run(Lab.script, ["start", "--dir", directory, "--standalone", "--signed"])
        #expect(signed.stderr.contains("--standalone with --signed"), "\(signed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory), "nothing is created for refused options")
    }

    /// named hides from a PATH without the sbin directories only where Debian puts it, in /usr/sbin.
    static let namedCanBeHidden = !["/usr/bin/named", "/bin/named"].contains {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(
        "a missing server package is named",
        .enabled(if: namedCanBeHidden, "named is installed in /usr/bin or /bin: it cannot be hidden by PATH"))
    func missingPackage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zonecheck-lab-nopkg").path
        let run = try Command.run(
            Lab.script, ["start", "--dir", directory], environment: ["PATH": "/nonexistent:/usr/bin:/bin"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("'named' is missing: install the Debian package bind9"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    /// `dig +short` answer of one server of the lab (unsigned: the lab's own state, not what is tested).
    func dig(_ lab: Lab, _ server: String, _ name: String, _ type: String) throws -> String {
        try Command.run(
            Lab.which("dig")!, ["+short", "@" + lab.address(server), "-p", String(lab.port), name, type]
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
