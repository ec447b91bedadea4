/* outfile.c: output files written whole or not at all (outfile.h). */
#include "base/outfile.h"
#include "base/mem.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    const char *slash = strrchr(path, '/');
    char *dir = slash ? mem_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : mem_strndup(".", 1);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    mem_free(dir);
}

static void release(OutFile *o)
{
    mem_free(o->tmp);
    mem_free(o->path);
    o->f = NULL;
    o->tmp = o->path = NULL;
}

FILE *outfile_open(OutFile *o, const char *path, char *why, size_t whycap)
{
    static const char suffix[] = ".tmp.XXXXXX";
    size_t plen = strlen(path);
    o->path = mem_strndup(path, plen);
    o->tmp = mem_alloc(plen + sizeof suffix);
    memcpy(o->tmp, path, plen);
    memcpy(o->tmp + plen, suffix, sizeof suffix);
    int fd = mkstemp(o->tmp);
    if (fd < 0 || fchmod(fd, create_mode()) != 0 || !(o->f = fdopen(fd, "wb"))) {
        snprintf(why, whycap, "%s: cannot create a temporary file beside it: %s", path, strerror(errno));
        if (fd >= 0) { close(fd); unlink(o->tmp); }
        release(o);
        return NULL;
    }
    return o->f;
}

bool outfile_commit(OutFile *o, char *why, size_t whycap)
{
    bool ok = fflush(o->f) == 0 && !ferror(o->f) && fsync(fileno(o->f)) == 0;
    int err = errno;
    if (fclose(o->f) != 0 && ok) { ok = false; err = errno; }
    if (ok && rename(o->tmp, o->path) != 0) { ok = false; err = errno; }
    if (!ok) {
        snprintf(why, whycap, "%s: cannot write: %s", o->path, strerror(err));
        unlink(o->tmp);
    } else {
        sync_folder(o->path);
    }
    release(o);
    return ok;
}

void outfile_abort(OutFile *o)
{
    if (!o->f) return;
    fclose(o->f);
    unlink(o->tmp);
    release(o);
}
