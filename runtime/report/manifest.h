/* manifest.h: what an assessment was run on, and what it found
 * (issue 7; docs/provenance.md is the auditor's description).
 *
 * A manifest records the engine, the rules (path as given, SHA-256 of the
 * source and of the compiled bytecode), every feed and hierarchy (name,
 * path as given, SHA-256 of the file, rows, unmapped rows, skipped rows),
 * the as-of date, the options that change results, the folder the run was
 * made in, and the results: the SHA-256 of the CSV report's bytes and, so
 * that a replay can say which results moved, each row's system, item,
 * status and value.
 *
 * It is JSON, written with Jansson (whole or not at all, outfile.h) and
 * read back with it. Paths are kept as given on the command line;
 * `directory` is the folder they were given in, relative to the manifest's
 * own folder, so a replay from anywhere finds them and compiles the rules
 * under the same name (the bytecode embeds it).
 *
 * Ownership: a Manifest owns everything it points to (its arena);
 * manifest_free releases it. */
#ifndef PLEDGE_MANIFEST_H
#define PLEDGE_MANIFEST_H
#include "report/report.h"
#include "vm/bytecode.h"
#include "vm/vm.h"

enum { MANIFEST_VERSION = 1 };

/* One row of the CSV report (report_csv), as its cells: a result, or a
 * rating (kind "rating", its label in status). NULL is an empty cell. */
typedef struct ResultRow {
    const char *system, *system_name;   /* NULL for a national check */
    const char *item, *kind, *cls;
    const char *status;
    const char *value, *threshold;      /* exact, in base units (val_format raw) */
    const char *shown;                  /* the value as people read it (report_display) */
    const char *window;
    int64_t     coverage, members;      /* -1 where the CSV cell is empty (ratings) */
    int         complete;               /* 1, 0; -1 for ratings */
    int64_t     cells_expected, cells_present;  /* -1 for ratings */
} ResultRow;

/* The rows of r in the CSV report's order, allocated in a. */
size_t results_rows(const Report *r, Arena *a, ResultRow **out);
/* The SHA-256 of report_csv(r)'s bytes: the results' canonical form. */
bool results_sha256(const Report *r, char hex[65]);

typedef struct ManifestInput {
    const char *name, *kind, *path;     /* kind: "feed" or "hierarchy"; path as given */
    char        sha256[65];             /* data/digest.h: a file's bytes, a table's rows */
    uint64_t    rows, unmapped_rows;
    uint64_t    skipped_rows;           /* bad rows left out (--on-bad-row=skip) */
    bool        has_skipped_rows;       /* false: a manifest made before they were recorded
                                         * (skipped_rows is then 0, and not compared) */
} ManifestInput;

/* A variations file the run applied (--variations): its path as given and
 * the SHA-256 of its bytes. */
typedef struct ManifestFile { const char *path; char sha256[65]; } ManifestFile;

typedef struct Manifest {
    Arena        arena;
    int          version;
    const char  *engine;
    const char  *directory;             /* the run's folder, from the manifest's folder */
    const char  *round;                 /* NULL: the rules have no round */
    Day          as_of;
    const char  *rules;                 /* the rules' path as given */
    bool         rules_bytecode;        /* a .plb: both hashes are the file's */
    char         source_sha256[65], bytecode_sha256[65];
    ManifestInput *inputs;  size_t ninputs;
    ManifestFile *variations; size_t nvariations;   /* none in a manifest of a run without them */
    const char **systems;   size_t nsystems;    /* --system, as given */
    bool         skip_bad_rows;                 /* --on-bad-row=skip */
    VmLimits     limits;
    const char **allowed;   size_t nallowed;    /* --allow-native */
    char         results_sha256[65];
    ResultRow   *rows;      size_t nrows;       /* system, item, kind, status, value only */
} Manifest;

/* What an assessment ran on: filled by the command that ran it. */
typedef struct ManifestRun {
    const char *rules;                  /* as given */
    const BcProgram *bc;                /* as loaded from rules */
    const Report *report;
    Day         as_of;
    const char *const *systems;   size_t nsystems;
    const char *const *allowed;   size_t nallowed;
    VmLimits    limits;
    bool        skip_bad_rows;
    const char *engine;
} ManifestRun;

/* The SHA-256 of a rules file as a manifest records it: the source's (or
 * the .plb's) bytes, and bc written with plb_write (or, again, the .plb's). */
bool manifest_rules_hashes(const char *rules, const BcProgram *bc, char source[65], char bytecode[65],
                           char *why, size_t whycap);
/* The SHA-256 of an input as given (data/digest.h: a file's bytes, a
 * table's rows). */
bool manifest_input_sha256(const char *source, char hex[65]);
/* The same, of the kind recorded holds: an SQLite table's manifest made
 * before tables had a digest of their rows holds the database file's
 * (decisions.md), which is then taken. False if it cannot be read. */
bool manifest_input_sha256_as(const char *source, const char *recorded, char hex[65]);

/* Fills m from a finished run; `home` is the folder the manifest will live
 * in (for `directory`). Takes the report's digests of the inputs where it
 * has them (ReportInput.sha256) and hashes the rest. False, with why, if one cannot be
 * read or a path cannot be written as JSON text (it is not UTF-8). */
bool manifest_build(Manifest *m, const ManifestRun *run, const char *home, char *why, size_t whycap);

/* The manifest as JSON text (mem_free it), with a final newline. */
char *manifest_json(const Manifest *m);
/* Writes it to path whole or not at all. */
bool manifest_write(const Manifest *m, const char *path, char *why, size_t whycap);

/* Reads and checks a manifest. On failure why says where: "M.json:3:14:
 * ..." for JSON that does not parse, "M.json: inputs[1].sha256: ..." for
 * a value that is missing or of the wrong kind. m is then empty. */
bool manifest_read(Manifest *m, const char *path, char *why, size_t whycap);

/* The same from JSON text (a manifest kept in an archive); name says
 * where it came from in messages. */
bool manifest_parse(Manifest *m, const char *text, const char *name, char *why, size_t whycap);

void manifest_free(Manifest *m);

/* Sets m->directory for a manifest kept in folder home (the run's folder
 * is the working folder). */
bool manifest_rehome(Manifest *m, const char *home, char *why, size_t whycap);

/* s as a manifest records it: bytes that are not UTF-8 become U+FFFD
 * (names from data; the results' hash covers their exact bytes). s itself
 * when it is UTF-8 already, else a copy in a. */
const char *manifest_text(Arena *a, const char *s);

/* The folder of a file's path ("." for a bare name), in a (dirname). */
char *manifest_dirname(Arena *a, const char *path);

#endif
