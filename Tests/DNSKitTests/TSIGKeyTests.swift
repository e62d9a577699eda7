import Foundation
import TestSupport
import Testing

@testable import DNSKit

@Suite(.ownThreads) struct TSIGKeyTests {
    /// What `tsig-keygen -a hmac-sha512 zonecheck-ns1` writes, generated fresh each run.
    @Test func loadsWhatTsigKeygenWrites() throws {
        let directory = try TemporaryDirectory("tsigkey")
        let text = try Command.output("tsig-keygen", ["-a", "hmac-sha512", "zonecheck-ns1"])
        let file = try directory.write("ns1.key", text)
        let key = try TSIGKey.load(path: file)
        #expect(key.name.description == "zonecheck-ns1.")
        #expect(key.algorithm == .hmacSHA512)
        #expect(!key.isWeak)
        let secret = try #require(text.split(separator: "\"").dropFirst(3).first)
        #expect(key == TSIGKey(name: key.name, algorithm: .hmacSHA512, secret: Base64.decode(String(secret))!))
    }

    @Test func picksOneOfSeveralKeysAndSkipsComments() throws {
        let directory = try TemporaryDirectory("tsigkey")
        let file = try directory.write(
            "keys.conf",
            """
            # the fleet's keys
            key "zonecheck-ns1" { // primary
                algorithm hmac-sha512;
                secret "AAECAwQFBgcICQoLDA0ODw==";
            };
            /* a second key,
               spread over lines */
            key zonecheck-ns2. {
                algorithm HMAC-SHA256;
                secret "EBESExQVFhcYGRobHB0eHw==";
            };
            key "legacy" { algorithm hmac-md5.sig-alg.reg.int; secret "AAAA"; };
            """)
        let ns2 = try TSIGKey.load(path: file, name: "zonecheck-ns2")
        #expect(ns2.algorithm == .hmacSHA256)
        #expect(ns2 == TSIGKey(name: ns2.name, algorithm: .hmacSHA256, secret: Array(16...31)))
        let legacy = try TSIGKey.load(path: file, name: "legacy.")
        #expect(legacy.algorithm == .hmacMD5 && legacy.isWeak)
        #expect(throws: TSIGKeyError.severalKeys(file: file, names: ["zonecheck-ns1", "zonecheck-ns2.", "legacy"])) {
            try TSIGKey.load(path: file)
        }
        #expect(
            throws: TSIGKeyError.keyNotFound(
                file: file, name: "ns9", available: ["zonecheck-ns1", "zonecheck-ns2.", "legacy"])
        ) {
            try TSIGKey.load(path: file, name: "ns9")
        }
    }

    @Test func refusesAFileOthersCanRead() throws {
        let directory = try TemporaryDirectory("tsigkey")
        let file = try directory.write("open.key", "key k { algorithm hmac-sha512; secret \"AAAA\"; };", mode: 0o644)
        do {
            _ = try TSIGKey.load(path: file)
            Issue.record("a world-readable key file was accepted")
        } catch {
            #expect(
                error
                    == .file(
                        PrivateFileError(path: file, what: "TSIG key file", problem: .readableByOthers(mode: 0o644))))
            #expect(error.description.contains("chmod 600 \(file)"))
        }
    }

    static let validKey = "key k { algorithm hmac-sha512; secret \"AAAA\"; };\n"

    @Test(
        "a key file others may change or read is refused, with the chmod to run",
        arguments: [(0o620, "its group"), (0o602, "every user"), (0o660, "its group"), (0o604, "every user")])
    func refusesLooseModes(mode: Int, who: String) throws {
        let directory = try TemporaryDirectory("tsigkey")
        let file = try directory.write("loose.key", Self.validKey, mode: mode)
        do {
            _ = try TSIGKey.load(path: file)
            Issue.record("mode \(String(mode, radix: 8)) accepted")
        } catch {
            #expect(error.description.contains(who), "\(error)")
            #expect(error.description.contains("Run 'chmod 600 \(file)'"), "\(error)")
        }
        // Its group may read it (root:bind 0640, as BIND installs keys).
        let shared = try directory.write("shared.key", Self.validKey, mode: 0o640)
        #expect(throws: Never.self) { try TSIGKey.load(path: shared) }
    }

    @Test("a key file of another user is refused, with the chown to run", .enabled(if: getuid() == 0))
    func refusesForeignOwner() throws {
        let directory = try TemporaryDirectory("tsigkey")
        let file = try directory.write("foreign.key", Self.validKey)
        #expect(chown(file, 65534, 65534) == 0)
        do {
            _ = try TSIGKey.load(path: file)
            Issue.record("a key file of uid 65534 accepted")
        } catch {
            #expect(error.description.contains("uid 65534") && error.description.contains("Run 'chown root \(file)'"))
        }
    }

    @Test("a link is judged by the file it points to, as the reader reads it")
    func links() throws {
        let directory = try TemporaryDirectory("tsigkey")
        let open = try directory.write("open.key", Self.validKey, mode: 0o644)
        let closed = try directory.write("closed.key", Self.validKey, mode: 0o600)
        let toOpen = directory.path + "/to-open.key"
        let toClosed = directory.path + "/to-closed.key"
        try FileManager.default.createSymbolicLink(atPath: toOpen, withDestinationPath: open)
        try FileManager.default.createSymbolicLink(atPath: toClosed, withDestinationPath: closed)
        #expect(throws: TSIGKeyError.self) { try TSIGKey.load(path: toOpen) }
        #expect(throws: Never.self) { try TSIGKey.load(path: toClosed) }
        #expect(throws: TSIGKeyError.self) { try TSIGKey.load(path: directory.path) }
    }

    /// Each broken file with the error (and line) it must produce.
    static let brokenFiles: [(String, String, @Sendable (String) -> TSIGKeyError)] = [
        (
            "missing-semicolon", "key k {\n algorithm hmac-sha512\n secret \"AAAA\";\n};\n",
            { .syntax(file: $0, line: 3, column: 2, message: "expected \";\" after algorithm, found a word") }
        ),
        (
            "unknown-algorithm", "key k {\n algorithm hmac-sha3;\n secret \"AAAA\";\n};\n",
            { .unknownAlgorithm(file: $0, line: 2, column: 12) }
        ),
        (
            "bad-base64", "key k {\n algorithm hmac-sha512;\n\n secret \"A*AA\";\n};\n",
            { .badSecret(file: $0, line: 4, keyName: "k") }
        ),
        (
            "no-secret", "\n\nkey k { algorithm hmac-sha512; };\n",
            { .missingClause(file: $0, line: 3, keyName: "k", clause: "secret") }
        ),
        (
            "options", "options { };\n",
            {
                .syntax(
                    file: $0, line: 1, column: 1,
                    message: "expected a `key` statement, found a word (only key statements belong here)")
            }
        ),
        ("empty", "# nothing\n", { .noKeys(file: $0) }),
        (
            "open-comment", "key k { /* forever\n",
            { .syntax(file: $0, line: 1, column: 9, message: "comment /* is never closed") }
        ),
        (
            "twice",
            "key k { algorithm hmac-sha512; secret \"AAAA\"; };\nkey K. { algorithm hmac-sha512; secret \"AAAA\"; };\n",
            { .duplicateKey(file: $0, line: 2, keyName: "K.") }
        ),
    ]

    @Test(arguments: brokenFiles.indices)
    func brokenFileNamesFileAndLine(index: Int) throws {
        let (name, text, expected) = Self.brokenFiles[index]
        let directory = try TemporaryDirectory("tsigkey")
        let file = try directory.write("\(name).key", text)
        #expect(throws: expected(file), "fixture \(name)") { try TSIGKey.load(path: file) }
    }

    @Test func secretNeverShows() throws {
        let directory = try TemporaryDirectory("tsigkey")
        let text = try Command.output("tsig-keygen", ["-a", "hmac-sha512", "zonecheck-secret"])
        let secretBase64 = String(try #require(text.split(separator: "\"").dropFirst(3).first))
        let secret = try #require(Base64.decode(secretBase64))
        let hex = secret.map { String(format: "%02x", $0) }.joined()
        let file = try directory.write("k.key", text)
        let key = try TSIGKey.load(path: file)
        var dumped = ""
        dump(key, to: &dumped)
        var dumpedEndpoint = ""
        dump(ServerEndpoint(name: "ns1", host: "127.0.0.1", port: 53, key: key), to: &dumpedEndpoint)
        var texts = [String(describing: key), String(reflecting: key), dumped, dumpedEndpoint, "\(key)", "\([key])"]
        // Errors from files that hold this secret must not quote it either.
        let broken: [String] = [
            text.replacingOccurrences(of: "hmac-sha512", with: "hmac-bogus"),
            text.replacingOccurrences(of: "\";", with: "*\";"),
            text.replacingOccurrences(of: "secret", with: "secrets"),
            text.replacingOccurrences(of: "};", with: "}"),
            text + text,
            // The secret on its own line (the clause name lost): the reader must not quote what it found.
            text.replacingOccurrences(of: "secret \"", with: "\""),
            text.replacingOccurrences(of: "secret \"", with: "").replacingOccurrences(of: "\";", with: ";"),
            text.replacingOccurrences(of: "algorithm hmac-sha512;", with: "algorithm \(secretBase64);"),
            "key \(secretBase64) {};\n",
        ]
        for (n, body) in broken.enumerated() {
            let path = try directory.write("broken\(n).key", body)
            do {
                _ = try TSIGKey.load(path: path)
                Issue.record("broken key file \(n) loaded")
            } catch {
                texts.append(error.description)
                texts.append(String(reflecting: error))
            }
        }
        let openFile = try directory.write("open.key", text, mode: 0o644)
        #expect(throws: TSIGKeyError.self) { try TSIGKey.load(path: openFile) }
        for shown in texts {
            #expect(!shown.contains(secretBase64), "secret in: \(shown)")
            #expect(!shown.lowercased().contains(hex), "secret hex in: \(shown)")
            #expect(!shown.contains(String(secretBase64.prefix(12))), "part of the secret in: \(shown)")
        }
    }

    @Test func base64RoundTripsAndRejectsJunk() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + 11) & 0xFF) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.decode("AAA") == nil)
        #expect(Base64.decode("AA=A") == nil)
        #expect(Base64.decode("AB==") == nil, "non-zero trailing bits")
        #expect(Base64.decode("AAAA\nAAAA") == [0, 0, 0, 0, 0, 0])
    }
}
