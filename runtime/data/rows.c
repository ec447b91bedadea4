/* rows.c: rows of typed cells from a CSV file or an SQLite table, for the
 * feeds and hierarchies that read them (rows.h). */
#include "data/rows.h"
#include "base/utf8.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- reading cells ------------------------------------------------------- */

/* Empty and `*` (suppressed) cells are missing, quoted or not; only a
 * quoted empty text cell is text, the empty string. */
bool rows_is_missing(const CsvField *f)
{
    return (f->len == 0 && !f->quoted) || (f->len == 1 && f->ptr[0] == '*');
}

/* Most cells are short whole numbers: 1 to 18 digits, which cannot
 * overflow. False for anything else, which the general parser handles. */
static inline bool short_whole(const char *s, size_t n, int64_t *out)
{
    if (n - 1 >= 18) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d >= 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* An exact decimal: [-]digits[.digits]; false if it is not one. */
static bool parse_decimal(const char *s, size_t n, bool allow_sign, Num *out)
{
    int64_t whole;
    if (short_whole(s, n, &whole)) { *out = (Num){ whole, 1 }; return true; }
    bool neg = false;
    size_t i = 0;
    if (n && (s[0] == '-' || s[0] == '+') && allow_sign) { neg = s[0] == '-'; i = 1; }
    size_t start = i, digits = 0;
    int64_t v = 0, den = 1;
    bool dot = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.' && !dot) { dot = true; continue; }
        if (c < '0' || c > '9') return false;
        if (dot) {
            if (den > INT64_MAX / 10) return false;
            den *= 10;
        }
        if (v > (INT64_MAX - 9) / 10) return false;
        v = v * 10 + (c - '0');
        digits++;
    }
    if (!digits || (dot && s[n - 1] == '.') || (dot && s[start] == '.')) return false;
    if (den == 1) { *out = (Num){ neg ? -v : v, 1 }; return true; }     /* no gcd for a whole number */
    return num_make(neg ? -v : v, den, out) == NUM_OK;
}


/* Parses a cell of the given type; NULL on success, else what is wrong. */
const char *rows_parse_cell(TypeKind type, uint8_t format, const CsvField *f, Value *out)
{
    const char *s = f->ptr;
    size_t n = f->len;
    Num v;
    if (rows_is_missing(f) || (f->quoted && n == 0 && type != T_TEXT)) { *out = val_missing(); return NULL; }
    switch (type) {
    case T_COUNT:
        if (!parse_decimal(s, n, false, &v) || v.d != 1) return "is not a count (a whole number)";
        *out = val_num(v, T_COUNT);
        return NULL;
    case T_NUMBER:
        if (!parse_decimal(s, n, true, &v)) return "is not a number";
        *out = val_num(v, T_NUMBER);
        return NULL;
    case T_PERCENT: {
        /* 95.2% is a percent; 0.952 is the same percent as a fraction */
        bool pct = n && s[n - 1] == '%';
        const char *bad = format == COL_POINTS ? "is not a percent (95.2% or 95.2)" : "is not a percent (95.2% or 0.952)";
        if (!parse_decimal(s, n - pct, true, &v)) return bad;
        if ((pct || format == COL_POINTS) && num_div(v, num_int(100), &v) != NUM_OK) return bad;
        *out = val_num(v, T_PERCENT);
        return NULL;
    }
    case T_PP: {
        bool pp = n > 2 && s[n - 2] == 'p' && s[n - 1] == 'p';
        if (!parse_decimal(s, n - 2 * pp, true, &v) || num_div(v, num_int(100), &v) != NUM_OK)
            return "is not a number of percentage points (0.5 or 0.5pp)";
        *out = val_num(v, T_PP);
        return NULL;
    }
    case T_MONEY: {
        bool neg = n && s[0] == '-';
        size_t i = neg;
        if (n - i >= 2 && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xA3) i += 2;   /* £ */
        if (!parse_decimal(s + i, n - i, !neg, &v)) return "is not an amount of money (1500 or £1500.50)";
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

const char *rows_parse_count(const CsvField *f, int64_t *out, bool *present)
{
    if (short_whole(f->ptr, f->len, out)) { *present = true; return NULL; }
    Value v;
    const char *bad = rows_parse_cell(T_COUNT, COL_PLAIN, f, &v);
    *present = !bad && v.kind != V_MISSING;
    if (*present) *out = v.as.num.n;
    return bad;
}

const TypeKind rows_grain_type[] = { [GRAIN_DAY] = T_DATE, [GRAIN_MONTH] = T_MONTH,
                                       [GRAIN_QUARTER] = T_QUARTER, [GRAIN_FY] = T_FY };

/* ---- where rows come from: a CSV file or an SQLite table ------------------ */


/* spec names the source in messages; file is the sqlite:PATH:TABLE read. */
static bool open_sqlite(RowSource *r, const char *spec, const char *file_spec, char *why, size_t cap)
{
    /* sqlite:PATH:TABLE; the last colon separates the table, so a path may hold colons */
    const char *path = file_spec + 7, *colon = strrchr(path, ':');
    if (!colon || colon == path || !colon[1]) {
        snprintf(why, cap, "%s: expected sqlite:PATH:TABLE", spec);
        return false;
    }
    char *file = mem_strndup(path, (size_t)(colon - path));
    r->hold = mem_hold();
    r->hold->release = rows_db_release;
    int rc = sqlite3_open_v2(file, &r->db, SQLITE_OPEN_READONLY, NULL);
    r->hold->p = r->db;
    mem_free(file);
    if (rc != SQLITE_OK) {
        snprintf(why, cap, "%s: cannot open the database: %s", spec, r->db ? sqlite3_errmsg(r->db) : "out of memory");
        return false;
    }
    /* the table's name is an identifier: quote it, doubling its quotes */
    const char *table = colon + 1;
    size_t n = strlen(table);
    char *sql = mem_alloc(2 * n + 32), *q = sql;
    q += sprintf(q, "SELECT * FROM \"");
    for (size_t i = 0; i < n; i++) { if (table[i] == '"') *q++ = '"'; *q++ = table[i]; }
    strcpy(q, "\"");
    rc = sqlite3_prepare_v2(r->db, sql, -1, &r->stmt, NULL);
    mem_free(sql);
    if (rc != SQLITE_OK) {
        snprintf(why, cap, "%s: %s", spec, sqlite3_errmsg(r->db));
        return false;
    }
    r->nfields = (size_t)sqlite3_column_count(r->stmt);
    r->fields = mem_calloc(r->nfields + 1, sizeof *r->fields);
    return true;
}

bool rows_open(RowSource *r, DataSource from, char *why, size_t cap)
{
    const char *spec = from.name;
    memset(r, 0, sizeof *r);
    r->name = spec;
    if (from.bytes) return (r->csv = csv_open_memory(from.bytes, from.len, spec)) != NULL;
    const char *file = from.file ? from.file : spec;
    if (strncmp(file, "sqlite:", 7) == 0) return open_sqlite(r, spec, file, why, cap);
    char reason[256];
    r->csv = csv_open_file(file, reason, sizeof reason);
    if (!r->csv) snprintf(why, cap, "%s: cannot read it: %s", spec, reason);
    return r->csv != NULL;
}

CsvStatus rows_next(RowSource *r, const CsvField **fields, size_t *n)
{
    if (r->csv) return csv_next(r->csv, fields, n);
    *fields = r->fields;
    *n = r->nfields;
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

bool rows_limit(const RowSource *r, uint64_t count, uint64_t limit, const char *what, const char *option,
                char *why, size_t cap)
{
    if (count <= limit) return true;
    return why_say(why, cap, "limit: %s:%llu: more than %llu %s (raise it with --%s)", r->name,
                   (unsigned long long)rows_line(r), (unsigned long long)limit, what, option);
}

bool rows_within(const RowSource *r, const DataLimits *lim, const CsvField *rec, size_t n, uint64_t rows,
                 char *why, size_t cap)
{
    if (!rows_limit(r, rows, lim->rows, "rows", "max-rows", why, cap)) return false;
    if (!rows_limit(r, n, lim->columns, "columns", "max-columns", why, cap)) return false;
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

uint64_t rows_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}
