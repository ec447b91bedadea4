/* sha256.c: SHA-256 through GNU Nettle, a small maintained library that,
 * unlike OpenSSL's libcrypto, does no work when the program starts: every
 * `pledge` run would otherwise pay for libcrypto's initialisation. */
#include "base/sha256.h"
#include <nettle/sha2.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

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

bool sha256_file(const char *path, uint8_t out[32]) { return sha256_file_until(path, out, NULL); }

bool sha256_file_until(const char *path, uint8_t out[32], const atomic_bool *stop)
{
    /* a regular file only: a manifest naming /dev/zero or a FIFO would
     * otherwise be read for ever, or wait for a writer (O_NONBLOCK). Asked
     * before opening, too: a FIFO a feed is being loaded from, opened and
     * closed here, would let its writer go on before the loader opens it,
     * and get SIGPIPE. */
    struct stat st;
    if (stat(path, &st) != 0) return false;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return false;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return false;
    int err = 0;
    if (fstat(fd, &st) != 0) err = errno;
    else if (!S_ISREG(st.st_mode)) err = EINVAL;
    FILE *f = err ? NULL : fdopen(fd, "rb");
    if (!f) {
        if (!err) err = errno;
        close(fd);
        errno = err;
        return false;
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    uint8_t buf[1 << 16];
    size_t n;
    bool stopped = false;
    while (!(stopped = stop && atomic_load_explicit(stop, memory_order_relaxed)) && (n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&ctx, n, buf);
    bool ok = !stopped && !ferror(f);
    fclose(f);
    if (stopped) errno = ECANCELED;
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
    return ok;
}
