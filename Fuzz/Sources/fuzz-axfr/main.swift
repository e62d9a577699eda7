import CFuzzerDriver

#if canImport(Glibc)
    import Glibc
#endif

// `fuzz-axfr --write-seeds DIR` writes the synthetic signed streams (signed with the target's own
// made-up key, which captured traffic cannot be); anything else goes to libFuzzer.
if CommandLine.arguments.count == 3 && CommandLine.arguments[1] == "--write-seeds" {
    for (name, bytes) in AXFRFuzzKey.seeds() {
        let path = CommandLine.arguments[2] + "/" + name
        guard let file = fopen(path, "wb") else { exit(1) }
        _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }
    exit(0)
}
// The entry point SwiftPM links in place of libFuzzer's main: hand the command line to libFuzzer.
exit(zonecheck_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv))
