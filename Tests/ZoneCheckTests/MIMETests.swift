import Foundation
import TestSupport
import Testing

@testable import Mail

/// The message on the wire, checked line by line here and by an independent reader (Python's email package,
/// through `Scripts/smtp-sink check`).
@Suite(.ownThreads) struct MIMETests {
    static let date = Date(timeIntervalSince1970: 1_795_329_000)  // Sun, 22 Nov 2026 06:30:00 UTC

    static func message(
        subject: String = "[zonecheck] CRITICAL: 1 opened (ns3 is behind on 300 zones)", text: String = "Hello\n",
        html: String? = "<p>Hello</p>\n", attachments: [EmailAttachment] = []
    ) -> EmailMessage {
        EmailMessage(
            from: "zonecheck@example.com", fromName: "zonecheck on ns-admin",
            to: ["hostmaster@example.com", "noc@example.com"], subject: subject, date: date,
            messageID: EmailMessage.newMessageID(host: "ns-admin.example", date: date), text: text, html: html,
            attachments: attachments)
    }

    static func headerBlock(_ wire: String) -> String {
        String(wire[..<(wire.range(of: "\r\n\r\n")?.lowerBound ?? wire.endIndex)])
    }

    @Test("required headers are present and well-formed")
    func headers() throws {
        let wire = Self.message().rendered()
        let header = Self.headerBlock(wire)
        #expect(header.contains("\r\nFrom: zonecheck on ns-admin <zonecheck@example.com>\r\n"), "\(header)")
        #expect(header.contains("\r\nTo: hostmaster@example.com, noc@example.com\r\n"))
        #expect(header.hasPrefix("Date: Sun, 22 Nov 2026 06:30:00 +0000\r\n"))
        #expect(header.contains("\r\nMIME-Version: 1.0\r\n"))
        #expect(header.contains("\r\nAuto-Submitted: auto-generated\r\n"))
        let messageID = try #require(header.split(separator: "\r\n").first { $0.hasPrefix("Message-ID: ") })
        #expect(
            messageID.wholeMatch(of: /Message-ID: <1795329000\.[0-9a-f]{32}@ns-admin\.example>/) != nil,
            "\(messageID)")
        #expect(header.contains("Content-Type: multipart/alternative;\r\n boundary=\"=_alt_"))
    }

    @Test("Message-IDs are unique and the host is made a dot-atom")
    func messageIDs() {
        let ids = Set((0..<100).map { _ in EmailMessage.newMessageID(host: "ns admin@x", date: Self.date) })
        #expect(ids.count == 100)
        #expect(ids.allSatisfy { $0.hasSuffix("@ns-admin-x>") }, "\(ids.first ?? "")")
    }

    @Test("CRLF everywhere, ASCII only, no line over 78 characters", arguments: [false, true])
    func lines(withAttachment: Bool) {
        let long = String(repeating: "ns3 is behind on zone0001.example (serial 2026112203 < 2026112205); ", count: 8)
        let message = Self.message(
            subject: String(repeating: "very long subject words ", count: 8), text: long + "\nBlåbærsyltetøy ✓\n",
            html: "<p>" + long + "</p>",
            attachments: withAttachment ? [EmailAttachment(filename: "zones.txt", text: long + "\n")] : [])
        let wire = message.rendered()
        #expect(!wire.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "bare LF")
        #expect(!wire.replacingOccurrences(of: "\r\n", with: "").contains("\r"), "bare CR")
        #expect(wire.utf8.allSatisfy { $0 < 128 }, "non-ASCII byte on the wire")
        for line in wire.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 78, "line of \(line.utf8.count): \(line)")
        }
    }

    @Test("multipart/mixed wraps multipart/alternative when there is an attachment; boundaries differ")
    func structure() throws {
        let wire = Self.message(attachments: [EmailAttachment(filename: "zones.txt", text: "a.example\n")]).rendered()
        let boundaries = wire.matches(of: /boundary="([^"]+)"/).map { String($0.output.1) }
        #expect(boundaries.count == 2)
        #expect(boundaries[0].hasPrefix("=_mix_") && boundaries[1].hasPrefix("=_alt_"), "\(boundaries)")
        #expect(Set(boundaries).count == 2)
        #expect(Self.headerBlock(wire).contains("Content-Type: multipart/mixed;"))
        #expect(
            wire.contains("Content-Disposition: attachment;\r\n filename=\"zones.txt\"")
                || wire.contains(
                    "Content-Disposition: attachment; filename=\"zones.txt\"")
        )
        let other = Self.message().rendered()
        #expect(!other.contains(boundaries[1]), "boundaries repeat between messages")
        let plain = Self.message(html: nil).rendered()
        #expect(Self.headerBlock(plain).contains("Content-Type: text/plain; charset=utf-8"))
    }

    @Test("non-ASCII subject and sender name become RFC 2047 encoded words that decode back")
    func encodedWords() throws {
        let subject = "[zonecheck] KRITISCH: ns3 hängt bei 300 Zonen — «ç» ✓ " + String(repeating: "ü", count: 40)
        let words = HeaderField.encodedWords(subject)
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        let decoded = words.map { word -> String in
            let payload = word.dropFirst(10).dropLast(2)
            return String(decoding: Data(base64Encoded: String(payload)) ?? Data(), as: UTF8.self)
        }.joined()
        #expect(decoded == subject)
        let message = Self.message(subject: subject)
        var withName = message
        withName.fromName = "zonecheck på drift"
        let inspected = try MailInspection.inspect(text: withName.rendered())
        #expect(inspected.defects.isEmpty, "\(inspected.defects)")
        #expect(inspected.header("Subject") == subject)
        #expect(inspected.header("From") == "zonecheck på drift <zonecheck@example.com>")
        // ASCII text that looks like an encoded word is encoded too, so it is shown as written.
        #expect(HeaderField.unstructured("Subject", "=?UTF-8?B?QQ==?=").contains("=?UTF-8?B?PT9VVEYt"))
    }

    @Test("a display name with specials is quoted")
    func quotedName() {
        #expect(
            HeaderField.mailbox(name: "zonecheck (ns1, \"prod\")", address: "z@example.com")
                == "\"zonecheck (ns1, \\\"prod\\\")\" <z@example.com>")
    }

    @Test(
        "quoted-printable round trip",
        arguments: [
            "plain ASCII line\n", "a=b and trailing space \nand tab\t\n", "Blåbær ✓ 🐛 ÆØÅ\n",
            String(repeating: "x", count: 300) + "\n" + String(repeating: "é", count: 100),
            "From the start of a line\n.leading dot\n", "", "\n\n\n",
        ])
    func quotedPrintable(text: String) {
        let encoded = QuotedPrintable.encode(text)
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "\(line)")
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"), "trailing white space survives: \(line)")
            #expect(!line.hasPrefix("From "))
        }
        #expect(Self.decodeQuotedPrintable(encoded) == text)
    }

    @Test("base64 bodies round trip in 76-character lines", arguments: [0, 1, 2, 3, 57, 58, 1000])
    func base64(count: Int) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let encoded = Base64.encodeLines(bytes)
        #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(Data(base64Encoded: encoded.replacingOccurrences(of: "\r\n", with: "")) == Data(bytes))
    }

    @Test("dot-stuffing doubles a leading dot and ends the data with CRLF.CRLF")
    func dotStuffing() {
        #expect(DotStuffing.stuff("a\r\n.\r\n..b\r\nc.\r\n") == "a\r\n..\r\n...b\r\nc.\r\n.\r\n")
        #expect(DotStuffing.stuff("no final line end") == "no final line end\r\n.\r\n")
    }

    @Test("SMTP replies: single, multi-line, extensions, garbage")
    func replies() throws {
        var lines = ["250-mail.example Hello", "250-STARTTLS", "250-AUTH PLAIN login", "250 SIZE 1000"][...]
        let reply = try SMTPReply.read(server: "mail:587") { () throws(MailError) -> String? in lines.popFirst() }
        #expect(reply.code == 250 && reply.lines.count == 4)
        #expect(reply.extensions["AUTH"] == ["PLAIN", "LOGIN"] && reply.extensions["STARTTLS"] == [])
        var garbage = ["HTTP/1.1 400 Bad Request"][...]
        #expect(throws: MailError.self) {
            try SMTPReply.read(server: "mail:587") { () throws(MailError) -> String? in garbage.popFirst() }
        }
        var closed: ArraySlice<String> = ["220-hello"]
        do {
            _ = try SMTPReply.read(server: "mail:587") { () throws(MailError) -> String? in closed.popFirst() }
            Issue.record("a reply cut short was accepted")
        } catch {
            #expect(error.code == .protocolViolation && error.message.contains("mail:587"))
        }
    }

    @Test("RFC 5322 dates in English and UTC")
    func dates() {
        #expect(MessageDate.format(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MessageDate.format(Self.date) == "Sun, 22 Nov 2026 06:30:00 +0000")
    }

    @Test("Python's email parser reads the rendered message without defects")
    func independentReader() throws {
        let zones = (1...300).map { "zone\($0).example" }.joined(separator: "\n") + "\n"
        let message = Self.message(
            text: "ns3 is behind on 300 zones\n\n.leading dot\nBlåbær = 3\n",
            html: "<table><tr><td>ns3</td><td>CRITICAL</td></tr></table>",
            attachments: [EmailAttachment(filename: "incident-42-zones.txt", text: zones)])
        let inspected = try MailInspection.inspect(text: message.rendered())
        #expect(inspected.defects.isEmpty, "\(inspected.defects)")
        #expect(inspected.content_type == "multipart/mixed")
        #expect(
            inspected.parts.map(\.content_type) == [
                "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/plain",
            ])
        #expect(inspected.parts[2].content?.replacingOccurrences(of: "\r\n", with: "\n") == message.text)
        #expect(inspected.parts[4].filename == "incident-42-zones.txt")
        #expect(inspected.parts[4].content?.replacingOccurrences(of: "\r\n", with: "\n") == zones)
        #expect(inspected.part("text/html")?.html_tables == [[["ns3", "CRITICAL"]]])
    }

    @Test("the sendmail form has LF line ends and the same content")
    func sendmailForm() {
        let message = Self.message()
        let local = message.renderedForSendmail()
        #expect(!local.contains("\r"))
        #expect(local.hasPrefix("Date: Sun, 22 Nov 2026 06:30:00 +0000\nFrom: "))
    }

    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let lines = text.components(separatedBy: "\r\n")
        for (index, line) in lines.enumerated() {
            var characters = Array(line.utf8)
            var soft = false
            if characters.last == UInt8(ascii: "=") {
                soft = true
                characters.removeLast()
            }
            var position = 0
            while position < characters.count {
                if characters[position] == UInt8(ascii: "="), position + 2 < characters.count + 0,
                    let value = UInt8(
                        String(decoding: characters[(position + 1)...(position + 2)], as: UTF8.self), radix: 16)
                {
                    bytes.append(value)
                    position += 3
                } else {
                    bytes.append(characters[position])
                    position += 1
                }
            }
            if !soft && index < lines.count - 1 { bytes.append(UInt8(ascii: "\n")) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
