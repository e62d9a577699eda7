import CFuzzerDriver

#if canImport(Glibc)
    import Glibc
#endif

// The entry point SwiftPM links in place of libFuzzer's main: hand the command line to libFuzzer.
exit(zonecheck_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv))
