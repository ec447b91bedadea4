/* digest.c: an input's SHA-256 (digest.h). */
#include "data/digest.h"
#include "data/pushdown.h"
#include "data/rows.h"
#include "base/conninfo.h"
#include "base/sha256.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A table's digest before the last hash: four lanes of 64 bits, each the
 * sum of that part of every row's SHA-256 (the header's too), and the rows
 * (not the header). */
typedef struct Lanes { uint64_t lane[5]; } Lanes;

/* Adds a row's SHA-256 to the lanes: each cell's length first (8 bytes,
 * little-endian: the length + 1, or 0 for a missing cell), then its bytes.
 * buf is scratch. */
static void lanes_add(Lanes *l, const CsvField *f, size_t n, void *buf)
{
    VEC(char) *b = buf;
    b->len = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t len = f[i].len + (f[i].len || !rows_is_missing(&f[i]));    /* 0: missing */
        for (size_t k = 0; k < sizeof len; k++) vec_push(b, (char)(len >> (8 * k)));
        for (size_t k = 0; k < f[i].len; k++) vec_push(b, f[i].ptr[k]);
    }
    uint8_t row[32];
    sha256(b->items, b->len, row);
    for (int k = 0; k < 4; k++) {
        uint64_t v;
        memcpy(&v, row + 8 * k, 8);
        l->lane[k] += v;
    }
}

/* The rows read here, whatever order the database returns them in. */
static bool lanes_of_rows(DataSource s, Lanes *l, const atomic_bool *stop, bool *stopped)
{
    RowSource rs;
    char why[256];
    bool ok = rows_open(&rs, s, why, sizeof why);
    VEC(char) buf = { 0 };
    const CsvField *f;
    size_t n;
    CsvStatus st = ok ? rows_next(&rs, &f, &n) : CSV_ERROR;     /* the header: the columns' names count too */
    for (bool header = true; ok && st == CSV_RECORD; header = false, st = rows_next(&rs, &f, &n)) {
        if (stop && (*stopped = atomic_load_explicit(stop, memory_order_relaxed))) break;
        lanes_add(l, f, n, &buf);
        l->lane[4] += !header;
    }
    vec_free(&buf);
    rows_close(&rs);
    return ok && !*stopped && st == CSV_END;
}

/* A sum of the digest query's: digits, or empty (NULL) for none. */
static bool sum_cell(const CsvField *f, uint64_t *out)
{
    *out = 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->ptr[i] < '0' || f->ptr[i] > '9' || __builtin_mul_overflow(*out, 10, out)
            || __builtin_add_overflow(*out, (uint64_t)(f->ptr[i] - '0'), out))
            return false;
    }
    return true;
}

typedef struct Header { const CsvField *names; size_t n; } Header;

static char *digest_query(void *ud, const char *table)
{
    const Header *h = ud;
    return pushdown_digest_sql(table, h->names, h->n);
}

/* The rows hashed and summed by PostgreSQL (pushdown_digest_sql): one row
 * comes back, not the table. False if the server cannot (sha256() is
 * PostgreSQL 11's), or if PLEDGE_TEST_DIGEST_ROWS is set (tests compare
 * the two ways). */
static bool lanes_in_postgresql(DataSource s, Lanes *l)
{
    if (getenv("PLEDGE_TEST_DIGEST_ROWS")) return false;
    RowSource hs = { 0 }, qs = { 0 };
    char why[256];
    const CsvField *names, *f;
    size_t n, nf;
    bool ok = rows_open_query(&hs, s, rows_header_query, NULL, why, sizeof why)
              && rows_next(&hs, &names, &n) == CSV_RECORD;
    Header h = { names, n };
    ok = ok && rows_open_query(&qs, s, digest_query, &h, why, sizeof why) && rows_next(&qs, &f, &nf) == CSV_RECORD
         && rows_next(&qs, &f, &nf) == CSV_RECORD && nf == 33;
    uint64_t sums[33];
    for (size_t i = 0; ok && i < 33; i++) ok = sum_cell(&f[i], &sums[i]);
    ok = ok && rows_next(&qs, &f, &nf) == CSV_END;
    if (ok) {
        VEC(char) buf = { 0 };
        lanes_add(l, names, n, &buf);
        vec_free(&buf);
        /* a lane of a row is the sum of its 8 bytes, each in its place; summed over rows, likewise (mod 2^64) */
        for (int k = 0; k < 4; k++)
            for (int b = 0; b < 8; b++) l->lane[k] += sums[1 + 8 * k + b] << (8 * b);
        l->lane[4] += sums[0];
    }
    rows_close(&qs);
    rows_close(&hs);
    return ok;
}

/* A table's rows, whatever order the database returns them in (digest.h).
 * Connects as the loader does, or, given only the shown name, without the
 * password (conninfo_hide's DROP form), as a replay does. */
static bool table_rows_sha256(DataSource s, uint8_t d[32], const atomic_bool *stop)
{
    char *dropped = s.file ? NULL : conninfo_hide_source(s.name, CONNINFO_DROP);
    if (dropped) s.file = dropped;
    Lanes l = { { 0 } };
    bool stopped = false, ok = strncmp(s.file ? s.file : s.name, "postgresql:", 11) == 0 && lanes_in_postgresql(s, &l);
    if (!ok) {
        l = (Lanes){ { 0 } };
        ok = lanes_of_rows(s, &l, stop, &stopped);
    }
    mem_free(dropped);
    if (ok) sha256(l.lane, sizeof l.lane, d);
    else errno = stopped ? ECANCELED : EIO;
    return ok;
}

bool input_digest(DataSource s, char hex[65], const atomic_bool *stop)
{
    uint8_t d[32];
    hex[0] = '\0';
    const char *file = s.file ? s.file : s.name;
    if (s.bytes) sha256(s.bytes, s.len, d);
    else if (!file) return errno = ENOENT, false;
    else if (strncmp(file, "aggregated:", 11) == 0) {      /* a CSV file of grouped figures */
        if (!sha256_file_until(file + 11, d, stop)) return false;
    } else if (rows_is_database(s)) {
        if (!table_rows_sha256(s, d, stop)) return false;
    } else if (!sha256_file_until(file, d, stop)) {
        return false;
    }
    sha256_hex(d, hex);
    return true;
}
