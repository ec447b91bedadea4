/* checker.c: resolving names and checking types, units and attributes.
 *
 * Every expression gets a Type; an expression already found wrong gets
 * T_ERROR, which every rule accepts silently, so one mistake is reported
 * once and not again by each expression around it. */
#include "checker.h"
#include <stdint.h>
#include <string.h>

/* ---- scopes: names to declarations --------------------------------------
 * Open addressing over a power-of-two table; a 10,000-line round has a few
 * thousand names, and a linear search per reference would be quadratic. */
typedef struct Scope {
    Decl  **slots;
    size_t  cap, len;
} Scope;

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603u;                 /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static Decl **scope_slot(Scope *s, const char *name)
{
    size_t i = hash_name(name) & (s->cap - 1);
    while (s->slots[i] && strcmp(s->slots[i]->name, name) != 0) i = (i + 1) & (s->cap - 1);
    return &s->slots[i];
}

static void scope_grow(Scope *s, Arena *a)
{
    Scope bigger = { arena_alloc(a, (s->cap ? s->cap * 2 : 64) * sizeof(Decl *)), s->cap ? s->cap * 2 : 64, 0 };
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i]) { *scope_slot(&bigger, s->slots[i]->name) = s->slots[i]; bigger.len++; }
    *s = bigger;
}

Decl *check_lookup(Module *m, const char *name)
{
    for (; m; m = m->outer) {
        Decl *d = m->scope && m->scope->cap ? *scope_slot(m->scope, name) : NULL;
        if (d) return d;
    }
    return NULL;
}

/* ---- the checker's state ---------------------------------------------- */

typedef struct Checker {
    Module *mod;
    Arena  *arena;
    Diags  *diags;
    bool    is_root;
    Decl   *round;
} Checker;

enum {
    ALLOW_DATA   = 1 << 0,  /* metrics and aggregates over feeds */
    ALLOW_STATUS = 1 << 1,  /* commitments' and checks' statuses, classes */
    ALLOW_ACROSS = 1 << 2,  /* across(…) */
    ALLOW_ITEMS  = 1 << 3,  /* item("SYSTEM") in a test */
};

typedef struct Env {
    Decl     *decl;         /* the declaration being checked */
    List     *params;       /* Field*: a function's parameters */
    Decl     *row_feed;     /* inside `where`: this feed's columns are row values */
    unsigned  allow;
    bool      national;     /* a national check outside across(…) */
} Env;

#define ERR(c, at, ...)  diag_error((c)->diags, (c)->mod->src, (at), __VA_ARGS__)
#define WARN(c, at, ...) diag_warning((c)->diags, (c)->mod->src, (at), __VA_ARGS__)
#define NOTE(c, src, at, ...) diag_note((c)->diags, (src), (at), __VA_ARGS__)
#define HINT(c, ...)     diag_hint((c)->diags, __VA_ARGS__)

static const char *const status_names[] = {
    "met", "missed", "on_track", "off_track", "not_due", "no_data", "pass", "fail", NULL
};


static int builtin_by_name(const char *name)
{
    for (int i = 0; i < BI__COUNT; i++)
        if (strcmp(natives[i].name, name) == 0) return i;
    return -1;
}

static bool is_status_name(const char *name)
{
    for (int i = 0; status_names[i]; i++)
        if (strcmp(status_names[i], name) == 0) return true;
    return false;
}

static const char *tname(Type t)
{
    static char buf[4][40];
    static int k;
    k = (k + 1) % 4;
    return type_name(t, buf[k], sizeof buf[k]);
}

/* ---- "did you mean" --------------------------------------------------- */

int check_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64) return 99;
    int row[65];
    for (size_t j = 0; j <= m; j++) row[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

typedef struct Suggest { const char *best; int dist; const char *word; } Suggest;

static void suggest_try(Suggest *s, const char *candidate)
{
    if (!candidate || strcmp(candidate, s->word) == 0) return;
    int d = check_distance(s->word, candidate);
    int limit = (int)strlen(s->word) / 3 + 1;
    if (d <= limit && (!s->best || d < s->dist)) { s->best = candidate; s->dist = d; }
}

static void hint_suggest(Checker *c, Suggest *s)
{
    if (s->best) HINT(c, "did you mean `%s`?", s->best);
}

static void suggest_in_module(Suggest *s, Module *m)
{
    if (!m->scope) return;
    for (size_t i = 0; i < m->scope->cap; i++)
        if (m->scope->slots[i]) suggest_try(s, m->scope->slots[i]->name);
}

static void suggest_functions(Suggest *s, Module *m)
{
    for (size_t i = 0; m->scope && i < m->scope->cap; i++) {
        Decl *d = m->scope->slots[i];
        if (d && (d->kind == D_FN || d->kind == D_EXTERN)) suggest_try(s, d->name);
    }
}

/* ---- declaring names -------------------------------------------------- */

static void declare(Checker *c, Decl *d, const char *name, Span at)
{
    Scope *s = c->mod->scope;
    if ((s->len + 1) * 2 > s->cap) scope_grow(s, c->arena);
    Decl **slot = scope_slot(s, name);
    if (*slot) {
        ERR(c, at, "`%s` is already declared", name);
        NOTE(c, c->mod->src, (*slot)->name_span, "the first `%s` is here", name);
        return;
    }
    *slot = d;
    s->len++;
}

/* `import std.nhs` binds `nhs`; `import "x.pledge" as x` binds `x` */
static const char *import_binding(Decl *d)
{
    if (d->name) return d->name;
    if (d->import_is_file) return NULL;
    const char *dot = strrchr(d->import_path, '.');
    return dot ? dot + 1 : d->import_path;
}

void check_declare(Module *m, Arena *arena, Diags *diags)
{
    Checker c = { m, arena, diags, false, NULL };
    m->scope = arena_alloc(arena, sizeof *m->scope);
    scope_grow(m->scope, arena);
    for (size_t i = 0; i < m->decls.len; i++) {
        Decl *d = m->decls.items[i];
        d->module = m;
        switch (d->kind) {
        case D_TEST:
            break;
        case D_IMPORT: {
            const char *b = import_binding(d);
            if (b) { d->name = b; declare(&c, d, b, d->name_span); }
            break;
        }
        case D_ROUND:
            declare(&c, d, d->name, d->name_span);
            /* the round's named dates and horizon are names in the file */
            for (size_t k = 0; k < d->attrs.len; k++) {
                Attr *at = d->attrs.items[k];
                if (strcmp(at->name, "assess") == 0) continue;
                Decl *let = ast_decl(arena, D_LET, at->name_span);
                let->name = at->name;
                let->name_span = at->name_span;
                let->body = at->value;
                let->module = m;
                let->used = true;
                declare(&c, let, at->name, at->name_span);
            }
            break;
        default:
            declare(&c, d, d->name, d->name_span);
        }
    }
}

/* ---- expressions ------------------------------------------------------ */

static Type check_expr(Checker *c, Node *n, Env *env);
static void check_decl(Checker *c, Decl *d);

static Type set(Node *n, Type t) { n->type = t; return t; }

static Type resolve_type(Checker *c, TypeExpr *te)
{
    TypeKind k = type_by_name(te->name);
    if (k == T_ERROR) {
        ERR(c, te->span, "unknown type `%s`", te->name);
        Suggest s = { NULL, 0, te->name };
        for (int i = T_NUMBER; i <= T_STATUS; i++) suggest_try(&s, type_kind_name((TypeKind)i));
        if (s.best) hint_suggest(c, &s);
        else HINT(c, "the types are number, count, percent, pp, money, bool, text, date, month, quarter, fy, duration and status");
        return TYPE(T_ERROR);
    }
    return te->list ? TYPE_OF(T_LIST, k) : TYPE(k);
}

/* The type a reference to declaration d has here. */
static Type decl_value(Checker *c, Decl *d, Node *at, Env *env)
{
    d->used = true;
    switch (d->kind) {
    case D_LET:
        if (d->state == 1) {
            ERR(c, at->span, "`%s` is defined in terms of itself", d->name);
            return TYPE(T_ERROR);
        }
        if (d->state == 0) {
            Checker sub = *c;
            sub.mod = d->module;
            check_decl(&sub, d);
        }
        return d->resolved;
    case D_METRIC:
        if (!(env->allow & ALLOW_DATA) && !env->national) {
            ERR(c, at->span, "`%s` is a metric: it depends on a system's data, which a %s cannot",
                d->name, env->decl ? decl_kind_name(env->decl->kind) : "constant");
            return TYPE(T_ERROR);
        }
        if (env->national) {
            ERR(c, at->span, "a national check is judged once for the round, not per system");
            HINT(c, "compare the systems with across(%s)", d->name);
            return TYPE(T_ERROR);
        }
        if (d->state == 1) {
            /* a metric has no parameters, so a metric of itself never ends */
            ERR(c, at->span, "metric `%s` is defined in terms of itself", d->name);
            return TYPE(T_ERROR);
        }
        if (d->module == c->mod && d->state == 0) check_decl(c, d);
        return d->has_type ? resolve_type(c, &d->type) : TYPE(T_ERROR);
    case D_COMMITMENT:
    case D_CHECK:
        if (!(env->allow & ALLOW_STATUS)) {
            ERR(c, at->span, "`%s` is a %s: its status can only be used in a check, a rating or a test",
                d->name, decl_kind_name(d->kind));
            return TYPE(T_ERROR);
        }
        return TYPE(T_STATUS);
    case D_FEED:
        ERR(c, at->span, "`%s` is a feed, not a value", d->name);
        HINT(c, "name one of its columns and aggregate it, e.g. sum(%s.COLUMN)", d->name);
        return TYPE(T_ERROR);
    case D_FN:
    case D_EXTERN:
        ERR(c, at->span, "`%s` is a function: call it with its arguments, %s(…)", d->name, d->name);
        return TYPE(T_ERROR);
    default:
        ERR(c, at->span, "`%s` is a %s, not a value", d->name, decl_kind_name(d->kind));
        return TYPE(T_ERROR);
    }
}

static Field *feed_column(Decl *feed, const char *name)
{
    for (size_t i = 0; i < feed->fields.len; i++) {
        Field *f = feed->fields.items[i];
        if (strcmp(f->name, name) == 0) return f;
    }
    return NULL;
}

/* The key columns of a feed (`org = org_code` makes org_code a text column). */
static TypeKind feed_key_column(Decl *feed, const char *name)
{
    for (size_t i = 0; i < feed->attrs.len; i++) {
        Attr *at = feed->attrs.items[i];
        Node *v = at->value;
        TypeKind k = T_ERROR;
        if (v->kind == N_AS) { k = T_MONTH; v = v->lhs; }
        if (v->kind != N_NAME || strcmp(v->str, name) != 0) continue;
        if (strcmp(at->name, "org") == 0) return T_TEXT;
        if (strcmp(at->name, "vintage") == 0) return T_DATE;
        if (strcmp(at->name, "period") == 0 && k != T_ERROR) {
            TypeKind g = type_by_name(at->value->str);
            return type_is_period(g) ? g : T_ERROR;
        }
    }
    return T_ERROR;
}

static Type check_feed_field(Checker *c, Node *n, Decl *feed, Env *env)
{
    feed->used = true;
    Field *f = feed_column(feed, n->str);
    TypeKind k;
    if (f) {
        TypeKind tk = type_by_name(f->type.name);
        k = f->type.list || tk == T_ERROR ? T_ERROR : tk;
        for (size_t i = 0; i < feed->fields.len; i++)
            if (feed->fields.items[i] == f) n->column = (int)i;
    } else {
        k = feed_key_column(feed, n->str);
        n->column = -1;
        if (k != T_ERROR) {
            /* the data layer keeps value columns by organisation and period */
            if (env->row_feed)
                ERR(c, n->op_span, "`%s` is a key column of `%s`: choose organisations with the hierarchy "
                                   "and periods with `in WINDOW`, not with `where`", n->str, feed->name);
            else
                ERR(c, n->op_span, "`%s` is a key column of `%s`: aggregate one of its value columns",
                    n->str, feed->name);
            return TYPE(T_ERROR);
        }
        {
            ERR(c, n->op_span, "feed `%s` has no column `%s`", feed->name, n->str);
            Suggest s = { NULL, 0, n->str };
            for (size_t i = 0; i < feed->fields.len; i++) suggest_try(&s, ((Field *)feed->fields.items[i])->name);
            hint_suggest(c, &s);
            return TYPE(T_ERROR);
        }
    }
    if (env->row_feed) {
        if (env->row_feed != feed) {
            ERR(c, n->span, "this condition filters rows of `%s`, so it can only use `%s`'s columns",
                env->row_feed->name, env->row_feed->name);
            return TYPE(T_ERROR);
        }
        return TYPE(k);
    }
    if (!(env->allow & ALLOW_DATA) || env->national) {
        ERR(c, n->span, "a feed column can only be used where a system's data is at hand (a metric, a check, a rating)");
        return TYPE(T_ERROR);
    }
    return TYPE_OF(T_COLUMN, k);
}

/* Resolves `lhs.name`: a feed's column or a module's declaration. */
static Type check_field(Checker *c, Node *n, Env *env, Decl **target)
{
    *target = NULL;
    if (n->lhs->kind != N_NAME) {
        ERR(c, n->op_span, "`.%s` can follow only the name of a feed or an imported module", n->str);
        return TYPE(T_ERROR);
    }
    Decl *d = check_lookup(c->mod, n->lhs->str);
    if (!d) {
        ERR(c, n->lhs->span, "unknown name `%s`", n->lhs->str);
        Suggest s = { NULL, 0, n->lhs->str };
        suggest_in_module(&s, c->mod);
        hint_suggest(c, &s);
        return TYPE(T_ERROR);
    }
    n->lhs->ref = d;
    d->used = true;
    if (d->kind == D_FEED) return set(n, check_feed_field(c, n, d, env));
    if (d->kind == D_IMPORT) {
        Module *m = d->imported;
        Decl *member = m ? check_lookup(m, n->str) : NULL;
        if (!member || member->kind == D_IMPORT) {
            if (m) {
                ERR(c, n->op_span, "module `%s` has no `%s`", d->name, n->str);
                Suggest s = { NULL, 0, n->str };
                suggest_in_module(&s, m);
                hint_suggest(c, &s);
            }
            return TYPE(T_ERROR);
        }
        *target = member;
        n->ref = member;
        return TYPE(T_NONE);
    }
    ERR(c, n->op_span, "`%s` is a %s: it has no `.%s`", d->name, decl_kind_name(d->kind), n->str);
    return TYPE(T_ERROR);
}

/* A name: a parameter, a declaration, a status. */
static Type check_name(Checker *c, Node *n, Env *env)
{
    if (env->params)
        for (size_t i = 0; i < env->params->len; i++) {
            Field *p = env->params->items[i];
            if (strcmp(p->name, n->str) == 0) return p->resolved;
        }
    Decl *d = check_lookup(c->mod, n->str);
    if (d) {
        n->ref = d;
        if (d->kind == D_IMPORT) {
            ERR(c, n->span, "`%s` is a module: name something in it, as in %s.NAME", d->name, d->name);
            return TYPE(T_ERROR);
        }
        return decl_value(c, d, n, env);
    }
    if (is_status_name(n->str)) return TYPE(T_STATUS);
    if (builtin_by_name(n->str) >= 0) {
        ERR(c, n->span, "`%s` is a built-in function: call it with its arguments, %s(…)", n->str, n->str);
        return TYPE(T_ERROR);
    }
    ERR(c, n->span, "unknown name `%s`", n->str);
    Suggest s = { NULL, 0, n->str };
    suggest_in_module(&s, c->mod);
    for (int i = 0; status_names[i]; i++) suggest_try(&s, status_names[i]);
    hint_suggest(c, &s);
    return TYPE(T_ERROR);
}

/* `2019/20`, `horizon`, `2019/20 .. 2023/24`: a window a metric is judged over */
static bool check_window(Checker *c, Node *w, Env *env)
{
    Env constant = { env->decl, NULL, NULL, 0, false };
    Type t = check_expr(c, w, &constant);
    if (t.kind == T_ERROR) return false;
    if (type_is_period(t.kind) || t.kind == T_RANGE) return true;
    ERR(c, w->span, "a window is a period or a range of periods (2019/20, 2019/20 Q4, 2019/20 .. 2023/24), not %s",
        tname(t));
    return false;
}

static bool numeric_value(TypeKind k) { return type_is_numeric(k); }

/* The aggregated thing inside sum(…): `col`, `col where cond`, `… in W`. */
static Type check_aggregate_arg(Checker *c, Node *arg, Env *env, bool *is_column)
{
    *is_column = false;
    Node *core = arg;
    Node *window = NULL, *cond = NULL;
    for (;;) {
        if (core->kind == N_IN && !window) { window = core->rhs; core = core->lhs; continue; }
        if (core->kind == N_WHERE && !cond) { cond = core->rhs; core = core->lhs; continue; }
        break;
    }
    Type t = check_expr(c, core, env);
    if (t.kind == T_COLUMN) *is_column = true;
    if (t.kind != T_COLUMN && t.kind != T_ERROR && (cond || window)) {
        if (cond) {
            ERR(c, cond->span, "`where` filters the rows of a feed column, and this is %s", tname(t));
            return TYPE(T_ERROR);
        }
    }
    if (cond && t.kind == T_COLUMN) {
        Decl *feed = core->lhs ? core->lhs->ref : NULL;
        Env row = { env->decl, env->params, feed, 0, false };
        Type ct = check_expr(c, cond, &row);
        if (ct.kind != T_BOOL && ct.kind != T_ERROR) {
            ERR(c, cond->span, "the condition after `where` must be true or false, not %s", tname(ct));
            t = TYPE(T_ERROR);
        }
    }
    if (window && !check_window(c, window, env)) t = TYPE(T_ERROR);
    set(arg, t);
    return t;
}

static Type check_builtin(Checker *c, Node *n, BuiltinId id, Env *env)
{
    List *a = &n->args;
    Node **arg = (Node **)a->items;
    const char *fname = natives[id].name;
    if ((int)a->len < natives[id].min_args || (int)a->len > natives[id].max_args) {
        if (natives[id].min_args == natives[id].max_args)
            ERR(c, n->span, "%s takes %d argument%s, not %zu", fname, natives[id].min_args,
                natives[id].min_args == 1 ? "" : "s", a->len);
        else
            ERR(c, n->span, "%s takes %d or %d arguments, not %zu", fname, natives[id].min_args, natives[id].max_args, a->len);
        return TYPE(T_ERROR);
    }
    switch (id) {
    case BI_SUM: case BI_MEAN: case BI_MIN: case BI_MAX: case BI_MEDIAN: case BI_COUNT: {
        if (id == BI_COUNT && arg[0]->kind == N_CLASS) goto count_class;
        bool column;
        Type t = check_aggregate_arg(c, arg[0], env, &column);
        if (t.kind == T_ERROR) return t;
        if (id == BI_COUNT) {
            if (a->len == 2) {
                ERR(c, arg[1]->span, "count with two arguments counts commitments: count(foundational, met)");
                return TYPE(T_ERROR);
            }
            if (t.kind == T_COLUMN || t.kind == T_LIST) return TYPE(T_COUNT);
            ERR(c, arg[0]->span, "count needs a feed column or a list, not %s", tname(t));
            return TYPE(T_ERROR);
        }
        if (t.kind != T_COLUMN && t.kind != T_LIST) {
            ERR(c, arg[0]->span, "%s needs a feed column or a list, not %s", fname, tname(t));
            return TYPE(T_ERROR);
        }
        TypeKind e = t.elem;
        if (e == T_ERROR) return TYPE(T_ERROR);
        if (!numeric_value(e) && !((id == BI_MIN || id == BI_MAX) && type_is_period(e))) {
            ERR(c, arg[0]->span, "%s needs numbers, and this is %s", fname, tname(t));
            return TYPE(T_ERROR);
        }
        if (id == BI_SUM && e == T_PERCENT) {
            ERR(c, arg[0]->span, "percents do not add up: summing them means nothing");
            HINT(c, "use mean(…), or sum the counts and divide");
            return TYPE(T_ERROR);
        }
        /* a mean of counts of beds is still beds: count is a unit, not integrality */
        return TYPE(e);
    }
    count_class:
    case BI_SHARE: {
        if (!(env->allow & ALLOW_STATUS)) {
            ERR(c, n->span, "%s of commitments can only be used in a rating, a check or a test", fname);
            return TYPE(T_ERROR);
        }
        Type k = check_expr(c, arg[0], env);
        if (k.kind != T_CLASS && k.kind != T_ERROR) {
            ERR(c, arg[0]->span, "%s counts commitments of a class: foundational or transformation", fname);
            return TYPE(T_ERROR);
        }
        if (a->len == 2) {
            Type s = check_expr(c, arg[1], env);
            if (s.kind != T_STATUS && s.kind != T_STATUSES && s.kind != T_ERROR) {
                ERR(c, arg[1]->span, "expected a status such as `met` or `met or on_track`, not %s", tname(s));
                return TYPE(T_ERROR);
            }
        }
        return TYPE(id == BI_SHARE ? T_PERCENT : T_COUNT);
    }
    case BI_PERCENTILE: {
        Type l = check_expr(c, arg[0], env), p = check_expr(c, arg[1], env);
        if (l.kind == T_ERROR || p.kind == T_ERROR) return TYPE(T_ERROR);
        /* an empty list ([]) has no item type yet: its percentile is missing */
        if (l.kind != T_LIST || (l.elem != T_ERROR && !numeric_value(l.elem))) {
            ERR(c, arg[0]->span, "percentile needs a list of numbers, not %s", tname(l));
            return TYPE(T_ERROR);
        }
        if (l.elem == T_ERROR) return TYPE(T_NUMBER);
        if (!type_assignable(TYPE(T_PERCENT), p)) {
            ERR(c, arg[1]->span, "percentile needs a percent such as 10%%, not %s", tname(p));
            return TYPE(T_ERROR);
        }
        return TYPE(l.elem);
    }
    case BI_CHANGE: {
        if (!(env->allow & ALLOW_DATA) || env->national) {
            ERR(c, n->span, "change(…) needs a system's data: use it in a metric, a check or inside across(…)");
            return TYPE(T_ERROR);
        }
        Type m = check_expr(c, arg[0], env);
        bool ok = check_window(c, arg[1], env) & check_window(c, arg[2], env);
        if (m.kind == T_ERROR || !ok) return TYPE(T_ERROR);
        TypeKind e = m.kind == T_COLUMN ? m.elem : m.kind;
        if (!numeric_value(e)) {
            ERR(c, arg[0]->span, "change needs a metric or a column of numbers, not %s", tname(m));
            return TYPE(T_ERROR);
        }
        return TYPE(T_NUMBER);
    }
    case BI_ACROSS: {
        if (!(env->allow & ALLOW_ACROSS)) {
            ERR(c, n->span, "across(…) compares systems: use it in a check or a rating");
            return TYPE(T_ERROR);
        }
        Env inner = *env;
        inner.national = false;
        inner.allow = (env->allow | ALLOW_DATA) & ~ALLOW_ACROSS;
        Type t = check_expr(c, arg[0], &inner);
        if (t.kind == T_ERROR) return t;
        if (t.kind == T_LIST || t.kind == T_COLUMN || t.kind == T_RANGE || t.kind == T_NONE) {
            ERR(c, arg[0]->span, "across(…) needs one value per system, not %s", tname(t));
            return TYPE(T_ERROR);
        }
        return TYPE_OF(T_LIST, t.kind);
    }
    case BI_COALESCE: {
        Type x = check_expr(c, arg[0], env), y = check_expr(c, arg[1], env);
        Type j = type_join(x, y);
        if (j.kind == T_ERROR && x.kind != T_ERROR && y.kind != T_ERROR)
            ERR(c, n->span, "coalesce needs two values of one type, not %s and %s", tname(x), tname(y));
        return j;
    }
    case BI_IS_MISSING:
        check_expr(c, arg[0], env);
        return TYPE(T_BOOL);
    case BI_ABS: {
        Type x = check_expr(c, arg[0], env);
        if (x.kind != T_ERROR && !numeric_value(x.kind)) {
            ERR(c, arg[0]->span, "abs needs a number, not %s", tname(x));
            return TYPE(T_ERROR);
        }
        return x;
    }
    default:
        return TYPE(T_ERROR);
    }
}

static Type check_call(Checker *c, Node *n, Env *env)
{
    Node *callee = n->lhs;
    Decl *d = NULL;
    if (callee->kind == N_NAME) {
        bool param = false;
        if (env->params)
            for (size_t i = 0; i < env->params->len; i++)
                param |= strcmp(((Field *)env->params->items[i])->name, callee->str) == 0;
        if (!param) d = check_lookup(c->mod, callee->str);
        if (!d && !param) {
            int b = builtin_by_name(callee->str);
            if (b >= 0) {
                n->builtin = b + 1;
                return check_builtin(c, n, (BuiltinId)b, env);
            }
            ERR(c, callee->span, "unknown function `%s`", callee->str);
            Suggest s = { NULL, 0, callee->str };
            suggest_functions(&s, c->mod);
            for (int i = 0; i < BI__COUNT; i++) suggest_try(&s, natives[i].name);
            hint_suggest(c, &s);
            return TYPE(T_ERROR);
        }
    } else if (callee->kind == N_FIELD) {
        Type t = check_field(c, callee, env, &d);
        if (t.kind == T_ERROR) return t;
    }
    if (!d) {
        ERR(c, callee->span, "this is not a function");
        return TYPE(T_ERROR);
    }
    callee->ref = d;
    d->used = true;
    if (d->kind == D_FN || d->kind == D_EXTERN) {
        if (d->fields.len != n->args.len) {
            ERR(c, n->span, "`%s` takes %zu argument%s, not %zu", d->name, d->fields.len,
                d->fields.len == 1 ? "" : "s", n->args.len);
            NOTE(c, d->module->src, d->name_span, "`%s` is declared here", d->name);
            return TYPE(T_ERROR);
        }
        for (size_t i = 0; i < n->args.len; i++) {
            Field *p = d->fields.items[i];
            Node *arg = n->args.items[i];
            Type want = resolve_type(c, &p->type), have = check_expr(c, arg, env);
            if (!type_assignable(want, have)) {
                if (have.kind == T_COLUMN)
                    ERR(c, arg->span, "`%s` needs %s, and a feed column is many rows: aggregate it first",
                        d->name, tname(want));
                else
                    ERR(c, arg->span, "argument %zu of `%s` must be %s, not %s", i + 1, d->name,
                        tname(want), tname(have));
            }
        }
        return resolve_type(c, &d->type);
    }
    if (d->kind == D_COMMITMENT || d->kind == D_CHECK || d->kind == D_METRIC) {
        if (!(env->allow & ALLOW_ITEMS)) {
            if (d->kind == D_METRIC) {
                ERR(c, n->span, "`%s` is a metric, not a function", d->name);
                HINT(c, "to judge it over a window, write `%s in 2019/20`", d->name);
            } else {
                ERR(c, n->span, "`%s(…)` names one system's result, which only a test may ask for", d->name);
            }
            return TYPE(T_ERROR);
        }
        if (n->args.len != 1) {
            ERR(c, n->span, "`%s(…)` takes one argument: the code of a system", d->name);
            return TYPE(T_ERROR);
        }
        Env constant = { env->decl, NULL, NULL, 0, false };
        Type t = check_expr(c, n->args.items[0], &constant);
        if (t.kind != T_TEXT && t.kind != T_ERROR) {
            ERR(c, ((Node *)n->args.items[0])->span, "a system's code is text, as in \"E54000001\"");
            return TYPE(T_ERROR);
        }
        if (d->kind == D_METRIC) return d->has_type ? resolve_type(c, &d->type) : TYPE(T_ERROR);
        return TYPE(T_STATUS);
    }
    ERR(c, callee->span, "`%s` is a %s, not a function", d->name, decl_kind_name(d->kind));
    return TYPE(T_ERROR);
}

static bool is_number_literal_above_one(const Node *n)
{
    return n->kind == N_NUMBER && n->num.n > n->num.d;
}

static void warn_percent_as_number(Checker *c, Type pct, Node *num)
{
    if (pct.kind == T_PERCENT && is_number_literal_above_one(num)) {
        char as_is[40], as_pct[48];
        Num hundred;
        num_format(num->num, as_is, sizeof as_is);
        if (num_mul(num->num, num_int(100), &hundred) == NUM_OK) num_format(hundred, as_pct, sizeof as_pct);
        else snprintf(as_pct, sizeof as_pct, "%s00", as_is);
        WARN(c, num->span, "%s is %s%% as a percent; did you mean %s%%?", as_is, as_pct, as_is);
    }
}

/* A number written in the file (95, 0.95) is a plain number wherever a
 * percent is wanted (§4), though on its own 95 is a count. */
static Type literal_for(Node *n, Type t, Type other)
{
    if (n->kind == N_NUMBER && t.kind == T_COUNT && (other.kind == T_PERCENT || other.kind == T_PP)) {
        n->type = TYPE(T_NUMBER);       /* the compiler loads it as one, so units agree at run time */
        return n->type;
    }
    return t;
}

static Type check_binary(Checker *c, Node *n, Env *env)
{
    Type a = check_expr(c, n->lhs, env), b = check_expr(c, n->rhs, env);
    if (a.kind == T_ERROR || b.kind == T_ERROR) return TYPE(T_ERROR);
    Op op = n->op;
    if (op == EOP_AND || op == EOP_OR) {
        if (op == EOP_OR && (a.kind == T_STATUS || a.kind == T_STATUSES) &&
            (b.kind == T_STATUS || b.kind == T_STATUSES))
            return TYPE(T_STATUSES);
        Type bad = a.kind != T_BOOL ? a : b;
        if (bad.kind != T_BOOL) {
            ERR(c, n->op_span, "`%s` needs true or false on both sides, and one side is %s", op_text(op), tname(bad));
            return TYPE(T_ERROR);
        }
        return TYPE(T_BOOL);
    }
    if (op == EOP_RANGE) {
        if (type_is_period(a.kind) && a.kind == b.kind) return TYPE_OF(T_RANGE, a.kind);
        ERR(c, n->op_span, "a range needs two periods of the same kind, not %s and %s", tname(a), tname(b));
        return TYPE(T_ERROR);
    }
    if (a.kind == T_COLUMN || b.kind == T_COLUMN) {
        Node *col = a.kind == T_COLUMN ? n->lhs : n->rhs;
        ERR(c, col->span, "a feed column is many rows: aggregate it before `%s`", op_text(op));
        HINT(c, "for example sum(…) or mean(…)");
        return TYPE(T_ERROR);
    }
    a = literal_for(n->lhs, a, b);
    b = literal_for(n->rhs, b, a);
    static const TypeOp top[] = {
        [EOP_ADD] = TOP_ADD, [EOP_SUB] = TOP_SUB, [EOP_MUL] = TOP_MUL, [EOP_DIV] = TOP_DIV,
        [EOP_EQ] = TOP_EQUAL, [EOP_NE] = TOP_EQUAL, [EOP_LT] = TOP_ORDER, [EOP_LE] = TOP_ORDER,
        [EOP_GT] = TOP_ORDER, [EOP_GE] = TOP_ORDER,
    };
    Type r = type_binary(top[op], a, b);
    if (r.kind != T_ERROR) {
        if (top[op] == TOP_ORDER || top[op] == TOP_EQUAL) {
            warn_percent_as_number(c, a, n->rhs);
            warn_percent_as_number(c, b, n->lhs);
        }
        return r;
    }
    switch (top[op]) {
    case TOP_ADD: ERR(c, n->op_span, "cannot add %s and %s", tname(a), tname(b)); break;
    case TOP_SUB: ERR(c, n->op_span, "cannot subtract %s from %s", tname(b), tname(a)); break;
    case TOP_MUL: ERR(c, n->op_span, "cannot multiply %s by %s", tname(a), tname(b)); break;
    case TOP_DIV: ERR(c, n->op_span, "cannot divide %s by %s", tname(a), tname(b)); break;
    default:      ERR(c, n->op_span, "cannot compare %s with %s", tname(a), tname(b)); break;
    }
    if ((a.kind == T_MONEY && n->rhs->kind == N_NUMBER) || (b.kind == T_MONEY && n->lhs->kind == N_NUMBER))
        HINT(c, "write an amount of money with £, as in £0 or £1.5m");
    else if (a.kind == T_PP || b.kind == T_PP)
        HINT(c, "percentage points are a difference of percents: percent - percent is pp");
    return TYPE(T_ERROR);
}

/* Whether a checked expression reads a system's data: a metric or a feed
 * column. `in` takes its own window, so what is under it does not count. */
static bool depends_on_data(const Node *n)
{
    if (!n || n->kind == N_IN) return false;
    if ((n->kind == N_NAME || n->kind == N_FIELD) && n->ref && n->ref->kind == D_METRIC) return true;
    if (n->type.kind == T_COLUMN) return true;
    if (depends_on_data(n->lhs) || depends_on_data(n->rhs) || depends_on_data(n->alt)) return true;
    for (size_t i = 0; i < n->args.len; i++)
        if (depends_on_data(n->args.items[i])) return true;
    return false;
}

static Type check_expr(Checker *c, Node *n, Env *env)
{
    switch (n->kind) {
    case N_NUMBER:   return set(n, TYPE(num_is_int(n->num) && n->num.n >= 0 ? T_COUNT : T_NUMBER));
    case N_PERCENT:  return set(n, TYPE(T_PERCENT));
    case N_PP:       return set(n, TYPE(T_PP));
    case N_MONEY:    return set(n, TYPE(T_MONEY));
    case N_STRING:   return set(n, TYPE(T_TEXT));
    case N_BOOL:     return set(n, TYPE(T_BOOL));
    case N_DURATION: return set(n, TYPE(T_DURATION));
    case N_PERIOD: {
        static const TypeKind of[] = { [GRAIN_DAY] = T_DATE, [GRAIN_MONTH] = T_MONTH,
                                       [GRAIN_QUARTER] = T_QUARTER, [GRAIN_FY] = T_FY };
        return set(n, TYPE(of[n->period.grain]));
    }
    case N_MISSING:
        ERR(c, n->span, "`*` stands for a missing cell only in a rows table");
        return set(n, TYPE(T_ERROR));
    case N_NAME:     return set(n, check_name(c, n, env));
    case N_FIELD: {
        Decl *member;
        Type t = check_field(c, n, env, &member);
        if (member) t = decl_value(c, member, n, env);
        return set(n, t);
    }
    case N_CALL:     return set(n, check_call(c, n, env));
    case N_BINARY:   return set(n, check_binary(c, n, env));
    case N_UNARY: {
        Type t = check_expr(c, n->lhs, env);
        if (t.kind == T_ERROR) return set(n, t);
        if (n->op == EOP_NOT) {
            if (t.kind == T_BOOL) return set(n, t);
            ERR(c, n->op_span, "`not` needs true or false, not %s", tname(t));
        } else {
            if (numeric_value(t.kind)) return set(n, t.kind == T_COUNT ? TYPE(T_NUMBER) : t);
            ERR(c, n->op_span, "cannot negate %s", tname(t));
        }
        return set(n, TYPE(T_ERROR));
    }
    case N_IF: {
        Type k = check_expr(c, n->lhs, env);
        Type a = check_expr(c, n->rhs, env), b = check_expr(c, n->alt, env);
        if (k.kind != T_BOOL && k.kind != T_ERROR)
            ERR(c, n->lhs->span, "the condition of `if` must be true or false, not %s", tname(k));
        Type j = type_join(a, b);
        if (j.kind == T_ERROR && a.kind != T_ERROR && b.kind != T_ERROR)
            ERR(c, n->op_span, "the two branches of `if` differ: %s and %s", tname(a), tname(b));
        return set(n, j);
    }
    case N_LIST: {
        Type elem = TYPE(T_ERROR);
        bool bad = false;
        for (size_t i = 0; i < n->args.len; i++) {
            Node *item = n->args.items[i];
            Type t = check_expr(c, item, env);
            if (t.kind == T_ERROR) { bad = true; continue; }
            if (t.kind == T_LIST || t.kind == T_COLUMN || t.kind == T_RANGE) {
                ERR(c, item->span, "a list holds single values, not %s", tname(t));
                bad = true;
                continue;
            }
            Type j = type_join(elem, t);
            if (j.kind == T_ERROR) {
                ERR(c, item->span, "a list holds values of one type: this is %s, the others %s",
                    tname(t), tname(elem));
                bad = true;
                continue;
            }
            elem = j;
        }
        return set(n, bad ? TYPE(T_ERROR) : TYPE_OF(T_LIST, elem.kind));
    }
    case N_IN: {
        Type t = check_expr(c, n->lhs, env);
        if (!check_window(c, n->rhs, env)) return set(n, TYPE(T_ERROR));
        Node *l = n->lhs;
        if (t.kind != T_ERROR && l->kind == N_BINARY && l->op <= EOP_GE &&
            depends_on_data(l->lhs) && depends_on_data(l->rhs)) {
            WARN(c, n->op_span, "this window applies to both sides of `%s`", op_text(l->op));
            HINT(c, "to fix the window of one side only, put it in brackets: a %s (b in W)", op_text(l->op));
        }
        return set(n, t);
    }
    case N_WHERE:
        ERR(c, n->op_span, "`where` filters the rows of an aggregate, as in sum(ae.breaches where ae.type == \"1\")");
        return set(n, TYPE(T_ERROR));
    case N_CLASS:
        if (!(env->allow & ALLOW_STATUS)) {
            ERR(c, n->span, "a class of commitments can only be counted in a rating, a check or a test");
            return set(n, TYPE(T_ERROR));
        }
        return set(n, TYPE(T_CLASS));
    case N_THRESHOLD:
        ERR(c, n->op_span, "a comparison needs something on its left here");
        return set(n, TYPE(T_ERROR));
    case N_AS:
        ERR(c, n->op_span, "`as` gives the grain of a feed's period column only");
        return set(n, TYPE(T_ERROR));
    case N_BAD:
        return set(n, TYPE(T_ERROR));
    }
    return TYPE(T_ERROR);
}

/* ---- attributes --------------------------------------------------------- */

enum { REQUIRED = 1, REPEATS = 2 };
typedef struct AttrSpec { const char *name; unsigned flags; const char *example; } AttrSpec;

static const AttrSpec feed_attrs[] = {
    { "org", REQUIRED, "org = org_code" },
    { "period", REQUIRED, "period = period as month" },
    { "lag", 0, "lag = 6 weeks" },
    { "vintage", 0, "vintage = published_on" },
    { NULL, 0, NULL },
};
static const AttrSpec hierarchy_attrs[] = {
    { "member", REQUIRED, "member = code" },
    { "parent", REQUIRED, "parent = STP_code" },
    { "name", 0, "name = STP" },
    { "from", 0, "from = valid_from" },
    { "to", 0, "to = valid_to" },
    { NULL, 0, NULL },
};
static const AttrSpec commitment_attrs[] = {
    { "measure", REQUIRED, "measure = ae_4hr" },
    { "target", REQUIRED, "target = >= 95% in 2023/24" },
    { "milestone", REPEATS, "milestone = >= 90% in 2019/20" },
    { "milestones", 0, "milestones = plans.ae_4hr" },
    { "tolerance", 0, "tolerance = 0.5pp" },
    { "source", 0, "source = \"LTP implementation framework, Annex C\"" },
    { "restates", 0, "restates = \"stp2016.ae_standard\"" },
    { NULL, 0, NULL },
};
static const AttrSpec check_attrs[] = {
    { "require", REQUIRED, "require = sum(plans.surplus in horizon) >= £0" },
    { "message", 0, "message = \"the plan does not balance\"" },
    { NULL, 0, NULL },
};
static const AttrSpec test_attrs[] = {
    { "as_of", REQUIRED, "as_of = 2024-06-01" },
    { NULL, 0, NULL },
};

static const char *decl_label(Decl *d)
{
    static char buf[160];
    if (d->kind == D_TEST) snprintf(buf, sizeof buf, "test \"%s\"", d->title ? d->title : "");
    else if (d->kind == D_CHECK && d->national) snprintf(buf, sizeof buf, "national check `%s`", d->name);
    else snprintf(buf, sizeof buf, "%s `%s`", decl_kind_name(d->kind), d->name);
    return buf;
}

/* Unknown, repeated and missing attributes, all reported; a misspelt
 * required attribute is reported once, as misspelt, not also as missing. */
static void check_attr_set(Checker *c, Decl *d, const AttrSpec *spec)
{
    const char *suggested[16] = { 0 };
    int nsuggested = 0;
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        const AttrSpec *s = spec;
        while (s->name && strcmp(s->name, at->name) != 0) s++;
        if (!s->name) {
            ERR(c, at->name_span, "%s has no attribute `%s`", decl_label(d), at->name);
            Suggest sg = { NULL, 0, at->name };
            for (s = spec; s->name; s++) suggest_try(&sg, s->name);
            if (sg.best) {
                hint_suggest(c, &sg);
                if (nsuggested < 16) suggested[nsuggested++] = sg.best;
            } else {
                char list[200] = "";
                size_t k = 0;
                for (s = spec; s->name && k < sizeof list; s++)
                    k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", s == spec ? "" : ", ", s->name);
                HINT(c, "the attributes are %s", list);
            }
            continue;
        }
        if (s->flags & REPEATS) continue;
        for (size_t j = 0; j < i; j++) {
            Attr *prev = d->attrs.items[j];
            if (strcmp(prev->name, at->name) == 0) {
                ERR(c, at->name_span, "`%s` is given twice", at->name);
                NOTE(c, c->mod->src, prev->name_span, "the first `%s` is here", at->name);
                break;
            }
        }
    }
    for (const AttrSpec *s = spec; s->name; s++) {
        if (!(s->flags & REQUIRED)) continue;
        bool found = false;
        for (size_t i = 0; i < d->attrs.len && !found; i++)
            found = strcmp(((Attr *)d->attrs.items[i])->name, s->name) == 0;
        for (int k = 0; k < nsuggested && !found; k++) found = strcmp(suggested[k], s->name) == 0;
        if (!found) {
            ERR(c, d->kind == D_TEST ? d->span : d->name_span, "%s needs `%s`", decl_label(d), s->name);
            HINT(c, "for example: %s", s->example);
        }
    }
}

/* An attribute whose value must name a column: `org = org_code` */
static void check_column_name(Checker *c, Attr *at)
{
    Node *v = at->value->kind == N_AS ? at->value->lhs : at->value;
    if (v->kind != N_NAME)
        ERR(c, v->span, "`%s` names a column of the file, as in `%s = org_code`", at->name, at->name);
}

static void check_feed(Checker *c, Decl *d)
{
    check_attr_set(c, d, feed_attrs);
    Attr *lag = NULL, *vintage = NULL;
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (strcmp(at->name, "org") == 0 || strcmp(at->name, "vintage") == 0) {
            check_column_name(c, at);
            if (at->value->kind == N_AS)
                ERR(c, at->value->op_span, "only the period column takes `as GRAIN`");
            if (at->name[0] == 'v') vintage = at;
        } else if (strcmp(at->name, "period") == 0) {
            check_column_name(c, at);
            if (at->value->kind != N_AS) {
                ERR(c, at->value->span, "the period column needs its grain: `period = %s as month`",
                    at->value->kind == N_NAME ? at->value->str : "COLUMN");
                HINT(c, "the grains are date, month, quarter and fy");
            } else if (!type_is_period(type_by_name(at->value->str))) {
                ERR(c, at->value->op_span, "unknown grain `%s`", at->value->str);
                HINT(c, "the grains are date, month, quarter and fy");
            }
        } else if (strcmp(at->name, "lag") == 0) {
            lag = at;
            if (at->value->kind != N_DURATION)
                ERR(c, at->value->span, "`lag` is a duration, as in `lag = 6 weeks`");
        }
    }
    if (lag && vintage) {
        ERR(c, vintage->name_span, "a feed has either a `lag` or a `vintage` column, not both");
        NOTE(c, c->mod->src, lag->name_span, "the `lag` is here");
    }
    for (size_t i = 0; i < d->fields.len; i++) {
        Field *f = d->fields.items[i];
        f->resolved = resolve_type(c, &f->type);
        if (f->format && (f->resolved.kind != T_PERCENT ||
                          (strcmp(f->format, "points") != 0 && strcmp(f->format, "fraction") != 0))) {
            ERR(c, f->format_span, "`as %s` does not describe a %s column", f->format, tname(f->resolved));
            HINT(c, "a percent column is written as fractions (0.952, the default) or `as points` (95.2)");
        }
        if (f->resolved.kind == T_LIST)
            ERR(c, f->type.span, "a feed column holds single values, not a list");
        else if (f->resolved.kind == T_STATUS || f->resolved.kind == T_DURATION)
            ERR(c, f->type.span, "a feed column cannot be of type %s", tname(f->resolved));
        for (size_t j = 0; j < i; j++) {
            Field *g = d->fields.items[j];
            if (strcmp(f->name, g->name) == 0) {
                ERR(c, f->span, "column `%s` is declared twice", f->name);
                NOTE(c, c->mod->src, g->span, "the first `%s` is here", f->name);
                break;
            }
        }
    }
}

static void check_hierarchy(Checker *c, Decl *d)
{
    check_attr_set(c, d, hierarchy_attrs);
    for (size_t i = 0; i < d->attrs.len; i++) check_column_name(c, d->attrs.items[i]);
    d->used = true;
}

static void check_round(Checker *c, Decl *d)
{
    if (!c->is_root) {
        ERR(c, d->name_span, "a round can only be declared in the rule file that is assessed");
        return;
    }
    if (c->round) {
        ERR(c, d->name_span, "a rule file has one round; `%s` is the second", d->name);
        NOTE(c, c->mod->src, c->round->name_span, "the first is `%s`", c->round->name);
        return;
    }
    c->round = d;
    bool assess = false;
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        Env constant = { d, NULL, NULL, 0, false };
        if (strcmp(at->name, "assess") == 0) {
            assess = true;
            Decl *h = at->value->kind == N_NAME ? check_lookup(c->mod, at->value->str) : NULL;
            if (!h || h->kind != D_HIERARCHY) {
                ERR(c, at->value->span, "`assess` names the hierarchy whose parents are the systems assessed");
                if (at->value->kind == N_NAME) {
                    Suggest s = { NULL, 0, at->value->str };
                    suggest_in_module(&s, c->mod);
                    hint_suggest(c, &s);
                }
            } else {
                h->used = true;
                at->value->ref = h;
            }
            continue;
        }
        if (strcmp(at->name, "horizon") != 0) {
            Suggest sg = { NULL, 0, at->name };
            suggest_try(&sg, "assess");
            suggest_try(&sg, "horizon");
            if (sg.best) {
                ERR(c, at->name_span, "round `%s` has no attribute `%s`", d->name, at->name);
                hint_suggest(c, &sg);
                assess |= strcmp(sg.best, "assess") == 0;
                continue;
            }
        }
        Type t = check_expr(c, at->value, &constant);
        if (strcmp(at->name, "horizon") == 0) {
            if (t.kind != T_RANGE && !type_is_period(t.kind) && t.kind != T_ERROR)
                ERR(c, at->value->span, "the horizon is a range of years, as in 2019/20 .. 2023/24");
        } else if (t.kind != T_DATE && t.kind != T_ERROR) {
            ERR(c, at->value->span, "a round's `%s` is a date, as in `%s = 2019-09-27`, not %s",
                at->name, at->name, tname(t));
        }
    }
    if (!assess) {
        ERR(c, d->name_span, "round `%s` needs `assess`: the hierarchy whose parents are the systems", d->name);
        HINT(c, "for example: assess = stp");
    }
}

/* The end of the window a threshold is judged on, for ordering milestones. */
static bool window_last_day(Node *w, Day *out)
{
    if (w->kind == N_PERIOD) { *out = period_last_day(w->period); return true; }
    if (w->kind == N_BINARY && w->op == EOP_RANGE && w->rhs->kind == N_PERIOD) {
        *out = period_last_day(w->rhs->period);
        return true;
    }
    return false;
}

/* `>= 95% in 2023/24` against a measure of type `measure` */
static Node *check_threshold(Checker *c, Decl *d, Attr *at, Type measure)
{
    Node *v = at->value;
    if (v->kind != N_THRESHOLD) {
        ERR(c, v->span, "`%s` needs a comparison, a threshold and a window, as in `%s = >= 95%% in 2023/24`",
            at->name, at->name);
        return NULL;
    }
    if (v->lhs->kind != N_IN) {
        ERR(c, v->lhs->span, "`%s` needs a window: when must it hold? As in `%s = >= 95%% in 2023/24`",
            at->name, at->name);
        return NULL;
    }
    Env constant = { d, NULL, NULL, 0, false };
    Node *threshold = v->lhs->lhs, *window = v->lhs->rhs;
    Type t = literal_for(threshold, check_expr(c, threshold, &constant), measure);
    bool ok = check_window(c, window, &constant);
    if (t.kind != T_ERROR && measure.kind != T_ERROR) {
        if (type_binary(TOP_ORDER, measure, t).kind == T_ERROR)
            ERR(c, threshold->span, "cannot compare %s with %s: the measure is %s", tname(measure), tname(t),
                tname(measure));
        else
            warn_percent_as_number(c, measure, threshold);
    }
    return ok ? window : NULL;
}

static void check_commitment(Checker *c, Decl *d)
{
    check_attr_set(c, d, commitment_attrs);
    if (d->cls == CLASS_NONE) {
        ERR(c, d->name_span, "say whether commitment `%s` is foundational or transformation", d->name);
        HINT(c, "foundational commitments bind every system to national milestones; "
                "transformation commitments leave the milestones to each system's plan");
    }
    Type measure = TYPE(T_ERROR);
    Attr *m = decl_attr(d, "measure");
    if (m) {
        Node *v = m->value;
        Decl *metric = NULL;
        if (v->kind == N_NAME) metric = check_lookup(c->mod, v->str);
        else if (v->kind == N_FIELD) { Env e = { d, NULL, NULL, ALLOW_DATA, false }; check_field(c, v, &e, &metric); }
        if (metric && metric->kind == D_METRIC) {
            metric->used = true;
            v->ref = metric;
            measure = resolve_type(c, &metric->type);
        } else if (v->kind == N_NAME && !metric) {
            ERR(c, v->span, "unknown metric `%s`", v->str);
            Suggest s = { NULL, 0, v->str };
            suggest_in_module(&s, c->mod);
            hint_suggest(c, &s);
        } else if (metric || v->kind != N_FIELD) {
            ERR(c, v->span, "the measure of a commitment is the name of a metric");
        }
    }
    Day target_end = 0;
    bool has_target_end = false;
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (strcmp(at->name, "target") == 0) {
            Node *w = check_threshold(c, d, at, measure);
            if (w) has_target_end = window_last_day(w, &target_end);
        }
    }
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        Env constant = { d, NULL, NULL, 0, false };
        if (strcmp(at->name, "milestone") == 0) {
            Node *w = check_threshold(c, d, at, measure);
            Day end;
            if (w && has_target_end && window_last_day(w, &end) && end > target_end)
                WARN(c, w->span, "this milestone's window ends after the target's: it can never be judged");
        } else if (strcmp(at->name, "milestones") == 0) {
            if (d->cls == CLASS_FOUNDATIONAL) {
                ERR(c, at->name_span, "a foundational commitment's milestones are national: "
                                      "write them as `milestone = …`");
                HINT(c, "`milestones = plans.COLUMN` takes them from each system's plan, for a transformation commitment");
                continue;
            }
            Env data = { d, NULL, NULL, ALLOW_DATA, false };
            Type t = at->value->kind == N_FIELD ? check_expr(c, at->value, &data) : TYPE(T_ERROR);
            if (at->value->kind != N_FIELD)
                ERR(c, at->value->span, "`milestones` names a column of a plan feed, as in `milestones = plans.ae_4hr`");
            else if (t.kind == T_COLUMN && measure.kind != T_ERROR &&
                     type_binary(TOP_ORDER, measure, TYPE(t.elem)).kind == T_ERROR)
                ERR(c, at->value->span, "the plan's milestones are %s but the measure is %s",
                    type_kind_name(t.elem), tname(measure));
        } else if (strcmp(at->name, "tolerance") == 0) {
            Type t = check_expr(c, at->value, &constant);
            TypeKind want = measure.kind == T_PERCENT ? T_PP : measure.kind;
            if (t.kind != T_ERROR && measure.kind != T_ERROR && !type_assignable(TYPE(want), t)) {
                ERR(c, at->value->span, "the tolerance of a %s measure is %s, not %s", tname(measure),
                    type_kind_name(want), tname(t));
                if (want == T_PP) HINT(c, "write percentage points, as in 0.5pp");
            }
        } else if (strcmp(at->name, "source") == 0 || strcmp(at->name, "restates") == 0) {
            if (at->value->kind != N_STRING)
                ERR(c, at->value->span, "`%s` is a string", at->name);
        }
    }
}

static void check_check(Checker *c, Decl *d)
{
    check_attr_set(c, d, check_attrs);
    Env env = { d, NULL, NULL, ALLOW_DATA | ALLOW_STATUS | ALLOW_ACROSS, d->national };
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (strcmp(at->name, "require") == 0) {
            if (at->value->kind == N_THRESHOLD) {
                ERR(c, at->value->op_span, "`require` is a condition, as in `require = x >= 0`");
                continue;
            }
            Type t = check_expr(c, at->value, &env);
            if (t.kind != T_BOOL && t.kind != T_ERROR)
                ERR(c, at->value->span, "`require` must be true or false, not %s", tname(t));
        } else if (strcmp(at->name, "message") == 0 && at->value->kind != N_STRING) {
            ERR(c, at->value->span, "`message` is a string");
        }
    }
}

static void check_rating(Checker *c, Decl *d)
{
    Env env = { d, NULL, NULL, ALLOW_DATA | ALLOW_STATUS | ALLOW_ACROSS, false };
    RatingArm *otherwise = NULL;
    if (d->arms.len == 0)
        ERR(c, d->name_span, "rating `%s` has no labels", d->name);
    for (size_t i = 0; i < d->arms.len; i++) {
        RatingArm *arm = d->arms.items[i];
        if (otherwise) {
            ERR(c, arm->span, "`%s` can never be given: `%s otherwise` above takes every system",
                arm->label, otherwise->label);
            break;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(((RatingArm *)d->arms.items[j])->label, arm->label) == 0) {
                ERR(c, arm->span, "the label `%s` is used twice", arm->label);
                break;
            }
        if (!arm->when) { otherwise = arm; continue; }
        Type t = check_expr(c, arm->when, &env);
        if (t.kind != T_BOOL && t.kind != T_ERROR)
            ERR(c, arm->when->span, "the condition after `when` must be true or false, not %s", tname(t));
    }
    if (d->arms.len && !otherwise)
        WARN(c, d->name_span, "rating `%s` has no `otherwise`: a system that meets no condition gets no label",
             d->name);
}

/* Whether a cell of a rows table fits a column of type k. */
static bool cell_fits(Node *cell, TypeKind k)
{
    switch (cell->kind) {
    case N_MISSING: return true;
    case N_STRING:  return k == T_TEXT;
    case N_NUMBER:
        if (k == T_COUNT) return num_is_int(cell->num);
        return k == T_NUMBER || k == T_PERCENT || k == T_MONEY || k == T_PP;
    case N_PERCENT: return k == T_PERCENT;
    case N_PP:      return k == T_PP;
    case N_MONEY:   return k == T_MONEY;
    case N_BOOL:    return k == T_BOOL;
    case N_DURATION: return false;
    case N_PERIOD: {
        static const TypeKind of[] = { [GRAIN_DAY] = T_DATE, [GRAIN_MONTH] = T_MONTH,
                                       [GRAIN_QUARTER] = T_QUARTER, [GRAIN_FY] = T_FY };
        /* a month may be written as its first day, as feeds do */
        return of[cell->period.grain] == k || (k == T_MONTH && cell->period.grain == GRAIN_DAY);
    }
    default:        return false;
    }
}

static void check_table(Checker *c, RowsTable *t)
{
    Decl *d = check_lookup(c->mod, t->target);
    if (!d || (d->kind != D_FEED && d->kind != D_HIERARCHY)) {
        ERR(c, t->span, "rows are given for a feed or a hierarchy, and `%s` is %s", t->target,
            d ? "not one" : "not declared");
        if (!d) {
            Suggest s = { NULL, 0, t->target };
            suggest_in_module(&s, c->mod);
            hint_suggest(c, &s);
        }
        return;
    }
    t->ref = d;
    d->used = true;
    size_t ncols = t->header.len;
    TypeKind *kinds = arena_alloc(c->arena, ncols * sizeof *kinds);
    for (size_t i = 0; i < ncols; i++) {
        Field *h = t->header.items[i];
        kinds[i] = T_TEXT;
        for (size_t j = 0; j < i; j++)
            if (strcmp(((Field *)t->header.items[j])->name, h->name) == 0) {
                ERR(c, h->span, "column `%s` is named twice in this header", h->name);
                break;
            }
        if (d->kind == D_FEED) {
            Field *f = feed_column(d, h->name);
            kinds[i] = f ? f->resolved.kind : feed_key_column(d, h->name);
            if (kinds[i] == T_ERROR && !f) {
                ERR(c, h->span, "feed `%s` has no column `%s`", d->name, h->name);
                Suggest s = { NULL, 0, h->name };
                for (size_t j = 0; j < d->fields.len; j++) suggest_try(&s, ((Field *)d->fields.items[j])->name);
                hint_suggest(c, &s);
            }
        } else {
            bool known = false;
            for (size_t j = 0; j < d->attrs.len; j++) {
                Attr *at = d->attrs.items[j];
                if (at->value->kind == N_NAME && strcmp(at->value->str, h->name) == 0) {
                    known = true;
                    if (strcmp(at->name, "from") == 0 || strcmp(at->name, "to") == 0) kinds[i] = T_DATE;
                }
            }
            if (!known) {
                ERR(c, h->span, "hierarchy `%s` has no column `%s`", d->name, h->name);
                kinds[i] = T_ERROR;
            }
        }
    }
    for (size_t r = 0; r < t->rows.len; r++) {
        List *row = t->rows.items[r];
        Node *first = row->items[0];
        if (row->len != ncols) {
            ERR(c, first->span, "this row has %zu cell%s but the header has %zu columns", row->len,
                row->len == 1 ? "" : "s", ncols);
            continue;
        }
        for (size_t i = 0; i < ncols; i++) {
            Node *cell = row->items[i];
            if (kinds[i] != T_ERROR && !cell_fits(cell, kinds[i]))
                ERR(c, cell->span, "column `%s` is %s; this cell is not", ((Field *)t->header.items[i])->name,
                    type_kind_name(kinds[i]));
        }
    }
}

static void check_test(Checker *c, Decl *d)
{
    check_attr_set(c, d, test_attrs);
    Attr *as_of = decl_attr(d, "as_of");
    if (as_of) {
        Env constant = { d, NULL, NULL, 0, false };
        Type t = check_expr(c, as_of->value, &constant);
        if (t.kind != T_DATE && t.kind != T_ERROR)
            ERR(c, as_of->value->span, "`as_of` is a date, as in `as_of = 2024-06-01`");
    }
    for (size_t i = 0; i < d->tables.len; i++) check_table(c, d->tables.items[i]);
    if (d->expects.len == 0)
        WARN(c, d->name_span, "test \"%s\" expects nothing", d->title ? d->title : "");
    Env env = { d, NULL, NULL, ALLOW_DATA | ALLOW_STATUS | ALLOW_ACROSS | ALLOW_ITEMS, false };
    for (size_t i = 0; i < d->expects.len; i++) {
        Node *e = d->expects.items[i];
        Type t = check_expr(c, e, &env);
        if (t.kind != T_BOOL && t.kind != T_ERROR)
            ERR(c, e->span, "`expect` needs a condition, as in `expect ae_standard(\"E54000001\") == met`");
    }
}

static void check_function(Checker *c, Decl *d)
{
    for (size_t i = 0; i < d->fields.len; i++) {
        Field *p = d->fields.items[i];
        p->resolved = resolve_type(c, &p->type);
        for (size_t j = 0; j < i; j++)
            if (strcmp(((Field *)d->fields.items[j])->name, p->name) == 0)
                ERR(c, p->span, "parameter `%s` is named twice", p->name);
    }
    Type ret = resolve_type(c, &d->type);
    d->resolved = ret;
    if (d->kind == D_EXTERN) {
        /* libffi passes these as double, int64, bool and const char * */
        for (size_t i = 0; i <= d->fields.len; i++) {
            Type t = i < d->fields.len ? ((Field *)d->fields.items[i])->resolved : ret;
            Span at = i < d->fields.len ? ((Field *)d->fields.items[i])->type.span : d->type.span;
            if (t.kind != T_NUMBER && t.kind != T_COUNT && t.kind != T_BOOL && t.kind != T_TEXT && t.kind != T_ERROR)
                ERR(c, at, "a native function takes and returns number, count, bool or text, not %s", tname(t));
        }
        if (!d->lib[0]) ERR(c, d->span, "`extern` needs the library's name, as in extern \"libm.so.6\" fn …");
        return;
    }
    Env env = { d, &d->fields, NULL, 0, false };
    Type t = check_expr(c, d->body, &env);
    if (!type_assignable(ret, t))
        ERR(c, d->body->span, "`%s` returns %s, but its body is %s", d->name, tname(ret), tname(t));
}

static void check_decl(Checker *c, Decl *d)
{
    if (d->state != 0) return;
    d->state = 1;
    switch (d->kind) {
    case D_ROUND:      check_round(c, d); break;
    case D_IMPORT:     break;
    case D_FEED:       check_feed(c, d); break;
    case D_HIERARCHY:  check_hierarchy(c, d); break;
    case D_LET: {
        Env env = { d, NULL, NULL, 0, false };
        Type t = check_expr(c, d->body, &env);
        if (d->has_type) {
            Type want = resolve_type(c, &d->type);
            t = literal_for(d->body, t, want);
            warn_percent_as_number(c, want, d->body);
            if (!type_assignable(want, t))
                ERR(c, d->body->span, "`%s` is declared %s, but its value is %s", d->name, tname(want), tname(t));
            t = want;
        }
        d->resolved = t;
        break;
    }
    case D_FN: case D_EXTERN: check_function(c, d); break;
    case D_METRIC: {
        Type want = resolve_type(c, &d->type);
        Env env = { d, NULL, NULL, ALLOW_DATA, false };
        Type t = check_expr(c, d->body, &env);
        if (t.kind == T_COLUMN)
            ERR(c, d->body->span, "a metric is one value per system and window: aggregate the column, "
                                  "e.g. sum(…)");
        else if (!type_assignable(want, t))
            ERR(c, d->body->span, "metric `%s` is declared %s, but its expression is %s", d->name,
                tname(want), tname(t));
        d->resolved = want;
        break;
    }
    case D_COMMITMENT: check_commitment(c, d); break;
    case D_CHECK:      check_check(c, d); break;
    case D_RATING:     check_rating(c, d); break;
    case D_TEST:       check_test(c, d); break;
    }
    d->state = 2;
}

void check_module(Module *m, Arena *arena, Diags *diags, bool is_root)
{
    Checker c = { m, arena, diags, is_root, NULL };
    /* feeds first, so the columns' types are known wherever they are used */
    for (size_t i = 0; i < m->decls.len; i++) {
        Decl *d = m->decls.items[i];
        if (d->kind == D_FEED) check_decl(&c, d);
    }
    for (size_t i = 0; i < m->decls.len; i++) check_decl(&c, m->decls.items[i]);
    /* a feed used only where an error stopped the checking would look unused */
    for (size_t i = 0; i < m->decls.len && diags->errors == 0; i++) {
        Decl *d = m->decls.items[i];
        if (d->kind == D_FEED && !d->used)
            WARN(&c, d->name_span, "feed `%s` is declared but never used", d->name);
    }
}
