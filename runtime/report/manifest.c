/* manifest.c: building, writing and reading manifests (manifest.h), with
 * Jansson for the JSON both ways. */
#include "report/manifest.h"
#include "report/jtree.h"
#include "vm/plb.h"
#include "base/why.h"
#include "base/sha256.h"
#include "base/outfile.h"
#include "base/utf8.h"
#include "base/calendar.h"
#include "base/conninfo.h"
#include "data/rows.h"
#include "data/digest.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the results ------------------------------------------------------------ */

static const char *value_text(Arena *a, Value v, bool raw)
{
    if (val_is_missing(v) || (v.kind == V_REAL && !isfinite(v.as.real))) return NULL;
    if (v.kind == V_TEXT) return arena_strndup(a, v.as.text.bytes, v.as.text.len);
    char small[256];
    size_t n = raw ? val_format(v, true, small, sizeof small) : report_display(v, small, sizeof small);
    if (n < sizeof small) return arena_strndup(a, small, n);
    char *big = arena_alloc(a, n + 1);        /* only val_format's text is this long */
    val_format(v, true, big, n + 1);
    return big;
}

static const char *class_of(const ReportItem *it)
{
    if (!it || it->kind != ITEM_COMMITMENT) return NULL;
    return class_name(it->cls);
}

/* One result's row; group: its label in a group's row (the item then reads
 * "ID[column=group]", the bytecode's name for the group's measure), else NULL. */
static void result_row(const Report *r, Arena *a, const ReportResult *res, const char *group, ResultRow *row)
{
    const ReportSystem *sys = res->system < r->nsystems ? &r->systems[res->system] : NULL;
    const ReportItem *it = res->item < r->nitems ? &r->items[res->item] : NULL;
    row->system = sys ? sys->code : NULL;
    row->system_name = sys ? sys->name : NULL;
    row->item = it ? it->id : NULL;
    if (group && it && it->by) {
        const char *dot = strrchr(it->by, '.');
        row->item = arena_printf(a, "%s[%s=%s]", it->id, dot ? dot + 1 : it->by, group);
    }
    row->kind = report_item_kind(it);
    row->cls = class_of(it);
    row->status = report_status(res->status);
    row->value = value_text(a, res->value, true);
    row->shown = value_text(a, res->value, false);
    row->threshold = value_text(a, res->threshold, true);
    if (!val_is_missing(res->window)) {
        char w[64];
        report_window(res->window, w, sizeof w);
        row->window = arena_strndup(a, w, strlen(w));
    }
    row->coverage = res->coverage;
    row->members = res->members;
    row->complete = result_complete(res);
    row->cells_expected = (int64_t)res->cells_expected;
    row->cells_present = (int64_t)res->cells_present;
}

size_t results_rows(const Report *r, Arena *a, ResultRow **out)
{
    size_t n = r->nresults + r->nratings, k = 0, i = 0, j = 0;
    for (size_t g = 0; g < r->nresults; g++) n += r->results[g].ngroups;   /* rows of their own, as in the CSV */
    ResultRow *rows = arena_alloc(a, (n + 1) * sizeof *rows);
    /* merged as report_csv merges them: each system's ratings after its results */
    while (i < r->nresults || j < r->nratings) {
        ResultRow *row = &rows[k++];
        if (j == r->nratings || (i < r->nresults && r->results[i].system <= r->ratings[j].system)) {
            const ReportResult *res = &r->results[i++];
            result_row(r, a, res, NULL, row);
            const ReportItem *it = res->item < r->nitems ? &r->items[res->item] : NULL;
            for (uint32_t g = 0; it && g < res->ngroups && g < it->ngroups; g++) {
                row = &rows[k++];
                result_row(r, a, &res->groups[g], it->groups[g], row);
            }
        } else {
            const ReportRating *ra = &r->ratings[j++];
            const ReportSystem *sys = ra->system < r->nsystems ? &r->systems[ra->system] : NULL;
            row->system = sys ? sys->code : NULL;
            row->system_name = sys ? sys->name : NULL;
            row->item = ra->rating < r->nrating_decls ? r->rating_decls[ra->rating].id : NULL;
            row->kind = "rating";
            row->status = ra->label;
            row->coverage = row->members = row->cells_expected = row->cells_present = -1;
            row->complete = -1;
        }
    }
    *out = rows;
    return k;
}

bool results_sha256(const Report *r, char hex[65])
{
    MemHold *hold = mem_hold();     /* the stream and its buffer (the C library's) */
    FILE *f = hold->file = open_memstream(&hold->text, &hold->text_len);
    if (!f) {
        mem_release(hold);
        return false;
    }
    bool ok = report_csv(r, f);
    ok = fclose(f) == 0 && ok;
    hold->file = NULL;
    uint8_t d[32];
    if (ok) {
        sha256(hold->text, hold->text_len, d);
        sha256_hex(d, hex);
    }
    mem_release(hold);
    return ok;
}

/* ---- hashes ------------------------------------------------------------------ */

bool manifest_rules_hashes(const char *rules, const BcProgram *bc, char source[65], char bytecode[65],
                           char *why, size_t whycap)
{
    uint8_t d[32];
    if (!sha256_file(rules, d)) {
        why_say(why, whycap, "cannot read %s: %s", rules, strerror(errno));
        return false;
    }
    sha256_hex(d, source);
    if (plb_is_bytecode_file(rules)) {
        memcpy(bytecode, source, 65);
        return true;
    }
    uint8_t *bytes;
    size_t len;
    plb_write(bc, &bytes, &len);
    sha256(bytes, len, d);
    mem_free(bytes);
    sha256_hex(d, bytecode);
    return true;
}

bool manifest_input_sha256(const char *source, char hex[65])
{
    return input_digest(DATA_PATH(source), hex, NULL);
}

bool manifest_input_sha256_as(const char *source, const char *recorded, char hex[65])
{
    if (!manifest_input_sha256(source, hex)) return false;
    if (strcmp(hex, recorded) == 0 || strncmp(source, "sqlite:", 7) != 0) return true;
    /* sqlite:PATH:TABLE (the last colon separates the table, rows.c): the
     * database file's bytes, as a manifest recorded it before tables had a digest of their rows */
    const char *colon = strrchr(source + 7, ':');
    char *path = colon ? mem_strndup(source + 7, (size_t)(colon - source - 7)) : NULL;
    uint8_t d[32];
    char file_hex[65];
    if (path && sha256_file(path, d)) {
        sha256_hex(d, file_hex);
        if (strcmp(file_hex, recorded) == 0) memcpy(hex, file_hex, sizeof file_hex);
    }
    mem_free(path);
    return true;
}

/* ---- paths ------------------------------------------------------------------- */

char *manifest_dirname(Arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return arena_strndup(a, ".", 1);
    while (slash > path && slash[-1] == '/') slash--;
    if (slash == path) return arena_strndup(a, "/", 1);
    return arena_strndup(a, path, (size_t)(slash - path));
}

/* The relative path from folder `from` to folder `to`, both absolute and
 * canonical (realpath): "..", "runs/2019", "../data", ".". */
static char *relative(Arena *a, const char *from, const char *to)
{
    size_t common = 0, i = 0;
    /* the longest common prefix that ends at a component boundary */
    for (;; i++) {
        bool fe = from[i] == '\0' || from[i] == '/', te = to[i] == '\0' || to[i] == '/';
        if (fe && te) common = i;
        if (from[i] != to[i] || !from[i]) break;
    }
    size_t ups = 0;
    for (const char *s = from + common; *s; s++)
        if (*s == '/' && s[1]) ups++;
    const char *rest = to + common;
    while (*rest == '/') rest++;
    size_t cap = ups * 3 + strlen(rest) + 2;
    char *out = arena_alloc(a, cap), *o = out;
    for (size_t k = 0; k < ups; k++) { memcpy(o, k ? "/.." : "..", k ? 3 : 2); o += k ? 3 : 2; }
    if (*rest) {
        if (o > out) *o++ = '/';
        memcpy(o, rest, strlen(rest));
        o += strlen(rest);
    }
    if (o == out) *o++ = '.';
    *o = '\0';
    return out;
}

bool manifest_rehome(Manifest *m, const char *home, char *why, size_t whycap)
{
    /* buffers of ours: nothing of the C library's to free if memory runs out */
    char cwd_buf[PATH_MAX], dir_buf[PATH_MAX];
    char *cwd = getcwd(cwd_buf, sizeof cwd_buf), *dir = realpath(home, dir_buf);
    bool ok = cwd && dir;
    if (!ok) why_say(why, whycap, "cannot resolve %s: %s", !cwd ? "the working folder" : home, strerror(errno));
    else m->directory = relative(&m->arena, dir, cwd);
    return ok;
}

/* ---- building ------------------------------------------------------------------ */

static char *keep(Arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

static bool utf8_ok(const char *what, const char *s, char *why, size_t whycap)
{
    if (!s || utf8_valid(s, strlen(s), NULL)) return true;
    why_say(why, whycap, "%s `%s` is not UTF-8: a manifest records it as JSON text", what, s);
    return false;
}

bool manifest_build(Manifest *m, const ManifestRun *run, const char *home, char *why, size_t whycap)
{
    *m = (Manifest){ .version = MANIFEST_VERSION };
    Arena *a = &m->arena;
    const Report *r = run->report;
    if (!manifest_rehome(m, home, why, whycap)) {
        manifest_free(m);
        return false;
    }
    m->engine = keep(a, run->engine);
    m->round = keep(a, r->round);
    m->as_of = run->as_of;
    m->rules = keep(a, run->rules);
    m->rules_bytecode = plb_is_bytecode_file(run->rules);
    bool ok = utf8_ok("the rules' path", run->rules, why, whycap) && utf8_ok("the folder", m->directory, why, whycap)
           && manifest_rules_hashes(run->rules, run->bc, m->source_sha256, m->bytecode_sha256, why, whycap);
    m->inputs = arena_alloc(a, (r->ninputs + 1) * sizeof *m->inputs);
    for (size_t k = 0; k < r->ninputs && ok; k++) {
        const ReportInput *ri = &r->inputs[k];
        ManifestInput *mi = &m->inputs[m->ninputs++];
        mi->name = keep(a, ri->name);
        mi->kind = keep(a, ri->kind);
        mi->path = keep(a, ri->path);
        mi->rows = ri->rows;
        mi->unmapped_rows = ri->unmapped_rows;
        mi->skipped_rows = ri->skipped_rows;
        mi->has_skipped_rows = true;
        ok = utf8_ok("the path", ri->path, why, whycap);
        /* the report's digest where it took one (digest.h: the same definition) */
        if (ok && ri->sha256[0]) memcpy(mi->sha256, ri->sha256, sizeof mi->sha256);
        else if (ok && !manifest_input_sha256(ri->path, mi->sha256)) {
            why_say(why, whycap, "%s `%s`: cannot read %s: %s", ri->kind, ri->name, ri->path, strerror(errno));
            ok = false;
        }
    }
    /* each variations file once, with the hash it had when read */
    m->variations = arena_alloc(a, (r->nvariations + 1) * sizeof *m->variations);
    for (size_t k = 0; k < r->nvariations && ok; k++) {
        const ReportVariation *v = &r->variations[k];
        bool seen = false;
        for (size_t i = 0; i < m->nvariations && !seen; i++) seen = strcmp(m->variations[i].path, v->file) == 0;
        if (seen) continue;
        ok = utf8_ok("the variations file's path", v->file, why, whycap);
        ManifestFile *f = &m->variations[m->nvariations++];
        f->path = keep(a, v->file);
        memcpy(f->sha256, v->sha256, sizeof f->sha256);
    }
    m->systems = arena_alloc(a, (run->nsystems + 1) * sizeof *m->systems);
    for (size_t k = 0; k < run->nsystems && ok; k++) {
        ok = utf8_ok("--system", run->systems[k], why, whycap);
        m->systems[m->nsystems++] = keep(a, run->systems[k]);
    }
    m->allowed = arena_alloc(a, (run->nallowed + 1) * sizeof *m->allowed);
    for (size_t k = 0; k < run->nallowed && ok; k++) {
        ok = utf8_ok("--allow-native", run->allowed[k], why, whycap);
        m->allowed[m->nallowed++] = keep(a, run->allowed[k]);
    }
    m->skip_bad_rows = run->skip_bad_rows;
    m->limits = run->limits;
    if (ok && !results_sha256(r, m->results_sha256)) {
        why_say(why, whycap, "cannot serialise the results");
        ok = false;
    }
    if (ok) m->nrows = results_rows(r, a, &m->rows);
    if (!ok) manifest_free(m);
    return ok;
}

void manifest_free(Manifest *m)
{
    arena_free(&m->arena);
    *m = (Manifest){ 0 };
}

/* ---- writing ------------------------------------------------------------------- */

const char *manifest_text(Arena *a, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s);
    if (utf8_valid(s, n, NULL)) return s;
    char *fixed = arena_alloc(a, n * 3 + 1), *o = fixed;
    for (size_t i = 0; i < n;) {
        size_t c = utf8_char((const unsigned char *)s + i, n - i);
        if (c) { memcpy(o, s + i, c); o += c; i += c; }
        else { memcpy(o, "\xEF\xBF\xBD", 3); o += 3; i++; }
    }
    *o = '\0';
    return fixed;
}

/* A JSON string of s (through manifest_text). */
static json_t *jstr(const char *s)
{
    if (!s) return json_null();
    Arena a = { 0 };
    json_t *j = json_string(manifest_text(&a, s));
    arena_free(&a);
    return j;
}

static json_t *jint(uint64_t v) { return json_integer(v > (uint64_t)LLONG_MAX ? LLONG_MAX : (json_int_t)v); }

static void jlist(json_t *parent, const char *key, const char *const *items, size_t n)
{
    json_t *a = jtree_child(parent, key, json_array());
    for (size_t i = 0; i < n; i++) json_array_append_new(a, jstr(items[i]));
}

/* m as a JSON tree, held by hold (built with blocks allocated on the way). */
static json_t *to_json(const Manifest *m, MemHold *hold)
{
    char day[16];
    period_format((Period){ GRAIN_DAY, m->as_of }, day, sizeof day);
    hold->release = jtree_release;
    json_t *root = hold->p = json_object();
    json_object_set_new(root, "manifest_version", json_integer(m->version));
    json_object_set_new(root, "engine", jstr(m->engine));
    json_object_set_new(root, "directory", jstr(m->directory));
    json_object_set_new(root, "round", jstr(m->round));
    json_object_set_new(root, "as_of", json_string(day));

    json_t *rules = jtree_child(root, "rules", json_object());
    json_object_set_new(rules, "path", jstr(m->rules));
    json_object_set_new(rules, "kind", json_string(m->rules_bytecode ? "bytecode" : "source"));
    json_object_set_new(rules, "source_sha256", json_string(m->source_sha256));
    json_object_set_new(rules, "bytecode_sha256", json_string(m->bytecode_sha256));

    json_t *inputs = jtree_child(root, "inputs", json_array());
    for (size_t k = 0; k < m->ninputs; k++) {
        const ManifestInput *mi = &m->inputs[k];
        json_t *o = jtree_child(inputs, NULL, json_object());
        bool feed = strcmp(mi->kind, "feed") == 0;
        json_object_set_new(o, "name", jstr(mi->name));
        json_object_set_new(o, "kind", jstr(mi->kind));
        json_object_set_new(o, "path", jstr(mi->path));
        json_object_set_new(o, "sha256", json_string(mi->sha256));
        json_object_set_new(o, "rows", jint(mi->rows));
        json_object_set_new(o, "skipped_rows", feed ? jint(mi->skipped_rows) : json_null());
        json_object_set_new(o, "unmapped_rows", feed ? jint(mi->unmapped_rows) : json_null());
    }

    if (m->nvariations) {                   /* only in a run with variations: older manifests keep their keys */
        json_t *vars = jtree_child(root, "variations", json_array());
        for (size_t k = 0; k < m->nvariations; k++) {
            json_t *o = jtree_child(vars, NULL, json_object());
            json_object_set_new(o, "path", jstr(m->variations[k].path));
            json_object_set_new(o, "sha256", json_string(m->variations[k].sha256));
        }
    }

    json_t *opts = jtree_child(root, "options", json_object());
    jlist(opts, "systems", m->systems, m->nsystems);
    json_object_set_new(opts, "on_bad_row", json_string(m->skip_bad_rows ? "skip" : "stop"));
    json_object_set_new(opts, "max_steps", jint(m->limits.max_steps));
    json_object_set_new(opts, "max_memory", jint(m->limits.max_memory));
    json_object_set_new(opts, "max_depth", jint(m->limits.max_depth));
    jlist(opts, "allow_native", m->allowed, m->nallowed);

    json_t *res = jtree_child(root, "results", json_object());
    json_object_set_new(res, "canonical_form", json_string("csv"));
    json_object_set_new(res, "sha256", json_string(m->results_sha256));
    json_object_set_new(res, "count", jint(m->nrows));
    json_t *rows = jtree_child(res, "rows", json_array());
    for (size_t k = 0; k < m->nrows; k++) {
        const ResultRow *row = &m->rows[k];
        json_t *o = jtree_child(rows, NULL, json_object());
        json_object_set_new(o, "system", jstr(row->system));
        json_object_set_new(o, "item", jstr(row->item));
        json_object_set_new(o, "kind", jstr(row->kind));
        json_object_set_new(o, "status", jstr(row->status));
        json_object_set_new(o, "value", jstr(row->value));
    }
    return root;
}

char *manifest_json(const Manifest *m)
{
    /* the text measured, then written into a block of ours: json_dumps's
     * would be Jansson's, to free with its allocator (an embedder's may
     * not be the C library's) */
    enum { FLAGS = JSON_INDENT(2) | JSON_PRESERVE_ORDER };
    MemHold *hold = mem_hold();     /* the tree, the C library's */
    json_t *root = to_json(m, hold);
    size_t n = json_dumpb(root, NULL, 0, FLAGS);
    char *out = NULL;
    if (n) {
        out = mem_alloc(n + 2);
        n = json_dumpb(root, out, n, FLAGS);
        out[n] = '\n';
        out[n + 1] = '\0';
    }
    mem_release(hold);
    return out;
}

bool manifest_write(const Manifest *m, const char *path, char *why, size_t whycap)
{
    char *text = manifest_json(m);
    if (!text) { why_say(why, whycap, "cannot write the manifest as JSON"); return false; }
    OutFile of = { 0 };
    FILE *f = outfile_open(&of, path, why, whycap);
    bool ok = f != NULL;
    if (ok && fputs(text, f) == EOF) {
        outfile_abort(&of);
        why_say(why, whycap, "cannot write %s", path);
        ok = false;
    } else if (ok) {
        ok = outfile_commit(&of, why, whycap);
    }
    mem_free(text);
    return ok;
}

/* ---- reading ------------------------------------------------------------------- */

typedef struct Rd {
    const char *file;
    Arena      *a;
    char       *why;
    size_t      cap;
    bool        failed;
} Rd;

static void rd_fail(Rd *r, const char *where, const char *key, const char *what)
{
    if (r->failed) return;
    r->failed = true;
    why_say(r->why, r->cap, "%s: %s%s%s: %s", r->file, where, *where && key ? "." : "", key ? key : "", what);
}

static json_t *rd_get(Rd *r, json_t *obj, const char *where, const char *key, json_type type, bool nullable)
{
    static const char *const names[] = { [JSON_OBJECT] = "an object", [JSON_ARRAY] = "a list",
                                         [JSON_STRING] = "a string", [JSON_INTEGER] = "a whole number",
                                         [JSON_REAL] = "a number", [JSON_TRUE] = "true", [JSON_FALSE] = "false",
                                         [JSON_NULL] = "null" };
    if (r->failed) return NULL;
    json_t *v = json_object_get(obj, key);
    if (!v) { rd_fail(r, where, key, "missing"); return NULL; }
    if (json_is_null(v) && nullable) return NULL;
    if (json_typeof(v) != type) {
        char what[64];
        snprintf(what, sizeof what, "expected %s%s", names[type], nullable ? " or null" : "");
        rd_fail(r, where, key, what);
        return NULL;
    }
    return v;
}

static const char *rd_str(Rd *r, json_t *obj, const char *where, const char *key, bool nullable)
{
    json_t *v = rd_get(r, obj, where, key, JSON_STRING, nullable);
    return v ? arena_strndup(r->a, json_string_value(v), json_string_length(v)) : NULL;
}

static uint64_t rd_uint(Rd *r, json_t *obj, const char *where, const char *key, bool nullable)
{
    json_t *v = rd_get(r, obj, where, key, JSON_INTEGER, nullable);
    if (!v) return 0;
    if (json_integer_value(v) < 0) { rd_fail(r, where, key, "expected a whole number, not below 0"); return 0; }
    return (uint64_t)json_integer_value(v);
}

static void rd_hash(Rd *r, json_t *obj, const char *where, const char *key, char out[65])
{
    const char *s = rd_str(r, obj, where, key, false);
    if (!s) return;
    bool ok = strlen(s) == 64;
    for (size_t i = 0; ok && i < 64; i++) ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
    if (!ok) { rd_fail(r, where, key, "expected 64 lower-case hex digits (a SHA-256)"); return; }
    memcpy(out, s, 65);
}

static const char **rd_strings(Rd *r, json_t *obj, const char *where, const char *key, size_t *n)
{
    json_t *list = rd_get(r, obj, where, key, JSON_ARRAY, false);
    *n = 0;
    if (!list) return NULL;
    const char **out = arena_alloc(r->a, (json_array_size(list) + 1) * sizeof *out);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *s = json_array_get(list, i);
        if (!json_is_string(s)) {
            char what[64];
            snprintf(what, sizeof what, "item %zu: expected a string", i);
            rd_fail(r, where, key, what);
            return NULL;
        }
        out[(*n)++] = arena_strndup(r->a, json_string_value(s), json_string_length(s));
    }
    return out;
}

static void read_manifest(Rd *r, json_t *root, Manifest *m)
{
    if (!json_is_object(root)) { rd_fail(r, "", NULL, "expected an object"); return; }
    json_t *v = rd_get(r, root, "", "manifest_version", JSON_INTEGER, false);
    if (!v) return;
    if (json_integer_value(v) < 1 || json_integer_value(v) > MANIFEST_VERSION) {
        char what[96];
        snprintf(what, sizeof what, "version %lld; this pledge reads version %d", (long long)json_integer_value(v),
                 MANIFEST_VERSION);
        rd_fail(r, "", "manifest_version", what);
        return;
    }
    m->version = (int)json_integer_value(v);
    m->engine = rd_str(r, root, "", "engine", false);
    m->directory = rd_str(r, root, "", "directory", false);
    m->round = rd_str(r, root, "", "round", true);
    const char *day = rd_str(r, root, "", "as_of", false);
    char bad[128];
    if (day && !cal_parse_day(day, strlen(day), &m->as_of, bad, sizeof bad)) rd_fail(r, "", "as_of", bad);

    json_t *rules = rd_get(r, root, "", "rules", JSON_OBJECT, false);
    if (rules) {
        m->rules = rd_str(r, rules, "rules", "path", false);
        const char *kind = rd_str(r, rules, "rules", "kind", false);
        if (kind && strcmp(kind, "source") != 0 && strcmp(kind, "bytecode") != 0)
            rd_fail(r, "rules", "kind", "expected \"source\" or \"bytecode\"");
        m->rules_bytecode = kind && strcmp(kind, "bytecode") == 0;
        rd_hash(r, rules, "rules", "source_sha256", m->source_sha256);
        rd_hash(r, rules, "rules", "bytecode_sha256", m->bytecode_sha256);
    }

    json_t *inputs = rd_get(r, root, "", "inputs", JSON_ARRAY, false);
    if (inputs) {
        m->inputs = arena_alloc(r->a, (json_array_size(inputs) + 1) * sizeof *m->inputs);
        for (size_t i = 0; i < json_array_size(inputs) && !r->failed; i++) {
            char where[32];
            snprintf(where, sizeof where, "inputs[%zu]", i);
            json_t *o = json_array_get(inputs, i);
            if (!json_is_object(o)) { rd_fail(r, where, NULL, "expected an object"); break; }
            ManifestInput *mi = &m->inputs[m->ninputs++];
            mi->name = rd_str(r, o, where, "name", false);
            mi->kind = rd_str(r, o, where, "kind", false);
            if (mi->kind && strcmp(mi->kind, "feed") != 0 && strcmp(mi->kind, "hierarchy") != 0)
                rd_fail(r, where, "kind", "expected \"feed\" or \"hierarchy\"");
            mi->path = rd_str(r, o, where, "path", false);
            rd_hash(r, o, where, "sha256", mi->sha256);
            mi->rows = rd_uint(r, o, where, "rows", false);
            mi->unmapped_rows = rd_uint(r, o, where, "unmapped_rows", true);
            /* not in a manifest made before skipped rows were recorded:
             * read as 0, and a replay does not compare them */
            mi->has_skipped_rows = json_object_get(o, "skipped_rows") != NULL;
            if (mi->has_skipped_rows) mi->skipped_rows = rd_uint(r, o, where, "skipped_rows", true);
        }
    }

    json_t *vars = json_object_get(root, "variations");    /* optional: only a run with variations has it */
    if (vars && !json_is_array(vars)) rd_fail(r, "", "variations", "expected a list");
    else if (vars) {
        m->variations = arena_alloc(r->a, (json_array_size(vars) + 1) * sizeof *m->variations);
        for (size_t i = 0; i < json_array_size(vars) && !r->failed; i++) {
            char where[48];
            snprintf(where, sizeof where, "variations[%zu]", i);
            json_t *o = json_array_get(vars, i);
            if (!json_is_object(o)) { rd_fail(r, where, NULL, "expected an object"); break; }
            ManifestFile *f = &m->variations[m->nvariations++];
            f->path = rd_str(r, o, where, "path", false);
            rd_hash(r, o, where, "sha256", f->sha256);
        }
    }

    json_t *opts = rd_get(r, root, "", "options", JSON_OBJECT, false);
    if (opts) {
        m->systems = rd_strings(r, opts, "options", "systems", &m->nsystems);
        const char *bad_row = rd_str(r, opts, "options", "on_bad_row", false);
        if (bad_row && strcmp(bad_row, "stop") != 0 && strcmp(bad_row, "skip") != 0)
            rd_fail(r, "options", "on_bad_row", "expected \"stop\" or \"skip\"");
        m->skip_bad_rows = bad_row && strcmp(bad_row, "skip") == 0;
        m->limits.max_steps = rd_uint(r, opts, "options", "max_steps", false);
        uint64_t mem = rd_uint(r, opts, "options", "max_memory", false);
        m->limits.max_memory = mem > SIZE_MAX ? SIZE_MAX : (size_t)mem;
        uint64_t depth = rd_uint(r, opts, "options", "max_depth", false);
        m->limits.max_depth = depth > UINT32_MAX ? UINT32_MAX : (uint32_t)depth;
        m->allowed = rd_strings(r, opts, "options", "allow_native", &m->nallowed);
        if (!r->failed && (!m->limits.max_steps || !m->limits.max_memory || !m->limits.max_depth))
            rd_fail(r, "options", NULL, "a limit of 0");
    }

    json_t *res = rd_get(r, root, "", "results", JSON_OBJECT, false);
    if (res) {
        const char *form = rd_str(r, res, "results", "canonical_form", false);
        if (form && strcmp(form, "csv") != 0) rd_fail(r, "results", "canonical_form", "expected \"csv\"");
        rd_hash(r, res, "results", "sha256", m->results_sha256);
        uint64_t count = rd_uint(r, res, "results", "count", false);
        json_t *rows = rd_get(r, res, "results", "rows", JSON_ARRAY, false);
        if (rows && json_array_size(rows) != count) rd_fail(r, "results", "rows", "not `count` of them");
        if (rows && !r->failed) m->rows = arena_alloc(r->a, (json_array_size(rows) + 1) * sizeof *m->rows);
        for (size_t i = 0; rows && i < json_array_size(rows) && !r->failed; i++) {
            char where[40];
            snprintf(where, sizeof where, "results.rows[%zu]", i);
            json_t *o = json_array_get(rows, i);
            if (!json_is_object(o)) { rd_fail(r, where, NULL, "expected an object"); break; }
            ResultRow *row = &m->rows[m->nrows++];
            row->system = rd_str(r, o, where, "system", true);
            row->item = rd_str(r, o, where, "item", true);
            row->kind = rd_str(r, o, where, "kind", false);
            row->status = rd_str(r, o, where, "status", true);
            row->value = rd_str(r, o, where, "value", true);
            row->coverage = row->members = row->cells_expected = row->cells_present = -1;
            row->complete = -1;
        }
    }
}

/* The manifest in hold's tree (given back here). */
static bool manifest_from(Manifest *m, MemHold *hold, const json_error_t *err, const char *name, char *why,
                          size_t whycap)
{
    *m = (Manifest){ 0 };
    json_t *root = hold->p;
    if (!root) {
        mem_release(hold);
        if (err->line > 0) why_say(why, whycap, "%s:%d:%d: %s", name, err->line, err->column, err->text);
        else why_say(why, whycap, "%s: %s", name, err->text);
        return false;
    }
    Rd r = { name, &m->arena, why, whycap, false };
    read_manifest(&r, root, m);
    mem_release(hold);
    if (r.failed) manifest_free(m);
    return !r.failed;
}

bool manifest_read(Manifest *m, const char *path, char *why, size_t whycap)
{
    json_error_t err;
    MemHold *hold = mem_hold();
    hold->release = jtree_release;
    hold->p = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    return manifest_from(m, hold, &err, path, why, whycap);
}

bool manifest_parse(Manifest *m, const char *text, const char *name, char *why, size_t whycap)
{
    json_error_t err;
    MemHold *hold = mem_hold();
    hold->release = jtree_release;
    hold->p = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    return manifest_from(m, hold, &err, name, why, whycap);
}
