public import Foundation

/// One email as zonecheck writes it: who, what, when, a plain-text body, optionally an HTML version of the
/// same content and attachments. `rendered()` turns it into RFC 5322 text with MIME parts (RFC 2045-2047).
public struct EmailMessage: Sendable, Equatable {
    /// The sender's address (`zonecheck@example.com`), used for the From header and the SMTP envelope.
    public var from: String
    /// Shown before the sender's address (`"zonecheck on ns-admin" <zonecheck@example.com>`); may be non-ASCII.
    public var fromName: String?
    /// Recipient addresses, bare (`hostmaster@example.com`).
    public var to: [String]
    /// One line; non-ASCII is written as RFC 2047 encoded words.
    public var subject: String
    public var date: Date
    /// With its angle brackets: `<...@host>` (RFC 5322 section 3.6.4).
    public var messageID: String
    /// The plain-text body, lines separated by "\n" (written as CRLF, quoted-printable).
    public var text: String
    /// The same content as HTML; nil sends a single text/plain part.
    public var html: String?
    public var attachments: [EmailAttachment]
    /// Further header fields, in order, e.g. ("X-Zonecheck-Host", "ns-admin"). Names must be ASCII
    /// without spaces or colons; values may be non-ASCII (then encoded).
    public var extraHeaders: [EmailHeader]

    public init(
        from: String, fromName: String? = nil, to: [String], subject: String, date: Date, messageID: String,
        text: String, html: String? = nil, attachments: [EmailAttachment] = [], extraHeaders: [EmailHeader] = []
    ) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.text = text
        self.html = html
        self.attachments = attachments
        self.extraHeaders = extraHeaders
    }

    /// A new globally unique Message-ID (RFC 5322 section 3.6.4): `<time.random@host>`, the host made a valid
    /// dot-atom (characters outside letters, digits and `-.` become `-`).
    public static func newMessageID(host: String, date: Date = Date()) -> String {
        let random = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let seconds = Int64(date.timeIntervalSince1970)
        return "<\(seconds).\(random)@\(MessageHost.dotAtom(host))>"
    }
}

/// A file sent with the message, e.g. the full list of zones an alert is about.
public struct EmailAttachment: Sendable, Equatable {
    /// Shown to the reader; ASCII letters, digits and `._-` keep it portable.
    public var filename: String
    /// MIME type without parameters: `text/plain`, `text/csv`, `application/json`.
    public var contentType: String
    public var content: Data

    public init(filename: String, contentType: String = "text/plain", content: Data) {
        self.filename = filename
        self.contentType = contentType
        self.content = content
    }

    /// A UTF-8 text attachment (lines separated by "\n").
    public init(filename: String, text: String, contentType: String = "text/plain") {
        self.init(filename: filename, contentType: contentType, content: Data(text.utf8))
    }
}

/// One header field beyond the ones every message has.
public struct EmailHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

enum MessageHost {
    static func dotAtom(_ host: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
        let cleaned = String(host.map { allowed.contains($0) ? $0 : "-" })
            .split(separator: ".", omittingEmptySubsequences: true).joined(separator: ".")
        return cleaned.isEmpty ? "localhost" : cleaned
    }
}
