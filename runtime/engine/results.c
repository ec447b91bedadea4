/* results.c: what a Report owns, and the names of its kinds. */
#include "engine/results.h"
#include <string.h>

const char *const item_kind_name[3] = { "commitment", "check", "national check" };

const char *report_item_kind(const ReportItem *it)
{
    if (!it || it->kind > ITEM_NATIONAL_CHECK) return item_kind_name[ITEM_CHECK];
    if (it->kind == ITEM_COMMITMENT && it->national) return "national commitment";
    return item_kind_name[it->kind];
}

void report_free(Report *r)
{
    if (!r) return;
    arena_free(&r->arena);
    memset(r, 0, sizeof *r);
}
