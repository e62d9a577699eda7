import Glibc

// wan-relay: a long, lossy link in front of one name server, on loopback (Options.usage, docs/development.md).

func say(_ text: String, to fd: Int32) {
    var text = text
    text.withUTF8 { _ = write(fd, $0.baseAddress, $0.count) }
}

let options: Options
do {
    guard let parsed = try Options.parse(Array(CommandLine.arguments.dropFirst())) else {
        say(Options.usage + "\n", to: 1)
        exit(0)
    }
    options = parsed
} catch {
    say("wan-relay: \(error)\n\n\(Options.usage)\n", to: 2)
    exit(2)
}

do {
    let relay = try Relay(options)
    say("ready\n", to: 1)
    relay.run()
    if let path = options.statsPath,
        !relay.counters.write(
            to: path, rttMilliseconds: options.rttMilliseconds, loss: options.loss, realtime: relay.realtime)
    {
        say("wan-relay: could not write the counters to \(path): \(String(cString: strerror(errno)))\n", to: 2)
        exit(1)
    }
} catch {
    say("wan-relay: \(options.listen.description): \(error)\n", to: 2)
    exit(1)
}
