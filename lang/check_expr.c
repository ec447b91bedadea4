/* check_expr.c: the types and units of expressions (spec §4): names,
 * fields, calls of built-ins and functions, operators, windows. An
 * expression found wrong gets T_ERROR, which every rule accepts silently,
 * so a mistake is reported once. */
#include "lang/check_internal.h"
#include <stdint.h>

Type check_set(Node *n, Type t) { n->type = t; return t; }

Type check_resolve_type(Checker *c, TypeExpr *te)
{
    TypeKind k = type_by_name(te->name);
    if (k == T_ERROR) {
        ERR(c, te->span, "unknown type `%s`", te->name);
        Suggest s = { NULL, 0, te->name };
        for (int i = T_NUMBER; i <= T_STATUS; i++) check_suggest(&s, type_kind_name((TypeKind)i));
        if (s.best) check_hint_suggestion(c, &s);
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
        if (env->row_rule) {
            ERR(c, at->span, "`%s` is a metric, over many rows: a row rule judges one row of `%s` at a time",
                d->name, env->row_feed->name);
            HINT(c, "compare the row's own columns, as in `require = breaches <= attendances`");
            return TYPE(T_ERROR);
        }
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
        return d->has_type ? check_resolve_type(c, &d->type) : TYPE(T_ERROR);
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

Field *check_feed_column(Decl *feed, const char *name)
{
    for (size_t i = 0; i < feed->fields.len; i++) {
        Field *f = feed->fields.items[i];
        if (strcmp(f->name, name) == 0) return f;
    }
    return NULL;
}

/* The key columns of a feed (`org = org_code` makes org_code a text column). */
TypeKind check_feed_key_column(Decl *feed, const char *name)
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
    Field *f = check_feed_column(feed, n->str);
    TypeKind k;
    if (f) {
        TypeKind tk = type_by_name(f->type.name);
        k = f->type.list || tk == T_ERROR ? T_ERROR : tk;
        for (size_t i = 0; i < feed->fields.len; i++)
            if (feed->fields.items[i] == f) n->column = (int)i;
    } else {
        k = check_feed_key_column(feed, n->str);
        n->column = -1;
        if (k != T_ERROR) {
            /* the data layer keeps value columns by organisation and period */
            if (env->row_rule)
                ERR(c, n->op_span, "`%s` is a key column of `%s`: a row rule reads the row's value columns",
                    n->str, feed->name);
            else if (env->row_feed)
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
            for (size_t i = 0; i < feed->fields.len; i++) check_suggest(&s, ((Field *)feed->fields.items[i])->name);
            check_hint_suggestion(c, &s);
            return TYPE(T_ERROR);
        }
    }
    if (env->row_feed) {
        if (env->row_feed != feed && env->row_rule) {
            ERR(c, n->span, "a row rule of `%s` reads one row of `%s`: it can only use `%s`'s own columns",
                env->row_feed->name, env->row_feed->name, env->row_feed->name);
            return TYPE(T_ERROR);
        }
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
Type check_field(Checker *c, Node *n, Env *env, Decl **target)
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
        check_suggest_in_module(&s, c->mod);
        check_hint_suggestion(c, &s);
        return TYPE(T_ERROR);
    }
    n->lhs->ref = d;
    d->used = true;
    if (d->kind == D_FEED) return check_set(n, check_feed_field(c, n, d, env));
    if (d->kind == D_IMPORT) {
        Module *m = d->imported;
        Decl *member = m ? check_lookup(m, n->str) : NULL;
        if (!member || member->kind == D_IMPORT) {
            if (m) {
                ERR(c, n->op_span, "module `%s` has no `%s`", d->name, n->str);
                Suggest s = { NULL, 0, n->str };
                check_suggest_in_module(&s, m);
                check_hint_suggestion(c, &s);
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
    /* a row rule names its feed's columns bare: `require = breaches <= attendances` */
    if (env->row_rule && env->row_feed && check_feed_column(env->row_feed, n->str)) {
        Node *feed = ast_node(c->arena, N_NAME, n->span);
        feed->str = env->row_feed->name;
        feed->str_len = strlen(feed->str);
        feed->ref = env->row_feed;
        n->kind = N_FIELD;
        n->lhs = feed;
        n->op_span = n->span;
        return check_set(n, check_feed_field(c, n, env->row_feed, env));
    }
    if (env->row_rule && env->row_feed && check_feed_key_column(env->row_feed, n->str) != T_ERROR) {
        ERR(c, n->span, "`%s` is a key column of `%s`: a row rule reads the row's value columns", n->str,
            env->row_feed->name);
        HINT(c, "the key columns choose rows; a cell of one that does not parse is already a bad row");
        return TYPE(T_ERROR);
    }
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
    if (check_is_status(n->str)) {
        n->status_name = true;
        return TYPE(T_STATUS);
    }
    if (check_builtin_by_name(n->str) >= 0) {
        ERR(c, n->span, "`%s` is a built-in function: call it with its arguments, %s(…)", n->str, n->str);
        return TYPE(T_ERROR);
    }
    ERR(c, n->span, "unknown name `%s`", n->str);
    Suggest s = { NULL, 0, n->str };
    check_suggest_in_module(&s, c->mod);
    for (int i = 0; i < ST__COUNT; i++) check_suggest(&s, status_name[i]);
    check_hint_suggestion(c, &s);
    return TYPE(T_ERROR);
}

/* `2019/20`, `horizon`, `2019/20 .. 2023/24`: a window a metric is judged over */
bool check_window(Checker *c, Node *w, Env *env)
{
    Env constant = { env->decl, NULL, NULL, 0, false, false };
    Type t = check_expr(c, w, &constant);
    if (t.kind == T_ERROR) return false;
    if (type_is_period(t.kind) || t.kind == T_RANGE) return true;
    ERR(c, w->span, "a window is a period or a range of periods (2019/20, 2019/20 Q4, 2019/20 .. 2023/24), not %s",
        check_tname(c, t));
    return false;
}


/* Whether feed declares a vintage column (has publications). */
static bool feed_has_vintage(const Decl *feed)
{
    for (size_t i = 0; i < feed->attrs.len; i++) {
        const Attr *at = feed->attrs.items[i];
        if (strcmp(at->name, "vintage") == 0) return true;
    }
    return false;
}

/* `col as first`, `as latest`, `as of DATE`: core, of type t, must be a
 * column of a feed with a vintage column, read from one publication. */
static Type check_publication(Checker *c, Node *pub, Node *core, Type t)
{
    if (pub->days && strcmp(pub->str, "of") != 0) {
        ERR(c, pub->op_span, "`as %s` followed by a date: a publication by a day is written `as of DATE`", pub->str);
        HINT(c, "for example: plans.beds as of 2019-09-27");
        return TYPE(T_ERROR);
    }
    if (pub->days && (pub->rhs->kind != N_PERIOD || pub->rhs->period.grain != GRAIN_DAY)) {
        ERR(c, pub->rhs->span, "`as of` takes a day: a publication is dated to the day");
        HINT(c, "for example: plans.beds as of 2019-09-27 (the end of September 2019: as of 2019-09-30)");
        return TYPE(T_ERROR);
    }
    if (t.kind == T_ERROR) return t;
    if (core->kind == N_PUB) {
        ERR(c, pub->op_span, "a column is read from one publication, and this one already says `as %s`", core->str);
        return TYPE(T_ERROR);
    }
    Decl *feed = t.kind == T_COLUMN && core->kind == N_FIELD && core->lhs ? core->lhs->ref : NULL;
    if (!feed || feed->kind != D_FEED) {
        ERR(c, pub->op_span, "`as %s` reads one publication of a feed column, and this is %s", pub->str,
            check_tname(c, t));
        HINT(c, "write it after a column of a feed with a vintage column, as in plans.beds as first");
        return TYPE(T_ERROR);
    }
    if (!feed_has_vintage(feed)) {
        ERR(c, pub->op_span, "feed `%s` has no vintage column, so it has one publication: `as %s` has none other to read",
            feed->name, pub->str);
        HINT(c, "declare the column holding the day each row was published, as in vintage = published_on");
        return TYPE(T_ERROR);
    }
    return t;
}

/* The aggregated thing inside sum(…): `col`, `col where cond`, `… in W`,
 * `… as first`. */
static Type check_aggregate_arg(Checker *c, Node *arg, Env *env)
{
    Node *cond, *window, *pub;
    Node *core = ast_aggregate_parts(arg, &cond, &window, &pub);
    Type t = check_expr(c, core, env);
    if (pub) t = check_publication(c, pub, core, t);
    if (env->row_rule && t.kind != T_ERROR && core->kind == N_FIELD && core->lhs && core->lhs->ref &&
        core->lhs->ref->kind == D_FEED) {
        ERR(c, arg->span, "a row rule judges one row at a time: it cannot aggregate a column");
        HINT(c, "compare the row's own columns, as in `require = breaches <= attendances`");
        return TYPE(T_ERROR);
    }
    if (cond && t.kind != T_COLUMN && t.kind != T_ERROR) {
        ERR(c, cond->span, "`where` filters the rows of a feed column, and this is %s", check_tname(c, t));
        return TYPE(T_ERROR);
    }
    if (cond && t.kind == T_COLUMN) {
        Decl *feed = core->lhs ? core->lhs->ref : NULL;
        Env row = { env->decl, env->params, feed, 0, false, false };
        Type ct = check_expr(c, cond, &row);
        if (ct.kind != T_BOOL && ct.kind != T_ERROR) {
            ERR(c, cond->span, "the condition after `where` must be true or false, not %s", check_tname(c, ct));
            t = TYPE(T_ERROR);
        }
    }
    if (window && !check_window(c, window, env)) t = TYPE(T_ERROR);
    check_set(arg, t);
    return t;
}

/* "NAME needs WHAT, not TYPE": what an argument of each kind must be. */
static const char *const arg_needs[] = {
    [BA_NUMBER] = "a number",
    [BA_LIST] = "a list",
    [BA_POSITION] = "a position such as 1 (the first item)",
    [BA_WINDOW] = "a window (a period or a range of periods)",
    [BA_WHEN] = "a date or a period",
    [BA_NUMBER_LIST] = "a list of numbers",
    [BA_PERCENT] = "a percent such as 10%",
    [BA_ROWS] = "a feed column or a list",
    [BA_NUMBERS] = "a feed column or a list",
    [BA_ORDERED] = "a feed column or a list",
    [BA_ADDABLE] = "a feed column or a list",
};

static bool arg_fits(BuiltinArg k, Type t)
{
    switch (k) {
    case BA_NONE:
    case BA_ANY:         return true;
    case BA_NUMBER:      return type_is_numeric(t.kind);
    case BA_LIST:        return t.kind == T_LIST;
    case BA_POSITION:    return t.kind == T_COUNT || t.kind == T_NUMBER;
    case BA_WINDOW:      return type_is_period(t.kind) || t.kind == T_RANGE;
    case BA_WHEN:        return type_is_period(t.kind);
    /* an empty list ([]) has no item type yet */
    case BA_NUMBER_LIST: return t.kind == T_LIST && (t.elem == T_ERROR || type_is_numeric(t.elem));
    case BA_PERCENT:     return type_assignable(TYPE(T_PERCENT), t);
    case BA_ROWS:
    case BA_NUMBERS:
    case BA_ORDERED:
    case BA_ADDABLE:     return t.kind == T_COLUMN || t.kind == T_LIST;
    }
    return false;
}

/* The items of a column or list t that an argument of kind k holds. */
static bool items_fit(Checker *c, BuiltinArg k, Type t, Node *arg, const char *fname)
{
    TypeKind e = t.elem;
    if (k == BA_ROWS)
        return true;
    if (e == T_ERROR)
        return false;
    if (!type_is_numeric(e) && !(k == BA_ORDERED && type_is_period(e))) {
        ERR(c, arg->span, "%s needs numbers, and this is %s", fname, check_tname(c, t));
        return false;
    }
    if (k == BA_ADDABLE && e == T_PERCENT) {
        ERR(c, arg->span, "percents do not add up: summing them means nothing");
        HINT(c, "use mean(…), or sum the counts and divide");
        return false;
    }
    return true;
}

/* A built-in call by its signature in builtins.def: each argument's kind,
 * then the result's rule. */
static Type check_by_signature(Checker *c, Node *n, BuiltinId id, Env *env)
{
    const BuiltinSig *sig = &builtins[id].sig;
    const char *fname = builtins[id].name;
    Node **arg = (Node **)n->args.items;
    size_t nargs = n->args.len < 2 ? n->args.len : 2;
    Type t[2] = { TYPE(T_ERROR), TYPE(T_ERROR) };
    bool all_first = sig->flags & BSIG_ALL_FIRST;
    if (all_first) {
        for (size_t i = 0; i < nargs; i++)
            t[i] = check_expr(c, arg[i], env);
        for (size_t i = 0; i < nargs; i++)
            if (t[i].kind == T_ERROR)
                return TYPE(T_ERROR);
    }
    for (size_t i = 0; i < nargs; i++) {
        BuiltinArg k = (BuiltinArg)sig->args[i];
        bool rows = k >= BA_ROWS;
        if (!all_first)
            t[i] = rows ? check_aggregate_arg(c, arg[i], env) : check_expr(c, arg[i], env);
        if (t[i].kind == T_ERROR) {
            if (rows)
                return t[i];
            continue;
        }
        if (!arg_fits(k, t[i])) {
            ERR(c, arg[i]->span, "%s needs %s, not %s", fname, arg_needs[k], check_tname(c, t[i]));
            return TYPE(T_ERROR);
        }
        if (rows && !items_fit(c, k, t[i], arg[i], fname))
            return TYPE(T_ERROR);
        /* an empty list ([]) has no item type yet: what is asked of it
         * after does not matter, its percentile is missing */
        if (k == BA_NUMBER_LIST && t[i].elem == T_ERROR && sig->result == BRES_ELEM_OR_NUMBER)
            return TYPE(T_NUMBER);
    }
    switch ((BuiltinResult)sig->result) {
    case BRES_SAME:
        return t[0];
    case BRES_ELEM:
        /* a mean of counts of beds is still beds: count is a unit, not integrality */
        return t[0].kind == T_LIST || t[0].kind == T_COLUMN ? TYPE(t[0].elem) : t[0];
    case BRES_ELEM_OR_NUMBER:
        return TYPE(t[0].elem == T_ERROR ? T_NUMBER : t[0].elem);
    case BRES_JOIN: {
        Type j = type_join(t[0], t[1]);
        if (j.kind == T_ERROR && t[0].kind != T_ERROR && t[1].kind != T_ERROR)
            ERR(c, n->span, "%s needs two values of one type, not %s and %s", fname, check_tname(c, t[0]),
                check_tname(c, t[1]));
        return j;
    }
    case BRES_BOOL:    return TYPE(T_BOOL);
    case BRES_COUNT:   return TYPE(T_COUNT);
    case BRES_DATE:    return TYPE(T_DATE);
    case BRES_MONTH:   return TYPE(T_MONTH);
    case BRES_QUARTER: return TYPE(T_QUARTER);
    case BRES_FY:      return TYPE(T_FY);
    case BRES_SPECIAL: break;
    }
    return TYPE(T_ERROR);
}

/* What no signature says, kept here:
 * - count(class[, statuses]) and share(class, statuses) count commitments,
 *   whose statuses exist only where a rating, a check or a test runs; and
 *   count of anything else with two arguments is the class form mistaken.
 * - change and series need a system's data where they are used, and
 *   windows (check_window) as arguments; their result is a number, or a
 *   list of the metric's or column's type.
 * - across checks its argument in another environment (every system's,
 *   with data and without across), and lists the argument's type. */
static Type check_special(Checker *c, Node *n, BuiltinId id, Env *env)
{
    List *a = &n->args;
    Node **arg = (Node **)a->items;
    const char *fname = builtins[id].name;
    switch (id) {
    case BI_COUNT:
        if (arg[0]->kind != N_CLASS) {
            /* two arguments, the first not a class */
            Type t = check_aggregate_arg(c, arg[0], env);
            if (t.kind == T_ERROR) return t;
            ERR(c, arg[1]->span, "count with two arguments counts commitments: count(foundational, met)");
            return TYPE(T_ERROR);
        }
        /* count(class[, statuses]): as share */
        /* fall through */
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
                ERR(c, arg[1]->span, "expected a status such as `met` or `met or on_track`, not %s", check_tname(c, s));
                return TYPE(T_ERROR);
            }
        }
        return TYPE(id == BI_SHARE ? T_PERCENT : T_COUNT);
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
        if (!type_is_numeric(e)) {
            ERR(c, arg[0]->span, "change needs a metric or a column of numbers, not %s", check_tname(c, m));
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
            ERR(c, arg[0]->span, "across(…) needs one value per system, not %s", check_tname(c, t));
            return TYPE(T_ERROR);
        }
        return TYPE_OF(T_LIST, t.kind);
    }
    case BI_SERIES: {
        if (!(env->allow & ALLOW_DATA)) {
            ERR(c, n->span, "series(…) needs data: use it in a metric, a check or inside across(…)");
            return TYPE(T_ERROR);
        }
        Type m = check_expr(c, arg[0], env);
        bool ok = check_window(c, arg[1], env);
        if (m.kind == T_ERROR || !ok) return TYPE(T_ERROR);
        TypeKind e = m.kind == T_COLUMN ? m.elem : m.kind;
        if (!type_is_numeric(e)) {
            ERR(c, arg[0]->span, "series needs a metric or a column of numbers, not %s", check_tname(c, m));
            return TYPE(T_ERROR);
        }
        return TYPE_OF(T_LIST, e);
    }
    case BI_GROUP_GAP: {
        if (!(env->allow & ALLOW_DATA) || env->national) {
            ERR(c, n->span, "group_gap(…) needs a system's data: use it in a metric, a check or inside across(…)");
            return TYPE(T_ERROR);
        }
        Type m = check_expr(c, arg[0], env);
        Field *col = check_group_column(c, arg[1], env, "the second argument of group_gap");
        if (m.kind == T_ERROR || !col) return TYPE(T_ERROR);
        TypeKind e = m.kind == T_COLUMN ? m.elem : m.kind;
        if (!type_is_numeric(e)) {
            ERR(c, arg[0]->span, "group_gap needs a metric or a column of numbers, not %s", check_tname(c, m));
            return TYPE(T_ERROR);
        }
        if (ast_reads_feed(arg[0], arg[1]->lhs->ref, 0) == 0) {
            ERR(c, arg[0]->span, "this reads nothing of feed `%s`, so it is the same in every group of `%s`",
                arg[1]->lhs->ref->name, col->name);
            return TYPE(T_ERROR);
        }
        Type d = type_binary(TOP_SUB, TYPE(e), TYPE(e));
        return d.kind == T_ERROR ? TYPE(e) : d;
    }
    default:
        return TYPE(T_ERROR);
    }
}

/* `feed.column` where the column declares its groups (`quintile: text in
 * ["1", …]`): its Field, or NULL once the error is said. */
Field *check_group_column(Checker *c, Node *n, Env *env, const char *what)
{
    if (n->kind != N_FIELD) {
        ERR(c, n->span, "%s is a feed column with groups, as in `ae_groups.quintile`", what);
        return NULL;
    }
    Env data = *env;
    data.allow |= ALLOW_DATA;
    data.national = false;
    Decl *target;
    Type t = check_field(c, n, &data, &target);
    if (t.kind == T_ERROR) return NULL;
    Decl *feed = n->lhs->ref;
    if (t.kind != T_COLUMN || !feed || feed->kind != D_FEED) {
        ERR(c, n->span, "%s is a feed column with groups, as in `ae_groups.quintile`", what);
        return NULL;
    }
    Field *f = feed->fields.items[n->column];
    if (t.elem != T_TEXT) {
        ERR(c, n->span, "`%s.%s` is %s: results are by the groups of a text column", feed->name, f->name,
            type_kind_name(t.elem));
        return NULL;
    }
    if (!f->groups) {
        ERR(c, n->span, "column `%s.%s` declares no groups", feed->name, f->name);
        HINT(c, "list them, in order, where the feed declares it: `%s: text in [\"1\", \"2\", \"3\"]`", f->name);
        return NULL;
    }
    return f;
}


static Type check_builtin(Checker *c, Node *n, BuiltinId id, Env *env)
{
    List *a = &n->args;
    Node **arg = (Node **)a->items;
    const char *fname = builtins[id].name;
    if ((int)a->len < builtins[id].min_args || (int)a->len > builtins[id].max_args) {
        if (builtins[id].min_args == builtins[id].max_args)
            ERR(c, n->span, "%s takes %d argument%s, not %zu", fname, builtins[id].min_args,
                builtins[id].min_args == 1 ? "" : "s", a->len);
        else
            ERR(c, n->span, "%s takes %d or %d arguments, not %zu", fname, builtins[id].min_args, builtins[id].max_args, a->len);
        return TYPE(T_ERROR);
    }
    /* count's class form, count(foundational[, met]), and count with two
     * arguments are not what its signature says */
    bool special_count = id == BI_COUNT && (arg[0]->kind == N_CLASS || a->len == 2);
    if (builtins[id].sig.result == BRES_SPECIAL || special_count)
        return check_special(c, n, id, env);
    return check_by_signature(c, n, id, env);
}

/* `"GROUP"`, one of column f's declared groups (of feed `feed`): true, or
 * false once the error is said. */
static bool check_group_name(Checker *c, Node *g, const char *feed, const Field *f)
{
    if (g->kind != N_STRING) {
        ERR(c, g->span, "a group is named by its text, as in \"%s\"", ((Node *)f->groups->args.items[0])->str);
        return false;
    }
    if (ast_group_index(f, g->str) >= 0) return true;
    ERR(c, g->span, "\"%s\" is not a group of `%s.%s`", g->str, feed, f->name);
    char list[512];
    size_t k = 0;
    for (size_t i = 0; i < f->groups->args.len && k < sizeof list; i++) {
        int w = snprintf(list + k, sizeof list - k, "%s\"%s\"", i ? ", " : "", ((Node *)f->groups->args.items[i])->str);
        k += w > 0 ? (size_t)w : 0;
    }
    HINT(c, "its groups are %s", list);
    return false;
}

/* The arguments of item("SYSTEM") in a test, and of one group's result:
 * COMMITMENT_OR_CHECK("SYSTEM", "GROUP") for an item judged `by` a column
 * (its status in that group), METRIC("SYSTEM", FEED.COLUMN, "GROUP") (the
 * metric over that group's rows). The system's code is checked by the
 * caller. True, or false once the error is said. */
static bool check_item_call_groups(Checker *c, Node *n, Decl *d, Env *env)
{
    size_t na = n->args.len;
    Node **arg = (Node **)n->args.items;
    if (d->kind == D_METRIC) {
        if (na == 1) return true;
        if (na == 2 && arg[1]->kind == N_FIELD) {
            ERR(c, n->span, "one group's value of metric `%s` names the group after the column", d->name);
            HINT(c, "as in `%s(\"E54000001\", FEED.COLUMN, \"1\")`", d->name);
            return false;
        }
        if (na == 2) {
            ERR(c, arg[1]->span, "metric `%s` is not judged by group: name the column, then the group", d->name);
            HINT(c, "as in `%s(\"E54000001\", FEED.COLUMN, \"1\")`", d->name);
            return false;
        }
        if (na != 3) {
            ERR(c, n->span, "`%s(…)` takes the code of a system, and for one group a feed column with groups and "
                "the group's name, not %zu argument%s", d->name, na, na == 1 ? "" : "s");
            return false;
        }
        if (d->module == c->mod && d->state == 0) check_decl(c, d);
        Field *col = check_group_column(c, arg[1], env, "the second argument of a metric in a test");
        if (!col) return false;
        Decl *feed = arg[1]->lhs->ref;
        if (d->body && ast_reads_feed(d->body, feed, 0) == 0) {
            ERR(c, arg[1]->span, "metric `%s` reads nothing of feed `%s`, so it is the same in every group of `%s`",
                d->name, feed->name, col->name);
            return false;
        }
        return check_group_name(c, arg[2], feed->name, col);
    }
    if (na == 1) return true;
    if (na != 2) {
        ERR(c, n->span, "`%s(…)` takes the code of a system, and a group's name if it is judged by group, "
            "not %zu argument%s", d->name, na, na == 1 ? "" : "s");
        HINT(c, "as in `%s(\"E54000001\")` or `%s(\"E54000001\", \"1\")`", d->name, d->name);
        return false;
    }
    if (d->state == 0) {            /* its `by` column resolved before its groups are read */
        Checker sub = *c;
        sub.mod = d->module;
        check_decl(&sub, d);
    }
    Node *by = NULL;
    Field *col = d->kind == D_RATING ? NULL : ast_item_groups(d, &by);
    if (!col) {
        ERR(c, arg[1]->span, "%s `%s` is not judged by group: it has one %s per system", decl_kind_name(d->kind),
            d->name, d->kind == D_RATING ? "label" : "status");
        HINT(c, "name the system alone: `%s(\"E54000001\")`", d->name);
        return false;
    }
    return check_group_name(c, arg[1], by->lhs->ref->name, col);
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
            int b = check_builtin_by_name(callee->str);
            if (b >= 0) {
                n->builtin = b + 1;
                return check_builtin(c, n, (BuiltinId)b, env);
            }
            ERR(c, callee->span, "unknown function `%s`", callee->str);
            Suggest s = { NULL, 0, callee->str };
            check_suggest_functions(&s, c->mod);
            for (int i = 0; i < BI__COUNT; i++) check_suggest(&s, builtins[i].name);
            check_hint_suggestion(c, &s);
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
            Type want = check_resolve_type(c, &p->type), have = check_expr(c, arg, env);
            /* a [number] parameter takes numbers of any unit: inside, they
             * are plain numbers (std.stats and std.spc work on any series) */
            if (want.kind == T_LIST && want.elem == T_NUMBER && have.kind == T_LIST && have.elem != T_NUMBER
                && (have.elem == T_ERROR || type_is_numeric(have.elem))) {
                arg->to_numbers = d->kind == D_FN;
                continue;
            }
            if (!type_assignable(want, have)) {
                if (have.kind == T_COLUMN)
                    ERR(c, arg->span, "`%s` needs %s, and a feed column is many rows: aggregate it first",
                        d->name, check_tname(c, want));
                else
                    ERR(c, arg->span, "argument %zu of `%s` must be %s, not %s", i + 1, d->name,
                        check_tname(c, want), check_tname(c, have));
            }
        }
        return check_resolve_type(c, &d->type);
    }
    if (d->kind == D_COMMITMENT || d->kind == D_CHECK || d->kind == D_METRIC || d->kind == D_RATING) {
        if (!(env->allow & ALLOW_ITEMS)) {
            if (d->kind == D_METRIC) {
                ERR(c, n->span, "`%s` is a metric, not a function", d->name);
                HINT(c, "to judge it over a window, write `%s in 2019/20`", d->name);
            } else {
                ERR(c, n->span, "`%s(…)` names one system's result, which only a test may ask for", d->name);
            }
            return TYPE(T_ERROR);
        }
        if (!check_item_call_groups(c, n, d, env)) return TYPE(T_ERROR);
        Env constant = { env->decl, NULL, NULL, 0, false, false };
        Type t = check_expr(c, n->args.items[0], &constant);
        if (t.kind != T_TEXT && t.kind != T_ERROR) {
            ERR(c, ((Node *)n->args.items[0])->span, "a system's code is text, as in \"E54000001\"");
            return TYPE(T_ERROR);
        }
        if (d->kind == D_COMMITMENT && d->national) {
            ERR(c, n->span, "national commitment `%s` has one status for the round, not one per system", d->name);
            HINT(c, "write `%s` alone", d->name);
            return TYPE(T_ERROR);
        }
        if (d->kind == D_CHECK && d->national) {
            /* the old form, before a test could name a national check alone */
            WARN(c, n->span, "`%s(…)` is deprecated: national check `%s` has one status for the round, "
                 "whichever system is named", d->name, d->name);
            HINT(c, "write `%s` alone", d->name);
        }
        if (d->kind == D_METRIC) return d->has_type ? check_resolve_type(c, &d->type) : TYPE(T_ERROR);
        if (d->kind == D_RATING) return TYPE(T_TEXT);      /* its label, as text: "outstanding" */
        return TYPE(T_STATUS);
    }
    ERR(c, callee->span, "`%s` is a %s, not a function", d->name, decl_kind_name(d->kind));
    return TYPE(T_ERROR);
}

static bool is_number_literal_above_one(const Node *n)
{
    return n->kind == N_NUMBER && n->num.n > n->num.d;
}

void check_warn_percent(Checker *c, Type pct, Node *num)
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
Type check_literal_for(Node *n, Type t, Type other)
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
            ERR(c, n->op_span, "`%s` needs true or false on both sides, and one side is %s", op_text(op), check_tname(c, bad));
            return TYPE(T_ERROR);
        }
        return TYPE(T_BOOL);
    }
    if (op == EOP_RANGE) {
        if (type_is_period(a.kind) && a.kind == b.kind) return TYPE_OF(T_RANGE, a.kind);
        ERR(c, n->op_span, "a range needs two periods of the same kind, not %s and %s", check_tname(c, a), check_tname(c, b));
        return TYPE(T_ERROR);
    }
    if (a.kind == T_COLUMN || b.kind == T_COLUMN) {
        Node *col = a.kind == T_COLUMN ? n->lhs : n->rhs;
        ERR(c, col->span, "a feed column is many rows: aggregate it before `%s`", op_text(op));
        HINT(c, "for example sum(…) or mean(…)");
        return TYPE(T_ERROR);
    }
    a = check_literal_for(n->lhs, a, b);
    b = check_literal_for(n->rhs, b, a);
    static const TypeOp top[] = {
        [EOP_ADD] = TOP_ADD, [EOP_SUB] = TOP_SUB, [EOP_MUL] = TOP_MUL, [EOP_DIV] = TOP_DIV,
        [EOP_EQ] = TOP_EQUAL, [EOP_NE] = TOP_EQUAL, [EOP_LT] = TOP_ORDER, [EOP_LE] = TOP_ORDER,
        [EOP_GT] = TOP_ORDER, [EOP_GE] = TOP_ORDER,
    };
    Type r = type_binary(top[op], a, b);
    if (r.kind != T_ERROR) {
        if (top[op] == TOP_ORDER || top[op] == TOP_EQUAL) {
            check_warn_percent(c, a, n->rhs);
            check_warn_percent(c, b, n->lhs);
        }
        return r;
    }
    switch (top[op]) {
    case TOP_ADD: ERR(c, n->op_span, "cannot add %s and %s", check_tname(c, a), check_tname(c, b)); break;
    case TOP_SUB: ERR(c, n->op_span, "cannot subtract %s from %s", check_tname(c, b), check_tname(c, a)); break;
    case TOP_MUL: ERR(c, n->op_span, "cannot multiply %s by %s", check_tname(c, a), check_tname(c, b)); break;
    case TOP_DIV: ERR(c, n->op_span, "cannot divide %s by %s", check_tname(c, a), check_tname(c, b)); break;
    default:      ERR(c, n->op_span, "cannot compare %s with %s", check_tname(c, a), check_tname(c, b)); break;
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

Type check_expr(Checker *c, Node *n, Env *env)
{
    switch (n->kind) {
    case N_NUMBER:   return check_set(n, TYPE(num_is_int(n->num) && n->num.n >= 0 ? T_COUNT : T_NUMBER));
    case N_PERCENT:  return check_set(n, TYPE(T_PERCENT));
    case N_PP:       return check_set(n, TYPE(T_PP));
    case N_MONEY:    return check_set(n, TYPE(T_MONEY));
    case N_STRING:   return check_set(n, TYPE(T_TEXT));
    case N_BOOL:     return check_set(n, TYPE(T_BOOL));
    case N_DURATION: return check_set(n, TYPE(T_DURATION));
    case N_PERIOD: {
        static const TypeKind of[] = { [GRAIN_DAY] = T_DATE, [GRAIN_MONTH] = T_MONTH,
                                       [GRAIN_QUARTER] = T_QUARTER, [GRAIN_FY] = T_FY };
        return check_set(n, TYPE(of[n->period.grain]));
    }
    case N_MISSING:
        ERR(c, n->span, "`*` stands for a missing cell only in a rows table");
        return check_set(n, TYPE(T_ERROR));
    case N_NAME:     return check_set(n, check_name(c, n, env));
    case N_FIELD: {
        Decl *member;
        Type t = check_field(c, n, env, &member);
        if (member) t = decl_value(c, member, n, env);
        return check_set(n, t);
    }
    case N_CALL:     return check_set(n, check_call(c, n, env));
    case N_BINARY:   return check_set(n, check_binary(c, n, env));
    case N_UNARY: {
        Type t = check_expr(c, n->lhs, env);
        if (t.kind == T_ERROR) return check_set(n, t);
        if (n->op == EOP_NOT) {
            if (t.kind == T_BOOL) return check_set(n, t);
            ERR(c, n->op_span, "`not` needs true or false, not %s", check_tname(c, t));
        } else {
            if (type_is_numeric(t.kind)) return check_set(n, t.kind == T_COUNT ? TYPE(T_NUMBER) : t);
            ERR(c, n->op_span, "cannot negate %s", check_tname(c, t));
        }
        return check_set(n, TYPE(T_ERROR));
    }
    case N_IF: {
        Type k = check_expr(c, n->lhs, env);
        Type a = check_expr(c, n->rhs, env), b = check_expr(c, n->alt, env);
        if (k.kind != T_BOOL && k.kind != T_ERROR)
            ERR(c, n->lhs->span, "the condition of `if` must be true or false, not %s", check_tname(c, k));
        Type j = type_join(a, b);
        if (j.kind == T_ERROR && a.kind != T_ERROR && b.kind != T_ERROR)
            ERR(c, n->op_span, "the two branches of `if` differ: %s and %s", check_tname(c, a), check_tname(c, b));
        return check_set(n, j);
    }
    case N_LIST: {
        Type elem = TYPE(T_ERROR);
        bool bad = false;
        for (size_t i = 0; i < n->args.len; i++) {
            Node *item = n->args.items[i];
            Type t = check_expr(c, item, env);
            if (t.kind == T_ERROR) { bad = true; continue; }
            if (t.kind == T_LIST || t.kind == T_COLUMN || t.kind == T_RANGE) {
                ERR(c, item->span, "a list holds single values, not %s", check_tname(c, t));
                bad = true;
                continue;
            }
            Type j = type_join(elem, t);
            if (j.kind == T_ERROR) {
                ERR(c, item->span, "a list holds values of one type: this is %s, the others %s",
                    check_tname(c, t), check_tname(c, elem));
                bad = true;
                continue;
            }
            elem = j;
        }
        return check_set(n, bad ? TYPE(T_ERROR) : TYPE_OF(T_LIST, elem.kind));
    }
    case N_IN: {
        Type t = check_expr(c, n->lhs, env);
        if (!check_window(c, n->rhs, env)) return check_set(n, TYPE(T_ERROR));
        Node *l = n->lhs;
        if (t.kind != T_ERROR && l->kind == N_BINARY && l->op <= EOP_GE &&
            depends_on_data(l->lhs) && depends_on_data(l->rhs)) {
            WARN(c, n->op_span, "this window applies to both sides of `%s`", op_text(l->op));
            HINT(c, "to fix the window of one side only, put it in brackets: a %s (b in W)", op_text(l->op));
        }
        return check_set(n, t);
    }
    case N_WHERE:
        ERR(c, n->op_span, "`where` filters the rows of an aggregate, as in sum(ae.breaches where ae.type == \"1\")");
        return check_set(n, TYPE(T_ERROR));
    case N_CLASS:
        if (!(env->allow & ALLOW_STATUS)) {
            ERR(c, n->span, "a class of commitments can only be counted in a rating, a check or a test");
            return check_set(n, TYPE(T_ERROR));
        }
        return check_set(n, TYPE(T_CLASS));
    case N_THRESHOLD:
        ERR(c, n->op_span, "a comparison needs something on its left here");
        return check_set(n, TYPE(T_ERROR));
    case N_AS:
        ERR(c, n->op_span, "`as %s`: after a feed column, `as` reads a publication (`as first`, `as latest`, "
            "`as of DATE`); after a feed's period column, it gives its grain", n->str);
        return check_set(n, TYPE(T_ERROR));
    case N_PUB: {
        Type t = check_expr(c, n->lhs, env);
        Node *cond, *window, *pub;
        Node *core = ast_aggregate_parts(n, &cond, &window, &pub);
        return check_set(n, check_publication(c, n, core, t));
    }
    case N_BAD:
        return check_set(n, TYPE(T_ERROR));
    }
    return TYPE(T_ERROR);
}
