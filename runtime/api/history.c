/* history.c: pledge_history, how each archived result moved from run to
 * run (issues 7 and 14): the runs in order of as-of date (then when they
 * were archived), each with its round and its rules' and inputs' hashes,
 * and beside each change of status its causes, found as pledge_compare
 * finds them (compare.c) from the manifests the archive keeps. */
#include "config.h"
#include "api/api.h"
#include "report/archive.h"
#include "report/jtree.h"
#include <stdlib.h>
#include <string.h>

enum { SHORT_HASH = 8 };

typedef struct Run {
    int64_t     id;
    const char *archived_at, *as_of, *round, *rules, *rules_sha256;
    const char *inputs;         /* "stp 1a2b3c4d, ae 5e6f7a8b" */
    Manifest   *m;              /* NULL if its manifest cannot be read */
    RecordedRun rec;
} Run;

/* Why a result moved between two runs: their comparison, made once. */
typedef struct Pair {
    int64_t     a, b;
    bool        ok;
    Comparison  c;
    char        why[512];
} Pair;

typedef struct History {
    pledge_state *S;
    const char *db;
    Arena       arena;
    Run        *runs;   size_t nruns;
    HistoryRow *rows;   size_t n, cap;
    Pair      **pairs;  size_t npairs;
} History;

static const char *keep(Arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }
static bool same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }
static const char *or_dash(const char *s) { return s ? s : "-"; }

void api_csv_cell(FILE *out, const char *s, char end)
{
    if (s && strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"') fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else if (s) {
        fputs(s, out);
    }
    fputc(end, out);
}

static bool collect_run(void *ud, const ArchivedRun *run)
{
    History *h = ud;
    Arena *a = &h->arena;
    h->runs = mem_realloc(h->runs, (h->nruns + 1) * sizeof *h->runs);
    Run *r = &h->runs[h->nruns++];
    *r = (Run){ run->id, keep(a, run->archived_at), keep(a, run->as_of), keep(a, run->round), keep(a, run->rules),
                keep(a, run->rules_sha256), "", NULL, { 0 } };
    char why[1024], label[64];
    snprintf(label, sizeof label, "run %lld", (long long)run->id);
    Manifest *m = mem_calloc(1, sizeof *m);
    if (!run->manifest || !manifest_parse(m, run->manifest, label, why, sizeof why)) {
        mem_free(m);
        return true;
    }
    r->m = m;
    const char *home = manifest_dirname(a, h->db);
    r->rec = (RecordedRun){ m, m->directory[0] == '/' ? m->directory : arena_printf(a, "%s/%s", home, m->directory),
                            keep(a, label) };
    const char *ins = "";
    for (size_t i = 0; i < m->ninputs; i++)
        ins = arena_printf(a, "%s%s%s %.*s", ins, i ? ", " : "", m->inputs[i].name, SHORT_HASH, m->inputs[i].sha256);
    r->inputs = ins;
    return true;
}

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

static const Run *run_of(const History *h, int64_t id)
{
    for (size_t i = 0; i < h->nruns; i++)
        if (h->runs[i].id == id) return &h->runs[i];
    return NULL;
}

/* The comparison of runs a and b, made the first time it is asked for. */
static const Pair *pair_of(History *h, int64_t a, int64_t b)
{
    for (size_t i = 0; i < h->npairs; i++)
        if (h->pairs[i]->a == a && h->pairs[i]->b == b) return h->pairs[i];
    Pair *p = mem_calloc(1, sizeof *p);
    p->a = a, p->b = b;
    const Run *ra = run_of(h, a), *rb = run_of(h, b);
    if (!ra || !rb || !ra->m || !rb->m) {
        snprintf(p->why, sizeof p->why, "the manifest of run %lld or %lld cannot be read", (long long)a, (long long)b);
    } else {
        p->ok = api_compare_runs(h->S, &ra->rec, &rb->rec, &p->c) == PLEDGE_OK;
        if (!p->ok) snprintf(p->why, sizeof p->why, "%s", pledge_error(h->S));
        h->S->error[0] = '\0';
    }
    h->pairs = mem_realloc(h->pairs, (h->npairs + 1) * sizeof *h->pairs);
    h->pairs[h->npairs++] = p;
    return p;
}

/* Row i's change of status from the run before it, or NULL. */
static const char *moved_from(const History *h, size_t i)
{
    return i && same_result(&h->rows[i], &h->rows[i - 1]) && !same(h->rows[i].status, h->rows[i - 1].status)
               ? or_dash(h->rows[i - 1].status) : NULL;
}

/* Row i's causes as text ("as_of, data ae"), "?" when they cannot be
 * found; *pair gets the comparison (NULL when the row did not move). */
static const char *causes_of(History *h, size_t i, const Pair **pair, const CmpRow **row)
{
    *pair = NULL;
    *row = NULL;
    if (!moved_from(h, i)) return NULL;
    const HistoryRow *r = &h->rows[i];
    const Pair *p = *pair = pair_of(h, h->rows[i - 1].run, r->run);
    if (!p->ok) return "?";
    const CmpRow *c = *row = api_comparison_row(&p->c, r->system, r->kind, r->item);
    if (!c) return "?";
    char buf[1024];
    api_causes_text(&p->c, c, buf, sizeof buf);
    return arena_printf(&h->arena, "%s", buf);
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

/* Prints the lines of a table, without trailing blanks; a NULL line is a
 * blank one. */
static void print_table(FILE *out, const char *const *const *lines, size_t nlines, int ncol)
{
    int w[16] = { 0 };
    for (size_t i = 0; i < nlines; i++)
        for (int c = 0; lines[i] && c < ncol; c++)
            if (width(or_dash(lines[i][c])) > w[c]) w[c] = width(or_dash(lines[i][c]));
    for (size_t i = 0; i < nlines; i++) {
        if (!lines[i]) { fputc('\n', out); continue; }
        char line[4096];
        size_t len = 0;
        for (int c = 0; c < ncol; c++) cell(line, &len, sizeof line, lines[i][c], w[c]);
        while (len && line[len - 1] == ' ') len--;
        fprintf(out, "%.*s\n", (int)len, line);
    }
}

static int run_order(const void *x, const void *y)
{
    const Run *a = *(const Run *const *)x, *b = *(const Run *const *)y;
    int c = strcmp(or_dash(a->as_of), or_dash(b->as_of));
    if (!c) c = strcmp(or_dash(a->archived_at), or_dash(b->archived_at));
    return c ? c : (a->id > b->id) - (a->id < b->id);
}

/* The runs that hold a row shown, in as-of order. */
static const Run **runs_shown(const History *h, size_t *n)
{
    const Run **list = mem_alloc((h->nruns + 1) * sizeof *list);
    *n = 0;
    for (size_t i = 0; i < h->nruns; i++) {
        bool shown = false;
        for (size_t j = 0; j < h->n && !shown; j++) shown = h->rows[j].run == h->runs[i].id;
        if (shown) list[(*n)++] = &h->runs[i];
    }
    qsort(list, *n, sizeof *list, run_order);
    return list;
}

static const char *short_hash(Arena *a, const char *s) { return s ? arena_strndup(a, s, SHORT_HASH) : NULL; }

static void history_text(History *h, FILE *out)
{
    Arena *a = &h->arena;
    size_t nr;
    const Run **runs = runs_shown(h, &nr);
    enum { RCOL = 6, NCOL = 9 };
    const char ***lines = mem_alloc((nr + h->n * 2 + 4) * sizeof *lines);
    size_t n = 0;
    static const char *const rhead[RCOL] = { "run", "archived (UTC)", "as of", "round", "rules", "inputs" };
    lines[n++] = (const char **)rhead;
    for (size_t i = 0; i < nr; i++) {
        const char **l = arena_alloc(a, RCOL * sizeof *l);
        l[0] = arena_printf(a, "%lld", (long long)runs[i]->id);
        l[1] = runs[i]->archived_at, l[2] = runs[i]->as_of, l[3] = runs[i]->round;
        l[4] = short_hash(a, runs[i]->rules_sha256), l[5] = runs[i]->inputs;
        lines[n++] = l;
    }
    print_table(out, (const char *const *const *)lines, n, RCOL);
    fputc('\n', out);
    n = 0;
    static const char *const head[NCOL] = { "run", "as of", "round", "system", "item", "status", "value", "moved",
                                           "cause" };
    lines[n++] = (const char **)head;
    bool unknown = false;
    for (size_t i = 0; i < h->n; i++) {
        const HistoryRow *r = &h->rows[i];
        if (i && !same_result(r, &h->rows[i - 1])) lines[n++] = NULL;
        const Pair *p;
        const CmpRow *c;
        const char *from = moved_from(h, i), *why = causes_of(h, i, &p, &c);
        unknown |= why && why[0] == '?';
        const char **l = arena_alloc(a, NCOL * sizeof *l);
        l[0] = arena_printf(a, "%lld", (long long)r->run);
        l[1] = r->as_of, l[2] = r->round, l[3] = r->system ? r->system : "(national)", l[4] = r->item;
        l[5] = r->status, l[6] = r->shown;
        l[7] = from ? arena_printf(a, "%s -> %s", from, or_dash(r->status)) : "";
        l[8] = why ? why : "";
        lines[n++] = l;
    }
    print_table(out, (const char *const *const *)lines, n, NCOL);
    if (unknown)
        for (size_t i = 0; i < h->npairs; i++)
            if (!h->pairs[i]->ok)
                fprintf(out, "\n? runs %lld and %lld cannot be recomputed: %s\n", (long long)h->pairs[i]->a,
                        (long long)h->pairs[i]->b, h->pairs[i]->why);
    mem_free(lines);
    mem_free(runs);
}

static void history_csv(History *h, FILE *out)
{
    fputs("run,archived_at,as_of,round,system,system_name,item,kind,status,value,rules_sha256,moved_from,causes\n",
          out);
    for (size_t i = 0; i < h->n; i++) {
        const HistoryRow *r = &h->rows[i];
        const Run *run = run_of(h, r->run);
        const Pair *p;
        const CmpRow *c;
        const char *why = causes_of(h, i, &p, &c);
        fprintf(out, "%lld,", (long long)r->run);
        api_csv_cell(out, r->archived_at, ',');
        api_csv_cell(out, r->as_of, ',');
        api_csv_cell(out, r->round, ',');
        api_csv_cell(out, r->system, ',');
        api_csv_cell(out, r->system_name, ',');
        api_csv_cell(out, r->item, ',');
        api_csv_cell(out, r->kind, ',');
        api_csv_cell(out, r->status, ',');
        api_csv_cell(out, r->value, ',');
        api_csv_cell(out, run ? run->rules_sha256 : NULL, ',');
        api_csv_cell(out, moved_from(h, i), ',');
        api_csv_cell(out, why, '\n');
    }
}

static bool history_json(History *h, FILE *out)
{
    size_t nr;
    const Run **runs = runs_shown(h, &nr);
    MemHold *hold;      /* causes_of allocates (a comparison) while the tree grows */
    json_t *root = jtree_new(&hold);
    json_t *jr = jtree_child(root, "runs", json_array()), *jx = jtree_child(root, "results", json_array());
    for (size_t i = 0; i < nr; i++) {
        const Run *r = runs[i];
        json_t *ins = json_array();
        for (size_t k = 0; r->m && k < r->m->ninputs; k++)
            json_array_append_new(ins, json_pack("{s:s, s:s, s:s, s:s}", "name", r->m->inputs[k].name, "kind",
                                                 r->m->inputs[k].kind, "path", r->m->inputs[k].path, "sha256",
                                                 r->m->inputs[k].sha256));
        json_array_append_new(jr, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "run", (json_int_t)r->id,
                                            "archived_at", jtree_str(r->archived_at), "as_of",
                                            jtree_str(r->as_of), "round", jtree_str(r->round), "rules",
                                            jtree_str(r->rules), "rules_sha256", jtree_str(r->rules_sha256),
                                            "inputs", ins));
    }
    for (size_t i = 0; i < h->n; i++) {
        const HistoryRow *r = &h->rows[i];
        const Pair *p;
        const CmpRow *c;
        const char *why = causes_of(h, i, &p, &c);
        json_t *moved = json_null();
        if (why) {
            json_t *causes = json_array();
            json_t *flip = json_null();
            if (c) {
                for (size_t f = 0; f < p->c.nfactors; f++)
                    if (c->moves[f])
                        json_array_append_new(causes, json_pack("{s:s, s:o}", "cause",
                                                                api_cause_names[p->c.factors[f].cause], "input",
                                                                jtree_str(p->c.factors[f].input)));
                if (c->flipped_by >= 0) {
                    const CmpFactor *fa = &p->c.factors[c->flipped_by];
                    flip = json_pack("{s:s, s:o}", "cause", api_cause_names[fa->cause], "input", jtree_str(fa->input));
                }
            }
            moved = json_pack("{s:s, s:I, s:o, s:o, s:o}", "from", moved_from(h, i), "since_run",
                              (json_int_t)h->rows[i - 1].run, "causes", c ? causes : (json_decref(causes), json_null()),
                              "status_flipped_by", flip, "unknown_because", p && !p->ok ? json_string(p->why)
                                                                                        : json_null());
        }
        json_array_append_new(jx, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "run",
                                            (json_int_t)r->run, "system", jtree_str(r->system), "system_name",
                                            jtree_str(r->system_name), "item", jtree_str(r->item), "kind",
                                            jtree_str(r->kind), "status", jtree_str(r->status), "value",
                                            jtree_str(r->value), "shown", jtree_str(r->shown), "moved", moved));
    }
    mem_free(runs);
    bool ok = root && json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0;
    mem_release(hold);
    fputc('\n', out);
    return ok;
}

static pledge_status history(pledge_state *S, const char *db, const pledge_history_options *o, FILE *out)
{
    static const pledge_history_options defaults = { 0 };
    if (!o) o = &defaults;
    S->error[0] = '\0';
    if (o->format != PLEDGE_FORMAT_TEXT && o->format != PLEDGE_FORMAT_CSV && o->format != PLEDGE_FORMAT_JSON)
        return api_fail(S, PLEDGE_ERR_USAGE, "the history is text, json or csv");
    const char *system = o->system, *item = o->item;
    char why[1024];
    Archive *a = archive_open(db, false, why, sizeof why);
    History h = { .S = S, .db = db };
    bool ok = a && archive_runs(a, 0, collect_run, &h, why, sizeof why)
           && archive_history(a, system, item, collect, &h, why, sizeof why);
    archive_close(a);
    if (ok) {
        if (o->format == PLEDGE_FORMAT_CSV) history_csv(&h, out);
        else if (o->format == PLEDGE_FORMAT_JSON) ok = history_json(&h, out);
        else if (h.n) history_text(&h, out);
        else fprintf(out, "no archived results%s%s%s%s in %s\n", system ? " for system " : "", system ? system : "",
                     item ? " for item " : "", item ? item : "", db);
        if (!ok || ferror(out)) ok = false, snprintf(why, sizeof why, "cannot write the history");
    }
    for (size_t i = 0; i < h.npairs; i++) {
        if (h.pairs[i]->ok) api_comparison_free(&h.pairs[i]->c);
        mem_free(h.pairs[i]);
    }
    mem_free(h.pairs);
    for (size_t i = 0; i < h.nruns; i++)
        if (h.runs[i].m) {
            manifest_free(h.runs[i].m);
            mem_free(h.runs[i].m);
        }
    mem_free(h.runs);
    mem_free(h.rows);
    arena_free(&h.arena);
    return ok ? PLEDGE_OK : api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
}

pledge_status pledge_history(pledge_state *S, const char *archive, const pledge_history_options *o, FILE *out)
{
    API_ENTER(S);
    API_RETURN(S, history(S, archive, o, out));
}
