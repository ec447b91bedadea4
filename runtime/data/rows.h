/* rows.h: reading rows of typed cells, whether from a CSV file or from an
 * SQLite table, so feeds and hierarchies type their cells and word their
 * errors the same way. Internal to the data layer. */
#ifndef PLEDGE_ROWS_H
#define PLEDGE_ROWS_H
#include "data/csv.h"
#include "base/why.h"
#include "vm/bytecode.h"
#include "data/feed.h"
#include <sqlite3.h>
#include <string.h>

/* Both give a header record and then records of fields, so the typing and
 * the messages are the same whichever a feed comes from. */
typedef struct RowSource {
    const char *name;
    CsvReader  *csv;
    sqlite3      *db;
    sqlite3_stmt *stmt;
    MemHold      *hold;         /* db's or pg's */
    void         *pg;           /* postgresql:CONNINFO:TABLE: libpq's PGconn (opaque here, so   */
    void         *pgres;        /* the layout is the same with or without libpq); the row read last */
    CsvField   *fields;
    size_t      nfields;
    uint64_t    row;            /* SQLite: the row number, the header being 0 */
    char        error[256];
} RowSource;

/* Opens a source; false with why on failure (close it all the same). */
bool        rows_open(RowSource *r, DataSource from, char *why, size_t cap);
/* The query to run on a database source, given its table (as written
 * after the spec's last colon): mem_alloc'd text. */
typedef char *(*RowsQuery)(void *ud, const char *table);
/* Opens sqlite:PATH:TABLE or postgresql:CONNINFO:TABLE, running the query
 * made for it rather than reading the table; false with why on failure
 * (close it all the same). */
bool        rows_open_query(RowSource *r, DataSource from, RowsQuery query, void *ud, char *why, size_t cap);
/* The RowsQuery of a table's header alone: no row is read. */
char       *rows_header_query(void *ud, const char *table);
/* Whether the source is a database table rather than CSV. */
bool        rows_is_database(DataSource from);
/* The header first, then each record; fields valid until the next call. */
CsvStatus   rows_next(RowSource *r, const CsvField **fields, size_t *n);
uint64_t    rows_line(const RowSource *r);      /* the CSV line, or the table's row */
const char *rows_error(const RowSource *r);
void        rows_close(RowSource *r);

/* Closes an SQLite database with the statements still open on it (a
 * MemHold's release: the archive's too). */
void rows_db_release(void *db);

/* Whether a record (the header: rows 0) is within lim's columns and
 * bytes per cell, and rows (its number after the header) within its rows;
 * if not, why says which limit and how to raise it, naming the source
 * and line. */
bool        rows_within(const RowSource *r, const DataLimits *lim, const CsvField *rec, size_t n, uint64_t rows,
                        char *why, size_t cap);
/* The same for a count that grew past its limit: organisations, periods. */
bool        rows_past_limit(const RowSource *r, uint64_t limit, const char *what, const char *option, char *why,
                            size_t cap);
static inline bool rows_limit(const RowSource *r, uint64_t count, uint64_t limit, const char *what,
                              const char *option, char *why, size_t cap)
{
    return count <= limit || rows_past_limit(r, limit, what, option, why, cap);    /* inline: once a row */
}

/* memcmp(a, b, n) == 0 without a call for 4 to 16 bytes (two overlapping
 * words): the period and organisation of every row are compared with the
 * last row's, and codes with the organisations' (orgs.c). */
static inline bool rows_same_bytes(const char *a, const char *b, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a0, a1, b0, b1;
        memcpy(&a0, a, 8), memcpy(&a1, a + n - 8, 8), memcpy(&b0, b, 8), memcpy(&b1, b + n - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (n >= 4 && n < 8) {
        uint32_t a0, a1, b0, b1;
        memcpy(&a0, a, 4), memcpy(&a1, a + n - 4, 4), memcpy(&b0, b, 4), memcpy(&b1, b + n - 4, 4);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    return memcmp(a, b, n) == 0;
}

/* Empty and `*` (suppressed) cells are missing, quoted or not (a quoted empty text is ""). */
static inline bool rows_is_missing(const CsvField *f)
{
    return (f->len == 0 && !f->quoted) || (f->len == 1 && f->ptr[0] == '*');
}
/* Parses a cell of a column's type and format (COL_PLAIN, COL_POINTS);
 * NULL on success, else what is wrong with the text. */
const char *rows_parse_cell(TypeKind type, uint8_t format, const CsvField *f, Value *out);
/* Most cells are short whole numbers: 1 to 18 digits, which cannot
 * overflow. False for anything else, which the general parser handles. */
static inline bool rows_short_whole(const char *s, size_t n, int64_t *out)
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
/* A count cell through rows_parse_cell(T_COUNT, …), as a bare int64. */
const char *rows_parse_count_text(const CsvField *f, int64_t *out, bool *present);
/* A count cell as a bare int64, without a Value: the same cells and the
 * same messages as rows_parse_cell(T_COUNT, …); *present is false for a
 * missing cell. Inline, as it runs for every count cell of every row: the
 * plain digits of nearly all of them are read here, without a call. */
static inline const char *rows_parse_count(const CsvField *f, int64_t *out, bool *present)
{
    if (rows_short_whole(f->ptr, f->len, out)) { *present = true; return NULL; }
    return rows_parse_count_text(f, out, present);
}
/* A text cell through rows_parse_cell(T_TEXT, …): the same values and
 * messages. Inline, as a feed's text columns (types, codes) hold a short
 * ASCII word in nearly every row: 1 to 16 bytes from 1 to 0x7F (each a
 * whole UTF-8 character), not `*`, are the text itself. */
static inline const char *rows_parse_text(const CsvField *f, Value *out)
{
    const unsigned char *s = (const unsigned char *)f->ptr;
    size_t n = f->len;
    if (n - 1 < 16 && !(n == 1 && s[0] == '*')) {
        unsigned ascii = 1;
        for (size_t i = 0; i < n; i++) ascii &= s[i] - 1u < 0x7Fu;
        if (ascii) { *out = val_text(f->ptr, (uint32_t)n); return NULL; }
    }
    return rows_parse_cell(T_TEXT, COL_PLAIN, f, out);
}
/* The type of a period column of each grain. */
extern const TypeKind rows_grain_type[];
/* The position of `name` in the header, or -1. */
int         rows_header_position(const CsvField *h, size_t n, const char *name);

#endif
