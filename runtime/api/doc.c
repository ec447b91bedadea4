/* doc.c: pledge_doc, the whole rule of a round for people to read (spec
 * §8): its dates; what systems are judged on and by when; every check and
 * national check with its condition in words and in Pledge; every rating
 * branch with its condition; the metrics and their formulas; the feeds
 * with their columns, units, lag, vintage and row rules; the hierarchies.
 * In Markdown, or one self-contained HTML page. From a .pledge or a .plb
 * alike: the conditions are read back from the sources the bytecode
 * carries.
 *
 * Every text from the rule file goes through the format's escaper
 * (report/escape.h); the page is written once, through the few calls below
 * that say what a piece is (a heading, a list item, code), each of which
 * knows both formats. */
#include "api/api.h"
#include "report/escape.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct Doc {
    FILE *out;
    bool html;
    const BcProgram *p;
    Vm *vm;
    Arena arena;
} Doc;

/* ---- the pieces, in both formats -------------------------------------------------- */

static void text(Doc *d, const char *s)
{
    if (!s) return;
    if (d->html) esc_html(d->out, s, strlen(s));
    else esc_markdown(d->out, s, strlen(s));
}

/* Pledge source, or a name as written in it. */
static void code(Doc *d, const char *s)
{
    if (!s) return;
    if (d->html) {
        fputs("<code>", d->out);
        esc_html(d->out, s, strlen(s));
        fputs("</code>", d->out);
    } else {
        esc_markdown_code(d->out, s, strlen(s));
    }
}

/* Markup of the page itself, never from input. */
static void mark(Doc *d, const char *md, const char *html) { fputs(d->html ? html : md, d->out); }

static void heading(Doc *d, int level, const char *name, const char *title)
{
    static const char *const md[] = { "", "# ", "\n## ", "\n### " };
    static const char *const md_end[] = { "", "\n\n", "\n", "\n\n" };
    static const char *const open[] = { "", "<h1>", "<h2>", "<h3>" };
    static const char *const close[] = { "", "</h1>\n", "</h2>\n", "</h3>\n" };
    mark(d, md[level], open[level]);
    if (name && level == 3) code(d, name);
    else text(d, name);
    if (name && title) mark(d, ": ", ": ");
    text(d, title);
    mark(d, md_end[level], close[level]);
}

static void para(Doc *d, const char *s)
{
    if (!s) return;
    mark(d, "", "<p>");
    text(d, s);
    mark(d, "\n\n", "</p>\n");
}

static void list_open(Doc *d)  { mark(d, "", "<ul>\n"); }
static void list_close(Doc *d) { mark(d, "", "</ul>\n"); }
static void item_open(Doc *d)  { mark(d, "- ", "<li>"); }
static void item_close(Doc *d) { mark(d, "\n", "</li>\n"); }

/* "- LABEL: TEXT", or "- LABEL: `CODE`" when as_code. */
static void item(Doc *d, const char *label, const char *s, bool as_code)
{
    item_open(d);
    text(d, label);
    mark(d, ": ", ": ");
    (as_code ? code : text)(d, s);
    item_close(d);
}

/* ---- conditions and formulas, from the source ----------------------------------- */

/* What follows the first `=` of s that is not part of a comparison
 * (`require = …`, `metric … : percent = …`), or NULL. */
static const char *after_assign(const char *s)
{
    bool quoted = false;
    for (const char *c = s; *c; c++) {
        if (*c == '"') quoted = !quoted;
        if (quoted || *c != '=') continue;
        if ((c > s && strchr("<>=!", c[-1])) || c[1] == '=') {
            c += c[1] == '=';
            continue;
        }
        for (c++; *c == ' '; c++) {}
        return c;
    }
    return NULL;
}

/* An expression as written: its function's source lines, less what comes
 * before it on the first (`require =`, `metric … : percent =`, `LABEL
 * when`). */
static const char *expr_source(Doc *d, int32_t fn, const char *label)
{
    const char *s = bc_source_text(d->p, fn, &d->arena);
    const char *e = after_assign(s);
    if (e) return e;
    size_t n = label ? strlen(label) : 0;
    if (label && strncmp(s, label, n) == 0) {
        const char *w = strstr(s + n, " when ");
        if (w) return w + 6;
    }
    return s;
}

/* The words an operator or name reads as, or NULL: itself. */
static const char *word_for(const char *tok, size_t n)
{
    static const struct { const char *tok, *word; } words[] = {
        { ">=", "is at least" }, { "<=", "is at most" }, { ">", "is more than" }, { "<", "is less than" },
        { "==", "is" }, { "!=", "is not" }, { "+", "plus" }, { "-", "minus" }, { "*", "times" },
        { "/", "divided by" }, { "horizon", "the round's horizon" },
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i].tok) == n && memcmp(words[i].tok, tok, n) == 0) return words[i].word;
    return NULL;
}

/* The built-ins, each as a sentence of its arguments: %1, %2, %3 are the
 * arguments in words, %P the second one as an ordinal (10% as "10th"),
 * %S the second one unbracketed (statuses: `met or on_track`).
 * `class` forms apply when the first argument is a commitment class. */
static const struct { const char *name; int nargs; bool class; const char *form; } calls[] = {
    { "count", 2, true, "the number of %1 commitments that are %S" },
    { "count", 1, true, "the number of %1 commitments" },
    { "share", 2, true, "the share of %1 commitments that are %S" },
    { "count", 1, false, "the number of %1" },
    { "sum", 1, false, "the sum of %1" },
    { "mean", 1, false, "the mean of %1" },
    { "median", 1, false, "the median of %1" },
    { "min", 1, false, "the smallest of %1" },
    { "max", 1, false, "the largest of %1" },
    { "abs", 1, false, "the size of %1" },
    { "percentile", 2, false, "the %P percentile of %1" },
    { "change", 3, false, "the relative change in %1 from %2 to %3" },
    { "series", 2, false, "%1 in each period of %2" },
    { "across", 1, false, "each system's value of %1" },
    { "coalesce", 2, false, "(%1, or %2 where that is missing)" },
};

static bool name_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.'; }

/* The `)` that closes the `(` at open, or NULL. */
static const char *closing(const char *open)
{
    int depth = 0;
    bool quoted = false;
    for (const char *c = open; *c; c++) {
        if (*c == '"') quoted = !quoted;
        else if (quoted) c += c[0] == '\\' && c[1];
        else if (*c == '(') depth++;
        else if (*c == ')' && --depth == 0) return c;
    }
    return NULL;
}

typedef struct Arg { const char *s; size_t n; } Arg;

static void words(FILE *w, const char *s, size_t n);

/* An argument in words, bracketed when it has a space outside brackets
 * ("the sum of (plans.surplus in the round's horizon)"), so the reading is
 * never ambiguous. */
static void argument(FILE *w, Arg a)
{
    int depth = 0;
    bool spaced = false;
    for (size_t i = 0; i < a.n; i++) {
        depth += a.s[i] == '(' ? 1 : a.s[i] == ')' ? -1 : 0;
        spaced |= depth == 0 && a.s[i] == ' ';
    }
    if (spaced) fputc('(', w);
    words(w, a.s, a.n);
    if (spaced) fputc(')', w);
}

/* A call as written: its name, its arguments (at most 3), after its `)`. */
typedef struct Call {
    const char *name;
    size_t n;
    Arg args[3];
    int nargs;
    bool by_class;                      /* the first argument is a commitment class */
    const char *end;
} Call;

/* The call whose name (of n characters) is at name, followed by `(`. */
static bool parse_call(const char *name, size_t n, Call *k)
{
    const char *open = name + n, *close = *open == '(' ? closing(open) : NULL;
    if (!close) return false;
    *k = (Call){ name, n, { { 0 } }, 0, false, close + 1 };
    int depth = 0;
    const char *from = open + 1;
    for (const char *c = from; c <= close; c++) {
        if (*c == '"') {
            const char *q = strchr(c + 1, '"');
            c = q && q < close ? q : close - 1;
            continue;
        }
        depth += *c == '(' ? 1 : *c == ')' ? -1 : 0;
        if ((*c == ',' && depth == 0) || c == close) {
            if (k->nargs == 3) return false;
            while (*from == ' ') from++;
            const char *to = c;
            while (to > from && to[-1] == ' ') to--;
            k->args[k->nargs++] = (Arg){ from, (size_t)(to - from) };
            from = c + 1;
        }
    }
    const Arg *a = &k->args[0];
    k->by_class = (a->n == 12 && memcmp(a->s, "foundational", 12) == 0)
               || (a->n == 14 && memcmp(a->s, "transformation", 14) == 0);
    return true;
}

static bool is_call(const Call *k, const char *name, int nargs)
{
    return strlen(name) == k->n && memcmp(name, k->name, k->n) == 0 && k->nargs == nargs;
}

/* `count(CLASS, S) == count(CLASS)` as "every CLASS commitment is S", and
 * `count(CLASS, S) == 0` as "no CLASS commitment is S": the two questions
 * a rating asks most. */
static bool count_compared(FILE *w, Call *k)
{
    if (!is_call(k, "count", 2) || !k->by_class || strncmp(k->end, " == ", 4) != 0) return false;
    const char *rhs = k->end + 4;
    Call all;
    const char *every = NULL;
    if (rhs[0] == '0' && !name_char(rhs[1])) every = "no", k->end = rhs + 1;
    else if (strncmp(rhs, "count(", 6) == 0 && parse_call(rhs, 5, &all) && is_call(&all, "count", 1)
             && all.args[0].n == k->args[0].n && memcmp(all.args[0].s, k->args[0].s, k->args[0].n) == 0)
        every = "every", k->end = all.end;
    if (!every) return false;
    fprintf(w, "%s %.*s commitment is ", every, (int)k->args[0].n, k->args[0].s);
    words(w, k->args[1].s, k->args[1].n);
    return true;
}

/* A percent as an ordinal, for a percentile: 10% as "10th"; else as it
 * reads. */
static void ordinal(FILE *w, Arg p)
{
    size_t digits = 0;
    while (digits < p.n && isdigit((unsigned char)p.s[digits])) digits++;
    if (!digits || digits + 1 != p.n || p.s[digits] != '%') { argument(w, p); return; }
    int v = atoi(p.s) % 100;
    const char *th = v / 10 == 1 ? "th" : v % 10 == 1 ? "st" : v % 10 == 2 ? "nd" : v % 10 == 3 ? "rd" : "th";
    fprintf(w, "%.*s%s", (int)digits, p.s, th);
}

/* The call of a built-in at name (of n characters) in words, or false: it
 * is not one, or not with these arguments. *end is after what it read. */
static bool call_in_words(FILE *w, const char *name, size_t n, const char **end)
{
    Call k;
    if (!parse_call(name, n, &k)) return false;
    if (count_compared(w, &k)) { *end = k.end; return true; }
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        if (!is_call(&k, calls[i].name, calls[i].nargs) || (calls[i].class && !k.by_class)) continue;
        for (const char *f = calls[i].form; *f; f++) {
            if (*f != '%') fputc(*f, w);
            else if (*++f == 'P') ordinal(w, k.args[1]);
            else if (*f == 'S') words(w, k.args[1].s, k.args[1].n);     /* statuses: `met or on_track` */
            else argument(w, k.args[*f - '1']);
        }
        *end = k.end;
        return true;
    }
    return false;
}

/* Whether the `-` at c, in the text from s, is a sign: nothing but an
 * operator, `(` or `,` before it. */
static bool unary(const char *s, const char *c)
{
    while (c > s && c[-1] == ' ') c--;
    return c == s || strchr("<>=!+-*/(,", c[-1]);
}

/* s[0..n) in words: comparisons and arithmetic spelt out, the built-ins as
 * sentences of their arguments. Names, numbers, periods, statuses and
 * strings as written. */
static void words(FILE *w, const char *s, size_t n)
{
    const char *end = s + n;
    for (const char *c = s; c < end;) {
        if (*c == '"') {                            /* a string, as written */
            const char *q = c + 1;
            while (q < end && *q != '"') q += *q == '\\' && q + 1 < end ? 2 : 1;
            q = q < end ? q + 1 : end;
            fwrite(c, 1, (size_t)(q - c), w);
            c = q;
            continue;
        }
        if (isalpha((unsigned char)*c) || *c == '_') {
            const char *e = c;
            while (e < end && name_char(*e)) e++;
            size_t len = (size_t)(e - c);
            if (e < end && *e == '(' && call_in_words(w, c, len, &e)) { c = e; continue; }
            const char *word = word_for(c, len);
            if (word) fputs(word, w);
            else fwrite(c, 1, len, w);
            c = e;
            continue;
        }
        if (isdigit((unsigned char)*c)) {            /* a number, date or period, as written: 2019/20, 2019-06-30 */
            const char *e = c;
            while (e < end && (isalnum((unsigned char)*e) || *e == '.' || *e == '%' || *e == '_'
                   || ((*e == '/' || *e == '-') && e + 1 < end && isdigit((unsigned char)e[1]))))
                e++;
            fwrite(c, 1, (size_t)(e - c), w);
            c = e;
            continue;
        }
        if (*c == '-' && unary(s, c)) {             /* a sign: -1% as written */
            fputc(*c++, w);
            continue;
        }
        if (strchr("<>=!+-*/", *c)) {
            size_t len = c + 1 < end && c[1] == '=' && strchr("<>=!", *c) ? 2 : 1;
            const char *word = word_for(c, len);
            if (word) fputs(word, w);
            else fwrite(c, 1, len, w);
            c += len;
            continue;
        }
        fputc(*c++, w);
    }
}

/* An expression in words (see words), kept in the arena. */
static const char *in_words(Doc *d, const char *s)
{
    char *buf;
    size_t len;
    FILE *w = open_memstream(&buf, &len);
    if (!w) return s;
    words(w, s, strlen(s));
    fclose(w);
    char *kept = arena_strndup(&d->arena, buf, len);
    free(buf);
    return kept;
}

/* "- passes when: WORDS" then "- in Pledge: `SOURCE`" */
static void condition(Doc *d, const char *lead, int32_t fn, const char *label)
{
    const char *src = expr_source(d, fn, label);
    item(d, lead, in_words(d, src), false);
    item(d, "in Pledge", src, true);
}

/* ---- the parts of the round ------------------------------------------------------- */

static void put_day(Doc *d, Day day)
{
    char buf[16];
    period_format((Period){ GRAIN_DAY, day }, buf, sizeof buf);
    text(d, buf);
}

static void doc_round(Doc *d, const char *path)
{
    const BcProgram *p = d->p;
    const BcRound *r = &p->round;
    if (r->name) heading(d, 1, r->name, r->title ? r->title : "");
    else {
        heading(d, 1, path, NULL);
        para(d, "(no round: a library of definitions)");
    }
    list_open(d);
    for (uint16_t i = 0; i < r->ndates; i++) {
        item_open(d);
        text(d, r->dates[i].name);
        mark(d, ": ", ": ");
        put_day(d, r->dates[i].day);
        item_close(d);
    }
    if (r->horizon >= 0) {
        char h[64];
        report_window(p->consts[r->horizon], h, sizeof h);
        item(d, "horizon (the window of checks and ratings)", h, false);
    }
    for (uint16_t i = 0; i < r->nhorizons; i++) {
        char h[64], what[96];
        report_window(p->consts[r->horizons[i].window], h, sizeof h);
        snprintf(what, sizeof what, "horizon %s", r->horizons[i].name);
        item(d, what, h, false);
    }
    if (r->assess >= 0) {
        item_open(d);
        text(d, "systems: the parents of hierarchy ");
        code(d, p->hiers[r->assess].name);
        item_close(d);
    }
    list_close(d);
}

/* A commitment's or check's `by = feed.column`, as an item of its list. */
static void doc_by(Doc *d, int32_t by_feed, int32_t by_column, const BcGroup *groups, uint16_t ngroups)
{
    if (by_feed < 0 || by_column < 0) return;
    const BcFeed *f = &d->p->feeds[by_feed];
    item_open(d);
    text(d, "judged too in each group of ");
    code(d, arena_printf(&d->arena, "%s.%s", f->name, f->columns[by_column].name));
    text(d, ": ");
    for (uint16_t g = 0; g < ngroups; g++) {
        if (g) text(d, ", ");
        text(d, groups[g].label);
    }
    item_close(d);
}

static void doc_commitments(Doc *d)
{
    const BcProgram *p = d->p;
    static const char *const sections[3] = { "Foundational commitments", "Transformation commitments",
                                             "National commitments (once for the round)" };
    for (int sect = 0; sect < 3; sect++) {      /* each system's, by class; then the nation's */
        bool any = false;
        for (uint16_t k = 0; k < p->ncommits; k++) {
            const BcCommitment *c = &p->commits[k];
            if (sect == 2 ? !c->national : c->national || c->cls != sect + 1) continue;
            if (!any) heading(d, 2, sections[sect], NULL);
            any = true;
            heading(d, 3, c->name, c->title ? c->title : "");
            para(d, c->doc);
            char t[160];
            list_open(d);
            if (c->national)
                item(d, "judged", bc_fn_reads_across(&p->fns[c->measure]) ? "once, over the systems' values (across)"
                                                                        : "once, over every system's members together",
                     false);
            item(d, "measure", p->fns[c->measure].name, true);
            api_threshold_text(d->vm, d->p, &c->target, c->deadline, t, sizeof t);
            item(d, "target", t, false);
            for (uint16_t i = 0; i < c->nmilestones; i++) {
                api_threshold_text(d->vm, d->p, &c->milestones[i], false, t, sizeof t);
                item(d, "milestone", t, false);
            }
            if (c->plan_feed >= 0) {
                item_open(d);
                text(d, "milestones: each system's own, from ");
                code(d, arena_printf(&d->arena, "%s.%s", p->feeds[c->plan_feed].name,
                                     p->feeds[c->plan_feed].columns[c->plan_column].name));
                item_close(d);
            }
            if (c->tolerance >= 0) {
                report_display(p->consts[c->tolerance], t, sizeof t);
                item(d, "tolerance (milestones only)", t, false);
            }
            doc_by(d, c->by_feed, c->by_column, c->groups, c->ngroups);
            if (c->source) item(d, "source", c->source, false);
            if (c->restates) item(d, "restates", c->restates, false);
            list_close(d);
        }
    }
}

static void doc_checks(Doc *d)
{
    const BcProgram *p = d->p;
    for (int national = 0; national < 2; national++) {
        bool any = false;
        for (uint16_t k = 0; k < p->nchecks; k++) {
            const BcCheck *c = &p->checks[k];
            if (c->national != national) continue;
            if (!any) heading(d, 2, national ? "National checks (once for the round)" : "Checks (each system)", NULL);
            any = true;
            heading(d, 3, c->name, c->title ? c->title : "");
            para(d, c->doc);
            list_open(d);
            condition(d, "passes when", c->require, NULL);
            item(d, "when a value it needs is missing", c->missing ? "fail (missing = fail)" : "no_data", false);
            if (c->message) item(d, "fails with", c->message, false);
            doc_by(d, c->by_feed, c->by_column, c->groups, c->ngroups);
            list_close(d);
        }
    }
}

static void doc_ratings(Doc *d)
{
    const BcProgram *p = d->p;
    if (p->nratings) heading(d, 2, "Ratings (each system)", NULL);
    for (uint16_t k = 0; k < p->nratings; k++) {
        const BcRating *g = &p->ratings[k];
        heading(d, 3, g->name, g->title ? g->title : "");
        para(d, "The label of the first branch whose condition holds:");
        mark(d, "", "<ol>\n");
        for (uint16_t a = 0; a < g->narms; a++) {
            const BcArm *arm = &g->arms[a];
            mark(d, "", "<li>");
            if (!d->html) fprintf(d->out, "%u. ", a + 1);
            code(d, arm->label);
            if (arm->when < 0) {
                text(d, " otherwise");
                mark(d, "\n", "</li>\n");
                continue;
            }
            const char *src = expr_source(d, arm->when, arm->label);
            text(d, " when ");
            text(d, in_words(d, src));
            mark(d, "\n   - in Pledge: ", "<br>in Pledge: ");
            code(d, src);
            mark(d, "\n", "</li>\n");
        }
        mark(d, "", "</ol>\n");
        if (g->narms && g->arms[g->narms - 1].when >= 0)
            para(d, "No branch is otherwise: a system for which none holds gets no label.");
    }
}

static void doc_metrics(Doc *d)
{
    const BcProgram *p = d->p;
    bool any = false;
    for (uint32_t i = 0; i < p->nfns; i++) {
        const BcFunction *f = &p->fns[i];
        if (f->kind != FK_METRIC) continue;
        if (f->name && strchr(f->name, '[')) continue;  /* a metric's variant for a group (`by`) */
        if (!any) {
            heading(d, 2, "Metrics", NULL);
            mark(d, "\n", "");
            list_open(d);
        }
        any = true;
        const char *src = expr_source(d, (int32_t)i, NULL);
        item_open(d);
        code(d, f->name);
        text(d, arena_printf(&d->arena, " (%s): %s; in Pledge ", type_kind_name((TypeKind)f->result), in_words(d, src)));
        code(d, src);
        item_close(d);
    }
    if (any) list_close(d);
}

static void doc_data(Doc *d)
{
    const BcProgram *p = d->p;
    if (p->nfeeds || p->nhiers) heading(d, 2, "Data", NULL);
    for (uint16_t k = 0; k < p->nfeeds; k++) {
        const BcFeed *f = &p->feeds[k];
        heading(d, 3, f->name, f->title ? f->title : "");
        list_open(d);
        item_open(d);
        text(d, "one row per organisation (");
        code(d, f->org_col);
        text(d, ") and period (");
        code(d, f->period_col);
        text(d, arena_printf(&d->arena, ", by %s)", grain_name((Grain)f->grain)));
        for (uint16_t i = 0; i < f->nkey; i++) {
            text(d, i ? ", " : " and ");
            code(d, f->columns[f->key_cols[i]].name);
        }
        item_close(d);
        item_open(d);
        text(d, "columns: ");
        for (uint16_t i = 0; i < f->ncolumns; i++) {
            if (i) text(d, ", ");
            code(d, f->columns[i].name);
            text(d, arena_printf(&d->arena, " (%s%s)", type_kind_name((TypeKind)f->columns[i].type),
                                 f->columns[i].format == COL_POINTS ? ", written in points: 95.2 is 95.2%" : ""));
        }
        item_close(d);
        if (f->vintage_col) {
            item_open(d);
            text(d, "vintage: each row counts from the day in ");
            code(d, f->vintage_col);
            text(d, ", and a later one replaces it");
            item_close(d);
        }
        if (feed_awaits_publication(f))
            item(d, "lag", "none: a window is known once every return of it is published", false);
        else
            item(d, "lag", arena_printf(&d->arena, "a period is known %d days after it ends", feed_lag(f)), false);
        if (f->hier >= 0) {
            item_open(d);
            text(d, "organisations mapped to the systems by the hierarchy ");
            code(d, p->hiers[f->hier].name);
            item_close(d);
        }
        for (uint16_t i = 0; i < p->nrules; i++) {
            if (p->rules[i].feed != k) continue;
            const char *rule = after_assign(p->rules[i].text);
            item(d, "every row must meet", in_words(d, rule ? rule : p->rules[i].text), false);
            item(d, "in Pledge", rule ? rule : p->rules[i].text, true);
        }
        list_close(d);
    }
    for (uint16_t k = 0; k < p->nhiers; k++) {
        const BcHierarchy *h = &p->hiers[k];
        heading(d, 3, h->name, h->title ? h->title : "");
        list_open(d);
        item_open(d);
        text(d, "hierarchy: each ");
        code(d, h->member_col);
        text(d, " belongs to a ");
        code(d, h->parent_col);
        if (h->from_col) { text(d, ", from "); code(d, h->from_col); }
        if (h->to_col) { text(d, ", to "); code(d, h->to_col); }
        item_close(d);
        if (h->name_col) item(d, "the parents' names", h->name_col, true);
        list_close(d);
    }
}

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
static const char page_style[] =
    "</title>\n<style>\n"
    "body { font: 16px/1.5 system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; color: #212b32; }\n"
    "h1, h2 { color: #005eb8; } h3 { margin-bottom: 0.3em; }\n"
    "code { font: 14px ui-monospace, monospace; background: #f0f4f5; padding: 0 0.2em; }\n"
    "li { margin: 0.2em 0; }\n"
    "</style>\n</head>\n<body>\n";

/* The variations given with the round (pledge_vary): for whom each varies
 * which rule, how, why, who agreed it and from when until when. */
static void doc_variations(Doc *d, const ApiVariations *vs)
{
    if (!vs->list.len) return;
    heading(d, 2, "Variations (agreed for named systems)", NULL);
    for (size_t i = 0; i < vs->list.len; i++) {
        const ReportVariation *v = &vs->list.items[i];
        heading(d, 3, v->name, v->title ? v->title : "");
        char t[512];
        list_open(d);
        item(d, "rule", v->rule_name, true);
        size_t n = 0;
        t[0] = '\0';
        for (size_t k = 0; k < v->nsystems && n < sizeof t; k++)
            n += (size_t)snprintf(t + n, sizeof t - n, "%s%s", k ? ", " : "", v->systems[k]);
        item(d, "systems", t, false);
        if (v->kind == ITEM_COMMITMENT) {
            api_threshold_text(d->vm, d->p, &d->p->commits[v->rule].target, d->p->commits[v->rule].deadline, t, sizeof t);
            item(d, "the round's target", t, false);
        }
        if (v->exempt) item(d, "exempt", v->exempt, false);
        else item(d, "target", v->target_text, false);
        item(d, "reason", v->reason, false);
        item(d, "agreed by", v->agreed_by, false);
        item_open(d);
        text(d, "in force: ");
        put_day(d, v->agreed_on);
        text(d, " to ");
        put_day(d, v->until);
        text(d, " (the round's rule applies outside)");
        item_close(d);
        item(d, "file", arena_printf(&d->arena, "%s (sha256 %s)", v->file, v->sha256), false);
        list_close(d);
    }
}

static pledge_status doc(pledge_round *R, pledge_format format, FILE *out)
{
    if (format != PLEDGE_FORMAT_TEXT && format != PLEDGE_FORMAT_HTML)
        return api_fail(R->S, PLEDGE_ERR_USAGE, "a document is Markdown (text) or HTML, not %s",
                        pledge_format_name(format));
    Doc d = { out, format == PLEDGE_FORMAT_HTML, &R->bc, api_vm(R), { 0 } };
    if (d.html) {
        fputs(page_head, out);
        text(&d, d.p->round.name ? d.p->round.name : R->path);
        fputs(page_style, out);
    }
    doc_round(&d, R->path);
    doc_commitments(&d);
    doc_checks(&d);
    doc_variations(&d, &R->vary);
    doc_ratings(&d);
    doc_metrics(&d);
    doc_data(&d);
    if (d.html) fputs("</body>\n</html>\n", out);
    vm_free(d.vm);
    arena_free(&d.arena);
    return ferror(out) ? api_fail(R->S, PLEDGE_ERR_INPUT, "cannot write the summary") : PLEDGE_OK;
}

pledge_status pledge_doc(pledge_round *R, FILE *out)
{
    API_ENTER(R->S);
    API_RETURN(R->S, doc(R, PLEDGE_FORMAT_TEXT, out));
}

pledge_status pledge_doc_as(pledge_round *R, pledge_format format, FILE *out)
{
    API_ENTER(R->S);
    API_RETURN(R->S, doc(R, format, out));
}
