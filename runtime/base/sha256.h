/* sha256.h: SHA-256 digests, through GNU Nettle (a maintained library,
 * rather than our own copy of the algorithm). */
#ifndef PLEDGE_SHA256_H
#define PLEDGE_SHA256_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdatomic.h>

void sha256(const void *data, size_t len, uint8_t out[32]);
/* The digest of a whole regular file; false if it cannot be read (errno
 * says why: EINVAL when it is not a regular file, such as a FIFO or device). */
bool sha256_file(const char *path, uint8_t out[32]);
/* The same, given up (false, errno ECANCELED) once *stop is set by another
 * thread: a digest no longer wanted is not read to the end. */
bool sha256_file_until(const char *path, uint8_t out[32], const atomic_bool *stop);
/* 64 lowercase hex digits and a NUL */
void sha256_hex(const uint8_t digest[32], char out[65]);

#endif
