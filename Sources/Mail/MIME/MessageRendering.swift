import Foundation

extension EmailMessage {
    /// The message as it goes on the wire (RFC 5322 with MIME, RFC 2045-2047): CRLF line ends, ASCII only,
    /// header lines folded at 78 characters, body lines at most 76 (quoted-printable or base64).
    ///
    /// Shape: `multipart/alternative` (text/plain, then text/html: clients show the last part they can) when
    /// there is HTML; wrapped in `multipart/mixed` with the attachments after it when there are attachments;
    /// a single text/plain part when there is neither. Boundaries start with "=_", which neither
    /// quoted-printable nor base64 can produce, and carry a random part, so they never occur in the content.
    public func rendered() -> String {
        var lines = [
            HeaderField.unstructured("Date", MessageDate.format(date)),
            HeaderField.list("From", [HeaderField.mailbox(name: fromName, address: from)]),
            HeaderField.list("To", to),
            HeaderField.unstructured("Subject", subject),
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            // RFC 3834 section 5: machine-generated, so vacation responders and the like stay quiet.
            "Auto-Submitted: auto-generated",
        ]
        for header in extraHeaders {
            lines.append(HeaderField.unstructured(header.name, header.value))
        }
        let body = bodyEntity()
        return (lines + body.headers).joined(separator: "\r\n") + "\r\n\r\n" + body.content + "\r\n"
    }

    /// The rendered message with "\n" line ends, as a local `sendmail` reads it on standard input.
    public func renderedForSendmail() -> String {
        rendered().replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// The address for SMTP `MAIL FROM` (RFC 5321 section 4.1.1.2).
    public var envelopeSender: String { from }

    private func bodyEntity() -> MIMEEntity {
        let random = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let textPart = MIMEEntity.text(text, subtype: "plain")
        var main = textPart
        if let html {
            main = MIMEEntity.multipart(
                "alternative", boundary: "=_alt_\(random)", parts: [textPart, MIMEEntity.text(html, subtype: "html")])
        }
        guard !attachments.isEmpty else { return main }
        return MIMEEntity.multipart(
            "mixed", boundary: "=_mix_\(random)", parts: [main] + attachments.map(MIMEEntity.attachment))
    }
}

/// One MIME entity (RFC 2045 section 2.4): its content header lines and its encoded content.
struct MIMEEntity {
    var headers: [String]
    var content: String

    static func text(_ text: String, subtype: String) -> MIMEEntity {
        MIMEEntity(
            headers: [
                "Content-Type: text/\(subtype); charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
            ],
            content: QuotedPrintable.encode(text))
    }

    static func attachment(_ attachment: EmailAttachment) -> MIMEEntity {
        let name = attachment.filename.replacingOccurrences(of: "\\", with: "_").replacingOccurrences(
            of: "\"", with: "_")
        let isText = attachment.contentType.lowercased().hasPrefix("text/")
        let utf8 = isText ? String(data: attachment.content, encoding: .utf8) : nil
        let type = attachment.contentType + (utf8 != nil ? "; charset=utf-8" : "")
        return MIMEEntity(
            headers: [
                HeaderField.fold("Content-Type", words: ["\(type);", "name=\"\(name)\""]),
                HeaderField.fold("Content-Disposition", words: ["attachment;", "filename=\"\(name)\""]),
                "Content-Transfer-Encoding: " + (utf8 != nil ? "quoted-printable" : "base64"),
            ],
            content: utf8.map(QuotedPrintable.encode) ?? Base64.encodeLines(Array(attachment.content)))
    }

    /// RFC 2046 section 5.1.1: each part after "--boundary", the whole closed by "--boundary--".
    static func multipart(_ subtype: String, boundary: String, parts: [MIMEEntity]) -> MIMEEntity {
        var body = ""
        for part in parts {
            body += "--\(boundary)\r\n" + part.headers.joined(separator: "\r\n") + "\r\n\r\n" + part.content + "\r\n"
        }
        body += "--\(boundary)--"
        return MIMEEntity(headers: ["Content-Type: multipart/\(subtype);\r\n boundary=\"\(boundary)\""], content: body)
    }
}
