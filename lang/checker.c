/* checker.c: name resolution and the checks of declarations (spec §3): scopes,
 * duplicates, "did you mean", the attributes each declaration requires or
 * allows, rounds, feeds, hierarchies, commitments, checks, ratings, tests.
 * Expressions are check_expr.c's; what the two share is in check_internal.h. */
#include "lang/check_internal.h"
#include "base/hash.h"
#include <stdint.h>
#include <string.h>

/* ---- scopes: names to declarations --------------------------------------
 * Open addressing over a power-of-two table; a 10,000-line round has a few
 * thousand names, and a linear search per reference would be quadratic. */
typedef struct Scope {
    Decl  **slots;
    size_t  cap, len;
} Scope;

static Decl **scope_slot(Scope *s, const char *name)
{
    size_t i = hash_bytes(name, strlen(name)) & (s->cap - 1);
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




int check_builtin_by_name(const char *name)
{
    for (int i = 0; i < BI__COUNT; i++)
        if (strcmp(builtins[i].name, name) == 0) return i;
    return -1;
}

bool check_is_status(const char *name)
{
    for (int i = 0; i < ST__COUNT; i++)
        if (strcmp(status_name[i], name) == 0) return true;
    return false;
}

const char *check_tname(Checker *c, Type t)
{
    char buf[40];
    const char *name = type_name(t, buf, sizeof buf);
    return arena_strndup(c->arena, name, strlen(name));
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


void check_suggest(Suggest *s, const char *candidate)
{
    if (!candidate || strcmp(candidate, s->word) == 0) return;
    int d = check_distance(s->word, candidate);
    int limit = (int)strlen(s->word) / 3 + 1;
    if (d <= limit && (!s->best || d < s->dist)) { s->best = candidate; s->dist = d; }
}

void check_hint_suggestion(Checker *c, Suggest *s)
{
    if (s->best) HINT(c, "did you mean `%s`?", s->best);
}

void check_suggest_in_module(Suggest *s, Module *m)
{
    if (!m->scope) return;
    for (size_t i = 0; i < m->scope->cap; i++)
        if (m->scope->slots[i]) check_suggest(s, m->scope->slots[i]->name);
}

void check_suggest_functions(Suggest *s, Module *m)
{
    for (size_t i = 0; m->scope && i < m->scope->cap; i++) {
        Decl *d = m->scope->slots[i];
        if (d && (d->kind == D_FN || d->kind == D_EXTERN)) check_suggest(s, d->name);
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

/* ---- attributes --------------------------------------------------------- */

enum { REQUIRED = 1, REPEATS = 2 };
typedef struct AttrSpec { const char *name; unsigned flags; const char *example; } AttrSpec;

static const AttrSpec feed_attrs[] = {
    { "org", REQUIRED, "org = org_code" },
    { "period", REQUIRED, "period = period as month" },
    { "lag", 0, "lag = 6 weeks" },
    { "vintage", 0, "vintage = published_on" },
    { "key", 0, "key = type" },
    { "hierarchy", 0, "hierarchy = la_stp" },
    { "require", REPEATS, "require = breaches <= attendances" },
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
    { "missing", 0, "missing = missed" },
    { "deadline", 0, "deadline = 2019-09-27" },
    { "by", 0, "by = ae_groups.quintile" },
    { NULL, 0, NULL },
};
static const AttrSpec check_attrs[] = {
    { "require", REQUIRED, "require = sum(plans.surplus in horizon) >= £0" },
    { "message", 0, "message = \"the plan does not balance\"" },
    { "missing", 0, "missing = fail" },
    { "by", 0, "by = ae_groups.quintile" },
    { NULL, 0, NULL },
};
static const AttrSpec test_attrs[] = {
    { "as_of", REQUIRED, "as_of = 2024-06-01" },
    { NULL, 0, NULL },
};

/* "commitment `ae_standard`", "test \"…\"", in the checker's arena */
static const char *decl_label(Checker *c, Decl *d)
{
    if (d->kind == D_TEST) return arena_printf(c->arena, "test \"%s\"", d->title ? d->title : "");
    if (d->kind == D_CHECK && d->national) return arena_printf(c->arena, "national check `%s`", d->name);
    if (d->kind == D_COMMITMENT && d->national) return arena_printf(c->arena, "national commitment `%s`", d->name);
    return arena_printf(c->arena, "%s `%s`", decl_kind_name(d->kind), d->name);
}

/* Unknown, repeated and missing attributes, all reported; a misspelt
 * required attribute is reported once, as misspelt, not also as missing. */
static void check_attr_set(Checker *c, Decl *d, const AttrSpec *spec)
{
    const char *suggested[16] = { 0 };
    int nsuggested = 0;
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (at->named_horizon) {
            /* reported once and dropped, so no other check reads it as an attribute */
            ERR(c, at->name_span, "only the round names horizons: move `horizon %s = …` into the round", at->name);
            memmove(&d->attrs.items[i], &d->attrs.items[i + 1], (d->attrs.len - i - 1) * sizeof d->attrs.items[0]);
            d->attrs.len--;
            i--;
            continue;
        }
        const AttrSpec *s = spec;
        while (s->name && strcmp(s->name, at->name) != 0) s++;
        if (!s->name) {
            ERR(c, at->name_span, "%s has no attribute `%s`", decl_label(c, d), at->name);
            Suggest sg = { NULL, 0, at->name };
            for (s = spec; s->name; s++) check_suggest(&sg, s->name);
            if (sg.best) {
                check_hint_suggestion(c, &sg);
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
            ERR(c, d->kind == D_TEST ? d->span : d->name_span, "%s needs `%s`", decl_label(c, d), s->name);
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

/* `key = type, site`: declared columns that, with the organisation and the
 * period, identify a row, so that a later publication replaces only the rows
 * of the same identity. Only a feed with vintages has publications. */
static void check_feed_key(Checker *c, Decl *d, Attr *key, Attr *vintage)
{
    Node *v = key->value;
    size_t n = v->kind == N_LIST && v->boolean ? v->args.len : 1;
    if (!vintage) {
        ERR(c, key->name_span, "a feed has a `key` only with a `vintage` column: the key says which rows a later "
                               "publication replaces");
        HINT(c, "for example: vintage = published_on");
    }
    for (size_t i = 0; i < n; i++) {
        Node *col = n == 1 && !(v->kind == N_LIST && v->boolean) ? v : v->args.items[i];
        if (col->kind != N_NAME) {
            ERR(c, col->span, "`key` names columns of the file, as in `key = type, site`");
            continue;
        }
        const char *roles[3] = { "org", "period", "vintage" };
        bool role = false;
        for (int r = 0; r < 3 && !role; r++) {
            Attr *a = NULL;
            for (size_t j = 0; j < d->attrs.len && !a; j++)
                if (strcmp(((Attr *)d->attrs.items[j])->name, roles[r]) == 0) a = d->attrs.items[j];
            Node *av = a ? (a->value->kind == N_AS ? a->value->lhs : a->value) : NULL;
            if (av && av->kind == N_NAME && strcmp(av->str, col->str) == 0) {
                ERR(c, col->span, "`%s` is the %s column: a row's identity already includes it", col->str,
                    roles[r]);
                HINT(c, "`key` names the other columns that identify a row, as in `key = type`");
                role = true;
            }
        }
        if (role) continue;
        bool declared = false;
        for (size_t j = 0; j < d->fields.len && !declared; j++)
            declared = strcmp(((Field *)d->fields.items[j])->name, col->str) == 0;
        if (!declared) {
            ERR(c, col->span, "feed `%s` has no column `%s`", d->name, col->str);
            Suggest s = { NULL, 0, col->str };
            for (size_t j = 0; j < d->fields.len; j++) check_suggest(&s, ((Field *)d->fields.items[j])->name);
            check_hint_suggestion(c, &s);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            Node *prev = v->args.items[j];
            if (prev->kind == N_NAME && strcmp(prev->str, col->str) == 0) {
                ERR(c, col->span, "`%s` is in the key twice", col->str);
                break;
            }
        }
    }
}

/* `hierarchy = la_stp`, or one of an imported module, `x.la_stp`: the
 * hierarchy that maps the feed's organisations to the systems, in place of
 * the round's `assess`. */
static void check_feed_hierarchy(Checker *c, Decl *d, Attr *at)
{
    Node *v = at->value;
    Module *in = c->mod;            /* where the name is looked up */
    const char *name = v->kind == N_NAME || v->kind == N_FIELD ? v->str : NULL;
    if (v->kind == N_FIELD) {
        Decl *m = v->lhs->kind == N_NAME ? check_lookup(c->mod, v->lhs->str) : NULL;
        if (!m || m->kind != D_IMPORT || !m->imported) {
            ERR(c, v->lhs->span, "`%s` is not an imported module: `hierarchy` names a hierarchy of this file "
                "(`la_stp`) or of an imported module (`geo.la_stp`)", v->lhs->kind == N_NAME ? v->lhs->str : "?");
            HINT(c, "import the module that declares it (`import \"FILE.pledge\" as NAME`), then write NAME.%s",
                 v->str);
            return;
        }
        m->used = true;
        v->lhs->ref = m;
        in = m->imported;
    }
    Decl *h = name ? check_lookup(in, name) : NULL;
    if (h && h->kind == D_HIERARCHY) {
        h->used = true;
        v->ref = h;
        return;
    }
    if (name && !h && in != c->mod)
        ERR(c, v->span, "feed `%s` is routed through `%s.%s`, but module `%s` declares no `%s`", d->name,
            v->lhs->str, name, v->lhs->str, name);
    else if (name && !h)
        ERR(c, v->span, "feed `%s` is routed through hierarchy `%s`, which is not declared", d->name, name);
    else if (name)
        ERR(c, v->span, "feed `%s` is routed through `%s`, which is not a hierarchy", d->name, name);
    else
        ERR(c, v->span, "`hierarchy` names the hierarchy that maps the feed's organisations to the systems");
    Suggest s = { NULL, 0, name && !h ? name : "" };
    if (name && !h) check_suggest_in_module(&s, in);
    if (s.best && in != c->mod) HINT(c, "did you mean `%s.%s`?", v->lhs->str, s.best);
    else if (s.best) check_hint_suggestion(c, &s);
    else HINT(c, "declare the hierarchy, or leave `hierarchy` out to map the feed by the round's `assess`");
}

/* `quintile: text in ["1", "2", …]`: a text column's groups, in order,
 * each once (results by group, issue 16). */
static void check_column_groups(Checker *c, Field *f)
{
    Node *g = f->groups;
    if (f->resolved.kind != T_TEXT && f->resolved.kind != T_ERROR) {
        ERR(c, g->span, "only a text column has groups; `%s` is %s", f->name, check_tname(c, f->resolved));
        return;
    }
    if (g->kind != N_LIST || g->args.len == 0) {
        ERR(c, g->span, "a column's groups are a list of strings, as in `%s: text in [\"1\", \"2\"]`", f->name);
        return;
    }
    for (size_t i = 0; i < g->args.len; i++) {
        Node *x = g->args.items[i];
        if (x->kind != N_STRING) {
            ERR(c, x->span, "a group is a string, as the column's cells are");
            continue;
        }
        x->type = TYPE(T_TEXT);
        for (size_t j = 0; j < i; j++) {
            Node *y = g->args.items[j];
            if (y->kind == N_STRING && y->str_len == x->str_len && memcmp(y->str, x->str, x->str_len) == 0) {
                ERR(c, x->span, "group \"%s\" is listed twice", x->str);
                break;
            }
        }
    }
}

static void check_feed(Checker *c, Decl *d)
{
    check_attr_set(c, d, feed_attrs);
    Attr *vintage = NULL, *key = NULL;
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (strcmp(at->name, "key") == 0) {
            key = at;
            continue;
        }
        if (at->value->kind == N_LIST && at->value->boolean) {
            ERR(c, at->value->span, "only `key` takes a list of columns");
            continue;
        }
        if (strcmp(at->name, "hierarchy") == 0) {
            check_feed_hierarchy(c, d, at);
        } else if (strcmp(at->name, "org") == 0 || strcmp(at->name, "vintage") == 0) {
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
            /* a duration, or a let that is one (std.nhs's lags: `lag = nhs.ae_lag`) */
            Node *v = at->value;
            bool named = false;
            if (v->kind == N_NAME || v->kind == N_FIELD) {
                Env constant = { d, NULL, NULL, 0, false, false };
                Type t = check_expr(c, v, &constant);
                named = t.kind == T_DURATION && v->ref && v->ref->kind == D_LET && v->ref->body
                     && v->ref->body->kind == N_DURATION;
                if (t.kind == T_ERROR) continue;
            }
            if (v->kind != N_DURATION && !named)
                ERR(c, v->span, "`lag` is a duration, as in `lag = 6 weeks` (or a let that is one)");
        }
    }
    if (key) check_feed_key(c, d, key, vintage);
    for (size_t i = 0; i < d->fields.len; i++) {
        Field *f = d->fields.items[i];
        f->resolved = check_resolve_type(c, &f->type);
        if (f->format && (f->resolved.kind != T_PERCENT ||
                          (strcmp(f->format, "points") != 0 && strcmp(f->format, "fraction") != 0))) {
            ERR(c, f->format_span, "`as %s` does not describe a %s column", f->format, check_tname(c, f->resolved));
            HINT(c, "a percent column is written as fractions (0.952, the default) or `as points` (95.2)");
        }
        if (f->resolved.kind == T_LIST)
            ERR(c, f->type.span, "a feed column holds single values, not a list");
        else if (f->resolved.kind == T_STATUS || f->resolved.kind == T_DURATION)
            ERR(c, f->type.span, "a feed column cannot be of type %s", check_tname(c, f->resolved));
        if (f->groups) check_column_groups(c, f);
        for (size_t j = 0; j < i; j++) {
            Field *g = d->fields.items[j];
            if (strcmp(f->name, g->name) == 0) {
                ERR(c, f->span, "column `%s` is declared twice", f->name);
                NOTE(c, c->mod->src, g->span, "the first `%s` is here", f->name);
                break;
            }
        }
    }
    /* row rules, once the columns' types are known */
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (strcmp(at->name, "require") != 0) continue;
        if (at->value->kind == N_THRESHOLD) {
            ERR(c, at->value->op_span, "`require` is a condition on each row, as in `require = breaches <= attendances`");
            continue;
        }
        Env row = { d, NULL, d, 0, false, true };
        Type t = check_expr(c, at->value, &row);
        if (t.kind != T_BOOL && t.kind != T_ERROR)
            ERR(c, at->value->span, "a feed's `require` must be true or false, not %s", check_tname(c, t));
    }
}

static void check_hierarchy(Checker *c, Decl *d)
{
    check_attr_set(c, d, hierarchy_attrs);
    for (size_t i = 0; i < d->attrs.len; i++) check_column_name(c, d->attrs.items[i]);
}

/* The first and last days of a window written as a period or a range of
 * periods (`2019/20`, `2019/20 .. 2020/21`); false for anything else. */
static bool window_days(Node *w, Day *from, Day *to)
{
    if (w->kind == N_PERIOD) {
        *from = period_first_day(w->period);
        *to = period_last_day(w->period);
        return true;
    }
    if (w->kind == N_BINARY && w->op == EOP_RANGE && w->lhs->kind == N_PERIOD && w->rhs->kind == N_PERIOD) {
        *from = period_first_day(w->lhs->period);
        *to = period_last_day(w->rhs->period);
        return true;
    }
    return false;
}

/* The round's `horizon` and its named horizons (`horizon two_year = …`): a
 * window that is not empty, and a named one inside the round's. */
static void check_horizons(Checker *c, Decl *d)
{
    Attr *round_h = NULL;
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (!at->named_horizon && strcmp(at->name, "horizon") == 0) round_h = at;
    }
    Day rfrom = 0, rto = 0;
    bool bounded = round_h && window_days(round_h->value, &rfrom, &rto) && rfrom <= rto;
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (!at->named_horizon && at != round_h) continue;
        Node *w = at->value;
        Day from, to;
        if (!window_days(w, &from, &to)) continue;
        if (from > to) {
            if (at->named_horizon)
                ERR(c, w->span, "the horizon `%s` is empty: the range ends before it starts", at->name);
            else
                ERR(c, w->span, "the round's horizon is empty: the range ends before it starts");
            HINT(c, "write the earlier period first, as in `2019/20 .. 2020/21`");
            continue;
        }
        if (at->named_horizon && bounded && (from < rfrom || to > rto)) {
            ERR(c, w->span, "the horizon `%s` reaches outside the round's horizon", at->name);
            NOTE(c, c->mod->src, round_h->value->span, "the round's horizon is here");
            HINT(c, "a named horizon is a part of the round's; widen the round's `horizon` or narrow this one");
        }
    }
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
        Env constant = { d, NULL, NULL, 0, false, false };
        if (strcmp(at->name, "assess") == 0) {
            assess = true;
            Decl *h = at->value->kind == N_NAME ? check_lookup(c->mod, at->value->str) : NULL;
            if (!h || h->kind != D_HIERARCHY) {
                ERR(c, at->value->span, "`assess` names the hierarchy whose parents are the systems assessed");
                if (at->value->kind == N_NAME) {
                    Suggest s = { NULL, 0, at->value->str };
                    check_suggest_in_module(&s, c->mod);
                    check_hint_suggestion(c, &s);
                }
            } else {
                h->used = true;
                at->value->ref = h;
            }
            continue;
        }
        if (at->named_horizon) {
            if (strcmp(at->name, "horizon") == 0 || strcmp(at->name, "assess") == 0) {
                ERR(c, at->name_span, "a named horizon cannot be called `%s`: the round's own `%s` has that name",
                    at->name, at->name);
                HINT(c, "name it for its years, as in `horizon two_year = 2019/20 .. 2020/21`");
                continue;
            }
            Type t = check_expr(c, at->value, &constant);
            if (t.kind != T_RANGE && !type_is_period(t.kind) && t.kind != T_ERROR)
                ERR(c, at->value->span, "the horizon `%s` is a range of periods, as in `horizon %s = 2019/20 .. 2020/21`",
                    at->name, at->name);
            continue;
        }
        if (strcmp(at->name, "horizon") != 0) {
            Suggest sg = { NULL, 0, at->name };
            check_suggest(&sg, "assess");
            check_suggest(&sg, "horizon");
            if (sg.best) {
                ERR(c, at->name_span, "round `%s` has no attribute `%s`", d->name, at->name);
                check_hint_suggestion(c, &sg);
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
                at->name, at->name, check_tname(c, t));
        }
    }
    check_horizons(c, d);
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

/* `in plans.target_year`: each system's window is the period its plan gives
 * in that column (a transformation's local timing). The window has no end
 * known to the checker, so false: nothing to order milestones by. */
static bool check_plan_window(Checker *c, Decl *d, Attr *at, Node *w)
{
    Env data = { d, NULL, NULL, ALLOW_DATA, false, false };
    Type t = check_expr(c, w, &data);
    if (t.kind == T_ERROR) return false;
    if (t.kind != T_COLUMN || !w->lhs || !w->lhs->ref || w->lhs->ref->kind != D_FEED) {
        ERR(c, w->span, "a window is a period, a range of periods or a column of a plan feed, not %s",
            check_tname(c, t));
        return false;
    }
    if (!type_is_period(t.elem)) {
        ERR(c, w->span, "a plan's column is a window only when it holds periods (date, month, quarter or fy); "
            "this one holds %s", type_kind_name(t.elem));
        HINT(c, "declare the plan's column as one, as in `target_year: fy`");
        return false;
    }
    if (d->cls != CLASS_TRANSFORMATION) {
        ERR(c, w->span, "only a transformation commitment takes its timing from each system's plan");
        HINT(c, "a foundational commitment's `%s` is national: write its window, as in `in 2023/24`", at->name);
        return false;
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
    Env constant = { d, NULL, NULL, 0, false, false };
    Node *threshold = v->lhs->lhs, *window = v->lhs->rhs;
    Type t = check_literal_for(threshold, check_expr(c, threshold, &constant), measure);
    bool ok = window->kind == N_FIELD ? check_plan_window(c, d, at, window) : check_window(c, window, &constant);
    if (t.kind != T_ERROR && measure.kind != T_ERROR) {
        /* == and != ask only for equality: a yes/no has it, not an order */
        TypeOp op = v->op == EOP_EQ || v->op == EOP_NE ? TOP_EQUAL : TOP_ORDER;
        if (type_binary(op, measure, t).kind == T_ERROR) {
            ERR(c, threshold->span, "cannot compare %s with %s: the measure is %s", check_tname(c, measure), check_tname(c, t),
                check_tname(c, measure));
            if (measure.kind == T_BOOL && t.kind == T_BOOL) HINT(c, "a yes/no compares with `==` or `!=`");
            else if (t.kind == T_DATE) HINT(c, "a date target is a deadline, for a date measure such as `min(plans.submitted_on)`");
        } else {
            check_warn_percent(c, measure, threshold);
        }
    }
    return ok ? window : NULL;
}

/* A deadline (issue 16): `target = <= 2019-09-27` for a date measure (the
 * threshold is the deadline), `target = == true` with `deadline = DATE` for
 * a yes/no. Whether the target is one: it has no window. */
static bool is_deadline_target(const Attr *target)
{
    return target && target->value->kind == N_THRESHOLD && target->value->lhs->kind != N_IN;
}

static void check_deadline(Checker *c, Decl *d, Attr *target, Attr *deadline, Type measure)
{
    Node *v = target->value, *threshold = v->lhs;
    Env constant = { d, NULL, NULL, 0, false, false };
    Type t = check_expr(c, threshold, &constant);
    if (t.kind == T_ERROR || measure.kind == T_ERROR) return;
    if (measure.kind == T_DATE) {
        if (t.kind != T_DATE)
            ERR(c, threshold->span, "the target of a date measure is a date, as in `target = <= 2019-09-27`, not %s",
                check_tname(c, t));
        else if (v->op != EOP_LE && v->op != EOP_LT) {
            ERR(c, v->op_span, "a date target is a deadline: `<=` (on or before) or `<` (before), not `%s`", op_text(v->op));
            HINT(c, "to judge a date over a window, give it one, as in `target = %s %s in 2019/20`", op_text(v->op),
                 "2019-09-27");
        }
        if (deadline) {
            ERR(c, deadline->name_span, "a date measure's deadline is its target's date: drop `deadline`");
            HINT(c, "as in `target = <= 2019-09-27`");
        }
        return;
    }
    /* a yes/no */
    if (t.kind != T_BOOL)
        ERR(c, threshold->span, "the target of a yes/no measure is true or false, as in `target = == true`, not %s",
            check_tname(c, t));
    else if (v->op != EOP_EQ && v->op != EOP_NE)
        ERR(c, v->op_span, "a yes/no compares with `==` or `!=`, not `%s`", op_text(v->op));
    if (!deadline) {
        ERR(c, threshold->span, "`target` of a yes/no needs a deadline or a window: when must it hold?");
        HINT(c, "add `deadline = 2019-09-27`, or write `target = == true in 2019/20`");
        return;
    }
    Type dt = check_expr(c, deadline->value, &constant);
    if (dt.kind != T_DATE && dt.kind != T_ERROR)
        ERR(c, deadline->value->span, "a deadline is a day, as in `deadline = 2019-09-27`, not %s", check_tname(c, dt));
}

/* `by = feed.column`: the commitment judged in each of the column's groups
 * too (issue 16); the measure must read that feed. */
static void check_by(Checker *c, Decl *d, Attr *at, Attr *measure, bool by_deadline)
{
    Env data = { d, NULL, NULL, ALLOW_DATA, false, false };
    Field *f = check_group_column(c, at->value, &data, "`by`");
    if (!f) return;
    if (d->national) {
        ERR(c, at->name_span, "a national commitment is not judged by group");
        HINT(c, "drop `national`: a commitment judged by group is judged per system, each group under it");
        return;
    }
    if (by_deadline) {
        ERR(c, at->name_span, "a deadline commitment is not judged by group: it is met or missed once");
        return;
    }
    Decl *feed = at->value->lhs->ref;
    Decl *metric = measure && measure->value ? measure->value->ref : NULL;
    if (metric && metric->kind == D_METRIC) {
        if (metric->module == c->mod) check_decl(c, metric);
        if (ast_reads_feed(metric->body, feed, 0) == 0) {
            ERR(c, at->value->span, "measure `%s` reads nothing of feed `%s`, so it is the same in every group",
                metric->name, feed->name);
            HINT(c, "group by a column of a feed the measure sums, counts or averages");
        }
    }
}

static void check_commitment(Checker *c, Decl *d)
{
    check_attr_set(c, d, commitment_attrs);
    if (d->national && d->cls != CLASS_FOUNDATIONAL) {
        /* a transformation's milestones are each system's plan: the nation has none of its own */
        ERR(c, d->name_span, "national commitment `%s` must be foundational: it is judged once, for the round, "
                             "against milestones of its own", d->name);
        HINT(c, "write `national foundational commitment %s`; a transformation commitment takes its milestones "
                "from each system's plan, so it is judged per system", d->name);
    } else if (d->cls == CLASS_NONE) {
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
        else if (v->kind == N_FIELD) { Env e = { d, NULL, NULL, ALLOW_DATA, false, false }; check_field(c, v, &e, &metric); }
        if (metric && metric->kind == D_METRIC) {
            metric->used = true;
            v->ref = metric;
            measure = check_resolve_type(c, &metric->type);
        } else if (v->kind == N_NAME && !metric) {
            ERR(c, v->span, "unknown metric `%s`", v->str);
            Suggest s = { NULL, 0, v->str };
            check_suggest_in_module(&s, c->mod);
            check_hint_suggestion(c, &s);
        } else if (d->national && !metric && v->kind != N_NAME && v->kind != N_FIELD) {
            /* the systems' values together, as a national check reads them:
             * `measure = sum(across(sum(plans.surplus)))` */
            Env e = { d, NULL, NULL, ALLOW_DATA | ALLOW_ACROSS, true, false };
            Type t = check_expr(c, v, &e);
            if (t.kind == T_LIST || t.kind == T_COLUMN || t.kind == T_RANGE || t.kind == T_NONE) {
                ERR(c, v->span, "the measure of a national commitment is one value for the country, not %s",
                    check_tname(c, t));
                HINT(c, "take the systems' values together, as in `sum(across(METRIC))` or `mean(across(METRIC))`");
            } else if (t.kind != T_ERROR) {
                measure = t;
            }
        } else if (metric || v->kind != N_FIELD) {
            ERR(c, v->span, "the measure of a commitment is the name of a metric");
            if (!d->national && v->kind != N_NAME) {
                HINT(c, "a national commitment may be measured by an expression over the systems, as in "
                        "`measure = sum(across(METRIC))`");
            }
        }
    }
    Day target_end = 0;
    bool has_target_end = false;
    Attr *deadline = decl_attr(d, "deadline");
    bool by_deadline = is_deadline_target(decl_attr(d, "target")) &&
                       (measure.kind == T_DATE || measure.kind == T_BOOL || deadline);
    if (deadline && measure.kind != T_DATE && measure.kind != T_BOOL && measure.kind != T_ERROR) {
        ERR(c, deadline->name_span, "a deadline is for a date or yes/no measure, and the measure is %s",
            check_tname(c, measure));
        HINT(c, "for a number, the target's window says when, as in `target = >= 95%% in 2023/24`");
    } else if (deadline && !by_deadline && decl_attr(d, "target")) {
        ERR(c, deadline->name_span, "a target with a window has no deadline: drop the window or the deadline");
        HINT(c, "as in `target = == true` and `deadline = 2019-09-27`");
    }
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (strcmp(at->name, "target") == 0) {
            if (by_deadline) {
                check_deadline(c, d, at, deadline, measure);
                continue;
            }
            Node *w = check_threshold(c, d, at, measure);
            if (w) has_target_end = window_last_day(w, &target_end);
        }
    }
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        Env constant = { d, NULL, NULL, 0, false, false };
        if (by_deadline && (strcmp(at->name, "milestone") == 0 || strcmp(at->name, "milestones") == 0 ||
                            strcmp(at->name, "tolerance") == 0)) {
            ERR(c, at->name_span, "a deadline commitment has no `%s`: it is met or missed once, by the deadline",
                at->name);
            continue;
        }
        if (strcmp(at->name, "milestone") == 0) {
            Node *w = check_threshold(c, d, at, measure);
            Day end;
            if (w && has_target_end && window_last_day(w, &end) && end > target_end)
                WARN(c, w->span, "this milestone's window ends after the target's: it can never be judged");
        } else if (strcmp(at->name, "milestones") == 0) {
            if (d->national) {
                ERR(c, at->name_span, "a national commitment has no plan of its own: write its milestones as `milestone = …`");
                HINT(c, "`milestones = plans.COLUMN` takes them from each system's plan, for a commitment judged per system");
                continue;
            }
            if (d->cls == CLASS_FOUNDATIONAL) {
                ERR(c, at->name_span, "a foundational commitment's milestones are national: "
                                      "write them as `milestone = …`");
                HINT(c, "`milestones = plans.COLUMN` takes them from each system's plan, for a transformation commitment");
                continue;
            }
            Env data = { d, NULL, NULL, ALLOW_DATA, false, false };
            Type t = at->value->kind == N_FIELD ? check_expr(c, at->value, &data) : TYPE(T_ERROR);
            if (at->value->kind != N_FIELD)
                ERR(c, at->value->span, "`milestones` names a column of a plan feed, as in `milestones = plans.ae_4hr`");
            else if (t.kind == T_COLUMN && measure.kind != T_ERROR &&
                     type_binary(TOP_ORDER, measure, TYPE(t.elem)).kind == T_ERROR)
                ERR(c, at->value->span, "the plan's milestones are %s but the measure is %s",
                    type_kind_name(t.elem), check_tname(c, measure));
        } else if (strcmp(at->name, "tolerance") == 0) {
            Type t = check_expr(c, at->value, &constant);
            TypeKind want = measure.kind == T_PERCENT ? T_PP : measure.kind;
            if (t.kind != T_ERROR && measure.kind != T_ERROR && !type_assignable(TYPE(want), t)) {
                ERR(c, at->value->span, "the tolerance of a %s measure is %s, not %s", check_tname(c, measure),
                    type_kind_name(want), check_tname(c, t));
                if (want == T_PP) HINT(c, "write percentage points, as in 0.5pp");
            }
        } else if (strcmp(at->name, "missing") == 0) {
            if (at->value->kind != N_NAME || strcmp(at->value->str, "missed") != 0) {
                ERR(c, at->value->span, "`missing` of a commitment is `missed`, as in `missing = missed`");
                HINT(c, "without it, a due window without a value is no_data");
            }
        } else if (strcmp(at->name, "by") == 0) {
            check_by(c, d, at, m, by_deadline);
        } else if (strcmp(at->name, "source") == 0 || strcmp(at->name, "restates") == 0) {
            if (at->value->kind != N_STRING)
                ERR(c, at->value->span, "`%s` is a string", at->name);
        }
    }
}

/* Whether n calls group_gap, itself or through the metrics, lets and
 * functions it names (checked ones). */
static bool calls_group_gap(Node *n, int depth)
{
    if (!n || depth > 64) return false;
    if (n->kind == N_CALL && n->builtin == BI_GROUP_GAP + 1) return true;
    Decl *d = n->ref ? n->ref : (n->kind == N_CALL && n->lhs ? n->lhs->ref : NULL);
    if (d && (d->kind == D_METRIC || d->kind == D_LET || d->kind == D_FN) && d->state == 2 &&
        calls_group_gap(d->body, depth + 1))
        return true;
    Node *kids[3] = { n->lhs, n->rhs, n->alt };
    for (int i = 0; i < 3; i++)
        if (calls_group_gap(kids[i], depth + 1)) return true;
    for (size_t i = 0; i < n->args.len; i++)
        if (calls_group_gap(n->args.items[i], depth + 1)) return true;
    return false;
}

/* A check's `by = feed.column` (issue 16): its condition judged in each of
 * the column's groups too, so the condition must read that feed. Called
 * once the condition is checked. */
static void check_check_by(Checker *c, Decl *d, Attr *at, Attr *require)
{
    if (d->national) {
        ERR(c, at->name_span, "a national check is not judged by group: it has one result, for the round");
        HINT(c, "drop `national`: a check judged by group is judged per system, each group under it");
        return;
    }
    Env data = { d, NULL, NULL, ALLOW_DATA, false, false };
    if (!check_group_column(c, at->value, &data, "`by`") || !require) return;
    Decl *feed = at->value->lhs->ref;
    if (ast_reads_feed(require->value, feed, 0) == 0) {
        ERR(c, at->value->span, "the condition reads nothing of feed `%s`, so it is the same in every group",
            feed->name);
        HINT(c, "group by a column of a feed the condition sums, counts or averages");
    } else if (calls_group_gap(require->value, 0)) {
        ERR(c, require->value->span, "group_gap(…) in a check judged `by` a column would be the same gap in "
                                     "every group");
        HINT(c, "`by` already gives one result per group; test the gap in a check without `by`");
    }
}

static void check_check(Checker *c, Decl *d)
{
    check_attr_set(c, d, check_attrs);
    Env env = { d, NULL, NULL, ALLOW_DATA | ALLOW_STATUS | ALLOW_ACROSS, d->national, false };
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (strcmp(at->name, "require") == 0) {
            if (at->value->kind == N_THRESHOLD) {
                ERR(c, at->value->op_span, "`require` is a condition, as in `require = x >= 0`");
                continue;
            }
            Type t = check_expr(c, at->value, &env);
            if (t.kind != T_BOOL && t.kind != T_ERROR)
                ERR(c, at->value->span, "`require` must be true or false, not %s", check_tname(c, t));
        } else if (strcmp(at->name, "message") == 0 && at->value->kind != N_STRING) {
            ERR(c, at->value->span, "`message` is a string");
        } else if (strcmp(at->name, "missing") == 0 &&
                   (at->value->kind != N_NAME || strcmp(at->value->str, "fail") != 0)) {
            ERR(c, at->value->span, "`missing` of a %s is `fail`, as in `missing = fail`",
                d->national ? "national check" : "check");
            HINT(c, "without it, a check whose value is missing is no_data");
        }
    }
    Attr *by = decl_attr(d, "by");
    if (by) check_check_by(c, d, by, decl_attr(d, "require"));
}

static void check_rating(Checker *c, Decl *d)
{
    Env env = { d, NULL, NULL, ALLOW_DATA | ALLOW_STATUS | ALLOW_ACROSS, false, false };
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
            ERR(c, arm->when->span, "the condition after `when` must be true or false, not %s", check_tname(c, t));
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

/* A feed or hierarchy by the name a run binds it by (`--feed NAME=PATH`,
 * `rows NAME`): this file's, else one of an imported module's (a feed
 * routed through `geo.la_sys` is given rows as `rows la_sys`). */
static Decl *check_input_named(Checker *c, const char *name)
{
    Decl *d = check_lookup(c->mod, name);
    for (size_t i = 0; !d && i < c->mod->decls.len; i++) {
        Decl *m = c->mod->decls.items[i];
        Decl *x = m->kind == D_IMPORT && m->imported ? check_lookup(m->imported, name) : NULL;
        if (x && (x->kind == D_FEED || x->kind == D_HIERARCHY)) d = x;
    }
    return d;
}

static void check_table(Checker *c, RowsTable *t)
{
    Decl *d = check_input_named(c, t->target);
    if (!d || (d->kind != D_FEED && d->kind != D_HIERARCHY)) {
        ERR(c, t->span, "rows are given for a feed or a hierarchy, and `%s` is %s", t->target,
            d ? "not one" : "not declared");
        if (!d) {
            Suggest s = { NULL, 0, t->target };
            check_suggest_in_module(&s, c->mod);
            check_hint_suggestion(c, &s);
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
            Field *f = check_feed_column(d, h->name);
            kinds[i] = f ? f->resolved.kind : check_feed_key_column(d, h->name);
            if (kinds[i] == T_ERROR && !f) {
                ERR(c, h->span, "feed `%s` has no column `%s`", d->name, h->name);
                Suggest s = { NULL, 0, h->name };
                for (size_t j = 0; j < d->fields.len; j++) check_suggest(&s, ((Field *)d->fields.items[j])->name);
                check_hint_suggestion(c, &s);
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
        Env constant = { d, NULL, NULL, 0, false, false };
        Type t = check_expr(c, as_of->value, &constant);
        if (t.kind != T_DATE && t.kind != T_ERROR)
            ERR(c, as_of->value->span, "`as_of` is a date, as in `as_of = 2024-06-01`");
    }
    for (size_t i = 0; i < d->tables.len; i++) check_table(c, d->tables.items[i]);
    if (d->expects.len == 0)
        WARN(c, d->name_span, "test \"%s\" expects nothing", d->title ? d->title : "");
    Env env = { d, NULL, NULL, ALLOW_DATA | ALLOW_STATUS | ALLOW_ACROSS | ALLOW_ITEMS, false, false };
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
        p->resolved = check_resolve_type(c, &p->type);
        for (size_t j = 0; j < i; j++)
            if (strcmp(((Field *)d->fields.items[j])->name, p->name) == 0)
                ERR(c, p->span, "parameter `%s` is named twice", p->name);
    }
    Type ret = check_resolve_type(c, &d->type);
    d->resolved = ret;
    if (d->kind == D_EXTERN) {
        /* libffi passes these as double, int64, bool and const char * */
        for (size_t i = 0; i <= d->fields.len; i++) {
            Type t = i < d->fields.len ? ((Field *)d->fields.items[i])->resolved : ret;
            Span at = i < d->fields.len ? ((Field *)d->fields.items[i])->type.span : d->type.span;
            if (t.kind != T_NUMBER && t.kind != T_COUNT && t.kind != T_BOOL && t.kind != T_TEXT && t.kind != T_ERROR)
                ERR(c, at, "a native function takes and returns number, count, bool or text, not %s", check_tname(c, t));
        }
        if (!d->lib[0]) ERR(c, d->span, "`extern` needs the library's name, as in extern \"libm.so.6\" fn …");
        return;
    }
    Env env = { d, &d->fields, NULL, 0, false, false };
    Type t = check_expr(c, d->body, &env);
    if (!type_assignable(ret, t))
        ERR(c, d->body->span, "`%s` returns %s, but its body is %s", d->name, check_tname(c, ret), check_tname(c, t));
}

void check_decl(Checker *c, Decl *d)
{
    if (d->state != 0) return;
    d->state = 1;
    switch (d->kind) {
    case D_ROUND:      check_round(c, d); break;
    case D_IMPORT:     break;
    case D_FEED:       check_feed(c, d); break;
    case D_HIERARCHY:  check_hierarchy(c, d); break;
    case D_LET: {
        Env env = { d, NULL, NULL, 0, false, false };
        Type t = check_expr(c, d->body, &env);
        if (d->has_type) {
            Type want = check_resolve_type(c, &d->type);
            t = check_literal_for(d->body, t, want);
            check_warn_percent(c, want, d->body);
            if (!type_assignable(want, t))
                ERR(c, d->body->span, "`%s` is declared %s, but its value is %s", d->name, check_tname(c, want), check_tname(c, t));
            t = want;
        }
        d->resolved = t;
        break;
    }
    case D_FN: case D_EXTERN: check_function(c, d); break;
    case D_METRIC: {
        Type want = check_resolve_type(c, &d->type);
        Env env = { d, NULL, NULL, ALLOW_DATA, false, false };
        Type t = check_expr(c, d->body, &env);
        if (t.kind == T_COLUMN)
            ERR(c, d->body->span, "a metric is one value per system and window: aggregate the column, "
                                  "e.g. sum(…)");
        else if (!type_assignable(want, t))
            ERR(c, d->body->span, "metric `%s` is declared %s, but its expression is %s", d->name,
                check_tname(c, want), check_tname(c, t));
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
        /* a hierarchy is read by the round (`assess`) or a feed (`hierarchy =`):
         * any other maps nothing */
        if (d->kind == D_HIERARCHY && !d->used && is_root) {
            WARN(&c, d->name_span, "hierarchy `%s` is declared but no round assesses it and no feed is routed "
                                   "through it", d->name);
            HINT(&c, "route a feed through it with `hierarchy = %s` in the feed, or remove it", d->name);
        }
    }
}
