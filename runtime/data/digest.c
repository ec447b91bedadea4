/* digest.c: an input's SHA-256 (digest.h). */
#include "data/digest.h"
#include "data/rows.h"
#include "base/conninfo.h"
#include "base/sha256.h"
#include <errno.h>
#include <string.h>

/* A table's rows, whatever order the database returns them in (digest.h).
 * Connects as the loader does, or, given only the shown name, without the
 * password (conninfo_hide's DROP form), as a replay does. */
static bool table_rows_sha256(DataSource s, uint8_t d[32], const atomic_bool *stop)
{
    char *dropped = s.file ? NULL : conninfo_hide_source(s.name, CONNINFO_DROP);
    if (dropped) s.file = dropped;
    RowSource rs;
    char why[256];
    bool ok = rows_open(&rs, s, why, sizeof why);
    uint64_t lanes[5] = { 0 };      /* four lanes of 64 bits, and the rows */
    VEC(char) buf = { 0 };
    const CsvField *f;
    size_t n;
    CsvStatus st = ok ? rows_next(&rs, &f, &n) : CSV_ERROR;     /* the header: the columns' names count too */
    bool stopped = false;
    for (bool header = true; ok && st == CSV_RECORD; header = false, st = rows_next(&rs, &f, &n)) {
        if (stop && (stopped = atomic_load_explicit(stop, memory_order_relaxed))) break;
        buf.len = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t len = f[i].len + (f[i].len || !rows_is_missing(&f[i]));    /* 0: missing */
            for (size_t b = 0; b < sizeof len; b++) vec_push(&buf, (char)(len >> (8 * b)));
            for (size_t b = 0; b < f[i].len; b++) vec_push(&buf, f[i].ptr[b]);
        }
        uint8_t row[32];
        sha256(buf.items, buf.len, row);
        for (int k = 0; k < 4; k++) {
            uint64_t v;
            memcpy(&v, row + 8 * k, 8);
            lanes[k] += v;
        }
        lanes[4] += !header;
    }
    ok = ok && !stopped && st == CSV_END;
    vec_free(&buf);
    rows_close(&rs);
    mem_free(dropped);
    if (ok) sha256(lanes, sizeof lanes, d);
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
