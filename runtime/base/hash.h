/* hash.h: the one hash of bytes for Pledge's tables (names, organisation
 * codes, feed keys, bytecode strings): 64-bit FNV-1a, whose constants are
 * published (offset basis 14695981039346656037, prime 1099511628211). Not
 * for provenance: that is SHA-256 (sha256.h). Inline: it runs once or
 * twice for each row a feed loads. */
#ifndef PLEDGE_HASH_H
#define PLEDGE_HASH_H
#include <stddef.h>
#include <stdint.h>

#define HASH_FNV_OFFSET 14695981039346656037u
#define HASH_FNV_PRIME  1099511628211u

static inline uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = HASH_FNV_OFFSET;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * HASH_FNV_PRIME;
    return h;
}

#endif
