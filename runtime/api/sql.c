/* sql.c: pledge_sql, each feed's aggregation as the grouped query a
 * database runs (data/pushdown.h), for a warehouse Pledge cannot reach. */
#include "api/api.h"
#include "data/pushdown.h"
#include <string.h>

static pledge_status sql(pledge_round *R, const char *dialect, const char *const *tables, size_t ntables, FILE *out)
{
    SqlDialect d = SQL_SQLITE;
    if (dialect && !sql_dialect_by_name(dialect, &d))
        return api_fail(R->S, PLEDGE_ERR_USAGE, "the dialect is postgresql, sqlite, duckdb or spark, not `%s`", dialect);
    const BcProgram *p = &R->bc;
    for (size_t i = 0; i < ntables; i++) {
        const char *eq = strchr(tables[i], '=');
        bool known = false;
        for (uint16_t k = 0; eq && k < p->nfeeds && !known; k++)
            known = strlen(p->feeds[k].name) == (size_t)(eq - tables[i]) && strncmp(p->feeds[k].name, tables[i], (size_t)(eq - tables[i])) == 0;
        if (!eq || !known || !eq[1])
            return api_fail(R->S, PLEDGE_ERR_USAGE, "--table takes FEED=TABLE for a feed of the round, not `%s`", tables[i]);
    }
    pledge_status st = PLEDGE_OK;
    char why[512];
    for (uint16_t k = 0; k < p->nfeeds; k++) {
        /* the table: as given for the feed (the last given wins), else the feed's name */
        const char *table = p->feeds[k].name;
        size_t n = strlen(table);
        for (size_t i = 0; i < ntables; i++)
            if (strncmp(tables[i], p->feeds[k].name, n) == 0 && tables[i][n] == '=') table = tables[i] + n + 1;
        char *q = pushdown_sql(p, k, d, table, SQL_DOTTED | SQL_COMMENTED, why, sizeof why);
        if (k) fputc('\n', out);
        if (q) {
            fputs(q, out);
            fputs(";\n", out);
            mem_free(q);
        } else {
            fprintf(out, "-- feed %s cannot be pushed down: %s\n", p->feeds[k].name, why);
            st = api_fail(R->S, PLEDGE_ERR_INPUT, "feed `%s` cannot be pushed down: %s", p->feeds[k].name, why);
        }
    }
    if (ferror(out)) return api_fail(R->S, PLEDGE_ERR_INPUT, "cannot write the queries");
    return st;
}

pledge_status pledge_sql(pledge_round *R, const char *dialect, const char *const *tables, size_t ntables, FILE *out)
{
    API_ENTER(R->S);
    API_RETURN(R->S, sql(R, dialect, tables, ntables, out));
}
