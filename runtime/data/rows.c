/* rows.c: rows of typed cells from a CSV file or an SQLite table, for the
 * feeds and hierarchies that read them (rows.h). */
#include "config.h"
#include "data/rows.h"
#ifdef HAVE_LIBPQ
#include <libpq-fe.h>
#endif
#include "base/utf8.h"
#include "base/conninfo.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- reading cells ------------------------------------------------------- */

/* How a decimal's text reads: a number, not one, or one with more digits
 * than an exact number holds (a whole part past INT64_MAX, or more than 18
 * after the point), which deserves its own message. */
typedef enum { DEC_OK, DEC_BAD, DEC_RANGE } DecRead;

/* An exact decimal: [-]digits[.digits]. */
static DecRead parse_decimal(const char *s, size_t n, bool allow_sign, Num *out)
{
    int64_t whole;
    if (rows_short_whole(s, n, &whole)) { *out = (Num){ whole, 1 }; return DEC_OK; }
    bool neg = false;
    size_t i = 0;
    if (n && (s[0] == '-' || s[0] == '+') && allow_sign) { neg = s[0] == '-'; i = 1; }
    size_t start = i, digits = 0;
    int64_t v = 0, den = 1;
    bool dot = false, range = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.' && !dot) { dot = true; continue; }
        if (c < '0' || c > '9') return DEC_BAD;
        digits++;
        if (range) continue;            /* the rest is still read, to tell a bad text from a long one */
        int d = c - '0';
        if ((dot && den > INT64_MAX / 10) || v > (INT64_MAX - d) / 10) { range = true; continue; }
        if (dot) den *= 10;
        v = v * 10 + d;
    }
    if (!digits || (dot && s[n - 1] == '.') || (dot && s[start] == '.')) return DEC_BAD;
    if (range) return DEC_RANGE;
    if (den == 1) { *out = (Num){ neg ? -v : v, 1 }; return DEC_OK; }     /* no gcd for a whole number */
    return num_make(neg ? -v : v, den, out) == NUM_OK ? DEC_OK : DEC_RANGE;
}

static const char too_long[] = "has more digits than an exact number holds (at most 9223372036854775807, "
                               "and 18 after the point)";

/* Parses a cell of the given type; NULL on success, else what is wrong. */
const char *rows_parse_cell(TypeKind type, uint8_t format, const CsvField *f, Value *out)
{
    const char *s = f->ptr;
    size_t n = f->len;
    Num v;
    if (rows_is_missing(f) || (f->quoted && n == 0 && type != T_TEXT)) { *out = val_missing(); return NULL; }
    switch (type) {
    case T_COUNT:
        switch (parse_decimal(s, n, false, &v)) {
        case DEC_OK: break;
        case DEC_BAD: return "is not a count (a whole number)";
        case DEC_RANGE:
            /* a whole number too large, or a fraction with too many places */
            return memchr(s, '.', n) ? "is not a count (a whole number)"
                                     : "is too large a count (the largest is 9223372036854775807)";
        }
        if (v.d != 1) return "is not a count (a whole number)";
        *out = val_num(v, T_COUNT);
        return NULL;
    case T_NUMBER:
        switch (parse_decimal(s, n, true, &v)) {
        case DEC_OK: break;
        case DEC_BAD: return "is not a number";
        case DEC_RANGE: return too_long;
        }
        *out = val_num(v, T_NUMBER);
        return NULL;
    case T_PERCENT: {
        /* 95.2% is a percent; 0.952 is the same percent as a fraction */
        bool pct = n && s[n - 1] == '%';
        const char *bad = format == COL_POINTS ? "is not a percent (95.2% or 95.2)" : "is not a percent (95.2% or 0.952)";
        DecRead dr = parse_decimal(s, n - pct, true, &v);
        if (dr != DEC_OK) return dr == DEC_RANGE ? too_long : bad;
        if ((pct || format == COL_POINTS) && num_div(v, num_int(100), &v) != NUM_OK) return bad;
        *out = val_num(v, T_PERCENT);
        return NULL;
    }
    case T_PP: {
        bool pp = n > 2 && s[n - 2] == 'p' && s[n - 1] == 'p';
        DecRead dr = parse_decimal(s, n - 2 * pp, true, &v);
        if (dr == DEC_RANGE) return too_long;
        if (dr != DEC_OK || num_div(v, num_int(100), &v) != NUM_OK)
            return "is not a number of percentage points (0.5 or 0.5pp)";
        *out = val_num(v, T_PP);
        return NULL;
    }
    case T_MONEY: {
        bool neg = n && s[0] == '-';
        size_t i = neg;
        if (n - i >= 2 && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xA3) i += 2;   /* £ */
        DecRead dr = parse_decimal(s + i, n - i, !neg, &v);
        if (dr != DEC_OK) return dr == DEC_RANGE ? too_long : "is not an amount of money (1500 or £1500.50)";
        *out = val_num(neg ? num_neg(v) : v, T_MONEY);
        return NULL;
    }
    case T_TEXT:
        if (!utf8_valid(s, n, NULL)) return "is not UTF-8 text";
        *out = val_text(s, (uint32_t)n);
        return NULL;
    case T_BOOL:
        if (n == 4 && memcmp(s, "true", 4) == 0) { *out = val_bool(true); return NULL; }
        if (n == 5 && memcmp(s, "false", 5) == 0) { *out = val_bool(false); return NULL; }
        return "is not true or false";
    case T_DATE: {
        Day d;
        if (!cal_parse_day(s, n, &d, NULL, 0)) return "is not a date (2019-03-01 or 20190301)";
        *out = val_period((Period){ GRAIN_DAY, d });
        return NULL;
    }
    case T_MONTH: {
        Period p;
        Day d;
        /* feeds write a month as 2019-03 or as its first day */
        if (cal_parse_month(s, n, &p, NULL, 0)) { *out = val_period(p); return NULL; }
        if (cal_parse_day(s, n, &d, NULL, 0)) { *out = val_period(period_containing(GRAIN_MONTH, d)); return NULL; }
        return "is not a month (2019-03 or 2019-03-01)";
    }
    case T_QUARTER: {
        Period p;
        if (!cal_parse_quarter(s, n, &p, NULL, 0)) return "is not a quarter (2019/20 Q3)";
        *out = val_period(p);
        return NULL;
    }
    case T_FY: {
        Period p;
        if (!cal_parse_fy(s, n, &p, NULL, 0)) return "is not a financial year (2019/20)";
        *out = val_period(p);
        return NULL;
    }
    default:
        return "has a type a feed cannot hold";
    }
}

const char *rows_parse_count_text(const CsvField *f, int64_t *out, bool *present)
{
    Value v;
    const char *bad = rows_parse_cell(T_COUNT, COL_PLAIN, f, &v);
    *present = !bad && v.kind != V_MISSING;
    if (*present) *out = v.as.num.n;
    return bad;
}

const TypeKind rows_grain_type[] = { [GRAIN_DAY] = T_DATE, [GRAIN_MONTH] = T_MONTH,
                                       [GRAIN_QUARTER] = T_QUARTER, [GRAIN_FY] = T_FY };

/* ---- where rows come from: a CSV file or an SQLite table ------------------ */


/* A database source's spec, SCHEME:WHERE:TABLE (the last colon separates
 * the table, so a path or a conninfo may hold colons): *where and *table
 * mem_alloc'd; false with why if it is not one. */
static bool split_spec(const char *spec, const char *file_spec, const char *scheme, char **where, char **table,
                       char *why, size_t cap)
{
    const char *at = file_spec + strlen(scheme) + 1, *colon = strrchr(at, ':');
    if (!colon || colon == at || !colon[1])
        return why_say(why, cap, "%s: expected %s:%s:TABLE", spec, scheme,
                       strcmp(scheme, "sqlite") == 0 ? "PATH" : "CONNINFO");
    *where = mem_strndup(at, (size_t)(colon - at));
    *table = mem_strndup(colon + 1, strlen(colon + 1));
    return true;
}

/* SELECT * FROM "table": the table's name is an identifier, quoted with
 * its quotes doubled. */
static char *select_all(void *ud, const char *table)
{
    (void)ud;
    size_t n = strlen(table);
    char *sql = mem_alloc(2 * n + 32), *q = sql;
    q += sprintf(q, "SELECT * FROM \"");
    for (size_t i = 0; i < n; i++) { if (table[i] == '"') *q++ = '"'; *q++ = table[i]; }
    strcpy(q, "\"");
    return sql;
}

char *rows_header_query(void *ud, const char *table)
{
    (void)ud;
    char *all = select_all(NULL, table), *sql = mem_alloc(strlen(all) + 16);
    sprintf(sql, "%s WHERE 1 = 0", all);
    mem_free(all);
    return sql;
}

/* spec names the source in messages; file is the sqlite:PATH:TABLE read. */
static bool open_sqlite(RowSource *r, const char *spec, const char *file_spec, RowsQuery query, void *ud,
                        char *why, size_t cap)
{
    char *file, *table;
    if (!split_spec(spec, file_spec, "sqlite", &file, &table, why, cap)) return false;
    r->hold = mem_hold();
    r->hold->release = rows_db_release;
    int rc = sqlite3_open_v2(file, &r->db, SQLITE_OPEN_READONLY, NULL);
    r->hold->p = r->db;
    mem_free(file);
    if (rc != SQLITE_OK) {
        mem_free(table);
        snprintf(why, cap, "%s: cannot open the database: %s", spec, r->db ? sqlite3_errmsg(r->db) : "out of memory");
        return false;
    }
    char *sql = query(ud, table);
    mem_free(table);
    rc = sql ? sqlite3_prepare_v2(r->db, sql, -1, &r->stmt, NULL) : SQLITE_NOMEM;
    mem_free(sql);
    if (rc != SQLITE_OK) {
        snprintf(why, cap, "%s: %s", spec, sqlite3_errmsg(r->db));
        return false;
    }
    r->nfields = (size_t)sqlite3_column_count(r->stmt);
    r->fields = mem_calloc(r->nfields + 1, sizeof *r->fields);
    return true;
}

#ifdef HAVE_LIBPQ
static void pg_release(void *conn) { PQfinish(conn); }

/* Runs the query in single-row mode, so rows stream rather than gather in
 * memory; the first result gives the column names. */
static bool open_postgresql(RowSource *r, const char *spec, const char *file_spec, RowsQuery query, void *ud,
                            char *why, size_t cap)
{
    char *conninfo, *table;
    if (!split_spec(spec, file_spec, "postgresql", &conninfo, &table, why, cap)) return false;
    /* libpq's message on a conninfo it cannot parse may quote a word of
     * the password ('missing "=" after "b"'): with a password, not shown */
    char *perr = NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &perr);
    PQconninfoFree(parsed);
    if (!parsed) {
        bool secret = conninfo_has_secret(conninfo, strlen(conninfo));
        mem_free(conninfo);
        mem_free(table);
        why_say(why, cap, "%s: cannot connect: the conninfo does not parse%s%.*s", spec,
                secret ? " (libpq's reason is not shown: it may quote the password)" : ": ",
                secret || !perr ? 0 : (int)strcspn(perr, "\n"), perr ? perr : "");
        PQfreemem(perr);
        return false;
    }
    r->hold = mem_hold();
    r->hold->release = pg_release;
    r->pg = PQconnectdb(conninfo);
    r->hold->p = r->pg;
    mem_free(conninfo);
    if (!r->pg || PQstatus(r->pg) != CONNECTION_OK) {
        mem_free(table);
        const char *m = r->pg ? PQerrorMessage(r->pg) : "out of memory";
        return why_say(why, cap, "%s: cannot connect: %.*s", spec, (int)strcspn(m, "\n"), m);
    }
    char *sql = query(ud, table);
    mem_free(table);
    bool sent = PQsendQuery(r->pg, sql) && PQsetSingleRowMode(r->pg);
    mem_free(sql);
    r->pgres = sent ? PQgetResult(r->pg) : NULL;
    ExecStatusType st = r->pgres ? PQresultStatus(r->pgres) : PGRES_FATAL_ERROR;
    if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK) {
        const char *m = PQerrorMessage(r->pg);
        return why_say(why, cap, "%s: %.*s", spec, (int)strcspn(m, "\n"), m);
    }
    r->nfields = (size_t)PQnfields(r->pgres);
    r->fields = mem_calloc(r->nfields + 1, sizeof *r->fields);
    return true;
}
#endif

bool rows_open_query(RowSource *r, DataSource from, RowsQuery query, void *ud, char *why, size_t cap)
{
    const char *spec = from.name, *file = from.file ? from.file : spec;
    memset(r, 0, sizeof *r);
    r->name = spec;
    if (strncmp(file, "sqlite:", 7) == 0) return open_sqlite(r, spec, file, query, ud, why, cap);
    if (strncmp(file, "postgresql:", 11) == 0) {
#ifdef HAVE_LIBPQ
        return open_postgresql(r, spec, file, query, ud, why, cap);
#else
        return why_say(why, cap, "%s: this pledge was built without PostgreSQL (libpq: Debian's libpq-dev)", spec);
#endif
    }
    return why_say(why, cap, "%s: not a database (sqlite:PATH:TABLE or postgresql:CONNINFO:TABLE)", spec);
}

bool rows_is_database(DataSource from)
{
    const char *file = from.file ? from.file : from.name;
    return !from.bytes && file && (strncmp(file, "sqlite:", 7) == 0 || strncmp(file, "postgresql:", 11) == 0);
}

bool rows_open(RowSource *r, DataSource from, char *why, size_t cap)
{
    const char *spec = from.name;
    memset(r, 0, sizeof *r);
    r->name = spec;
    if (from.bytes) return (r->csv = csv_open_memory(from.bytes, from.len, spec)) != NULL;
    const char *file = from.file ? from.file : spec;
    if (rows_is_database(from)) return rows_open_query(r, from, select_all, NULL, why, cap);
    char reason[256];
    r->csv = csv_open_file(file, reason, sizeof reason);
    if (!r->csv) snprintf(why, cap, "%s: cannot read it: %s", spec, reason);
    return r->csv != NULL;
}

#ifdef HAVE_LIBPQ
/* The header from the first result, then a row a result. */
static CsvStatus pg_next(RowSource *r)
{
    if (r->row++ == 0) {
        for (size_t i = 0; i < r->nfields; i++) {
            const char *name = PQfname(r->pgres, (int)i);
            r->fields[i] = (CsvField){ name ? name : "", name ? strlen(name) : 0, false };
        }
        return CSV_RECORD;
    }
    if (r->row > 2) {           /* the result read last is done with */
        PQclear(r->pgres);
        r->pgres = PQgetResult(r->pg);
    }
    ExecStatusType st = r->pgres ? PQresultStatus(r->pgres) : PGRES_TUPLES_OK;
    if (st == PGRES_TUPLES_OK) return CSV_END;     /* the end of single-row mode's rows */
    if (st != PGRES_SINGLE_TUPLE) {
        const char *m = PQerrorMessage(r->pg);
        snprintf(r->error, sizeof r->error, "row %llu: %.*s", (unsigned long long)r->row - 1, (int)strcspn(m, "\n"), m);
        return CSV_ERROR;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        /* NULL is a missing cell */
        bool null = PQgetisnull(r->pgres, 0, (int)i);
        r->fields[i] = (CsvField){ null ? "" : PQgetvalue(r->pgres, 0, (int)i),
                                   null ? 0 : (size_t)PQgetlength(r->pgres, 0, (int)i), false };
    }
    return CSV_RECORD;
}
#endif

CsvStatus rows_next(RowSource *r, const CsvField **fields, size_t *n)
{
    if (r->csv) return csv_next(r->csv, fields, n);
    *fields = r->fields;
    *n = r->nfields;
#ifdef HAVE_LIBPQ
    if (r->pg) return pg_next(r);
#endif
    if (r->row++ == 0) {            /* the header: the table's column names */
        for (size_t i = 0; i < r->nfields; i++) {
            const char *name = sqlite3_column_name(r->stmt, (int)i);
            r->fields[i] = (CsvField){ name ? name : "", name ? strlen(name) : 0, false };
        }
        return CSV_RECORD;
    }
    int rc = sqlite3_step(r->stmt);
    if (rc == SQLITE_DONE) return CSV_END;
    if (rc != SQLITE_ROW) {
        snprintf(r->error, sizeof r->error, "row %llu: %s", (unsigned long long)r->row - 1, sqlite3_errmsg(r->db));
        return CSV_ERROR;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        /* NULL is a missing cell, as an empty or `*` cell is in a CSV file */
        const unsigned char *t = sqlite3_column_text(r->stmt, (int)i);
        size_t len = (size_t)sqlite3_column_bytes(r->stmt, (int)i);
        r->fields[i] = (CsvField){ t ? (const char *)t : "", t ? len : 0, false };
    }
    return CSV_RECORD;
}

/* The line of a CSV record, or the row number in an SQLite table. */
uint64_t rows_line(const RowSource *r) { return r->csv ? csv_line(r->csv) : r->row - 1; }
const char *rows_error(const RowSource *r) { return r->csv ? csv_error(r->csv) : r->error; }

void rows_db_release(void *db)
{
    for (sqlite3_stmt *st; (st = sqlite3_next_stmt(db, NULL));) sqlite3_finalize(st);
    sqlite3_close(db);
}

void rows_close(RowSource *r)
{
#ifdef HAVE_LIBPQ
    if (r->pg && r->pgres) {
        /* a query left part-read: cancel it, then drain its results */
        PGcancel *c = PQgetCancel(r->pg);
        char buf[64];
        if (c) { PQcancel(c, buf, sizeof buf); PQfreeCancel(c); }
        do PQclear(r->pgres); while ((r->pgres = PQgetResult(r->pg)));
    }
#endif
    csv_close(r->csv);
    mem_release(r->hold);       /* the statement and the database */
    mem_free(r->fields);
}

/* ---- limits ---------------------------------------------------------------- */

DataLimits data_limits(const DataLimits *given)
{
    DataLimits g = given ? *given : (DataLimits){ 0 };
    return (DataLimits){ g.rows ? g.rows : DATA_DEFAULT_ROWS, g.columns ? g.columns : DATA_DEFAULT_COLUMNS,
                         g.cell ? g.cell : DATA_DEFAULT_CELL, g.orgs ? g.orgs : DATA_DEFAULT_ORGS,
                         g.periods ? g.periods : DATA_DEFAULT_PERIODS };
}

/* rows_limit's message: false. */
bool rows_past_limit(const RowSource *r, uint64_t limit, const char *what, const char *option, char *why, size_t cap)
{
    return why_say(why, cap, "limit: %s:%llu: more than %llu %s (raise it with --%s)", r->name,
                   (unsigned long long)rows_line(r), (unsigned long long)limit, what, option);
}

bool rows_within(const RowSource *r, const DataLimits *lim, const CsvField *rec, size_t n, uint64_t rows,
                 char *why, size_t cap)
{
    if (!rows_limit(r, rows, lim->rows, "rows", "max-rows", why, cap)) return false;
    if (!rows_limit(r, n, lim->columns, "columns", "max-columns", why, cap)) return false;
    uint64_t line;
    /* no cell of a CSV record is longer than the record: one test, not one a cell */
    if (r->csv && csv_position(r->csv, &line) - csv_offset(r->csv) <= lim->cell) return true;
    for (size_t i = 0; i < n; i++)
        if (rec[i].len > lim->cell)
            return why_say(why, cap, "limit: %s:%llu: column %zu: more than %llu bytes in one cell (raise it with "
                           "--max-cell)", r->name, (unsigned long long)rows_line(r), i + 1,
                           (unsigned long long)lim->cell);
    return true;
}

/* The position of `name` in the header, or -1. */
int rows_header_position(const CsvField *h, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (h[i].len == len && memcmp(h[i].ptr, name, len) == 0) return (int)i;
    return -1;
}
