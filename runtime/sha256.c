/* sha256.c: SHA-256 through GNU Nettle, a small maintained library that,
 * unlike OpenSSL's libcrypto, does no work when the program starts: every
 * `pledge` run would otherwise pay for libcrypto's initialisation. */
#include "sha256.h"
#include <nettle/sha2.h>

void sha256(const void *data, size_t len, uint8_t out[32])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

void sha256_hex(const uint8_t digest[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
}
