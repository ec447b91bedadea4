/* archive.c: the results archive (archive.h) on SQLite. */
#include "config.h"
#include "report/archive.h"
#include "base/calendar.h"
#include "base/outfile.h"
#include "base/why.h"
#include "data/rows.h"
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct Archive {
    sqlite3 *db;
    MemHold *hold;              /* db's, with any statement a jump left open */
    char    *path;
};

enum { BUSY_TIMEOUT_MS = 60000 };

static bool fail(Archive *a, const char *doing, char *why, size_t whycap)
{
    why_say(why, whycap, "%s: %s: %s", a->path, doing, sqlite3_errmsg(a->db));
    return false;
}

static const char schema_v1[] =
    "CREATE TABLE runs (\n"
    "  id             INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  archived_at    TEXT NOT NULL,      -- UTC, 2019-07-01T09:30:00Z\n"
    "  engine         TEXT NOT NULL,      -- pledge 0.1.0\n"
    "  round          TEXT,               -- NULL: the rules have no round\n"
    "  as_of          TEXT NOT NULL,      -- 2019-06-30\n"
    "  rules          TEXT NOT NULL,      -- the rules' path as given\n"
    "  rules_sha256   TEXT NOT NULL,      -- of the rules file\n"
    "  results_sha256 TEXT NOT NULL,      -- of the CSV report\n"
    "  manifest       TEXT NOT NULL       -- the manifest (JSON)\n"
    ");\n"
    "CREATE TABLE results (\n"
    "  run         INTEGER NOT NULL REFERENCES runs (id),\n"
    "  seq         INTEGER NOT NULL,      -- the row's place in the CSV report, from 1\n"
    "  system      TEXT,                  -- NULL: a national check\n"
    "  system_name TEXT,\n"
    "  item        TEXT,\n"
    "  kind        TEXT NOT NULL,         -- commitment, check, national check, rating\n"
    "  class       TEXT,\n"
    "  status      TEXT,                  -- a rating's label\n"
    "  value       TEXT,                  -- exact, in base units, as in the CSV report\n"
    "  shown       TEXT,                  -- the value as people read it (94.2%)\n"
    "  threshold   TEXT,\n"
    "  window      TEXT,\n"
    "  coverage    INTEGER,\n"
    "  members     INTEGER,\n"
    "  PRIMARY KEY (run, seq)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX results_by_item ON results (system, item, run);\n"
    "PRAGMA user_version = 1;\n";

/* Schema 2 (issue 12): each result's completeness, as the CSV report has
 * it; NULL in runs archived before. An archive of schema 1 is upgraded by
 * the first run appended to it. */
static const char schema_v2[] =
    "ALTER TABLE results ADD COLUMN complete INTEGER;       -- 1 or 0; NULL for ratings\n"
    "ALTER TABLE results ADD COLUMN cells_expected INTEGER;\n"
    "ALTER TABLE results ADD COLUMN cells_present INTEGER;\n"
    "PRAGMA user_version = 2;\n";

static void nap(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* A statement that may meet a lock the busy handler does not wait for
 * (changing the journal mode): tried again for as long as the timeout. */
static int exec_patiently(sqlite3 *db, const char *sql)
{
    int rc = SQLITE_BUSY;
    for (int waited = 0; waited <= BUSY_TIMEOUT_MS; waited += 10) {
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) break;
        nap(10);
    }
    return rc;
}

Archive *archive_open(const char *path, bool write, char *why, size_t whycap)
{
    Archive *a = mem_calloc(1, sizeof *a);
    a->path = mem_strndup(path, strlen(path));
    int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (!write && access(path, F_OK) != 0) {
        why_say(why, whycap, "%s: no such archive", path);
        archive_close(a);
        return NULL;
    }
    a->hold = mem_hold();
    a->hold->release = rows_db_release;
    int rc = sqlite3_open_v2(path, &a->db, flags, NULL);
    a->hold->p = a->db;
    if (rc != SQLITE_OK) {
        fail(a, "cannot open", why, whycap);
        archive_close(a);
        return NULL;
    }
    sqlite3_extended_result_codes(a->db, 1);
    sqlite3_busy_timeout(a->db, BUSY_TIMEOUT_MS);
    bool ok = true;
    if (write) {
        ok = exec_patiently(a->db, "PRAGMA journal_mode = WAL") == SQLITE_OK
          && sqlite3_exec(a->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL, NULL, NULL) == SQLITE_OK;
    } else {
        ok = sqlite3_exec(a->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) == SQLITE_OK;
    }
    if (!ok) {
        fail(a, write ? "cannot set up the archive" : "cannot read the archive", why, whycap);
        archive_close(a);
        return NULL;
    }
    return a;
}

void archive_close(Archive *a)
{
    if (!a) return;
    mem_release(a->hold);
    mem_free(a->path);
    mem_free(a);
}

static int64_t one_int(sqlite3 *db, const char *sql, bool *ok)
{
    sqlite3_stmt *st;
    int64_t v = 0;
    *ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
    if (!*ok) return 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    else *ok = rc == SQLITE_DONE;
    sqlite3_finalize(st);
    return v;
}

/* The schema's version, checked: 0 for an empty database (no tables yet),
 * -1 (why says so) for one that is not a pledge archive or is newer. */
static int schema_version(Archive *a, char *why, size_t whycap)
{
    bool ok1, ok2;
    int64_t version = one_int(a->db, "PRAGMA user_version", &ok1);
    int64_t tables = one_int(a->db, "SELECT count(*) FROM sqlite_master", &ok2);
    if (!ok1 || !ok2) { fail(a, "cannot read the schema", why, whycap); return -1; }
    if (version == 0 && tables == 0) return 0;
    if (version == 0) {
        why_say(why, whycap, "%s: not a pledge archive (it has tables, but no schema version)", a->path);
        return -1;
    }
    if (version > ARCHIVE_SCHEMA) {
        why_say(why, whycap, "%s: archive schema %lld is newer than this pledge's (%d)", a->path, (long long)version,
            ARCHIVE_SCHEMA);
        return -1;
    }
    return (int)version;
}

/* PLEDGE_TEST_ARCHIVE_PAUSE (archive.h): for the tests only, and only in a
 * build configured with --enable-test-hooks; elsewhere it does nothing and
 * the environment is not read. */
#ifndef PLEDGE_TEST_HOOKS
static void test_pause(void) {}
#else
static void test_pause(void)
{
    const char *flag = getenv("PLEDGE_TEST_ARCHIVE_PAUSE");
    if (!flag || !*flag) return;
    OutFile of;
    char why[256];
    FILE *f = outfile_open(&of, flag, why, sizeof why);
    if (!f) return;
    fprintf(f, "%ld\n", (long)getpid());
    if (!outfile_commit(&of, why, sizeof why)) return;
    for (int i = 0; i < 6000 && access(flag, F_OK) == 0; i++) nap(10);
}
#endif

static void bind_text(sqlite3_stmt *st, int k, const char *s)
{
    if (s) sqlite3_bind_text(st, k, s, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, k);
}

static void bind_count(sqlite3_stmt *st, int k, int64_t n)
{
    if (n >= 0) sqlite3_bind_int64(st, k, n);
    else sqlite3_bind_null(st, k);
}

bool archive_append(Archive *a, const ArchiveRun *run, int64_t *id, char *why, size_t whycap)
{
    if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(a, "cannot start a transaction", why, whycap);
    sqlite3_stmt *st = NULL;
    int version = schema_version(a, why, whycap);
    bool ok = version >= 0;
    if (ok && version == 0 && sqlite3_exec(a->db, schema_v1, NULL, NULL, NULL) != SQLITE_OK)
        ok = fail(a, "cannot create the schema", why, whycap);
    if (ok && version < 2 && sqlite3_exec(a->db, schema_v2, NULL, NULL, NULL) != SQLITE_OK)
        ok = fail(a, "cannot upgrade the schema to version 2", why, whycap);

    char day[16];
    period_format((Period){ GRAIN_DAY, run->as_of }, day, sizeof day);
    if (ok && sqlite3_prepare_v2(a->db,
                                 "INSERT INTO runs (archived_at, engine, round, as_of, rules, rules_sha256, "
                                 "results_sha256, manifest) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), "
                                 "?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                 -1, &st, NULL) != SQLITE_OK)
        ok = fail(a, "cannot prepare", why, whycap);
    if (ok) {
        bind_text(st, 1, run->engine);
        bind_text(st, 2, run->round);
        bind_text(st, 3, day);
        bind_text(st, 4, run->rules);
        bind_text(st, 5, run->rules_sha256);
        bind_text(st, 6, run->results_sha256);
        bind_text(st, 7, run->manifest);
        if (sqlite3_step(st) != SQLITE_DONE) ok = fail(a, "cannot add the run", why, whycap);
        *id = sqlite3_last_insert_rowid(a->db);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (ok && sqlite3_prepare_v2(a->db,
                                 "INSERT INTO results (run, seq, system, system_name, item, kind, class, status, "
                                 "value, shown, threshold, window, coverage, members, complete, cells_expected, "
                                 "cells_present) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                                 -1, &st, NULL) != SQLITE_OK)
        ok = fail(a, "cannot prepare", why, whycap);
    for (size_t k = 0; ok && k < run->nrows; k++) {
        if (k == run->nrows / 2) test_pause();
        const ResultRow *row = &run->rows[k];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, (int64_t)k + 1);
        bind_text(st, 3, row->system);
        bind_text(st, 4, row->system_name);
        bind_text(st, 5, row->item);
        bind_text(st, 6, row->kind);
        bind_text(st, 7, row->cls);
        bind_text(st, 8, row->status);
        bind_text(st, 9, row->value);
        bind_text(st, 10, row->shown);
        bind_text(st, 11, row->threshold);
        bind_text(st, 12, row->window);
        bind_count(st, 13, row->coverage);
        bind_count(st, 14, row->members);
        bind_count(st, 15, row->complete);
        bind_count(st, 16, row->cells_expected);
        bind_count(st, 17, row->cells_present);
        if (sqlite3_step(st) != SQLITE_DONE) ok = fail(a, "cannot add a result", why, whycap);
    }
    if (ok && run->nrows == 0) test_pause();
    sqlite3_finalize(st);
    if (ok && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) ok = fail(a, "cannot commit", why, whycap);
    if (!ok) sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    return ok;
}

static const char *col(sqlite3_stmt *st, int k) { return (const char *)sqlite3_column_text(st, k); }

bool archive_history(Archive *a, const char *system, const char *item,
                     bool (*fn)(void *ud, const HistoryRow *row), void *ud, char *why, size_t whycap)
{
    /* a read transaction, so the runs read are one snapshot */
    if (sqlite3_exec(a->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return fail(a, "cannot read", why, whycap);
    int version = schema_version(a, why, whycap);
    bool ok = version >= 0;
    sqlite3_stmt *st = NULL;
    if (ok && version > 0
        && sqlite3_prepare_v2(a->db,
                              "SELECT r.id, r.archived_at, r.as_of, r.round, x.system, x.system_name, x.item, "
                              "x.kind, x.status, x.value, x.shown FROM results x JOIN runs r ON r.id = x.run "
                              "WHERE (?1 IS NULL OR x.system = ?1) AND (?2 IS NULL OR x.item = ?2) "
                              "ORDER BY x.system IS NULL, x.system, x.item, x.kind, r.as_of, r.archived_at, r.id",
                              -1, &st, NULL) != SQLITE_OK)
        ok = fail(a, "cannot query", why, whycap);
    if (ok && st) {
        bind_text(st, 1, system);
        bind_text(st, 2, item);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            HistoryRow row = { sqlite3_column_int64(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4),
                               col(st, 5), col(st, 6), col(st, 7), col(st, 8), col(st, 9), col(st, 10) };
            if (!fn(ud, &row)) break;
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) ok = fail(a, "cannot query", why, whycap);
    }
    sqlite3_finalize(st);
    sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
    return ok;
}

bool archive_runs(Archive *a, int64_t id, bool (*fn)(void *ud, const ArchivedRun *run), void *ud, char *why,
                  size_t whycap)
{
    if (sqlite3_exec(a->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return fail(a, "cannot read", why, whycap);
    int version = schema_version(a, why, whycap);
    bool ok = version >= 0;
    sqlite3_stmt *st = NULL;
    if (ok && version > 0
        && sqlite3_prepare_v2(a->db,
                              "SELECT id, archived_at, as_of, round, rules, rules_sha256, manifest FROM runs "
                              "WHERE ?1 = 0 OR id = ?1 ORDER BY id",
                              -1, &st, NULL) != SQLITE_OK)
        ok = fail(a, "cannot query", why, whycap);
    if (ok && st) {
        sqlite3_bind_int64(st, 1, id);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            ArchivedRun run = { sqlite3_column_int64(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4),
                                col(st, 5), col(st, 6) };
            if (!fn(ud, &run)) break;
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) ok = fail(a, "cannot query", why, whycap);
    }
    sqlite3_finalize(st);
    sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
    return ok;
}
