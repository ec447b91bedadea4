/* bench/make/count_lines.c: the floor of `make bench` (issue 17). Counts the
 * lines of a file on two threads, each reading half with pread into its own
 * buffer and counting newlines with memchr, and prints the count. Nothing is
 * parsed: this is about the least any tool must do to read every row, so
 * the bench can show how far each one is from what the machine allows.
 *
 *   bench/make/count_lines FILE
 *
 * Standalone (libc and pthreads only), so it measures the machine, not
 * Pledge. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { BUF = 1 << 20 };

typedef struct {
    int fd;
    off_t from, to;
    unsigned long long lines;
    int err;                    /* errno of a failed read, or 0 */
} Half;

static void *count(void *arg)
{
    Half *h = arg;
    char *buf = malloc(BUF);
    if (!buf) {
        h->err = ENOMEM;
        return NULL;
    }
    for (off_t at = h->from; at < h->to;) {
        size_t want = (size_t)(h->to - at < BUF ? h->to - at : BUF);
        ssize_t got = pread(h->fd, buf, want, at);
        if (got <= 0) {
            h->err = got < 0 ? errno : EIO;     /* the file shrank */
            break;
        }
        for (const char *p = buf, *end = buf + got; (p = memchr(p, '\n', (size_t)(end - p))); p++)
            h->lines++;
        at += got;
    }
    free(buf);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: count_lines FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "count_lines: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    /* each newline lies in exactly one half, so the halves need no alignment */
    Half h[2] = { { fd, 0, st.st_size / 2, 0, 0 }, { fd, st.st_size / 2, st.st_size, 0, 0 } };
    pthread_t t;
    if (pthread_create(&t, NULL, count, &h[1]) != 0) {
        fprintf(stderr, "count_lines: cannot start a thread\n");
        return 1;
    }
    count(&h[0]);
    pthread_join(t, NULL);
    for (int i = 0; i < 2; i++)
        if (h[i].err) {
            fprintf(stderr, "count_lines: %s: %s\n", argv[1], strerror(h[i].err));
            return 1;
        }
    /* a last line without a newline is a line too */
    unsigned long long lines = h[0].lines + h[1].lines;
    if (st.st_size > 0) {
        char last;
        if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
            lines++;
    }
    printf("%llu\n", lines);
    close(fd);
    return 0;
}
