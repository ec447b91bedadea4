/* round.c: rounds (from source or bytecode, a path or memory), checking,
 * compiling, listing and evaluating them, and binding their inputs. */
#include "api/api.h"
#include "base/conninfo.h"
#include "vm/compile.h"
#include "vm/plb.h"
#include "report/escape.h"
#include <string.h>

/* ---- loading -------------------------------------------------------------------- */

/* Reads a whole stream (standard input) into *out. */
static pledge_status read_stream(pledge_state *S, FILE *f, const char *name, ApiChars *out)
{
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++) vec_push(out, buf[i]);
    if (ferror(f)) return api_fail(S, PLEDGE_ERR_INPUT, "%s: cannot read it", name);
    return PLEDGE_OK;
}

static bool has_magic(const void *bytes, size_t len)
{
    return len >= sizeof PLB_MAGIC - 1 && memcmp(bytes, PLB_MAGIC, sizeof PLB_MAGIC - 1) == 0;
}

/* After the front end and the compiler (ok if both succeeded): hands on the
 * diagnostics and frees the tree; bc is freed unless ok. */
static pledge_status compiled(pledge_state *S, Program *p, bool ok, BcProgram *bc)
{
    api_diagnostics(S, &p->diags);
    front_free(p);
    if (!ok) {
        bc_free(bc);
        if (!S->error[0]) api_fail(S, PLEDGE_ERR_INPUT, "the rule file has errors");
        return PLEDGE_ERR_INPUT;
    }
    return PLEDGE_OK;
}

pledge_status api_load_program(pledge_state *S, const char *path, BcProgram *bc, bool *bytecode)
{
    S->error[0] = '\0';
    *bytecode = plb_is_bytecode_file(path);
    if (*bytecode) {
        char why[512];
        return plb_read_file(path, bc, why, sizeof why) ? PLEDGE_OK : api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
    }
    Program p = { 0 };
    bool ok = front_load(&p, path) && comp_program(&p, bc);
    return compiled(S, &p, ok, bc);
}

static void destroy_round(ApiObject *o)
{
    pledge_round *R = (pledge_round *)o;
    inputs_free(&R->in);
    inputs_free(&R->earlier);
    for (size_t i = 0; i < R->bindings.len; i++) {
        Binding *b = &R->bindings.items[i];
        mem_free((void *)b->name);
        mem_free((void *)b->source.name);
        mem_free((void *)b->source.bytes);
        mem_free((void *)b->source.file);
    }
    vec_free(&R->bindings);
    api_variations_free(&R->vary);
    bc_free(&R->bc);
    mem_free(R->path);
    mem_free(R);
}

static pledge_round *new_round(pledge_state *S, const char *path, bool bytecode)
{
    pledge_round *R = mem_calloc(1, sizeof *R);
    R->S = S;
    R->path = mem_strndup(path, strlen(path));
    R->bytecode = bytecode;
    api_track(S, &R->obj, destroy_round);
    return R;
}

static pledge_status load_bytecode(pledge_state *S, const char *name, const void *bytes, size_t len,
                                   pledge_round **out)
{
    BcProgram bc = { 0 };
    char why[512];
    if (!plb_read(bytes, len, &bc, why, sizeof why)) return api_fail(S, PLEDGE_ERR_INPUT, "%s: %s", name, why);
    *out = new_round(S, name, true);
    (*out)->bc = bc;
    (*out)->from_memory = true;
    return PLEDGE_OK;
}

static pledge_status load_source(pledge_state *S, const char *name, const char *text, size_t len,
                                 pledge_round **out)
{
    S->error[0] = '\0';
    Program p = { 0 };
    BcProgram bc = { 0 };
    bool ok = front_load_source(&p, name, text, len) && comp_program(&p, &bc);
    pledge_status st = compiled(S, &p, ok, &bc);
    if (st != PLEDGE_OK) return st;
    *out = new_round(S, name, false);
    (*out)->bc = bc;
    (*out)->from_memory = true;
    return PLEDGE_OK;
}

static pledge_status load_path(pledge_state *S, const char *path, pledge_round **out)
{
    *out = NULL;
    if (strcmp(path, "-") == 0) {
        ApiChars text = { 0 };
        pledge_status st = read_stream(S, stdin, "standard input", &text);
        if (st == PLEDGE_OK)
            st = has_magic(text.items, text.len) ? load_bytecode(S, "<stdin>", text.items, text.len, out)
                                                 : load_source(S, "<stdin>", text.items ? text.items : "", text.len, out);
        vec_free(&text);
        return st;
    }
    BcProgram bc = { 0 };
    bool bytecode;
    pledge_status st = api_load_program(S, path, &bc, &bytecode);
    if (st != PLEDGE_OK) return st;
    *out = new_round(S, path, bytecode);
    (*out)->bc = bc;
    return PLEDGE_OK;
}

pledge_status pledge_load(pledge_state *S, const char *path, pledge_round **out)
{
    API_ENTER(S);
    API_RETURN(S, load_path(S, path, out));
}

pledge_status pledge_load_source(pledge_state *S, const char *name, const char *text, size_t len, pledge_round **out)
{
    API_ENTER(S);
    *out = NULL;
    API_RETURN(S, load_source(S, name, text, len, out));
}

pledge_status pledge_load_bytecode(pledge_state *S, const char *name, const void *bytes, size_t len,
                                   pledge_round **out)
{
    API_ENTER(S);
    *out = NULL;
    API_RETURN(S, load_bytecode(S, name, bytes, len, out));
}

void pledge_round_free(pledge_round *R)
{
    if (R) api_free(R->S, &R->obj);
}

bool pledge_is_bytecode(const pledge_round *R) { return R->bytecode; }
const char *pledge_round_path(const pledge_round *R) { return R->path; }

/* ---- check, compile, disasm ----------------------------------------------------- */

/* §3: which native libraries a file's extern functions need, since they
 * run only when allowed. One line per library. */
static void write_natives(const Program *p, FILE *out)
{
    List libs = { 0 };
    Arena scratch = { 0 };
    for (size_t i = 0; i < p->modules.len; i++) {
        Module *m = p->modules.items[i];
        for (size_t k = 0; k < m->decls.len; k++) {
            Decl *d = m->decls.items[k];
            if (d->kind != D_EXTERN) continue;
            bool seen = false;
            for (size_t j = 0; j < libs.len && !seen; j++) seen = strcmp(libs.items[j], d->lib) == 0;
            if (!seen) list_push(&scratch, &libs, (void *)d->lib);
        }
    }
    for (size_t j = 0; j < libs.len; j++) {
        const char *lib = libs.items[j];
        fprintf(out, "%s: needs native library %s for", p->root->src->path, lib);
        const char *sep = " ";
        for (size_t i = 0; i < p->modules.len; i++) {
            Module *m = p->modules.items[i];
            for (size_t k = 0; k < m->decls.len; k++) {
                Decl *d = m->decls.items[k];
                if (d->kind == D_EXTERN && strcmp(d->lib, lib) == 0) {
                    fprintf(out, "%s%s", sep, d->name);
                    sep = ", ";
                }
            }
        }
        fprintf(out, " (run with --allow-native %s)\n", lib);
    }
    arena_free(&scratch);
}

static pledge_status check(pledge_state *S, const char *path, FILE *out)
{
    S->error[0] = '\0';
    Program p = { 0 };
    bool ok = front_load(&p, path);
    api_diagnostics(S, &p.diags);
    if (ok && out) write_natives(&p, out);
    front_free(&p);
    if (ok) return PLEDGE_OK;
    if (!S->error[0]) api_fail(S, PLEDGE_ERR_INPUT, "%s has errors", path);
    return PLEDGE_ERR_INPUT;
}

pledge_status pledge_check(pledge_state *S, const char *path, FILE *out)
{
    API_ENTER(S);
    API_RETURN(S, check(S, path, out));
}

static pledge_status bytecode(pledge_round *R, void **bytes, size_t *len)
{
    uint8_t *b;
    plb_write(&R->bc, &b, len);
    *bytes = b;
    return PLEDGE_OK;
}

pledge_status pledge_bytecode(pledge_round *R, void **bytes, size_t *len)
{
    API_ENTER(R->S);
    *bytes = NULL;
    *len = 0;
    API_RETURN(R->S, bytecode(R, bytes, len));
}

void pledge_release(pledge_state *S, void *p)
{
    MemContext *prev = mem_enter(&S->mem);
    mem_free(p);
    mem_enter(prev);
}

static pledge_status disasm(pledge_round *R, FILE *out)
{
    bc_disasm(&R->bc, out);
    return ferror(out) ? api_fail(R->S, PLEDGE_ERR_INPUT, "cannot write the listing") : PLEDGE_OK;
}

pledge_status pledge_disasm(pledge_round *R, FILE *out)
{
    API_ENTER(R->S);
    API_RETURN(R->S, disasm(R, out));
}

/* ---- eval ------------------------------------------------------------------------- */

Vm *api_vm(pledge_round *R)
{
    pledge_state *S = R->S;
    Vm *vm = vm_new(&R->bc, S->limits, S->allowed, S->cfg.nallow_native);
    vm_set_trace(vm, S->cfg.trace);
    return vm;
}

static pledge_status vm_failed(pledge_state *S, Vm *vm, VmStatus s)
{
    return api_fail(S, s == VM_LIMIT ? PLEDGE_ERR_LIMIT : PLEDGE_ERR_INPUT, "%s%s", s == VM_LIMIT ? "limit: " : "",
                    vm_message(vm));
}

static void write_value(Value v, FILE *out)
{
    char small[256];
    size_t n = val_format(v, false, small, sizeof small);
    if (n < sizeof small) { fputs(small, out); return; }
    char *big = mem_alloc(n + 1);
    val_format(v, false, big, n + 1);
    fputs(big, out);
    mem_free(big);
}

static pledge_status eval(pledge_state *S, const char *rules, const char *expr, FILE *out)
{
    S->error[0] = '\0';
    if (rules && plb_is_bytecode_file(rules))
        return api_fail(S, PLEDGE_ERR_USAGE, "an expression is evaluated against a .pledge source, not a .plb");
    Program p = { 0 };
    Decl *it = NULL;
    BcProgram bc = { 0 };
    bool ok = (!rules || front_load(&p, rules)) && front_load_expr(&p, expr, &it) && comp_program(&p, &bc);
    int32_t fn = ok ? it->index : -1;       /* the compiler numbers the declarations */
    pledge_status st = compiled(S, &p, ok, &bc);
    if (st != PLEDGE_OK) return st;
    pledge_round R = { .S = S, .bc = bc };
    Vm *vm = api_vm(&R);
    Value v;
    VmStatus s = vm_call(vm, (uint32_t)fn, NULL, &v);
    if (s == VM_OK) {
        write_value(v, out);
        fputc('\n', out);
    } else st = vm_failed(S, vm, s);
    vm_free(vm);
    bc_free(&bc);
    return st;
}

pledge_status pledge_eval(pledge_state *S, const char *rules, const char *expr, FILE *out)
{
    API_ENTER(S);
    API_RETURN(S, eval(S, rules, expr, out));
}

static pledge_status eval_lets(pledge_round *R, FILE *out)
{
    Vm *vm = api_vm(R);
    pledge_status st = PLEDGE_OK;
    for (uint32_t i = 0; i < R->bc.nfns && st == PLEDGE_OK; i++) {
        const BcFunction *f = &R->bc.fns[i];
        if (f->kind != FK_LET || strchr(f->name, '.')) continue;     /* imported lets are qualified */
        Value v;
        VmStatus s = vm_call(vm, i, NULL, &v);
        if (s != VM_OK) { st = vm_failed(R->S, vm, s); break; }
        fprintf(out, "%s = ", f->name);
        write_value(v, out);
        fputc('\n', out);
        vm_reset(vm);
    }
    vm_free(vm);
    return st;
}

pledge_status pledge_eval_lets(pledge_round *R, FILE *out)
{
    API_ENTER(R->S);
    API_RETURN(R->S, eval_lets(R, out));
}

/* ---- inputs ----------------------------------------------------------------------- */

static pledge_status bind(pledge_round *R, const char *name, const char *label, const char *bytes, size_t len,
                          bool owned)
{
    if (R->loaded) {
        if (owned) mem_free((void *)bytes);
        return api_fail(R->S, PLEDGE_ERR_USAGE, "`%s`: bind inputs before they are loaded", name);
    }
    if (!name[0] || !label[0]) {
        if (owned) mem_free((void *)bytes);
        return api_fail(R->S, PLEDGE_ERR_USAGE, "a binding needs NAME=PATH");
    }
    char *copy = NULL;
    if (bytes && !owned) {
        copy = mem_alloc(len + 1);
        memcpy(copy, bytes, len);
        copy[len] = '\0';
    } else copy = (char *)bytes;
    /* a conninfo's password is read from file, never shown: every message,
     * report and manifest names the source by its name */
    char *shown = conninfo_hide_source(label, CONNINFO_MASK);
    char *file = !copy && strcmp(shown, label) != 0 ? mem_strndup(label, strlen(label)) : NULL;
    Binding b = { mem_strndup(name, strlen(name)), strlen(name), { shown, copy, len, file } };
    vec_push(&R->bindings, b);
    return PLEDGE_OK;
}

static pledge_status bind_path(pledge_round *R, const char *name, const char *source)
{
    if (strcmp(source, "-") != 0) return bind(R, name, source, NULL, 0, false);
    ApiChars text = { 0 };
    pledge_status st = read_stream(R->S, stdin, "standard input", &text);
    if (st != PLEDGE_OK) { vec_free(&text); return st; }
    vec_push(&text, '\0');
    return bind(R, name, "<stdin>", text.items, text.len - 1, true);
}

pledge_status pledge_bind(pledge_round *R, const char *name, const char *source)
{
    API_ENTER(R->S);
    API_RETURN(R->S, bind_path(R, name, source));
}

pledge_status pledge_bind_csv(pledge_round *R, const char *name, const char *label, const char *csv, size_t len)
{
    API_ENTER(R->S);
    API_RETURN(R->S, bind(R, name, label, csv ? csv : "", len, false));
}

static void destroy_rows(ApiObject *o)
{
    pledge_rows *rows = (pledge_rows *)o;
    vec_free(&rows->csv);
    mem_free(rows);
}

/* A cell as CSV: quoted when it holds a comma, a quote, a line break or
 * spaces at either end (which the reader would trim), and when it is empty
 * text (a quoted "" is empty text, an empty cell missing). */
static void put_cell(ApiChars *csv, const char *cell)
{
    if (!cell) return;
    size_t n = strlen(cell);
    bool quote = n == 0 || cell[0] == ' ' || cell[0] == '\t' || cell[n - 1] == ' ' || cell[n - 1] == '\t' ||
                 strpbrk(cell, ",\"\r\n") != NULL;
    if (quote) vec_push(csv, '"');
    for (size_t i = 0; i < n; i++) {
        if (cell[i] == '"') vec_push(csv, '"');
        vec_push(csv, cell[i]);
    }
    if (quote) vec_push(csv, '"');
}

static void put_row(ApiChars *csv, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i) vec_push(csv, ',');
        put_cell(csv, cells[i]);
    }
    vec_push(csv, '\n');
}

static pledge_status rows_new(pledge_state *S, const char *const *columns, size_t ncolumns, pledge_rows **out)
{
    if (ncolumns == 0) return api_fail(S, PLEDGE_ERR_USAGE, "rows need at least one column");
    for (size_t i = 0; i < ncolumns; i++)
        if (!columns[i] || !columns[i][0]) return api_fail(S, PLEDGE_ERR_USAGE, "column %zu has no name", i + 1);
    pledge_rows *rows = mem_calloc(1, sizeof *rows);
    rows->S = S;
    rows->ncolumns = ncolumns;
    put_row(&rows->csv, columns, ncolumns);
    api_track(S, &rows->obj, destroy_rows);
    *out = rows;
    return PLEDGE_OK;
}

pledge_rows *pledge_rows_new(pledge_state *S, const char *const *columns, size_t ncolumns)
{
    API_ENTER_OR(S, NULL);
    pledge_rows *rows = NULL;
    rows_new(S, columns, ncolumns, &rows);
    API_LEAVE(S);
    return rows;
}

static pledge_status rows_add(pledge_rows *rows, const char *const *cells)
{
    put_row(&rows->csv, cells, rows->ncolumns);
    return PLEDGE_OK;
}

pledge_status pledge_rows_add(pledge_rows *rows, const char *const *cells)
{
    API_ENTER(rows->S);
    API_RETURN(rows->S, rows_add(rows, cells));
}

static pledge_status bind_rows(pledge_round *R, const char *name, const char *label, pledge_rows *rows)
{
    vec_push(&rows->csv, '\0');
    char *text = rows->csv.items;
    size_t len = rows->csv.len - 1;
    rows->csv = (ApiChars){ 0 };
    api_untrack(&rows->obj);
    destroy_rows(&rows->obj);
    return bind(R, name, label, text, len, true);
}

pledge_status pledge_bind_rows(pledge_round *R, const char *name, const char *label, pledge_rows *rows)
{
    API_ENTER(R->S);
    API_RETURN(R->S, bind_rows(R, name, label, rows));
}

void pledge_rows_free(pledge_rows *rows)
{
    if (rows) api_free(rows->S, &rows->obj);
}

pledge_status api_load_inputs_for(pledge_round *R, bool require_all, bool windows_only, bool hashes)
{
    if (R->loaded && (windows_only || !R->windows_only)) return PLEDGE_OK;
    if (R->loaded) {
        inputs_free(&R->earlier);
        R->earlier = R->in;
        memset(&R->in, 0, sizeof R->in);
        R->loaded = false;
    }
    pledge_state *S = R->S;
    char why[1024];
    Vm *vm = api_vm(R);
    FeedOptions fo = { .skip_bad_rows = S->cfg.skip_bad_rows, .report = S->cfg.bad_rows, .progress = S->cfg.progress,
                       .progress_ud = S->cfg.progress_ud, .limits = S->data_limits, .threads = S->cfg.threads };
    fo.windows_only = windows_only && bc_window_span(&R->bc, &fo.keep_from, &fo.keep_to);
    AssessStatus st = inputs_load(&R->in, &R->bc, R->path, R->bindings.items, R->bindings.len, require_all,
                                  hashes || S->cfg.hash_inputs, &fo, vm, why, sizeof why);
    vm_free(vm);
    if (st != ASSESS_OK) {
        inputs_free(&R->in);
        return api_fail(S, api_status(st), "%s", why);
    }
    R->loaded = true;
    R->windows_only = fo.windows_only;
    return PLEDGE_OK;
}

pledge_status api_load_inputs(pledge_round *R, bool require_all, bool hashes)
{
    return api_load_inputs_for(R, require_all, R->S->cfg.windows_only && !R->vary.list.len, hashes);
}

pledge_status pledge_load_inputs(pledge_round *R, bool require_all)
{
    API_ENTER(R->S);
    API_RETURN(R->S, api_load_inputs(R, require_all, false));
}

static void write_period_range(const FeedStats *st, FILE *out)
{
    char a[32], b[32];
    if (!st->periods) { fprintf(out, "  periods    0\n"); return; }
    period_format(st->first, a, sizeof a);
    period_format(st->last, b, sizeof b);
    fprintf(out, "  periods    %u (%s .. %s)\n", st->periods, a, b);
}

/* "RM2 (36 rows), RQQ (12 rows)": the unmapped organisations by code. */
static void write_unmapped(const Inputs *in, uint16_t feed, FILE *out)
{
    uint64_t rows;
    uint32_t n;
    UnmappedOrg *list = inputs_unmapped(in, feed, &rows, &n);
    int32_t h = in->p->feeds[feed].hier >= 0 ? in->p->feeds[feed].hier : in->p->round.assess;
    fprintf(out, "  unmapped   %u organisations, %llu rows (no system in `%s`)", n, (unsigned long long)rows,
            in->p->hiers[h].name);
    for (uint32_t i = 0; i < n; i++) {
        const char *code = orgs_code(in->orgs, list[i].org);
        fputs(i ? ", " : ": ", out);
        esc_text(out, code, strlen(code));      /* a code from a feed, shown on a terminal */
        fprintf(out, " (%u row%s)", list[i].rows, list[i].rows == 1 ? "" : "s");
    }
    fputc('\n', out);
    mem_free(list);
}

static pledge_status describe_inputs(pledge_round *R, FILE *out)
{
    pledge_status st = api_load_inputs(R, false, false);
    if (st != PLEDGE_OK) return st;
    const BcProgram *bc = &R->bc;
    const Inputs *in = &R->in;
    for (uint16_t k = 0; k < bc->nhiers; k++) {
        if (!in->hiers[k]) continue;
        fprintf(out, "hierarchy %s\n  links      %u\n  parents    %u\n", bc->hiers[k].name,
                hier_link_count(in->hiers[k]), hier_parent_count(in->hiers[k]));
    }
    for (uint16_t k = 0; k < bc->nfeeds; k++) {
        if (!in->feeds[k]) continue;
        const FeedStats *fs = feed_stats(in->feeds[k]);
        fprintf(out, "feed %s\n  rows       %llu\n", bc->feeds[k].name, (unsigned long long)fs->rows);
        if (fs->skipped)
            fprintf(out, "  skipped    %llu bad row%s\n", (unsigned long long)fs->skipped, fs->skipped == 1 ? "" : "s");
        fprintf(out, "  orgs       %u\n", fs->orgs);
        write_period_range(fs, out);
        if (bc->feeds[k].vintage_col) fprintf(out, "  vintages   %u\n", fs->vintages);
        else fprintf(out, "  lag        %d days\n", bc->feeds[k].lag_days);
        if (fs->read[0]) fprintf(out, "  read       %s\n", fs->read);    /* a database's: pushed down or why not */
        if (in->assess) write_unmapped(in, k, out);
    }
    return PLEDGE_OK;
}

pledge_status pledge_describe_inputs(pledge_round *R, FILE *out)
{
    API_ENTER(R->S);
    API_RETURN(R->S, describe_inputs(R, out));
}
