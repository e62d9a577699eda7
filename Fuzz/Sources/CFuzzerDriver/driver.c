#include "CFuzzerDriver.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int zonecheck_fuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static uint32_t next_random(uint32_t *state) {
    // xorshift32: libFuzzer hands a seed per call, so the mutation is reproducible from it.
    uint32_t x = *state ? *state : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

size_t zonecheck_mutate_dns(uint8_t *data, size_t size, size_t max_size, unsigned int seed, size_t skip) {
    uint32_t state = seed;
    uint32_t choice = next_random(&state) % 8;
    if (choice < 4 || size <= skip + 14) return LLVMFuzzerMutate(data, size, max_size);
    size_t body = size - skip;
    uint8_t *message = data + skip;
    size_t at = 12 + next_random(&state) % (body - 13);
    switch (choice) {
    case 4: {
        // A compression pointer: mostly backwards (where decompression reads), sometimes at or past itself.
        size_t target = next_random(&state) % (at + 2);
        if (next_random(&state) % 4 == 0) target = at + next_random(&state) % 64;
        message[at] = (uint8_t)(0xC0 | ((target >> 8) & 0x3F));
        message[at + 1] = (uint8_t)(target & 0xFF);
        return size;
    }
    case 5: {
        // A 16-bit length or count (RDLENGTH, a TCP length prefix, a section count) at a limit.
        static const uint16_t limits[] = {0, 1, 2, 17, 18, 19, 63, 64, 255, 256, 0x3FFF, 0x4000, 0xFFFE, 0xFFFF};
        uint16_t value = limits[next_random(&state) % (sizeof limits / sizeof limits[0])];
        if (next_random(&state) % 3 == 0) value = (uint16_t)(body - at);
        message[at] = (uint8_t)(value >> 8);
        message[at + 1] = (uint8_t)(value & 0xFF);
        return size;
    }
    case 6: {
        // A label length at its edge, or a label type that is not 00 or 11.
        static const uint8_t bytes[] = {0, 1, 62, 63, 64, 0x40, 0x80, 0xC0};
        message[at] = bytes[next_random(&state) % sizeof bytes];
        return size;
    }
    default: {
        // Grow: repeat a chunk until the input nears `max_size`, so that 64 KiB messages and long
        // multi-message streams are reached without waiting for libFuzzer's slow growth.
        if (size >= max_size) return LLVMFuzzerMutate(data, size, max_size);
        size_t start = skip + next_random(&state) % body;
        size_t length = 1 + next_random(&state) % (size - start);
        size_t room = max_size - size;
        size_t goal = room / 2 + next_random(&state) % (room / 2 + 1);
        size_t written = 0;
        while (written + length <= goal) {
            for (size_t k = 0; k < length; k++) data[size + written + k] = data[start + k];
            written += length;
        }
        return size + written;
    }
    }
}
