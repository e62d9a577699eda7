#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver on the target's LLVMFuzzerTestOneInput.
///
/// SwiftPM links an executable with `--defsym main=<module>_main`, which shadows libFuzzer's own
/// `main`: each target's main.swift calls this instead, and the driver (LLVMFuzzerRunDriver, part of
/// libFuzzer since LLVM 11) takes the command line as libFuzzer's main would.
int zonecheck_fuzz_main(int argc, char **argv);
#endif
