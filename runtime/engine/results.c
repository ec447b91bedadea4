/* results.c: what a Report owns, and the names of its kinds. */
#include "engine/results.h"
#include <string.h>

const char *const item_kind_name[3] = { "commitment", "check", "national check" };

void report_free(Report *r)
{
    if (!r) return;
    arena_free(&r->arena);
    memset(r, 0, sizeof *r);
}
