/* outfile.h: output files written whole or not at all (spec §9).
 *
 * Everything goes to a temporary file beside the destination; only
 * outfile_commit, once every byte is written and synced, renames it into
 * place. A run that fails or is killed half way leaves the destination as
 * it was (and at worst a stray PATH.tmp.XXXXXX). */
#ifndef PLEDGE_OUTFILE_H
#define PLEDGE_OUTFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct OutFile { FILE *f; char *tmp, *path; } OutFile;

/* Opens the temporary file: NULL, with why saying so, when it cannot. */
FILE *outfile_open(OutFile *o, const char *path, char *why, size_t whycap);
/* Flushes, syncs and renames; false (and the temporary removed) on any error. */
bool  outfile_commit(OutFile *o, char *why, size_t whycap);
/* Gives up: the temporary is removed, the destination untouched. */
void  outfile_abort(OutFile *o);

#endif
