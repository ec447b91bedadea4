/* sha256.c: SHA-256 digests via libcrypto's one-shot EVP_Digest. */
#include "sha256.h"
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

void sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) || n != 32) {
        /* only a broken libcrypto fails here; a wrong digest would be worse than stopping */
        fputs("pledge: internal error: SHA-256 failed\n", stderr);
        exit(5);
    }
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
