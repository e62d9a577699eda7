/// Why a command stopped, with its monitoring-plugin exit code (docs/architecture.md): `unknown` (3) when it
/// could not do its work (bad configuration or arguments, no socket, no zone, unreadable state), `critical`
/// (2) when it did and what it found or did is not right (a repair refused, an audit log it cannot write).
/// The message is the one line the command ends with on stderr: it names the file, zone or server and the
/// next step.
public enum CommandFailure: Error, Sendable, CustomStringConvertible {
    case unknown(String)
    case critical(String)

    public var message: String {
        switch self {
        case .unknown(let text), .critical(let text): text
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .unknown: 3
        case .critical: 2
        }
    }

    public var description: String { message }
}
