import DNSKit
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A lab of real servers started through `Scripts/lab` for one test, stopped by `stop()`.
/// The transport tests use the 127.53.2.x prefix, which no other test uses.
final class Lab {
    static let prefix = "127.53.2"
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var isRoot: Bool { getuid() == 0 }

    let directory: TemporaryDirectory
    var path: String { directory.path }

    /// Starts the lab. `bigZone` gives zone00001.lab that many extra A records (written
    /// into the primary's zone directory before start, which the lab script keeps).
    init(zones: Int = 5, bigZone: Int? = nil, secondaries: String = "bind,bind,bind,bind") throws {
        directory = try TemporaryDirectory("transport-lab")
        if let bigZone {
            let zonesDirectory = "\(directory.path)/ns1/zones"
            try FileManager.default.createDirectory(atPath: zonesDirectory, withIntermediateDirectories: true)
            var text = """
                $ORIGIN zone00001.lab.
                $TTL 3600
                @\tIN\tSOA\tns1.lab-ns.test. hostmaster.zone00001.lab. (
                \t\t\t2026112201 ; serial
                \t\t\t3600 ; refresh
                \t\t\t900 ; retry
                \t\t\t1209600 ; expire
                \t\t\t300 ) ; minimum

                """
            for n in 1...5 { text += "@\tIN\tNS\tns\(n).lab-ns.test.\n" }
            text += "bump\tIN\tTXT\t\"generation 1\"\n"
            for n in 0..<bigZone {
                text += "host\(n)\tIN\tA\t10.\(n >> 16 & 255).\(n >> 8 & 255).\(n & 255)\n"
                if n % 10 == 0 { text += "host\(n)\tIN\tTXT\t\"record \(n) of a zone big enough for many messages\"\n" }
            }
            try directory.write("ns1/zones/zone00001.lab.db", text, mode: 0o644)
        }
        // A start that fails half-way (another process racing on `ip addr add`, say) must not
        // leave servers behind: stop what started, then try once more.
        do {
            try lab("start", "--zones", String(zones), "--secondaries", secondaries)
        } catch {
            _ = try? lab("stop")
            do {
                try lab("start", "--zones", String(zones), "--secondaries", secondaries)
            } catch {
                _ = try? lab("stop")
                throw error
            }
        }
        running = true
    }

    deinit { stop() }

    @discardableResult
    func lab(_ arguments: String...) throws -> String {
        try run(["\(Self.repositoryRoot)/Scripts/lab"] + arguments + ["--dir", path, "--prefix", Self.prefix])
    }

    private var running = false

    func stop() {
        guard running else { return }
        running = false
        _ = try? lab("stop")
    }

    func key(_ server: Int) throws -> TSIGKey {
        try TSIGKey.load(path: "\(path)/keys/ns\(server).key")
    }

    func endpoint(_ server: Int) throws -> ServerEndpoint {
        ServerEndpoint(name: "ns\(server)", host: "\(Self.prefix).\(server)", port: 53, key: try key(server))
    }

    static func zone(_ text: String) -> DomainName {
        try! DomainName(labels: text.split(separator: ".").map { Array($0.utf8) })
    }
}
