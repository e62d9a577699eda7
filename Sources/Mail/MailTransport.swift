/// Something that delivers a message: the local sendmail program, or an SMTP relay. Tests use the real
/// ones against a real SMTP server; nothing in zonecheck needs another.
public protocol MailTransport: Sendable {
    /// Hands `message` over for delivery; throws `MailError` (naming the program or server, what it
    /// answered, and what to do) when it was not accepted.
    func send(_ message: EmailMessage) async throws
}

/// Why a message was not sent: a stable code and a sentence an administrator can act on. Never contains a
/// password (the SMTP transport removes it from anything a server echoes back).
public struct MailError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// Settings that cannot work (missing credentials file, unreadable CA file, bad command line).
        case configuration
        /// The sendmail program could not be started or exited with an error.
        case program
        /// No TCP connection to the relay.
        case connect
        /// The relay did not answer in time.
        case timeout
        /// STARTTLS unavailable, handshake failed, or the certificate was not trusted.
        case tls
        /// The relay refused the credentials.
        case authentication
        /// The relay refused the sender, a recipient or the message.
        case rejected
        /// The relay answered something that is not SMTP, or closed the connection.
        case protocolViolation = "protocol"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
