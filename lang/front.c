/* front.c: loading a program: the root rule file and what it imports. */
#include "lang/front.h"
#include "lang/checker.h"
#include "base/utf8.h"
#include "stdlib/stdlib.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_SOURCE_BYTES = SOURCE_MAX_BYTES };

bool front_check_encoding(Diags *d, Source *src)
{
    size_t bad;
    if (utf8_valid(src->text, src->len, &bad)) return true;
    int line = 1, col = 1;
    for (size_t i = 0; i < bad; i += utf8_char((const unsigned char *)src->text + i, src->len - i)) {
        if (src->text[i] == '\n') { line++; col = 1; } else col++;
    }
    Span at = { line, col, line, col };
    unsigned char b = (unsigned char)src->text[bad];
    if (b == 0) diag_error(d, src, at, "a NUL byte: a rule file must be text");
    else diag_error(d, src, at, "invalid UTF-8 (byte 0x%02X): a rule file must be UTF-8 text", b);
    return false;
}

/* Joins the directory of `base` and `rel`: "a/main.pledge" + "lib/x.pledge". */
static char *path_beside(Arena *a, const char *base, const char *rel)
{
    const char *slash = strrchr(base, '/');
    if (!slash) return arena_strndup(a, rel, strlen(rel));
    return arena_printf(a, "%.*s/%s", (int)(slash - base), base, rel);
}

/* The canonical path, in the arena, or NULL. realpath writes into a buffer
 * of ours: had it allocated, running out of memory (which jumps) would
 * leave its block behind. */
static char *real_path(Arena *a, const char *path)
{
    char buf[PATH_MAX];
    return realpath(path, buf) ? arena_strndup(a, buf, strlen(buf)) : NULL;
}

static char *dir_of(Arena *a, const char *real)
{
    const char *slash = strrchr(real, '/');
    return arena_strndup(a, real, slash && slash != real ? (size_t)(slash - real) : 1);
}

static void attach_docs(Arena *a, Module *m)
{
    size_t k = 0;
    int prev_end = 0;
    for (size_t i = 0; i < m->decls.len; i++) {
        Decl *d = m->decls.items[i];
        size_t first = k;
        while (k < m->docs.len && ((DocComment *)m->docs.items[k])->line_first < d->span.first_line) k++;
        /* the doc lines after the previous declaration belong to this one */
        size_t total = 0, from = first;
        while (from < k && ((DocComment *)m->docs.items[from])->line_first <= prev_end) from++;
        for (size_t j = from; j < k; j++) total += strlen(((DocComment *)m->docs.items[j])->text) + 1;
        if (total) {
            char *doc = arena_alloc(a, total), *p = doc;
            for (size_t j = from; j < k; j++) {
                const char *t = ((DocComment *)m->docs.items[j])->text;
                size_t n = strlen(t);
                memcpy(p, t, n);
                p += n;
                *p++ = j + 1 < k ? '\n' : '\0';
            }
            d->doc = doc;
        }
        prev_end = d->span.last_line;
    }
}

typedef struct Loader {
    Program *p;
    char    *root_dir;      /* imports may not reach outside it */
    List     stack;         /* Module*: being loaded, to name a cycle */
} Loader;

static Module *new_module(Loader *l, Source *src, const char *name, char *real)
{
    Module *m = arena_alloc(&l->p->arena, sizeof *m);
    m->src = src;
    m->name = name;
    m->realpath = real;
    ParseCtx ctx = { .arena = &l->p->arena, .diags = &l->p->diags, .mod = m, .line = 1, .col = 1 };
    if (src->len > MAX_SOURCE_BYTES) {
        Span at = { 1, 1, 1, 1 };
        diag_error(&l->p->diags, src, at, "the file is larger than %d MB", MAX_SOURCE_BYTES >> 20);
        return m;
    }
    if (!front_check_encoding(&l->p->diags, src)) return m;
    m->parsed_ok = parse_module(&ctx);
    attach_docs(&l->p->arena, m);
    return m;
}

static Module *find_loaded(Loader *l, const char *key)
{
    for (size_t i = 0; i < l->p->modules.len; i++) {
        Module *m = l->p->modules.items[i];
        if (strcmp(m->realpath, key) == 0) return m;
    }
    for (size_t i = 0; i < l->stack.len; i++) {
        Module *m = l->stack.items[i];
        if (strcmp(m->realpath, key) == 0) return m;
    }
    return NULL;
}

static void load_imports(Loader *l, Module *m);

static void report_cycle(Loader *l, Module *from, Decl *imp, Module *target)
{
    Arena *a = &l->p->arena;
    char *chain = "";
    bool on = false;
    for (size_t i = 0; i < l->stack.len; i++) {
        Module *s = l->stack.items[i];
        if (s == target) on = true;
        if (on) chain = arena_printf(a, "%s%s → ", chain, s->src->path);
    }
    chain = arena_printf(a, "%s%s", chain, target->src->path);
    diag_error(&l->p->diags, from->src, imp->span, "import cycle: %s", chain);
}

static Module *import_module(Loader *l, Module *from, Decl *imp)
{
    Diags *diags = &l->p->diags;
    Arena *a = &l->p->arena;
    if (!imp->import_is_file) {
        if (strncmp(imp->import_path, "std.", 4) != 0) {
            diag_error(diags, from->src, imp->name_span,
                       "`%s` is not a module of the standard library", imp->import_path);
            diag_hint(diags, "import a file of your own with import \"path.pledge\" as NAME");
            return NULL;
        }
        char *key = arena_printf(a, "<%s>", imp->import_path);
        Module *m = find_loaded(l, key);
        if (m) return m;
        for (size_t i = 0; i < stdlib_module_count; i++) {
            const StdlibModule *sm = &stdlib_modules[i];
            if (strcmp(sm->name, imp->import_path) != 0) continue;
            Source *src = source_from_memory(sm->path, sm->text, sm->len);
            list_push(a, &l->p->sources, src);
            return new_module(l, src, sm->name, key);
        }
        diag_error(diags, from->src, imp->name_span, "the standard library has no module `%s`", imp->import_path);
        return NULL;
    }
    if (from->realpath[0] == '<') {
        diag_error(diags, from->src, imp->span, "a standard library module imports only other std modules");
        return NULL;
    }
    if (!imp->name) {
        diag_error(diags, from->src, imp->span, "importing a file needs a name for it: import \"%s\" as NAME",
                   imp->import_path);
        return NULL;
    }
    if (imp->import_path[0] == '/') {
        diag_error(diags, from->src, imp->span,
                   "cannot import `%s`: imports are paths relative to the rule file, inside its folder",
                   imp->import_path);
        return NULL;
    }
    char *shown = path_beside(a, from->src->path, imp->import_path);
    char *joined = path_beside(a, from->realpath, imp->import_path);
    char *keep = real_path(a, joined);
    if (!keep) {
        diag_error(diags, from->src, imp->span,
                   "cannot find `%s` to import", imp->import_path);
        return NULL;
    }
    size_t rl = strlen(l->root_dir);
    if (strncmp(keep, l->root_dir, rl) != 0 || (keep[rl] != '/' && strcmp(l->root_dir, "/") != 0)) {
        diag_error(diags, from->src, imp->span,
                   "cannot import `%s`: imports stay inside the rule file's folder", imp->import_path);
        return NULL;
    }
    Module *m = find_loaded(l, keep);
    if (m) return m;
    char why[256];
    /* the path checked above, not joined again: a link swapped meanwhile
     * cannot lead the read outside the folder */
    Source *src = source_read_regular(keep, why, sizeof why);
    if (!src) {
        diag_error(diags, from->src, imp->span, "cannot read `%s`: %s", imp->import_path, why);
        return NULL;
    }
    mem_free(src->path);
    src->path = mem_strndup(shown, strlen(shown));
    list_push(a, &l->p->sources, src);
    return new_module(l, src, shown, keep);
}

static void load_imports(Loader *l, Module *m)
{
    m->state = 1;
    list_push(&l->p->arena, &l->stack, m);
    if (m->parsed_ok)
        for (size_t i = 0; i < m->decls.len; i++) {
            Decl *d = m->decls.items[i];
            if (d->kind != D_IMPORT) continue;
            Module *target = import_module(l, m, d);
            if (!target) continue;
            if (target->state == 1) { report_cycle(l, m, d, target); continue; }
            d->imported = target;
            if (target->state == 0) load_imports(l, target);
        }
    l->stack.len--;
    m->state = 2;
    list_push(&l->p->arena, &l->p->modules, m);
}

/* Parses the root module src, whose real path is real, and what it
 * imports; then checks them all. */
static bool load_root(Program *p, Source *src, const char *real)
{
    Loader l = { p, NULL, { 0 } };
    char *keep = arena_strndup(&p->arena, real, strlen(real));
    l.root_dir = dir_of(&p->arena, keep);
    p->root = new_module(&l, src, src->path, keep);
    load_imports(&l, p->root);
    if (p->diags.errors) return false;
    for (size_t i = 0; i < p->modules.len; i++) check_declare(p->modules.items[i], &p->arena, &p->diags);
    for (size_t i = 0; i < p->modules.len; i++) {
        Module *m = p->modules.items[i];
        check_module(m, &p->arena, &p->diags, m == p->root);
    }
    return p->diags.errors == 0;
}

bool front_load(Program *p, const char *path)
{
    return front_load_named(p, path, path);
}

bool front_load_named(Program *p, const char *path, const char *name)
{
    char why[256];
    Source *src = source_read(path, why, sizeof why);
    if (!src) {
        diag_error(&p->diags, NULL, (Span){ 0 }, "cannot read `%s`: %s", name, why);
        return false;
    }
    if (name != path) {
        mem_free(src->path);
        src->path = mem_strndup(name, strlen(name));
    }
    list_push(&p->arena, &p->sources, src);
    char *real = real_path(&p->arena, path);
    if (!real) {
        diag_error(&p->diags, NULL, (Span){ 0 }, "cannot find `%s`", name);
        return false;
    }
    return load_root(p, src, real);
}

bool front_load_source(Program *p, const char *name, const char *text, size_t len)
{
    char *copy = mem_alloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    Source *src = source_from_memory(name, copy, len);
    src->owns_text = true;
    list_push(&p->arena, &p->sources, src);
    /* imports resolve from the folder name is in, which must exist */
    const char *slash = strrchr(name, '/');
    char *dir = slash ? mem_strndup(name, slash == name ? 1 : (size_t)(slash - name)) : mem_strndup(".", 1);
    char *real = real_path(&p->arena, dir);
    mem_free(dir);
    if (!real) {
        diag_error(&p->diags, NULL, (Span){ 0 }, "cannot find the folder of `%s`", name);
        return false;
    }
    char *file = arena_printf(&p->arena, "%s/%s", strcmp(real, "/") ? real : "", slash ? slash + 1 : name);
    return load_root(p, src, file);
}

bool front_load_expr(Program *p, const char *expr, Decl **it)
{
    Arena *a = &p->arena;
    Source *src = source_from_memory("<expression>", expr, strlen(expr));
    list_push(a, &p->sources, src);
    Module *m = arena_alloc(a, sizeof *m);
    m->src = src;
    m->name = "<expression>";
    m->realpath = "<expression>";
    m->outer = p->root;
    ParseCtx ctx = { .arena = a, .diags = &p->diags, .mod = m, .line = 1, .col = 1, .expr_only = true };
    if (!front_check_encoding(&p->diags, src) || !parse_module(&ctx) || !ctx.expr) return false;
    Decl *d = ast_decl(a, D_LET, ctx.expr->span);
    d->name = "it";
    d->name_span = ctx.expr->span;
    d->body = ctx.expr;
    d->module = m;
    list_push(a, &m->decls, d);
    list_push(a, &p->modules, m);
    check_declare(m, a, &p->diags);
    check_module(m, a, &p->diags, false);
    *it = d;
    return p->diags.errors == 0;
}

void front_free(Program *p)
{
    for (size_t i = 0; i < p->sources.len; i++) source_free(p->sources.items[i]);
    diag_free(&p->diags);
    arena_free(&p->arena);
}
