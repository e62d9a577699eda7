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

/// libFuzzer's custom mutator for the wire targets: half the time libFuzzer's own mutation, else one
/// aimed at the codec's limits (a compression pointer, a 16-bit length or count at an edge, a label
/// length at its edge, or growth towards `max_size` by repeating a chunk). `skip` leading octets (the
/// AXFR target's mode octet) are left alone.
size_t zonecheck_mutate_dns(uint8_t *data, size_t size, size_t max_size, unsigned int seed, size_t skip);
#endif
