/* archive.h: a results archive in SQLite (issue 7; docs/provenance.md).
 *
 * `pledge assess ... --archive DB` appends one run: a row of `runs` (when,
 * engine, round, as-of date, rules, hashes, the manifest's JSON) and one row
 * of `results` per row of the CSV report, in one transaction: a run killed
 * half way leaves the archive as it was. The database is in WAL mode with a
 * busy timeout, so several writers (and readers) may share it; a writer
 * waits for the others' transactions (BEGIN IMMEDIATE) rather than failing.
 * The schema's version is PRAGMA user_version (ARCHIVE_SCHEMA); an archive
 * of a later version is refused, never altered.
 *
 * For the tests only, in a build configured with --enable-test-hooks (a
 * release build ignores it): with PLEDGE_TEST_ARCHIVE_PAUSE=FILE in the
 * environment, an append creates FILE when it is inside its transaction,
 * half its results written, and waits until FILE is removed (at most 60
 * seconds) before it goes on; a test can then kill it, or start another
 * writer, at a known point. */
#ifndef PLEDGE_ARCHIVE_H
#define PLEDGE_ARCHIVE_H
#include "report/manifest.h"

enum { ARCHIVE_SCHEMA = 2 };

typedef struct Archive Archive;

/* Opens (for writing, creating the file if need be) or fails with why. */
Archive *archive_open(const char *path, bool write, char *why, size_t whycap);
void     archive_close(Archive *a);

typedef struct ArchiveRun {
    const char *manifest;               /* the manifest's JSON */
    const char *engine, *round, *rules; /* round may be NULL */
    Day         as_of;
    const char *rules_sha256, *results_sha256;
    const ResultRow *rows;  size_t nrows;
} ArchiveRun;

/* Appends the run in one transaction; *id gets its run id. */
bool archive_append(Archive *a, const ArchiveRun *run, int64_t *id, char *why, size_t whycap);

/* One result of one run, for `pledge history`. */
typedef struct HistoryRow {
    int64_t     run;
    const char *archived_at, *as_of, *round;
    const char *system, *system_name, *item, *kind, *status, *value, *shown;   /* may be NULL */
} HistoryRow;

/* Calls fn for every archived result of system (NULL: any) and item (NULL:
 * any), ordered by system (national checks last), item, and then the runs
 * by as-of date, when archived and id (an earlier as-of archived later is
 * still earlier); fn returns false to stop. */
bool archive_history(Archive *a, const char *system, const char *item,
                     bool (*fn)(void *ud, const HistoryRow *row), void *ud, char *why, size_t whycap);

/* One archived run, for `pledge history` and `pledge compare --archive`. */
typedef struct ArchivedRun {
    int64_t     id;
    const char *archived_at, *as_of, *round, *rules, *rules_sha256, *manifest;  /* round may be NULL */
} ArchivedRun;

/* Calls fn for each run (id 0: every run, else only that one), in id
 * order; fn returns false to stop. */
bool archive_runs(Archive *a, int64_t id, bool (*fn)(void *ud, const ArchivedRun *run), void *ud, char *why,
                  size_t whycap);

#endif
