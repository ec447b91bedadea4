/* provenance.c: manifests and the results archive (issue 7): recording an
 * assessment (pledge_report_record), running again what a manifest
 * records (pledge_replay); history.c shows results from run to run.
 * docs/provenance.md says what is recorded and how replay decides. */
#include "config.h"
#include "api/api.h"
#include "base/conninfo.h"
#include "report/archive.h"
#include "vm/compile.h"
#include "vm/plb.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char api_engine_name[] = "pledge " PACKAGE_VERSION;

/* ---- recording an assessment ------------------------------------------------ */

static pledge_status append_to_archive(pledge_state *S, Manifest *m, const char *path)
{
    char why[1024];
    Arena scratch = { 0 };
    if (!manifest_rehome(m, manifest_dirname(&scratch, path), why, sizeof why)) {
        arena_free(&scratch);
        return api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
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
    return ok ? PLEDGE_OK : api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
}

/* A manifest names the files an assessment read, to hash them again. */
static pledge_status recordable(const pledge_report *rep)
{
    const pledge_round *R = rep->R;
    if (R->from_memory)
        return api_fail(rep->S, PLEDGE_ERR_USAGE, "%s: a round loaded from memory cannot be recorded (a manifest "
                        "names the rule file it was loaded from)", R->path);
    for (size_t i = 0; i < R->bindings.len; i++)
        if (R->bindings.items[i].source.bytes)
            return api_fail(rep->S, PLEDGE_ERR_USAGE, "`%s` was bound from memory (%s): only inputs read from "
                            "files can be recorded (a manifest names each file and its SHA-256)",
                            R->bindings.items[i].name, R->bindings.items[i].source.name);
    return PLEDGE_OK;
}

/* The manifest of rep's run for a file in folder home: built once (hashing
 * every input, which may be hundreds of megabytes), then only rehomed, so
 * a manifest and an archive recorded one after the other read each input
 * once. rep keeps it; it is a cache, so rep stays const to the caller. */
static pledge_status run_manifest(const pledge_report *rep, const char *home, Manifest **out)
{
    pledge_state *S = rep->S;
    pledge_report *keep = (pledge_report *)rep;
    char why[1024];
    if (keep->manifest) {
        *out = keep->manifest;
        return manifest_rehome(keep->manifest, home, why, sizeof why) ? PLEDGE_OK
                                                                      : api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
    }
    const pledge_round *R = rep->R;
    ManifestRun run = { R->path, &R->bc, &rep->r, rep->as_of, rep->systems, rep->nsystems,
                        S->allowed, S->cfg.nallow_native, S->limits, S->cfg.skip_bad_rows, api_engine_name };
    Manifest *m = mem_calloc(1, sizeof *m);
    if (!manifest_build(m, &run, home, why, sizeof why)) {
        mem_free(m);
        return api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
    }
    *out = keep->manifest = m;
    return PLEDGE_OK;
}

static pledge_status record(const pledge_report *rep, const char *manifest_path, const char *archive_path)
{
    pledge_state *S = rep->S;
    S->error[0] = '\0';
    if (!manifest_path && !archive_path) return PLEDGE_OK;
    pledge_status st = recordable(rep);
    if (st != PLEDGE_OK) return st;
    Arena scratch = { 0 };
    Manifest *m = NULL;
    st = run_manifest(rep, manifest_dirname(&scratch, manifest_path ? manifest_path : archive_path), &m);
    arena_free(&scratch);
    if (st != PLEDGE_OK) return st;
    char why[1024];
    if (manifest_path && !manifest_write(m, manifest_path, why, sizeof why))
        st = api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
    if (st == PLEDGE_OK && archive_path) st = append_to_archive(S, m, archive_path);
    return st;
}

pledge_status pledge_report_record(const pledge_report *rep, const char *manifest, const char *archive)
{
    API_ENTER(rep->S);
    API_RETURN(rep->S, record(rep, manifest, archive));
}

/* ---- pledge_replay --------------------------------------------------------------- */

/* Where the run read a recorded path: in its folder dir, unless absolute
 * (sqlite:PATH:TABLE alike). */
const char *api_run_path(Arena *a, const char *dir, const char *path)
{
    if (strncmp(path, "sqlite:", 7) == 0) return arena_printf(a, "sqlite:%s", api_run_path(a, dir, path + 7));
    if (strncmp(path, "postgresql:", 11) == 0) {
        /* a server, not a file; recorded with its password as ***, which
         * is left out to connect (libpq reads PGPASSWORD or ~/.pgpass) */
        char *drop = conninfo_hide_source(path, CONNINFO_DROP);
        const char *kept = arena_strndup(a, drop, strlen(drop));
        mem_free(drop);
        return kept;
    }
    if (strncmp(path, "aggregated:", 11) == 0) return arena_printf(a, "aggregated:%s", api_run_path(a, dir, path + 11));
    return path[0] == '/' ? path : arena_printf(a, "%s/%s", dir, path);
}

/* Why dir cannot be worked in (as chdir would say), or 0. */
static int folder_error(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) return errno;
    if (!S_ISDIR(st.st_mode)) return ENOTDIR;
    return access(dir, X_OK) == 0 ? 0 : errno;
}

/* A message that starts with the path read names it as recorded. */
static void name_as_recorded(char *why, size_t cap, const char *file, const char *name)
{
    size_t n = strlen(file);
    if (file == name || strncmp(why, file, n) != 0) return;
    char rest[1024];
    snprintf(rest, sizeof rest, "%s", why + n);
    snprintf(why, cap, "%s%s", name, rest);
}

/* The rules at file (a .plb, verified, or a source, compiled), named as
 * recorded; diagnostics to the state's callback. */
pledge_status api_load_recorded_rules(pledge_state *S, const char *file, const char *name, BcProgram *bc,
                                      char *why, size_t cap)
{
    if (plb_is_bytecode_file(file)) {
        if (plb_read_file(file, bc, why, cap)) return PLEDGE_OK;
        name_as_recorded(why, cap, file, name);
        return PLEDGE_ERR_INPUT;
    }
    Program p = { 0 };
    bool ok = front_load_named(&p, file, name) && comp_program(&p, bc);
    api_diagnostics(S, &p.diags);
    front_free(&p);
    if (!ok) {
        bc_free(bc);
        snprintf(why, cap, "%s does not compile (the errors are above)", name);
    }
    return ok ? PLEDGE_OK : PLEDGE_ERR_INPUT;
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
 * the recorded order and then the new rows nobody recorded; names each
 * difference (an auditor needs every one, not a sample) when out is not
 * NULL, and returns how many there are. */
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
        differ++;
        if (out) say_difference(out, key, n);
    }
    for (size_t i = 0; i < nnow; i++)
        if (!matched[i]) {
            differ++;
            if (out) say_difference(out, NULL, &now[i]);
        }
    mem_free(sorted);
    mem_free(matched);
    return differ;
}

/* The new rows as a manifest holds them: text made UTF-8 as it was when
 * recorded (manifest_text), so that only real differences count. */
size_t api_rows_as_recorded(const Report *r, Arena *a, ResultRow **out)
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

/* "1 skipped row recorded, now 0", after sep, when the counts differ */
static void say_count(FILE *out, const char **sep, const char *what, uint64_t recorded, uint64_t now)
{
    if (recorded == now) return;
    fprintf(out, "%s%llu %s%s recorded, now %llu", *sep, (unsigned long long)recorded, what, recorded == 1 ? "" : "s",
            (unsigned long long)now);
    *sep = "; ";
}

/* The inputs the run read now against the recorded rows, skipped rows and
 * unmapped rows: a line for each input whose counts moved, naming them.
 * Returns false if an input whose bytes are as recorded (same[k]) reads
 * differently: the same bytes read otherwise mean the engine changed. An
 * input whose bytes changed is counted as changed already; its line says
 * how its counts moved with it (a bad row fixed: 1 skipped row fewer). */
static bool compare_counts(const Manifest *m, const Report *r, const bool *same, FILE *out)
{
    bool ok = true;
    for (size_t k = 0; k < m->ninputs; k++) {
        const ManifestInput *mi = &m->inputs[k];
        for (size_t j = 0; j < r->ninputs; j++) {
            const ReportInput *ri = &r->inputs[j];
            if (strcmp(ri->name, mi->name) != 0 || strcmp(ri->kind, mi->kind) != 0) continue;
            bool feed = strcmp(mi->kind, "feed") == 0;
            bool skipped = feed && mi->has_skipped_rows;    /* an older manifest has none */
            if (ri->rows == mi->rows && (!feed || ri->unmapped_rows == mi->unmapped_rows)
                && (!skipped || ri->skipped_rows == mi->skipped_rows))
                continue;
            fprintf(out, "%-9s %s (%s): %s", mi->kind, mi->name, mi->path, same[k] ? "read differently: " : "");
            const char *sep = "";
            say_count(out, &sep, "row", mi->rows, ri->rows);
            if (skipped) say_count(out, &sep, "skipped row", mi->skipped_rows, ri->skipped_rows);
            if (feed) say_count(out, &sep, "unmapped row", mi->unmapped_rows, ri->unmapped_rows);
            fputc('\n', out);
            if (same[k]) ok = false;
        }
    }
    return ok;
}

/* Checks one file's hash against the manifest's; writes the line. */
static bool check_hash(FILE *out, const char *label, const char *name, const char *path, const char *recorded,
                       const char *now)
{
    int err = errno;
    fprintf(out, "%-9s %s%s%s", label, name ? name : "", name ? " (" : "", path);
    if (!now) fprintf(out, "%s: cannot be read now (%s)\n", name ? ")" : "", err == EINVAL ? "not a regular file" : strerror(err));
    else if (strcmp(now, recorded) != 0)
        fprintf(out, "%s: changed: sha256 recorded %s, now %s\n", name ? ")" : "", recorded, now);
    else fprintf(out, "%s: as recorded\n", name ? ")" : "");
    return now && strcmp(now, recorded) == 0;
}

/* A manifest is input: the native libraries it records are allowed only if
 * the user allows them now too, or a manifest from anywhere could run any
 * library's functions (libc's system) on replay or compare. */
const char **api_natives_allowed_now(const pledge_state *S, const Manifest *m, size_t *n)
{
    const char **allowed = mem_alloc((m->nallowed + 1) * sizeof *allowed);
    *n = 0;
    for (size_t i = 0; i < m->nallowed; i++)
        for (size_t k = 0; k < S->cfg.nallow_native; k++)
            if (strcmp(m->allowed[i], S->allowed[k]) == 0) { allowed[(*n)++] = m->allowed[i]; break; }
    return allowed;
}

/* A manifest and where its run's files are now. */
typedef struct Replay {
    pledge_state   *S;
    const Manifest *m;
    const char     *mpath;
    const char     *rules;      /* the rules' file, read from the run's folder */
    const char    **inputs;     /* each input's file, likewise */
    const char    **variations; /* each variations file, likewise */
    bool           *same;       /* each input's bytes as recorded (replay_run fills it) */
    FILE           *out;
} Replay;

/* Runs the recorded assessment with the recorded options, reading the
 * recorded files from the run's folder. */
static pledge_status rerun(const Replay *rp, const BcProgram *bc, Report *r, char *why, size_t whycap)
{
    pledge_state *S = rp->S;
    const Manifest *m = rp->m;
    size_t n = m->ninputs;
    Binding *b = mem_alloc((n + 1) * sizeof *b);
    for (size_t k = 0; k < n; k++)
        b[k] = (Binding){ m->inputs[k].name, strlen(m->inputs[k].name), { m->inputs[k].path, NULL, 0, rp->inputs[k] } };
    FeedOptions fo = { .skip_bad_rows = m->skip_bad_rows, .report = S->cfg.bad_rows, .limits = S->data_limits };
    Inputs in = { 0 };
    size_t nallowed;
    const char **allowed = api_natives_allowed_now(S, m, &nallowed);
    /* the recorded limits, for the feeds' where-filters as for the rest */
    Vm *vm = vm_new(bc, m->limits, allowed, nallowed);
    vm_set_trace(vm, S->cfg.trace);
    AssessStatus st = inputs_load(&in, bc, m->rules, b, n, true, false, &fo, vm, why, whycap);
    vm_free(vm);
    mem_free(b);
    /* the variations as recorded, checked against these rules again */
    ApiVariations vs = { { 0 }, { 0 } };
    for (size_t k = 0; k < m->nvariations && st == ASSESS_OK; k++)
        if (api_vary(S, bc, &vs, rp->variations[k], m->variations[k].path) != PLEDGE_OK) {
            snprintf(why, whycap, "%.900s", S->error);
            st = ASSESS_BAD_INPUT;
        }
    if (st == ASSESS_OK) {
        AssessOptions ao = { .as_of = m->as_of, .systems = m->systems, .nsystems = m->nsystems,
                             .limits = m->limits, .allowed = allowed, .nallowed = nallowed,
                             .threads = S->cfg.threads, .rules = m->rules, .engine = api_engine_name,
                             .variations = vs.list.items, .nvariations = vs.list.len };
        st = assess_run(&in, &ao, r, why, whycap);
    }
    api_variations_free(&vs);
    inputs_free(&in);
    mem_free(allowed);
    return api_status(st);
}

static pledge_status replay_run(const Replay *rp)
{
    pledge_state *S = rp->S;
    const Manifest *m = rp->m;
    const char *mpath = rp->mpath;
    FILE *out = rp->out;
    char why[1024];
    if (strcmp(m->engine, api_engine_name) != 0) fprintf(out, "engine    recorded %s, this is %s\n", m->engine, api_engine_name);

    /* every file's hash, before anything is loaded */
    unsigned changed = 0;
    char now[65];
    bool rules_same = check_hash(out, "rules", NULL, m->rules, m->source_sha256,
                                 manifest_input_sha256(rp->rules, now) ? now : NULL);
    changed += !rules_same;
    for (size_t k = 0; k < m->ninputs; k++) {
        const ManifestInput *mi = &m->inputs[k];
        rp->same[k] = check_hash(out, mi->kind, mi->name, mi->path, mi->sha256,
                                 manifest_input_sha256_as(rp->inputs[k], mi->sha256, now) ? now : NULL);
        changed += !rp->same[k];
    }
    for (size_t k = 0; k < m->nvariations; k++)
        changed += !check_hash(out, "variations", NULL, m->variations[k].path, m->variations[k].sha256,
                               manifest_input_sha256(rp->variations[k], now) ? now : NULL);

    BcProgram bc = { 0 };
    pledge_status st = api_load_recorded_rules(S, rp->rules, m->rules, &bc, why, sizeof why);
    bool compiled = false, read = false, outside = false, edited = false;    /* other differences */
    if (st == PLEDGE_OK && rules_same) {
        char src[65], code[65];
        if (!manifest_rules_hashes(rp->rules, &bc, src, code, why, sizeof why)) {
            name_as_recorded(why, sizeof why, rp->rules, m->rules);
            st = PLEDGE_ERR_INPUT;
        } else if (strcmp(code, m->bytecode_sha256) != 0) {
            fprintf(out, "bytecode  %s compiles differently (an imported file or the compiler changed): sha256 "
                    "recorded %s, now %s\n", m->rules, m->bytecode_sha256, code);
            compiled = true;
        }
    }
    Report r = { 0 };
    if (st == PLEDGE_OK) st = rerun(rp, &bc, &r, why, sizeof why);
    bc_free(&bc);
    if (st != PLEDGE_OK) {
        fprintf(out, "results   the assessment does not run now: %s\n", why);
        report_free(&r);
        /* nothing changed, yet it fails: its status says how */
        if (!changed && !compiled) return api_fail(S, st, "the assessment does not run now: %s", why);
        fprintf(out, "replay: differs from %s\n", mpath);
        return api_fail(S, PLEDGE_FAILED, "differs from %s", mpath);
    }
    read = !compare_counts(m, &r, rp->same, out);

    char hash[65];
    unsigned differ = 0;
    if (!results_sha256(&r, hash)) {
        report_free(&r);
        return api_fail(S, PLEDGE_ERR_INPUT, "cannot serialise the results");
    }
    Arena a = { 0 };
    ResultRow *rows;
    size_t nrows = api_rows_as_recorded(&r, &a, &rows);
    /* row by row as well as by hash: rows edited in the manifest leave its
     * hash as it was */
    bool hash_same = strcmp(hash, m->results_sha256) == 0;
    differ = compare_rows(m->rows, m->nrows, rows, nrows, NULL);
    if (hash_same && !differ && m->nrows == nrows) {
        fprintf(out, "results   %zu rows: identical (sha256 %s)\n", nrows, hash);
    } else if (hash_same) {
        fprintf(out, "results   %zu rows recorded, %zu now: sha256 as recorded (%s), but the manifest's rows "
                "differ from the results:\n", m->nrows, nrows, hash);
        compare_rows(m->rows, m->nrows, rows, nrows, out);
        edited = true;
    } else {
        fprintf(out, "results   %zu rows recorded, %zu now: sha256 recorded %s, now %s\n", m->nrows, nrows,
                m->results_sha256, hash);
        compare_rows(m->rows, m->nrows, rows, nrows, out);
        if (!differ) {
            fprintf(out, "  status and value as recorded: the difference is in names, thresholds, windows,\n"
                         "  coverage, members or completeness (pledge assess --format csv shows them)\n");
            outside = true;
        }
    }
    arena_free(&a);
    report_free(&r);
    if (!changed && !differ && !compiled && !read && !outside && !edited) {
        fprintf(out, "replay: identical to %s\n", mpath);
        return PLEDGE_OK;
    }
    fprintf(out, "replay: differs from %s: ", mpath);
    const char *sep = "";
    if (changed) fprintf(out, "%u input%s changed", changed, changed == 1 ? "" : "s"), sep = ", ";
    if (compiled) fprintf(out, "%sthe rules compile differently", sep), sep = ", ";
    if (read) fprintf(out, "%sthe inputs are read differently", sep), sep = ", ";
    if (differ) fprintf(out, "%s%u result%s differ%s", sep, differ, differ == 1 ? "" : "s", differ == 1 ? "s" : "");
    if (outside) fprintf(out, "%sthe results differ outside status and value", sep);
    if (edited) fprintf(out, " (the manifest's rows do not match its results' hash: they were edited)");
    fprintf(out, "\n");
    return api_fail(S, PLEDGE_FAILED, "differs from %s", mpath);
}

static pledge_status replay(pledge_state *S, const char *mpath, FILE *out)
{
    S->error[0] = '\0';
    char why[1024];
    Manifest m;
    if (!manifest_read(&m, mpath, why, sizeof why)) return api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
    /* the paths are as given in the folder the assessment ran in: read
     * from there (the process's working folder is left alone) */
    const char *home = manifest_dirname(&m.arena, mpath);
    const char *dir = m.directory[0] == '/' ? m.directory : arena_printf(&m.arena, "%s/%s", home, m.directory);
    pledge_status st;
    int err = folder_error(dir);
    if (err) {
        fprintf(out, "folder    %s (the folder the assessment ran in, from %s's): %s\n", m.directory, mpath,
                strerror(err));
        fprintf(out, "replay: differs from %s: its folder is gone\n", mpath);
        st = api_fail(S, PLEDGE_FAILED, "differs from %s: its folder is gone", mpath);
    } else {
        Replay rp = { S, &m, mpath, api_run_path(&m.arena, dir, m.rules),
                      arena_alloc(&m.arena, (m.ninputs + 1) * sizeof *rp.inputs),
                      arena_alloc(&m.arena, (m.nvariations + 1) * sizeof *rp.variations),
                      arena_alloc(&m.arena, (m.ninputs + 1) * sizeof *rp.same), out };
        for (size_t k = 0; k < m.ninputs; k++) rp.inputs[k] = api_run_path(&m.arena, dir, m.inputs[k].path);
        for (size_t k = 0; k < m.nvariations; k++)
            rp.variations[k] = api_run_path(&m.arena, dir, m.variations[k].path);
        st = replay_run(&rp);
    }
    manifest_free(&m);
    if (st == PLEDGE_OK && ferror(out)) st = api_fail(S, PLEDGE_ERR_INPUT, "cannot write the replay");
    return st;
}

pledge_status pledge_replay(pledge_state *S, const char *manifest, FILE *out)
{
    API_ENTER(S);
    API_RETURN(S, replay(S, manifest, out));
}
