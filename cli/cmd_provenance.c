/* cmd_provenance.c: manifests and the results archive on the command line
 * (issue 7): the --manifest and --archive hooks of `pledge assess`,
 * `pledge replay M.json` and `pledge history --archive DB`.
 * docs/provenance.md says what is recorded and how replay decides. */
#include "config.h"
#include "provenance.h"
#include "report/archive.h"
#include "engine/assess.h"
#include "lang/front.h"
#include "vm/compile.h"
#include "vm/plb.h"
#include "base/sha256.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_DIFFERS = 1, EXIT_USAGE = 2, EXIT_BAD_INPUT = 3, EXIT_LIMIT = 4 };

static const char usage_replay[] =
    "usage: pledge replay M.json\n"
    "\n"
    "Runs again the assessment a manifest (pledge assess --manifest M.json)\n"
    "records: the same rules, feeds and hierarchies, as-of date and options.\n"
    "Relative paths are as given to pledge assess, in the folder it ran in,\n"
    "which the manifest records relative to its own folder.\n"
    "\n"
    "Says which rules, feed or hierarchy no longer has its recorded SHA-256,\n"
    "by name and path, and which results differ (system, item, status, value).\n"
    "\n"
    "exit status: 0 every input has its recorded hash and the results are\n"
    "identical; 1 something differs; 2 usage; 3 the manifest cannot be read\n"
    "(with the line and column, or the key, at fault); 4 a runtime limit.\n";

static const char usage_history[] =
    "usage: pledge history --archive DB [--system CODE] [--item ID] [--format text|csv]\n"
    "\n"
    "Shows how each result moved from run to run in an archive that\n"
    "pledge assess --archive DB appended to: one line per run, system and item\n"
    "(run id, when archived, as-of date, round, status, value), grouped by\n"
    "system and item, with the change of status from the run before.\n"
    "\n"
    "options:\n"
    "  --archive DB     the archive (an SQLite database)\n"
    "  --system CODE    only this system\n"
    "  --item ID        only this commitment, check or rating\n"
    "  --format F       text (default) or csv (exact values, every run)\n"
    "\n"
    "exit status: 0 shown; 2 usage; 3 the archive cannot be read.\n";

static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    return false;
}

/* ---- pledge assess --manifest / --archive ------------------------------------ */

static int append_to_archive(Manifest *m, const char *path)
{
    char why[1024];
    Arena scratch = { 0 };
    if (!manifest_rehome(m, manifest_dirname(&scratch, path), why, sizeof why)) {
        arena_free(&scratch);
        fprintf(stderr, "pledge assess: --archive: %s\n", why);
        return EXIT_BAD_INPUT;
    }
    arena_free(&scratch);
    char *json = manifest_json(m);
    Archive *a = json ? archive_open(path, true, why, sizeof why) : NULL;
    if (!json) snprintf(why, sizeof why, "cannot write the manifest as JSON");
    int64_t id = 0;
    ArchiveRun run = { json, m->engine, m->round, m->rules, m->as_of, m->source_sha256, m->results_sha256,
                       m->rows, m->nrows };
    bool ok = a && archive_append(a, &run, &id, why, sizeof why);
    archive_close(a);
    mem_free(json);
    if (!ok) {
        fprintf(stderr, "pledge assess: --archive: %s\n", why);
        return EXIT_BAD_INPUT;
    }
    return EXIT_OK;
}

int provenance_record(const ManifestRun *run, const char *manifest_path, const char *archive_path)
{
    if (!manifest_path && !archive_path) return EXIT_OK;
    char why[1024];
    Arena scratch = { 0 };
    Manifest m;
    const char *home = manifest_dirname(&scratch, manifest_path ? manifest_path : archive_path);
    bool ok = manifest_build(&m, run, home, why, sizeof why);
    arena_free(&scratch);
    if (!ok) {
        fprintf(stderr, "pledge assess: %s: %s\n", manifest_path ? "--manifest" : "--archive", why);
        return EXIT_BAD_INPUT;
    }
    int rc = EXIT_OK;
    if (manifest_path && !manifest_write(&m, manifest_path, why, sizeof why)) {
        fprintf(stderr, "pledge assess: --manifest: %s\n", why);
        rc = EXIT_BAD_INPUT;
    }
    if (rc == EXIT_OK && archive_path) rc = append_to_archive(&m, archive_path);
    manifest_free(&m);
    return rc;
}

/* ---- pledge replay ------------------------------------------------------------- */

static int load_round(const char *path, BcProgram *bc, char *why, size_t whycap)
{
    if (plb_is_bytecode_file(path)) return plb_read_file(path, bc, why, whycap) ? EXIT_OK : EXIT_BAD_INPUT;
    Program p = { 0 };
    bool ok = front_load(&p, path) && comp_program(&p, bc);
    diag_print(&p.diags, stderr, false);
    front_free(&p);
    if (!ok) {
        bc_free(bc);
        snprintf(why, whycap, "%s does not compile (the errors are above)", path);
    }
    return ok ? EXIT_OK : EXIT_BAD_INPUT;
}

static int assess_exit(AssessStatus st)
{
    return st == ASSESS_OK ? EXIT_OK : st == ASSESS_USAGE ? EXIT_USAGE : st == ASSESS_LIMIT ? EXIT_LIMIT : EXIT_BAD_INPUT;
}

static const char *or_dash(const char *s) { return s ? s : "-"; }

/* " recorded missed (0.882)", " now absent" */
static void say_status(FILE *out, const char *when, const ResultRow *row)
{
    if (!row) { fprintf(out, " %s absent", when); return; }
    fprintf(out, " %s %s", when, row->status ? row->status : "no label");
    if (row->value) fprintf(out, " (%s)", row->value);
}

static bool same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

static int row_key_cmp(const ResultRow *a, const ResultRow *b)
{
    int c;
    if ((c = (a->system != NULL) - (b->system != NULL)) != 0) return c;
    if (a->system && (c = strcmp(a->system, b->system)) != 0) return c;
    if ((c = strcmp(or_dash(a->kind), or_dash(b->kind))) != 0) return c;
    return strcmp(or_dash(a->item), or_dash(b->item));
}

static int row_ptr_cmp(const void *x, const void *y)
{
    return row_key_cmp(*(const ResultRow *const *)x, *(const ResultRow *const *)y);
}

enum { SHOW_DIFFERENCES = 5 };

static void say_difference(FILE *out, const ResultRow *was, const ResultRow *now)
{
    const ResultRow *r = was ? was : now;
    fprintf(out, "  %s %s:", r->system ? r->system : "(national)", or_dash(r->item));
    if (was) say_status(out, "recorded", was);
    else fputs(" not recorded", out);
    fputc(',', out);
    say_status(out, "now", now);
    fputc('\n', out);
}

/* Compares the recorded rows with the new ones by (system, kind, item), in
 * the recorded order and then the new rows nobody recorded; prints the
 * first few differences and returns how many there are. */
static unsigned compare_rows(const ResultRow *old, size_t nold, const ResultRow *now, size_t nnow, FILE *out)
{
    const ResultRow **sorted = mem_alloc((nnow + 1) * sizeof *sorted);
    bool *matched = mem_calloc(nnow + 1, 1);
    for (size_t i = 0; i < nnow; i++) sorted[i] = &now[i];
    qsort(sorted, nnow, sizeof *sorted, row_ptr_cmp);
    unsigned differ = 0;
    for (size_t i = 0; i < nold; i++) {
        const ResultRow *key = &old[i];
        const ResultRow **hit = bsearch(&key, sorted, nnow, sizeof *sorted, row_ptr_cmp);
        const ResultRow *n = hit ? *hit : NULL;
        if (n) matched[n - now] = true;
        if (n && same(n->status, key->status) && same(n->value, key->value)) continue;
        if (++differ <= SHOW_DIFFERENCES) say_difference(out, key, n);
    }
    for (size_t i = 0; i < nnow; i++)
        if (!matched[i] && ++differ <= SHOW_DIFFERENCES) say_difference(out, NULL, &now[i]);
    if (differ > SHOW_DIFFERENCES) fprintf(out, "  ... and %u more\n", differ - SHOW_DIFFERENCES);
    mem_free(sorted);
    mem_free(matched);
    return differ;
}

/* The new rows as a manifest holds them: text made UTF-8 as it was when
 * recorded (manifest_text), so that only real differences count. */
static size_t rows_as_recorded(const Report *r, Arena *a, ResultRow **out)
{
    size_t n = results_rows(r, a, out);
    for (size_t i = 0; i < n; i++) {
        ResultRow *row = &(*out)[i];
        row->system = manifest_text(a, row->system);
        row->item = manifest_text(a, row->item);
        row->status = manifest_text(a, row->status);
        row->value = manifest_text(a, row->value);
    }
    return n;
}

/* Checks one file's hash against the manifest's; prints the line. */
static bool check_hash(const char *label, const char *name, const char *path, const char *recorded,
                       const char *now)
{
    int err = errno;
    printf("%-9s %s%s%s", label, name ? name : "", name ? " (" : "", path);
    if (!now) printf("%s: cannot be read now (%s)\n", name ? ")" : "", strerror(err));
    else if (strcmp(now, recorded) != 0)
        printf("%s: changed: sha256 recorded %s, now %s\n", name ? ")" : "", recorded, now);
    else printf("%s: as recorded\n", name ? ")" : "");
    return now && strcmp(now, recorded) == 0;
}

/* Runs the recorded assessment in the current folder (the run's). */
static int rerun(const Manifest *m, const BcProgram *bc, Report *r, char *why, size_t whycap)
{
    size_t n = m->ninputs;
    Binding *b = mem_alloc((n + 1) * sizeof *b);
    for (size_t k = 0; k < n; k++) b[k] = (Binding){ m->inputs[k].name, strlen(m->inputs[k].name), DATA_PATH(m->inputs[k].path) };
    FeedOptions fo = { .skip_bad_rows = m->skip_bad_rows, .report = stderr };
    Inputs in = { 0 };
    Vm *vm = vm_new(bc, (VmLimits){ VM_DEFAULT_STEPS, VM_DEFAULT_MEMORY, VM_DEFAULT_DEPTH }, NULL, 0);
    AssessStatus st = inputs_load(&in, bc, m->rules, b, n, true, &fo, vm, why, whycap);
    vm_free(vm);
    mem_free(b);
    if (st == ASSESS_OK) {
        AssessOptions ao = { .as_of = m->as_of, .systems = m->systems, .nsystems = m->nsystems,
                             .limits = m->limits, .allowed = m->allowed, .nallowed = m->nallowed,
                             .rules = m->rules, .engine = "pledge " PACKAGE_VERSION };
        st = assess_run(&in, &ao, r, why, whycap);
    }
    inputs_free(&in);
    return assess_exit(st);
}

/* The inputs the run read now against the recorded rows and unmapped rows:
 * the same bytes read differently (another engine) count as a difference. */
static bool compare_counts(const Manifest *m, const Report *r)
{
    bool ok = true;
    for (size_t k = 0; k < m->ninputs; k++) {
        const ManifestInput *mi = &m->inputs[k];
        for (size_t j = 0; j < r->ninputs; j++) {
            const ReportInput *ri = &r->inputs[j];
            if (strcmp(ri->name, mi->name) != 0 || strcmp(ri->kind, mi->kind) != 0) continue;
            bool feed = strcmp(mi->kind, "feed") == 0;
            if (ri->rows != mi->rows || (feed && ri->unmapped_rows != mi->unmapped_rows)) {
                printf("%-9s %s (%s): read differently: %llu rows (%llu unmapped) recorded, now %llu (%llu)\n",
                       mi->kind, mi->name, mi->path, (unsigned long long)mi->rows,
                       (unsigned long long)mi->unmapped_rows, (unsigned long long)ri->rows,
                       (unsigned long long)ri->unmapped_rows);
                ok = false;
            }
        }
    }
    return ok;
}

static int replay(const Manifest *m, const char *mpath)
{
    char why[1024];
    const char *engine = "pledge " PACKAGE_VERSION;
    if (strcmp(m->engine, engine) != 0) printf("engine    recorded %s, this is %s\n", m->engine, engine);

    /* every file's hash, before anything is loaded */
    unsigned changed = 0;
    char now[65];
    bool rules_same = check_hash("rules", NULL, m->rules, m->source_sha256,
                                 manifest_input_sha256(m->rules, now) ? now : NULL);
    changed += !rules_same;
    for (size_t k = 0; k < m->ninputs; k++) {
        const ManifestInput *mi = &m->inputs[k];
        changed += !check_hash(mi->kind, mi->name, mi->path, mi->sha256,
                               manifest_input_sha256(mi->path, now) ? now : NULL);
    }

    BcProgram bc = { 0 };
    int rc = load_round(m->rules, &bc, why, sizeof why);
    bool compiled = false, read = false, outside = false;    /* other differences */
    if (rc == EXIT_OK && rules_same) {
        char src[65], code[65];
        if (!manifest_rules_hashes(m->rules, &bc, src, code, why, sizeof why)) rc = EXIT_BAD_INPUT;
        else if (strcmp(code, m->bytecode_sha256) != 0) {
            printf("bytecode  %s compiles differently (an imported file or the compiler changed): sha256 "
                   "recorded %s, now %s\n", m->rules, m->bytecode_sha256, code);
            compiled = true;
        }
    }
    Report r = { 0 };
    if (rc == EXIT_OK) rc = rerun(m, &bc, &r, why, sizeof why);
    bc_free(&bc);
    if (rc != EXIT_OK) {
        printf("results   the assessment does not run now: %s\n", why);
        report_free(&r);
        if (!changed && !compiled) return rc;      /* nothing changed, yet it fails: say how */
        printf("replay: differs from %s\n", mpath);
        return EXIT_DIFFERS;
    }
    read = !compare_counts(m, &r);

    char hash[65];
    unsigned differ = 0;
    if (!results_sha256(&r, hash)) {
        report_free(&r);
        fprintf(stderr, "pledge replay: cannot serialise the results\n");
        return EXIT_BAD_INPUT;
    }
    Arena a = { 0 };
    ResultRow *rows;
    size_t nrows = rows_as_recorded(&r, &a, &rows);
    if (strcmp(hash, m->results_sha256) == 0) {
        printf("results   %zu rows: identical (sha256 %s)\n", nrows, hash);
    } else {
        printf("results   %zu rows recorded, %zu now: sha256 recorded %s, now %s\n", m->nrows, nrows,
               m->results_sha256, hash);
        differ = compare_rows(m->rows, m->nrows, rows, nrows, stdout);
        if (!differ) {
            printf("  status and value as recorded: the difference is in names, thresholds, windows,\n"
                   "  coverage or members (pledge assess --format csv shows them)\n");
            outside = true;
        }
    }
    arena_free(&a);
    report_free(&r);
    if (!changed && !differ && !compiled && !read && !outside) {
        printf("replay: identical to %s\n", mpath);
        return EXIT_OK;
    }
    printf("replay: differs from %s: ", mpath);
    const char *sep = "";
    if (changed) printf("%u input%s changed", changed, changed == 1 ? "" : "s"), sep = ", ";
    if (compiled) printf("%sthe rules compile differently", sep), sep = ", ";
    if (read) printf("%sthe inputs are read differently", sep), sep = ", ";
    if (differ) printf("%s%u result%s differ%s", sep, differ, differ == 1 ? "" : "s", differ == 1 ? "s" : "");
    if (outside) printf("%sthe results differ outside status and value", sep);
    printf("\n");
    return EXIT_DIFFERS;
}

int cmd_replay(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_replay, stdout); return EXIT_OK; }
    if (argc != 1 || (argv[0][0] == '-' && argv[0][1])) {
        if (argc >= 1 && argv[0][0] == '-') fprintf(stderr, "pledge replay: unknown option `%s`\n\n", argv[0]);
        fputs(usage_replay, stderr);
        return EXIT_USAGE;
    }
    const char *mpath = argv[0];
    char why[1024];
    Manifest m;
    if (!manifest_read(&m, mpath, why, sizeof why)) {
        fprintf(stderr, "pledge replay: %s\n", why);
        return EXIT_BAD_INPUT;
    }
    /* the paths are as given in the folder the assessment ran in */
    const char *home = manifest_dirname(&m.arena, mpath);
    char *dir = arena_printf(&m.arena, "%s/%s", home, m.directory);
    if (m.directory[0] == '/') dir = (char *)m.directory;
    char *back = getcwd(NULL, 0);
    int rc;
    if (chdir(dir) != 0) {
        printf("folder    %s (the folder the assessment ran in, from %s's): %s\n", m.directory, mpath,
               strerror(errno));
        printf("replay: differs from %s: its folder is gone\n", mpath);
        rc = EXIT_DIFFERS;
    } else {
        rc = replay(&m, mpath);
    }
    if (back && chdir(back) != 0) { /* nothing after this reads a relative path */ }
    free(back);
    manifest_free(&m);
    return rc;
}

/* ---- pledge history ----------------------------------------------------------- */

typedef struct History {
    Arena       arena;
    HistoryRow *rows;
    size_t      n, cap;
} History;

static const char *keep(Arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

static bool collect(void *ud, const HistoryRow *row)
{
    History *h = ud;
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->rows = mem_realloc(h->rows, h->cap * sizeof *h->rows);
    }
    Arena *a = &h->arena;
    h->rows[h->n++] = (HistoryRow){ row->run, keep(a, row->archived_at), keep(a, row->as_of), keep(a, row->round),
                                    keep(a, row->system), keep(a, row->system_name), keep(a, row->item),
                                    keep(a, row->kind), keep(a, row->status), keep(a, row->value),
                                    keep(a, row->shown) };
    return true;
}

static bool same_result(const HistoryRow *a, const HistoryRow *b)
{
    return same(a->system, b->system) && same(a->item, b->item) && same(a->kind, b->kind);
}

/* A CSV cell: quoted when it holds a comma, a quote or a line end. */
static void csv_cell(const char *s, char end)
{
    if (s && strpbrk(s, ",\"\r\n")) {
        putchar('"');
        for (; *s; s++) {
            if (*s == '"') putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else if (s) {
        fputs(s, stdout);
    }
    putchar(end);
}

static void history_csv(const History *h)
{
    puts("run,archived_at,as_of,round,system,system_name,item,kind,status,value");
    for (size_t i = 0; i < h->n; i++) {
        const HistoryRow *r = &h->rows[i];
        printf("%lld,", (long long)r->run);
        csv_cell(r->archived_at, ',');
        csv_cell(r->as_of, ',');
        csv_cell(r->round, ',');
        csv_cell(r->system, ',');
        csv_cell(r->system_name, ',');
        csv_cell(r->item, ',');
        csv_cell(r->kind, ',');
        csv_cell(r->status, ',');
        csv_cell(r->value, '\n');
    }
}

/* Printable width in code points (names are mostly Latin; see decisions). */
static int width(const char *s)
{
    int n = 0;
    for (; s && *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Appends a cell to a line, padded to w and two spaces; control
 * characters from data are shown as ?. */
static void cell(char *line, size_t *len, size_t cap, const char *s, int w)
{
    const char *t = s ? s : "-";
    for (const char *c = t; *c && *len + 1 < cap; c++)
        line[(*len)++] = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
    for (int k = width(t); k < w + 2 && *len + 1 < cap; k++) line[(*len)++] = ' ';
}

/* Prints the cells as a line without trailing blanks. */
static void print_line(const char *const *cells, const int *w, int ncol)
{
    char line[2048];
    size_t len = 0;
    for (int c = 0; c < ncol; c++) cell(line, &len, sizeof line, cells[c], w[c]);
    while (len && line[len - 1] == ' ') len--;
    printf("%.*s\n", (int)len, line);
}

static void history_text(const History *h)
{
    enum { NCOL = 9 };
    static const char *const head[NCOL] = { "run", "archived (UTC)", "as of", "round", "system", "item", "status",
                                           "value", "moved" };
    int w[NCOL];
    for (int c = 0; c < NCOL; c++) w[c] = width(head[c]);
    char (*ids)[24] = mem_alloc((h->n + 1) * sizeof *ids);
    Arena moved = { 0 };
    const char **how = mem_calloc(h->n + 1, sizeof *how);
    for (size_t i = 0; i < h->n; i++) {
        const HistoryRow *r = &h->rows[i];
        snprintf(ids[i], sizeof ids[i], "%lld", (long long)r->run);
        if (i && same_result(r, &h->rows[i - 1]) && !same(r->status, h->rows[i - 1].status))
            how[i] = arena_printf(&moved, "%s -> %s", or_dash(h->rows[i - 1].status), or_dash(r->status));
        const char *cells[NCOL] = { ids[i], r->archived_at, r->as_of, r->round, r->system ? r->system : "(national)",
                                    r->item, r->status, r->shown, how[i] };
        for (int c = 0; c < NCOL; c++)
            if (width(cells[c] ? cells[c] : "-") > w[c]) w[c] = width(cells[c] ? cells[c] : "-");
    }
    print_line(head, w, NCOL);
    for (size_t i = 0; i < h->n; i++) {
        const HistoryRow *r = &h->rows[i];
        if (i && !same_result(r, &h->rows[i - 1])) putchar('\n');
        const char *cells[NCOL] = { ids[i], r->archived_at, r->as_of, r->round, r->system ? r->system : "(national)",
                                    r->item, r->status, r->shown, how[i] ? how[i] : "" };
        print_line(cells, w, NCOL);
    }
    mem_free(ids);
    mem_free(how);
    arena_free(&moved);
}

int cmd_history(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_history, stdout); return EXIT_OK; }
    const char *db = NULL, *system = NULL, *item = NULL, *format = "text";
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(o, "--archive") == 0 || strcmp(o, "--system") == 0 || strcmp(o, "--item") == 0
                  || strcmp(o, "--format") == 0;
        if (!takes) {
            fprintf(stderr, "pledge history: unexpected `%s`\n\n%s", o, usage_history);
            return EXIT_USAGE;
        }
        if (!v) { fprintf(stderr, "pledge history: %s needs a value\n", o); return EXIT_USAGE; }
        i++;
        if (strcmp(o, "--archive") == 0) db = v;
        else if (strcmp(o, "--system") == 0) system = v;
        else if (strcmp(o, "--item") == 0) item = v;
        else format = v;
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0) {
        fprintf(stderr, "pledge history: --format is text or csv, not `%s`\n", format);
        return EXIT_USAGE;
    }
    if (!db) { fputs(usage_history, stderr); return EXIT_USAGE; }
    char why[1024];
    Archive *a = archive_open(db, false, why, sizeof why);
    History h = { 0 };
    bool ok = a && archive_history(a, system, item, collect, &h, why, sizeof why);
    archive_close(a);
    if (ok) {
        if (strcmp(format, "csv") == 0) history_csv(&h);
        else if (h.n) history_text(&h);
        else printf("no archived results%s%s%s%s in %s\n", system ? " for system " : "", system ? system : "",
                    item ? " for item " : "", item ? item : "", db);
        if (fflush(stdout) != 0) ok = false, snprintf(why, sizeof why, "cannot write the history");
    }
    mem_free(h.rows);
    arena_free(&h.arena);
    if (!ok) { fprintf(stderr, "pledge history: %s\n", why); return EXIT_BAD_INPUT; }
    return EXIT_OK;
}
