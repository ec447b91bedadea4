/* outfile.h: output files written whole or not at all (spec §9), without
 * ever changing the type of what was at the path. Every file Pledge writes
 * goes through here (-o, --manifest, pledge fmt's rewrite, .plb files);
 * the archive alone is a database SQLite updates in place.
 *
 * What is at the path decides how it is written:
 *   - a regular file, or nothing: a temporary file beside it, which
 *     outfile_commit flushes, fsyncs and renames into place. The new file
 *     keeps the old one's mode (a 0600 file stays 0600) and, as root, its
 *     owner; a new one gets 0666 less the umask. A run that fails or is
 *     killed half way leaves the path as it was (and at worst a stray
 *     PATH.tmp.XXXXXX).
 *   - a symbolic link: followed, link by link, and its final target
 *     written as above; the link stays a link (a dangling one gets its
 *     target created).
 *   - /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: that open
 *     descriptor, duplicated, so the reader gets the bytes.
 *   - anything else (a character device, a FIFO): opened for writing where
 *     it is, no temporary, no rename; not whole-or-nothing, since a device
 *     or a pipe cannot be swapped. A FIFO waits for its reader. */
#ifndef PLEDGE_OUTFILE_H
#define PLEDGE_OUTFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct OutFile {
    FILE *f;
    char *path;                 /* as given, for messages */
    char *target;               /* path with its symbolic links followed */
    char *tmp;                  /* the temporary beside target; NULL when written in place */
    struct MemHold *hold;       /* f and tmp: running out of memory while open removes the temporary */
} OutFile;

/* Opens the temporary file (or the device, FIFO or descriptor): NULL, with
 * why saying so, when it cannot. */
FILE *outfile_open(OutFile *o, const char *path, char *why, size_t whycap);
/* Flushes, syncs and renames; false (and the temporary removed) on any error. */
bool  outfile_commit(OutFile *o, char *why, size_t whycap);
/* Gives up: the temporary is removed, the destination untouched (bytes
 * already written to a device or FIFO cannot be taken back). */
void  outfile_abort(OutFile *o);

#endif
