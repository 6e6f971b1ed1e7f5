/* fuzz_frames.h — what the two protocol fuzz targets share (tests/fuzz_host.c: responses to the
 * host, tests/fuzz_proto.c: requests to the device): the fix-up that rewrites the CRC-16 of every
 * frame with a sane header, so that mutations get past the CRC check. Header-only, like
 * fuzz_util.h; needs host/host.h (the frame layout of docs/protocol.md). */
#ifndef Q2_FUZZ_FRAMES_H
#define Q2_FUZZ_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "base/util.h"

/* Walk b: where sane(frame, len) holds for the bytes at i (len: the header's length field) and the
 * whole frame fits, rewrite its CRC-16 and go on after it; elsewhere go on at the next byte. */
__attribute__((unused)) static void fuzz_fix_crc16s(uint8_t *b, size_t n, bool (*sane)(const uint8_t *frame, size_t len))
{
    for (size_t i = 0; i + Q2P_HDR <= n;) {
        size_t len = q2_rd16(b + i + 3);
        if (sane(b + i, len) && i + len + Q2P_OVERHEAD <= n) {
            q2_wr16(b + i + Q2P_HDR + len, q2_crc16_update(0xFFFF, b + i + 1, len + 4));
            i += len + Q2P_OVERHEAD;
        } else {
            i++;
        }
    }
}

#endif
