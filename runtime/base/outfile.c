/* outfile.c: output files written whole or not at all, never changing the
 * type of what was at the path (outfile.h). */
#include "base/outfile.h"
#include "base/mem.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif
/* As the kernel does (Linux's MAXSYMLINKS): a longer chain is a loop. */
#define MAX_LINKS 40

/* The mode a plain open(O_CREAT, 0666) would give: mkstemp makes 0600.
 * (Reading the umask means setting it for a moment, before any thread.) */
static mode_t create_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* Makes the rename itself durable; a failure here loses nothing written. */
static void sync_folder(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 0;
    if (n >= sizeof dir) return;
    if (n) memcpy(dir, path, n);
    else dir[n++] = '.';
    dir[n] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* /dev/stdout, /dev/fd/N and the like name a descriptor this process has
 * open, not a file: reopening one by path would lose its offset and
 * O_APPEND, and replacing what it leads to would cut the reader off. The
 * descriptor, or -1 for any other name. */
static int descriptor_named(const char *p)
{
    if (strcmp(p, "/dev/stdout") == 0) return 1;
    if (strcmp(p, "/dev/stderr") == 0) return 2;
    const char *n = strncmp(p, "/dev/fd/", 8) == 0 ? p + 8
                  : strncmp(p, "/proc/self/fd/", 14) == 0 ? p + 14 : NULL;
    if (!n || !*n || strlen(n) > 6 || strspn(n, "0123456789") != strlen(n)) return -1;
    return atoi(n);
}

typedef enum { OUT_NEW, OUT_REGULAR, OUT_OTHER, OUT_DESCRIPTOR, OUT_ERROR } OutKind;

/* What a write to path would reach, its symbolic links followed one by
 * one (not realpath: a dangling link is a file to create): the final name
 * in target (PATH_MAX bytes), its status in *st, the descriptor in *fd.
 * OUT_ERROR with errno set when the chain cannot be followed. */
static OutKind resolve(const char *path, char *target, struct stat *st, int *fd)
{
    size_t len = strlen(path);
    if (len >= PATH_MAX) { errno = ENAMETOOLONG; return OUT_ERROR; }
    memcpy(target, path, len + 1);
    for (int hops = 0;; hops++) {
        if ((*fd = descriptor_named(target)) >= 0) return OUT_DESCRIPTOR;
        if (lstat(target, st) != 0) return errno == ENOENT ? OUT_NEW : OUT_ERROR;
        if (S_ISREG(st->st_mode)) return OUT_REGULAR;
        if (!S_ISLNK(st->st_mode)) return OUT_OTHER;
        if (hops == MAX_LINKS) { errno = ELOOP; return OUT_ERROR; }
        char link[PATH_MAX];
        ssize_t n = readlink(target, link, sizeof link - 1);
        if (n < 0) return OUT_ERROR;
        link[n] = '\0';
        /* a relative link is relative to the folder it is in */
        const char *slash = strrchr(target, '/');
        size_t dir = link[0] == '/' || !slash ? 0 : (size_t)(slash - target) + 1;
        if (dir + (size_t)n >= PATH_MAX) { errno = ENAMETOOLONG; return OUT_ERROR; }
        memcpy(target + dir, link, (size_t)n + 1);
    }
}

/* Gives back what o->hold still has (the stream, the temporary). */
static void release(OutFile *o)
{
    mem_release(o->hold);
    o->hold = NULL;
    mem_free(o->path);          /* target and tmp share its block */
    o->f = NULL;
    o->path = o->target = o->tmp = NULL;
}

/* The temporary file beside o->target, with the mode (and, where allowed,
 * the owner) of the file it will replace; a descriptor or -1. */
static int make_temporary(OutFile *o, OutKind kind, const struct stat *st)
{
    int fd = mkstemp(o->tmp);
    if (fd < 0) return -1;
    if (kind == OUT_REGULAR && (st->st_uid != geteuid() || st->st_gid != getegid()))
        if (fchown(fd, st->st_uid, st->st_gid) != 0) {
            /* only root may give a file away: otherwise it is ours */
        }
    /* after fchown, which clears set-user-ID and set-group-ID bits */
    mode_t mode = kind == OUT_REGULAR ? st->st_mode & 07777 : create_mode();
    if (fchmod(fd, mode) != 0) {
        int err = errno;
        close(fd);
        unlink(o->tmp);
        errno = err;
        return -1;
    }
    return fd;
}

FILE *outfile_open(OutFile *o, const char *path, char *why, size_t whycap)
{
    static const char suffix[] = ".tmp.XXXXXX";
    char target[PATH_MAX];
    struct stat st;
    int fd = -1;
    memset(o, 0, sizeof *o);
    OutKind kind = resolve(path, target, &st, &fd);
    if (kind == OUT_ERROR) {
        snprintf(why, whycap, "%s: cannot write: %s", path, strerror(errno));
        return NULL;
    }
    bool replace = kind == OUT_NEW || kind == OUT_REGULAR;

    /* One block for the three names, taken before any descriptor is open:
     * running out of memory jumps out of here and must leak nothing. */
    size_t plen = strlen(path), tlen = strlen(target);
    o->path = mem_alloc(plen + 1 + tlen + 1 + (replace ? tlen + sizeof suffix : 0));
    memcpy(o->path, path, plen + 1);
    o->target = o->path + plen + 1;
    memcpy(o->target, target, tlen + 1);
    if (replace) {
        o->tmp = o->target + tlen + 1;
        memcpy(o->tmp, target, tlen);
        memcpy(o->tmp + tlen, suffix, sizeof suffix);
    }
    o->hold = mem_hold();

    const char *doing;
    if (replace) {
        doing = "cannot create a temporary file beside it";
        fd = make_temporary(o, kind, &st);
    } else if (kind == OUT_DESCRIPTOR) {
        doing = "cannot write";
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    } else {
        /* a device, a FIFO: written where it is; O_NONBLOCK is not used,
         * so a FIFO waits for its reader as any writer would */
        doing = "cannot write";
        fd = open(target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    }
    if (fd >= 0) {
        o->hold->fd = fd;
        o->hold->remove = o->tmp;
        if ((o->f = o->hold->file = fdopen(fd, "wb"))) o->hold->fd = -1;
    }
    if (!o->f) {
        snprintf(why, whycap, "%s: %s: %s", path, doing, strerror(errno));
        release(o);             /* closed, and the temporary removed */
        return NULL;
    }
    return o->f;
}

bool outfile_commit(OutFile *o, char *why, size_t whycap)
{
    bool ok = fflush(o->f) == 0 && !ferror(o->f);
    int err = errno;
    /* fsync is for the file about to be renamed; a device or pipe may not
     * support it and has nothing to make durable */
    if (ok && o->tmp && fsync(fileno(o->f)) != 0) { ok = false; err = errno; }
    if (fclose(o->f) != 0 && ok) { ok = false; err = errno; }
    o->hold->file = NULL;
    if (ok && o->tmp && rename(o->tmp, o->target) != 0) { ok = false; err = errno; }
    if (!ok) {
        snprintf(why, whycap, "%s: cannot write: %s", o->path, strerror(err));
    } else if (o->tmp) {
        o->hold->remove = NULL;     /* it is the target now */
        sync_folder(o->target);
    }
    release(o);                     /* a temporary not renamed is removed */
    return ok;
}

void outfile_abort(OutFile *o)
{
    if (o->f) release(o);           /* closed, and the temporary removed */
}
