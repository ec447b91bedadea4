/* explain.c: why one result came out as it did, for an auditor (spec §8
 * `pledge explain`): the window judged and when it became known, the
 * threshold and tolerance, each member organisation's totals, the rows
 * that did not count on that day and why, and for a check the value of
 * each part of its condition. */
#include "engine/assess_eval.h"
#include "report/report.h"
#include "report/escape.h"
#include "vm/natives.h"
#include <string.h>

typedef struct Explain {
    Eval        e;
    Shared      s;
    FILE       *out;
    uint32_t    sys;            /* index into s.systems */
    uint32_t    org;            /* the system's organisation id */
} Explain;

/* A code or key from a feed, a title from a rule file: shown safely on a
 * terminal. */
static void put_code(FILE *out, const char *code)
{
    esc_text(out, code, strlen(code));
}

static void put_value(FILE *out, Value v)
{
    char shown[64], exact[128];
    report_display(v, shown, sizeof shown);
    fputs(shown, out);
    if (v.kind != V_REAL && (v.kind != V_NUM || num_is_int(v.as.num))) return;    /* whole: shown exactly */
    val_format(v, true, exact, sizeof exact);
    if (strcmp(shown, exact) != 0) fprintf(out, " (%s)", exact);
}

static void put_window(FILE *out, Value w)
{
    char buf[64];
    report_window(w, buf, sizeof buf);
    fputs(buf, out);
}

/* "1 row", "3 rows" */
static const char *plural(uint64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

static void put_day(FILE *out, Day d)
{
    char buf[16];
    period_format((Period){ GRAIN_DAY, d }, buf, sizeof buf);
    fputs(buf, out);
}

/* ---- what a function reads ----------------------------------------------------- */

typedef VEC(uint32_t) Indices;

/* The aggregates fn evaluates, directly or through the functions it calls,
 * each once, in the order met. */
static void aggs_read(const BcProgram *p, uint32_t fn, uint8_t *seen_fn, Indices *out)
{
    if (seen_fn[fn]) return;
    seen_fn[fn] = 1;
    const BcFunction *f = &p->fns[fn];
    for (uint32_t i = 0; i < f->ncode; i++) {
        Instr in = f->code[i];
        if (in.op == OP_CALL) aggs_read(p, instr_b(in), seen_fn, out);
        if (in.op != OP_AGG) continue;
        bool dup = false;
        for (size_t k = 0; k < out->len && !dup; k++) dup = out->items[k] == instr_b(in);
        if (!dup) vec_push(out, instr_b(in));
    }
}

static void put_aggregate(FILE *out, const BcProgram *p, uint32_t g)
{
    char buf[256];
    bc_agg_text(p, g, buf, sizeof buf);
    fputs(buf, out);
}

/* ---- rows that did not count ----------------------------------------------------- */

typedef struct Unseen {
    const Explain *x;
    const BcFeed *schema;
    const FeedData *f;
    const Hierarchy *h;             /* the feed's: its own or the round's `assess` */
    Day from, to;
    uint64_t rows;                  /* the system's rows in the window, known or not */
    uint64_t late, later_vintage;   /* rows of periods not yet known; rows published after as_of */
    Period first_late;
    bool any_late;
} Unseen;

static void count_unseen(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows)
{
    Unseen *u = ud;
    Day first = period_first_day(p), last = period_last_day(p);
    if (first < u->from || last > u->to || !rows) return;
    if (u->x->sys != NATIONAL && hier_parent(u->h, org, first) != u->x->org) return;   /* the nation: every row */
    u->rows += rows;
    Day as_of = u->x->s.o->as_of;
    if (u->schema->vintage_col) {
        if (vintage > as_of) u->later_vintage += rows;
    } else if (!feed_period_known(u->f, p, as_of)) {
        u->late += rows;
        if (!u->any_late || p.index < u->first_late.index) u->first_late = p;
        u->any_late = true;
    }
}

/* The system's rows in the window that later publications replaced: all
 * counted, the first few listed. */
enum { REPLACED_LISTED = 10 };
typedef struct Replaced { uint32_t org; Period p; char *identity; Day vintage, by; uint32_t rows; } Replaced;
typedef struct Superseded {
    const Explain *x;
    const Hierarchy *h;
    Day from, to;
    uint64_t rows, entries;
    VEC(Replaced) listed;
} Superseded;

static void count_superseded(void *ud, uint32_t org, Period p, const char *identity, Day vintage, Day by,
                             uint32_t rows)
{
    Superseded *u = ud;
    Day first = period_first_day(p), last = period_last_day(p);
    if (first < u->from || last > u->to || !rows) return;
    if (u->x->sys != NATIONAL && hier_parent(u->h, org, first) != u->x->org) return;   /* the nation: every row */
    u->rows += rows;
    u->entries++;
    if (u->listed.len < REPLACED_LISTED)
        vec_push(&u->listed, ((Replaced){ org, p, identity ? mem_strndup(identity, strlen(identity)) : NULL, vintage,
                                          by, rows }));
}

/* earlier: an aggregate shown reads an earlier publication (`as first`,
 * `as of DAY`), which may count the rows replaced */
static void put_superseded(FILE *out, const Explain *x, const FeedData *f, const Hierarchy *h, Day from, Day to, bool earlier)
{
    Superseded u = { x, h, from, to, 0, 0, { 0 } };
    feed_each_superseded(f, x->s.o->as_of, count_superseded, &u);
    if (u.rows) {
        fprintf(out, "  %llu of %s's rows in the window %s replaced by a later publication and did not "
                     "count%s:\n", (unsigned long long)u.rows, x->sys == NATIONAL ? "the country" : "this system",
                plural(u.rows, "was", "were"),
                earlier ? "\n  (but in the aggregates that read an earlier one: `as first`, `as of DAY`)" : "");
        for (size_t i = 0; i < u.listed.len; i++) {
            const Replaced *r = &u.listed.items[i];
            fputs("    ", out);
            put_code(out, orgs_code(x->s.in->orgs, r->org));
            fputc(' ', out);
            put_window(out, val_period(r->p));
            if (r->identity) {
                fputs(" (", out);
                put_code(out, r->identity);
                fputc(')', out);
            }
            fputs(" published ", out);
            put_day(out, r->vintage);
            fputs(", replaced ", out);
            put_day(out, r->by);
            fprintf(out, ": %u %s\n", r->rows, plural(r->rows, "row", "rows"));
            mem_free(r->identity);
        }
        if (u.entries > u.listed.len) fputs("    …\n", out);
    }
    vec_free(&u.listed);
}

static void explain_rows(Explain *x, const Indices *aggs, Value window)
{
    const Shared *s = &x->s;
    const BcProgram *p = s->p;
    FILE *out = x->out;
    Day from, to;
    if (!val_window_days(window, &from, &to)) return;
    /* the members, in the hierarchies the aggregates' feeds go through
     * (each feed its own, or the round's `assess`), each once */
    bool nation = x->sys == NATIONAL;       /* a national commitment: a row per system, then the country's */
    const char *who = nation ? "the country" : "this system";
    VEC(uint32_t) members = { 0 };
    const Hierarchy **seen = mem_calloc(aggs->len + 1, sizeof *seen);
    for (size_t k = 0; k < aggs->len && !nation; k++) {
        uint16_t fi = p->aggs[aggs->items[k]].feed;
        const Hierarchy *h = inputs_feed_hier(s->in, fi);
        bool again = s->by_system[fi] || !h;
        for (size_t j = 0; j < k && !again; j++) again = seen[j] == h;
        seen[k] = h;
        if (again) continue;
        const uint32_t *m;
        size_t nm = hier_members(h, x->org, &m);
        for (size_t i = 0; i < nm; i++) {
            bool listed = !member_during(h, m[i], x->org, from, to);
            for (size_t j = 0; j < members.len && !listed; j++) listed = members.items[j] == m[i];
            if (!listed) vec_push(&members, m[i]);
        }
    }
    mem_free(seen);
    size_t n = nation ? s->nsystems : members.len;
    /* a feed keyed by the systems themselves (a plan) has no rows on the
     * members: when every aggregate reads one, the system's row alone */
    size_t on_system = 0;
    for (size_t k = 0; k < aggs->len; k++) on_system += s->by_system[p->aggs[aggs->items[k]].feed];
    bool system_only = on_system == aggs->len && !nation;
    if (nation) {
        fputs("\nEach system's totals in ", out);
        put_window(out, window);
        fputs(", and `all`: every organisation\ntogether, as judged; from the rows known on ", out);
    } else if (system_only) {
        n = 0;
        fputs("\nFigures for the system as a whole (its feeds here hold rows for the system\nitself, "
              "not for its member organisations): ", out);
        put_code(out, orgs_code(s->in->orgs, x->org));
        fputs(" in ", out);
        put_window(out, window);
        fputs(",\nfrom the rows known on ", out);
    } else {
        fputs("\nMember organisations of ", out);
        put_code(out, orgs_code(s->in->orgs, x->org));
        fputs(" in ", out);
        put_window(out, window);
        fputs(",\nwith their totals from the rows known on ", out);
    }
    put_day(out, s->o->as_of);
    fputs(":\n", out);
    /* a table: one row per member, one column per aggregate, then the system's total */
    size_t ncols = aggs->len + 1;
    VEC(char *) cells = { 0 };
    char buf[256];
    vec_push(&cells, mem_strndup("org", 3));
    for (size_t k = 0; k < aggs->len; k++) {
        FILE *mf = fmemopen(buf, sizeof buf, "w");
        put_aggregate(mf, p, aggs->items[k]);
        fclose(mf);
        vec_push(&cells, mem_strndup(buf, strlen(buf)));
    }
    for (size_t i = 0; i <= n; i++) {
        uint32_t m = i == n ? x->org : nation ? s->systems[i] : members.items[i];
        const char *code = i < n ? orgs_code(s->in->orgs, m) : system_only ? orgs_code(s->in->orgs, x->org) : "all";
        vec_push(&cells, mem_strndup(code, strlen(code)));
        esc_text_inplace(cells.items[cells.len - 1]);
        for (size_t k = 0; k < aggs->len; k++) {
            uint32_t cov;
            /* a row per system then the country's, or per member then the system's */
            Value v = nation ? engine_aggregate(s, i < n ? (uint32_t)i : NATIONAL, ORG_NONE, aggs->items[k], from, to, &cov)
                             : engine_aggregate(s, x->sys, i < n ? m : ORG_NONE, aggs->items[k], from, to, &cov);
            report_display(v, buf, sizeof buf);
            vec_push(&cells, mem_strndup(buf, strlen(buf)));
        }
    }
    size_t *width = mem_calloc(ncols, sizeof *width);
    for (size_t i = 0; i < cells.len; i++)
        if (strlen(cells.items[i]) > width[i % ncols]) width[i % ncols] = strlen(cells.items[i]);
    for (size_t i = 0; i < cells.len; i++) {
        size_t c = i % ncols;
        if (c == 0) fprintf(out, "  %-*s", (int)width[0], cells.items[i]);
        else fprintf(out, "  %*s", (int)width[c], cells.items[i]);
        if (c == ncols - 1) fputc('\n', out);
        mem_free(cells.items[i]);
    }
    mem_free(width);
    vec_free(&cells);
    vec_free(&members);
    if (on_system && !system_only) {
        fputs("  (", out);
        for (size_t k = 0, shown = 0; k < aggs->len; k++) {
            if (!s->by_system[p->aggs[aggs->items[k]].feed]) continue;
            if (shown++) fputs(", ", out);
            put_aggregate(out, p, aggs->items[k]);
        }
        fprintf(out, " %s a feed keyed by the system itself:\n  %s a value on the `all` line only.)\n",
                on_system == 1 ? "reads" : "read", on_system == 1 ? "it has" : "they have");
    }

    /* what was not counted, feed by feed */
    uint8_t *done = mem_calloc(p->nfeeds + 1u, 1);
    for (size_t k = 0; k < aggs->len; k++) {
        uint16_t fi = p->aggs[aggs->items[k]].feed;
        if (done[fi]++) continue;
        const BcFeed *schema = &p->feeds[fi];
        Unseen u = { x, schema, s->in->feeds[fi], inputs_feed_hier(s->in, fi), from, to, 0, 0, 0, { 0, 0 }, false };
        feed_each_key(u.f, count_unseen, &u);
        fprintf(out, "\nFeed %s (%s):\n", schema->name, s->in->feed_sources[fi].name);
        if (schema->vintage_col) {
            fprintf(out, "  A row counts only if published (`%s`) on or before ", schema->vintage_col);
            put_day(out, s->o->as_of);
            if (!u.rows)
                fprintf(out, ";\n  %s has no rows in the window.\n", who);
            else
                fprintf(out, ";\n  %llu of %s's rows in the window %s published later and did not count.\n",
                        (unsigned long long)u.later_vintage, who, plural(u.later_vintage, "was", "were"));
            bool earlier = false;
            for (size_t j = 0; j < aggs->len; j++)
                earlier |= p->aggs[aggs->items[j]].feed == fi && p->aggs[aggs->items[j]].pub != PUB_LATEST;
            put_superseded(out, x, u.f, u.h, from, to, earlier);
        } else {
            fprintf(out, "  A period is known %d days after it ends (the feed's lag).\n", schema->lag_days);
            if (!u.rows) {
                fprintf(out, "  %s has no rows in the window.\n", nation ? "The country" : "This system");
            } else if (u.any_late) {
                fprintf(out, "  %llu %s of %s, from ", (unsigned long long)u.late, plural(u.late, "row", "rows"), who);
                put_window(out, val_period(u.first_late));
                fputs(" on, were not yet known and did not count.\n", out);
            } else {
                fprintf(out, "  Every row of %s in the window was known.\n", who);
            }
        }
        uint64_t rows;
        uint32_t norgs;
        UnmappedOrg *list = inputs_unmapped(s->in, fi, &rows, &norgs);
        if (!norgs) {
            fputs("  Every organisation in the feed maps to a system.\n", out);
        } else {
            /* the country's measure takes every organisation, mapped or not */
            fprintf(out, "  %u %s (%llu %s) %s to no system and count %s:\n   ", norgs,
                    plural(norgs, "organisation", "organisations"), (unsigned long long)rows, plural(rows, "row", "rows"),
                    plural(norgs, "maps", "map"), nation ? "in the country's total only" : "for none");
            for (uint32_t i = 0; i < norgs && i < 20; i++) {
                fputs(i == 0 ? " " : i % 8 ? ", " : ",\n    ", out);
                put_code(out, orgs_code(s->in->orgs, list[i].org));
            }
            fputs(norgs > 20 ? ", …\n" : "\n", out);
        }
        mem_free(list);
    }
    mem_free(done);
}

/* ---- completeness ------------------------------------------------------------------ */

/* The returns (an organisation's rows for a period) an evaluation needed
 * and did not have: all counted, the first few listed. */
enum { MISSING_LISTED = 24 };
typedef struct MissingCell { uint16_t feed; uint32_t org; Period p; } MissingCell;
typedef struct Missing { VEC(MissingCell) listed; uint64_t count; } Missing;

static void note_missing(void *ud, uint16_t feed, uint32_t org, Period p)
{
    Missing *m = ud;
    m->count++;
    if (m->listed.len < MISSING_LISTED) vec_push(&m->listed, ((MissingCell){ feed, org, p }));
}

/* Evaluates fn for sys over w again, noting the returns it lacked. */
static Tally completeness(Explain *x, uint32_t sys, int32_t fn, Value w, const char *what, Missing *m)
{
    Tally t;
    x->e.on_missing = note_missing;
    x->e.missing_ud = m;
    measure(&x->e, sys, fn, w, &t, what);
    x->e.on_missing = NULL;
    x->e.missing_ud = NULL;
    return t;
}

static void put_missing(FILE *out, const Explain *x, const Missing *m)
{
    const BcProgram *p = x->s.p;
    for (size_t i = 0; i < m->listed.len; i++) {
        const MissingCell *c = &m->listed.items[i];
        if (i == 0 || c->feed != m->listed.items[i - 1].feed)
            fprintf(out, "%s    not in feed %s:", i ? "\n" : "", p->feeds[c->feed].name);
        fputs(i && c->feed == m->listed.items[i - 1].feed && i % 4 ? ", " : "\n      ", out);
        put_code(out, orgs_code(x->s.in->orgs, c->org));
        fputc(' ', out);
        put_window(out, val_period(c->p));
    }
    if (m->count > m->listed.len) fprintf(out, ",\n      … (%llu in all)", (unsigned long long)m->count);
    if (m->listed.len) fputc('\n', out);
}

/* "across(…) at FILE:LINE ": an across(…)'s expression is a function of
 * its own, named by where it is written. */
static void put_across(FILE *out, const BcProgram *p, uint32_t fn)
{
    const BcFunction *f = &p->fns[fn];
    const BcSource *src = f->ncode && f->lines && f->lines[0].source < p->nsources ? &p->sources[f->lines[0].source]
                                                                                  : NULL;
    fputs("across(…) ", out);
    if (src) {
        fputs("at ", out);
        put_code(out, src->path);
        fprintf(out, ":%u ", f->lines[0].line);
    }
}

/* "Complete: all 60 returns the window needs are in." or the missing ones;
 * and the systems an across(…) left out for want of a value. */
static void put_completeness(Explain *x, uint32_t sys, int32_t fn, Value w, const char *what)
{
    FILE *out = x->out;
    Missing m = { { 0 }, 0 };
    Tally t = completeness(x, sys, fn, w, what, &m);
    if (t.expected == 0)
        ;                       /* reads no feed itself (a national check over across(…)) */
    else if (t.expected == t.present)
        fprintf(out, "  Complete: %s %llu %s the result needs %s in (a return: an\n"
                     "  organisation's rows for a period).\n",
                t.expected == 1 ? "the" : "all", (unsigned long long)t.expected, plural(t.expected, "return", "returns"),
                plural(t.expected, "is", "are"));
    else {
        fprintf(out, "  Incomplete: %llu of the %llu returns the result needs are in (a return: an\n"
                     "  organisation's rows for a period); missing on ", (unsigned long long)t.present,
                (unsigned long long)t.expected);
        put_day(out, x->s.o->as_of);
        fputs(":\n", out);
        put_missing(out, x, &m);
    }
    vec_free(&m.listed);
    for (size_t i = 0; i < x->e.across.len; i++) {
        const AcrossMemo *a = &x->e.across.items[i];
        if (!a->missing) continue;
        fputs("  ", out);
        put_across(out, x->s.p, a->fn);
        fputs("over ", out);
        put_window(out, a->window);
        fprintf(out, "\n  left out %u %s without a value:", a->missing, plural(a->missing, "system", "systems"));
        const ValList *l = a->list.as.list;
        for (uint32_t s = 0, n = 0; s < l->len && s < x->s.nsystems; s++)
            if (l->items[s].kind == V_MISSING) {
                fputs(n++ % 6 ? ", " : "\n    ", out);
                put_code(out, orgs_code(x->s.in->orgs, x->s.systems[s]));
            }
        fputc('\n', out);
    }
}

/* ---- commitments ------------------------------------------------------------------ */

/* A national commitment measured by an expression over the systems
 * (`measure = sum(across(METRIC))`): each system's value in it, as for a
 * national check (defined with the checks' parts, below). */
static void explain_across_measure(Explain *x, uint32_t k, Value window);

/* A target or milestone, and when its window is (or was) known. For a
 * measure that awaits publication, an ended window is known once all its
 * returns are in: how many are is shown instead of a day. */
static void put_mark(Explain *x, uint32_t k, const char *what, const ReportMark *m, int32_t lag, bool judged)
{
    FILE *out = x->out;
    fprintf(out, "  %-10s %s ", what, report_cmp_name(m->cmp));
    put_value(out, m->threshold);
    const char *word = report_window_word(x->s.p->commits[k].deadline && m->window.kind != V_MISSING, m->threshold);
    if (word) {
        fputs(word, out);
        put_window(out, m->window);
    }
    if (m->window.kind != V_MISSING) {
        bool by_time = known(x->s.o->as_of, m->to, lag);
        if (by_time && x->s.awaits[k]) {
            Tally t;
            measure(&x->e, x->sys, x->s.p->commits[k].measure, m->window, &t, x->s.p->commits[k].name);
            fputs(", ended ", out);
            put_day(out, m->to);
            fprintf(out, "; %llu of %llu returns in", (unsigned long long)t.present, (unsigned long long)t.expected);
        } else {
            fputs(by_time ? ", known since " : ", known from ", out);
            put_day(out, (Day)(m->to + lag));
        }
    }
    fputs(judged ? "   <- judged\n" : "\n", out);
}

/* A number as a plain one, for the working's arithmetic. */
static Value plain_number(Value v)
{
    if (val_is_number(v)) v.unit = T_NUMBER;
    return v;
}

static void put_exact(FILE *out, Value v)
{
    char buf[128];
    val_format(v, true, buf, sizeof buf);
    fputs(buf, out);
}

/* What it would take a result short of its line (results.h: needed), with
 * the working: the measure as written and as the shape reads it, the
 * window's totals, the lever's value on the line, the change, and the value
 * the change gives. */
static void explain_needed(Explain *x, uint32_t k, const ReportResult *r)
{
    const BcProgram *p = x->s.p;
    const BcCommitment *c = &p->commits[k];
    const NeededForm *f = &x->s.needed[k];
    const ReportNeeded *n = &r->needed;
    FILE *out = x->out;
    if (r->status != ST_MISSED && r->status != ST_OFF_TRACK) return;
    fputs("\nWhat it would take:\n", out);
    if (f->shape == NEEDED_NONE) {
        fprintf(out, "  Not worked out, as %s\n  (only a sum, a mean or a ratio of two sums is).\n", f->reason);
        return;
    }
    if (!val_is_number(n->change)) {
        fputs(val_is_number(r->value) ? "  Not worked out for an `==` or `!=` line (no one change to name).\n"
                                      : "  Not worked out: there is no value to start from.\n", out);
        return;
    }
    bool ratio = f->shape == NEEDED_RATIO, mean = f->shape == NEEDED_MEAN;
    bool whole = !mean && n->lever.unit == T_COUNT;
    char of[256], held[256] = "", c0[64], c1[64], said[320];
    bc_agg_text(p, (uint32_t)f->lever, of, sizeof of);
    if (ratio) bc_agg_text(p, (uint32_t)f->held, held, sizeof held);
    num_format(f->c0, c0, sizeof c0);
    num_format(f->c1, c1, sizeof c1);
    Arena a = { 0 };
    const char *text = bc_source_text(p, c->measure, &a), *eq = strstr(text, "= ");
    if (strncmp(text, "metric ", 7) == 0 && eq) text = eq + 2;      /* the formula, without its declaration */
    fprintf(out, "  %s is %s,\n", p->fns[c->measure].name, text);
    arena_free(&a);
    fprintf(out, "  that is %s + %s x %s%s%s:\n  %s.\n", c0, c1, of, ratio ? " / " : "", held,
            ratio ? "a ratio of two sums, the first changed and the second held" : mean ? "a mean" : "a sum");
    fputs("  Over ", out);
    put_window(out, r->window);
    fprintf(out, ", %s = ", of);
    put_value(out, n->lever);
    if (ratio) {
        fprintf(out, " and %s = ", held);
        put_value(out, n->held);
    }
    Value t = plain_number(r->threshold);
    Value line = val_arith(AR_DIV, val_arith(AR_SUB, t, val_num(f->c0, T_NUMBER)), val_num(f->c1, T_NUMBER));
    if (ratio) line = val_arith(AR_MUL, line, plain_number(n->held));
    fprintf(out, ".\n  On the line, %s would be (", of);
    put_exact(out, t);
    fprintf(out, " - %s) / %s", c0, c1);
    if (ratio) {
        fputs(" x ", out);
        put_exact(out, plain_number(n->held));
    }
    fputs(" = ", out);
    put_exact(out, line);
    fputs(":\n  a change of ", out);
    put_exact(out, plain_number(n->change));
    if (whole) fputs(", whole, rounded away from zero to reach the line", out);
    ReportItem it = { .needed_shape = needed_shape_name[f->shape], .needed_of = of };
    report_needed(&it, n, said, sizeof said);
    fprintf(out, ":\n  %s", said);
    if (n->periods > 1 && !mean) fprintf(out, " over the %u %ss of the window", n->periods, grain_name((Grain)n->grain));
    /* 1 - N / D is (D - N) / D: fewer of N is as many more of the rest */
    if (ratio && num_cmp(f->c0, num_int(1)) == 0 && num_cmp(f->c1, num_int(-1)) == 0)
        fprintf(out, ",\n  as many %s of %s that are not %s", val_compare(n->change, val_num(num_int(0), (TypeKind)n->change.unit),
                &(bool){ false }) < 0 ? "more" : "fewer", held, of);
    /* the value the change gives, worked out again from the totals */
    Value after = val_arith(AR_ADD, plain_number(n->lever), plain_number(n->change));
    Value v = ratio ? val_arith(AR_DIV, after, plain_number(n->held)) : after;
    v = val_arith(AR_ADD, val_num(f->c0, T_NUMBER), val_arith(AR_MUL, val_num(f->c1, T_NUMBER), v));
    if (val_is_number(v)) v.unit = r->value.unit;
    bool milestone = r->judged == JUDGED_MILESTONE && r->milestone >= 0 && (size_t)r->milestone < r->nmarks;
    fprintf(out, ".\n  With it, %s would be ", p->fns[c->measure].name);
    put_value(out, v);
    /* the line judged: a milestone's, a variation's target, or the round's */
    const ReportVariation *vr = r->varied && r->varied <= x->s.o->nvariations ? &x->s.o->variations[r->varied - 1] : NULL;
    fprintf(out, " %s ", report_cmp_name(milestone ? r->marks[r->milestone].cmp
                                         : vr && !vr->exempt ? vr->target.cmp : c->target.cmp));
    put_value(out, r->threshold);
    fputs(".\n", out);
}

/* The variation a result was judged under (nothing hidden: what it
 * changes, why, who agreed it, and what the round's rule gives). */
static const ReportVariation *put_variation(Explain *x, const ReportResult *r)
{
    if (!r->varied || r->varied > x->s.o->nvariations) return NULL;
    const ReportVariation *v = &x->s.o->variations[r->varied - 1];
    FILE *out = x->out;
    char what[512];
    fprintf(out, "  %s variation %s", v->exempt ? "Exempt by" : "Under", v->name);
    if (v->title) {
        fputs(" \"", out);
        put_code(out, v->title);
        fputc('"', out);
    }
    fprintf(out, " (%s:%u):\n    %s", v->file, v->line, report_variation_what(v, what, sizeof what));
    if (!v->exempt && v->kind == ITEM_COMMITMENT) fputs(", in place of the round's target and milestones", out);
    fputs("\n    reason     ", out);
    put_code(out, v->reason);
    fputs("\n    agreed by  ", out);
    put_code(out, v->agreed_by);
    fputs(", on ", out);
    put_day(out, v->agreed_on);
    fputs(", until ", out);
    put_day(out, v->until);
    fprintf(out, "\n  By the round's rule it would be %s%s.\n", report_status(r->unvaried),
            v->exempt ? "; it is judged all the same, below" : "");
    return v;
}

/* The heading over a commitment's or check's results by group: what is
 * judged the same way in each (`same`) and the column that splits them. */
static void put_groups_heading(Explain *x, int32_t by_feed, int32_t by_column, const char *same)
{
    const BcFeed *f = &x->s.p->feeds[by_feed];
    fprintf(x->out, "\nBy group: %s over the rows of each group of\n%s.%s "
                    "alone (the status above is the system's, over all its rows):\n",
            same, f->name, f->columns[by_column].name);
}

/* A commitment judged by group: each group's result, judged as the
 * system's, over the group's rows alone. */
static void explain_groups(Explain *x, const BcCommitment *c, const ReportResult *r)
{
    FILE *out = x->out;
    put_groups_heading(x, c->by_feed, c->by_column, "the same target and milestones");
    for (uint32_t g = 0; g < r->ngroups && g < c->ngroups; g++) {
        const ReportResult *gr = &r->groups[g];
        fputs("  ", out);
        put_code(out, c->groups[g].label);
        fprintf(out, ": %s", report_status(gr->status));
        if (gr->judged == JUDGED_TARGET || gr->judged == JUDGED_MILESTONE) {
            fputs(", ", out);
            if (val_is_missing(gr->value)) fputs("no value (no rows of this group counted)", out);
            else put_value(out, gr->value);
            fputs(" over ", out);
            put_window(out, gr->window);
            fprintf(out, " (%s %s ", gr->judged == JUDGED_TARGET ? "target" : "milestone",
                    report_cmp_name(gr->judged == JUDGED_TARGET ? c->target.cmp : gr->marks[gr->milestone].cmp));
            put_value(out, gr->threshold);
            fputc(')', out);
            if (!val_is_missing(gr->gap)) {
                char gap[72];
                report_gap(gr->gap, gap, sizeof gap);
                fprintf(out, ", gap %s", gap);
            }
        }
        fputc('\n', out);
    }
}

static void explain_commitment(Explain *x, uint32_t k)
{
    const BcProgram *p = x->s.p;
    const BcCommitment *c = &p->commits[k];
    FILE *out = x->out;
    ReportResult r;
    eval_commitment(&x->e, x->sys, k, &r);
    if (x->e.failed) return;
    int32_t lag = x->s.lag[k];
    fprintf(out, "%s%s commitment \"", c->national ? "National " : "",
            c->national ? (c->cls == 2 ? "transformation" : "foundational") : c->cls == 2 ? "Transformation" : "Foundational");
    put_code(out, c->title);
    fputs("\"\n", out);
    if (c->source) fprintf(out, "Source: %s\n", c->source);
    fprintf(out, "Measure: %s", p->fns[c->measure].name);
    if (bc_fn_reads_across(&p->fns[c->measure])) {     /* its own expression, not a metric: as written */
        Arena a = { 0 };
        fputs(", written `", out);
        put_code(out, bc_source_text(p, c->measure, &a));    /* from the rule file: shown safely */
        fputc('`', out);
        arena_free(&a);
    }
    fprintf(out, "\n\nStatus: %s\n", report_status(r.status));
    const ReportVariation *v = put_variation(x, &r);
    bool varied = v && !v->exempt;

    ReportMark target = { .cmp = c->target.cmp };
    x->e.sys = x->sys;
    if (varied) target = v->target;
    else {
        Value none = val_missing();
        target.threshold = measure(&x->e, x->sys, c->target.value_fn, none, NULL, c->name);
        target.window = c->target.window_feed >= 0 ? eval_plan_window(&x->e, &c->target)
                                                   : measure(&x->e, x->sys, c->target.window_fn, none, NULL, c->name);
        val_window_days(target.window, &target.from, &target.to);
    }
    /* a deadline's measure is read over the days up to the as-of day (a
     * date) or the deadline (a yes/no), not over the deadline day alone */
    Value read = c->deadline && r.judged == JUDGED_TARGET ? eval_deadline_window(&x->s, &target) : r.window;
    switch (r.judged) {
    case JUDGED_TARGET: case JUDGED_MILESTONE:
        fprintf(out, "  Judged on its %s", r.judged == JUDGED_TARGET ? "target" : "latest known milestone");
        if (c->deadline) {
            fputs(" by ", out);
            put_window(out, r.window);
        }
        fprintf(out, ": %s over ", p->fns[c->measure].name);
        put_window(out, read);
        fputs("\n    value      ", out);
        put_value(out, r.value);
        fprintf(out, "\n    threshold  %s ", report_cmp_name(r.judged == JUDGED_TARGET ? target.cmp : r.marks[r.milestone].cmp));
        put_value(out, r.threshold);
        if (r.judged == JUDGED_MILESTONE && c->tolerance >= 0) {
            fputs("\n    tolerance  ", out);
            put_value(out, p->consts[c->tolerance]);
        }
        fputc('\n', out);
        if (r.status == ST_NO_DATA)
            fputs("  The value is missing: no member organisation had a row counted in the\n  window.\n", out);
        if (r.by_missing)
            fprintf(out, "  The value is missing, and missing counts as %s (missing = missed).\n",
                    report_status(r.status));
        if (r.keyed_by_system)
            fputs("  Figures for the system as a whole: every feed the measure reads holds rows\n"
                  "  for the system itself, not for its member organisations.\n", out);
        else if (x->sys == NATIONAL && bc_fn_reads_across(&p->fns[c->measure]))
            fputs("  The measure takes the systems' values together (across), each shown below.\n", out);
        else if (x->sys == NATIONAL)
            fprintf(out, "  Coverage: %u organisations, of every system, had rows in the window.\n", r.coverage);
        else
            fprintf(out, "  Coverage: %u of the %u member organisations in the window had rows.\n", r.coverage,
                    r.members);
        put_completeness(x, x->sys, c->measure, read, c->name);
        if (r.judged == JUDGED_TARGET) fputs("  (A tolerance applies to milestones only, not to the target.)\n", out);
        explain_needed(x, k, &r);
        break;
    default:
        if (r.no_plan_date) {
            fprintf(out, "  The target's window comes from each system's plan (%s.%s), and this\n"
                         "  system's plan gives none: it can never fall due, so no_data.\n",
                    p->feeds[c->target.window_feed].name,
                    p->feeds[c->target.window_feed].columns[c->target.window_column].name);
            break;
        }
        fputs("  Neither the target's window nor any milestone's was known on ", out);
        put_day(out, x->s.o->as_of);
        fputs(",\n  so nothing could be judged yet.\n", out);
        if (x->s.awaits[k] && target.window.kind != V_MISSING && known(x->s.o->as_of, target.to, lag)) {
            Missing m = { { 0 }, 0 };
            Tally t = completeness(x, x->sys, c->measure, target.window, c->name, &m);
            if (t.awaited) {
                fprintf(out, "  The target's window has ended, but a feed it reads has a vintage and no lag,\n"
                             "  so it is known only once every return is published: %llu of %llu are.\n"
                             "  Not yet published:\n", (unsigned long long)t.present, (unsigned long long)t.expected);
                put_missing(out, x, &m);
            }
            vec_free(&m.listed);
        }
    }
    fputs("\nTarget and milestones (a window is known once it has ended and the lag of the\nfeeds the measure reads, ", out);
    fprintf(out, "%d days, has passed", lag);
    fputs(x->s.awaits[k] ? ";\nfor a feed with a vintage and no lag, also once every return is published):\n" : "):\n", out);
    put_mark(x, k, "target", &target, lag, r.judged == JUDGED_TARGET);
    for (size_t i = 0; i < r.nmarks; i++)
        put_mark(x, k, i < c->nmilestones && !varied ? "milestone" : "plan", &r.marks[i], lag,
                 r.judged == JUDGED_MILESTONE && (int32_t)i == r.milestone);
    if (c->plan_feed >= 0 && r.nmarks == (varied ? 0 : c->nmilestones))
        fprintf(out, "  (no rows for this system in plan feed %s)\n", p->feeds[c->plan_feed].name);

    if ((r.judged == JUDGED_TARGET || r.judged == JUDGED_MILESTONE) && x->sys == NATIONAL
        && bc_fn_reads_across(&p->fns[c->measure])) {
        explain_across_measure(x, k, read);
    } else if (r.judged == JUDGED_TARGET || r.judged == JUDGED_MILESTONE) {
        Indices aggs = { 0 };
        uint8_t *seen = mem_calloc(p->nfns + 1u, 1);
        aggs_read(p, (uint32_t)c->measure, seen, &aggs);
        explain_rows(x, &aggs, read);
        mem_free(seen);
        vec_free(&aggs);
    }
    if (r.ngroups && c->by_feed >= 0 && c->by_column >= 0) explain_groups(x, c, &r);
}

/* ---- checks: the parts of the condition ---------------------------------------- */

typedef struct Part { uint32_t pc; Value value, window; bool compares; Value sides[2]; } Part;
typedef struct Parts { VEC(Part) items; } Parts;

static void observe(void *ud, const Instr *in, uint32_t pc, Value result, Value window, const Value *sides)
{
    Parts *ps = ud;
    if (sides) {                /* a comparison: what it compared, as the report's operands */
        vec_push(&ps->items, ((Part){ pc, result, window, true, { sides[0], sides[1] } }));
        return;
    }
    switch (in->op) {
    case OP_LOADK: case OP_MOVE: case OP_LOADMISSING: case OP_RETYPE: case OP_LIST: case OP_RANGE:
    case OP_STATUSES: case OP_NUMBERS:
        return;                 /* constants and copies say nothing new */
    default:
        vec_push(&ps->items, ((Part){ pc, result, window, false, { { 0 }, { 0 } } }));
    }
}

/* The source line `line` of source `src`, without its newline. */
static void put_source_line(FILE *out, const BcProgram *p, const LineInfo *li)
{
    if (li->source >= p->nsources || !p->sources[li->source].text) return;
    const BcSource *src = &p->sources[li->source];
    const char *t = src->text, *end = t + src->len;
    for (uint32_t l = 1; l < li->line && t < end; l++) {
        const char *nl = memchr(t, '\n', (size_t)(end - t));
        t = nl ? nl + 1 : end;
    }
    const char *nl = memchr(t, '\n', (size_t)(end - t));
    size_t len = (size_t)((nl ? nl : end) - t);
    while (len && (*t == ' ' || *t == '\t')) t++, len--;
    fprintf(out, "  %s:%u: %.*s\n", src->path, li->line, (int)len, t);
}

/* The constant emit_host loaded into argument register k of the host call
 * at pc (1: the first), as an integer; -1 if there is none. */
static int64_t host_arg(const BcProgram *p, const BcFunction *f, uint32_t pc, unsigned k)
{
    Instr call = f->code[pc];
    for (uint32_t q = pc; q-- > 0;) {
        Instr in = f->code[q];
        if (in.a != call.a + k) continue;
        if (in.op != OP_LOADK || instr_b(in) >= p->nconsts || p->consts[instr_b(in)].kind != V_NUM) return -1;
        return p->consts[instr_b(in)].as.num.n;
    }
    return -1;
}

/* A host call that reads statuses, named: "status of check balanced",
 * "count of foundational commitments". Whether it was one. */
static bool put_host_item(FILE *out, const BcProgram *p, const BcFunction *f, uint32_t pc)
{
    Instr in = f->code[pc];
    if (in.b == HOST_ITEM_STATUS) {
        int64_t kind = host_arg(p, f, pc, 1), index = host_arg(p, f, pc, 2);
        if (kind == 0 && index >= 0 && index < p->ncommits)
            fprintf(out, "status of %s %s", p->commits[index].national ? "national commitment" : "commitment",
                    p->commits[index].name);
        else if (kind == 1 && index >= 0 && index < p->nchecks)
            fprintf(out, "status of %s %s", p->checks[index].national ? "national check" : "check", p->checks[index].name);
        else return false;
        return true;
    }
    if (in.b == HOST_CLASS_COUNT || in.b == HOST_CLASS_SHARE) {
        int64_t cls = host_arg(p, f, pc, 1);
        if (cls != 1 && cls != 2) return false;
        fprintf(out, "%s of %s commitments%s", in.b == HOST_CLASS_COUNT ? "count" : "share",
                cls == 1 ? "foundational" : "transformation", in.c > 1 ? " with the statuses named" : "");
        return true;
    }
    return false;
}

/* A comparison's two sides, as people read them and exactly as the JSON
 * report's operands have them: "-£18m >= £0; exactly -18000000 >= 0". */
static void put_sides(FILE *out, Instr in, const Value sides[2])
{
    const char *op = report_cmp_name((uint8_t)(CMP_EQ + (in.op - OP_EQ)));
    char buf[128];
    fputs(": ", out);
    for (int i = 0; i < 2; i++) {
        report_display(sides[i], buf, sizeof buf);
        esc_text(out, buf, strlen(buf));
        if (i == 0) fprintf(out, " %s ", op);
    }
    fputs("; exactly ", out);
    for (int i = 0; i < 2; i++) {
        if (sides[i].kind == V_MISSING) snprintf(buf, sizeof buf, "missing");
        else val_format(sides[i], true, buf, sizeof buf);
        esc_text(out, buf, strlen(buf));
        if (i == 0) fprintf(out, " %s ", op);
    }
}

static void put_part(FILE *out, const BcProgram *p, const BcFunction *f, const Part *pt)
{
    Instr in = f->code[pt->pc];
    fprintf(out, "    col %-3u ", f->lines[pt->pc].column);
    switch (in.op) {
    case OP_CALL: {
        const BcFunction *g = &p->fns[instr_b(in)];
        fprintf(out, "%s%s", g->name, g->kind == FK_FN ? "(…)" : "");
        if (g->kind == FK_METRIC) { fputs(" over ", out); put_window(out, pt->window); }
        break;
    }
    case OP_AGG:
        put_aggregate(out, p, instr_b(in));
        fputs(" over ", out);
        put_window(out, pt->window);
        break;
    case OP_NATIVE: fprintf(out, "%s(…)", in.b < BI__COUNT ? builtins[in.b].name : "?"); break;
    case OP_EXTERN: fprintf(out, "%s(…) (native)", p->externs[in.b].name); break;
    case OP_HOST: {
        if (put_host_item(out, p, f, pt->pc)) break;
        static const char *const what[HOST__COUNT] = {
            [HOST_ITEM_STATUS] = "a status", [HOST_ACROSS] = "across(…), one value per system",
            [HOST_CLASS_COUNT] = "count of commitments", [HOST_CLASS_SHARE] = "share of commitments",
            [HOST_ITEM_FOR] = "a named system's result", [HOST_SERIES] = "series(…), one value per period",
        };
        fputs(in.b < HOST__COUNT && what[in.b] ? what[in.b] : "?", out);
        break;
    }
    default: {                  /* arithmetic, comparison, logic: the operator */
        static const char *const op_text[OP__COUNT] = {
            [OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/", [OP_NEG] = "-", [OP_NOT] = "not",
            [OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
            [OP_AND] = "and", [OP_OR] = "or",
        };
        fprintf(out, "`%s`", op_text[in.op] ? op_text[in.op] : bc_ops[in.op].name);
        break;
    }
    }
    fputs(" = ", out);
    if (pt->value.kind == V_LIST) {
        const ValList *l = pt->value.as.list;
        fputc('[', out);
        char buf[64];
        for (uint32_t i = 0; i < l->len && i < 6; i++) {
            report_display(l->items[i], buf, sizeof buf);
            fprintf(out, "%s%s", i ? ", " : "", buf);
        }
        fputs(l->len > 6 ? ", …]" : "]", out);
        fprintf(out, " (%u values)", l->len);
    } else {
        put_value(out, pt->value);
    }
    if (pt->compares) put_sides(out, in, pt->sides);
    fputc('\n', out);
}

/* Evaluates fn for sys over the horizon again, and writes the value of each
 * part, under the source line it is on; *parts gets them. */
static Value put_parts(Explain *x, uint32_t sys, int32_t fn, const char *what, Parts *parts)
{
    const BcProgram *p = x->s.p;
    vm_set_observer(x->e.vm, observe, parts);
    Value v = measure(&x->e, sys, fn, x->s.horizon, NULL, what);
    vm_set_observer(x->e.vm, NULL, NULL);
    const BcFunction *f = &p->fns[fn];
    uint32_t last_line = 0;
    for (size_t i = 0; i < parts->items.len; i++) {
        const LineInfo *li = &f->lines[parts->items.items[i].pc];
        if (li->line != last_line) put_source_line(x->out, p, li);
        last_line = li->line;
        put_part(x->out, p, f, &parts->items.items[i]);
    }
    return v;
}

/* ---- national checks: each system's part in the total ------------------------- */

static bool additive(Value v) { return v.kind == V_NUM && v.unit != T_PERCENT; }

/* One line of a contributions table: a system's code, its value as shown
 * and exactly (the figures an auditor adds up), and its name. */
static void put_contribution(const Explain *x, int width, uint32_t sys, Value v)
{
    FILE *out = x->out;
    uint32_t org = x->s.systems[sys];
    const char *code = orgs_code(x->s.in->orgs, org), *name = hier_parent_name(x->s.h, org);
    char shown[64], exact[128];
    fputs("  ", out);
    put_code(out, code);
    fprintf(out, "%*s  ", width - (int)strlen(code), "");
    if (v.kind == V_MISSING) {
        snprintf(shown, sizeof shown, "-");
        snprintf(exact, sizeof exact, "no value");
    } else {
        report_display(v, shown, sizeof shown);
        val_format(v, true, exact, sizeof exact);
    }
    fprintf(out, "%8s  %-14s", shown, exact);
    if (name) {
        fputs("  ", out);
        put_code(out, name);
    }
    fputc('\n', out);
}

/* For each across(…) the condition read, every system's value in it, the
 * total where a sum means something, and the systems with no value (a
 * national check reads data only through across(…): the checker sees to
 * it). */
static void explain_contributions(Explain *x, const BcFunction *f, const Parts *parts)
{
    const Shared *s = &x->s;
    const BcProgram *p = s->p;
    FILE *out = x->out;
    int width = 4;
    for (uint32_t i = 0; i < s->nsystems; i++) {
        int n = (int)strlen(orgs_code(s->in->orgs, s->systems[i]));
        if (n > width) width = n;
    }
    VEC(const ValList *) lists_done = { 0 };
    for (size_t i = 0; i < parts->items.len; i++) {
        const Part *pt = &parts->items.items[i];
        Instr in = f->code[pt->pc];
        if (in.op != OP_HOST || in.b != HOST_ACROSS || pt->value.kind != V_LIST) continue;
        const ValList *l = pt->value.as.list;
        bool dup = false;
        for (size_t k = 0; k < lists_done.len && !dup; k++) dup = lists_done.items[k] == l;
        if (dup) continue;
        vec_push(&lists_done, l);
        fputs("\nEach system's value in ", out);
        for (size_t m = 0; m < x->e.across.len; m++)
            if (x->e.across.items[m].list.as.list == l) put_across(out, p, x->e.across.items[m].fn);
        fputs("over ", out);
        put_window(out, pt->window);
        fputs(":\n", out);
        Value total = val_num(num_int(0), pt->value.unit);
        bool sums = true;
        uint32_t with = 0;
        for (uint32_t k = 0; k < l->len && k < s->nsystems; k++) {
            Value v = l->items[k];
            put_contribution(x, width, k, v);
            if (v.kind == V_MISSING) continue;
            with++;
            sums = sums && additive(v);
            if (sums) total = val_arith(AR_ADD, total, v);
        }
        if (sums && with && total.kind == V_NUM) {
            char exact[128];
            val_format(total, true, exact, sizeof exact);
            fprintf(out, "  The %u %s with a value add up to ", with, plural(with, "system", "systems"));
            put_value(out, total);
            fprintf(out, " (%s).\n", exact);
        }
        if (with < l->len) {
            fprintf(out, "  %u %s had no value:", l->len - with, plural(l->len - with, "system", "systems"));
            for (uint32_t k = 0, n = 0; k < l->len && k < s->nsystems; k++)
                if (l->items[k].kind == V_MISSING) {
                    fputs(n++ % 6 ? ", " : "\n    ", out);
                    put_code(out, orgs_code(s->in->orgs, s->systems[k]));
                }
            fputc('\n', out);
        }
    }
    vec_free(&lists_done);
}

static void explain_across_measure(Explain *x, uint32_t k, Value window)
{
    const BcCommitment *c = &x->s.p->commits[k];
    Parts parts = { { 0 } };
    vm_set_observer(x->e.vm, observe, &parts);
    measure(&x->e, NATIONAL, c->measure, window, NULL, c->name);
    vm_set_observer(x->e.vm, NULL, NULL);
    explain_contributions(x, &x->s.p->fns[c->measure], &parts);
    vec_free(&parts.items);
}

/* A check judged by group: each group's result, with the comparisons of
 * its condition, over the group's rows alone. */
static void explain_check_groups(Explain *x, const BcCheck *c, const ReportResult *r)
{
    FILE *out = x->out;
    put_groups_heading(x, c->by_feed, c->by_column, "the same condition");
    for (uint32_t g = 0; g < r->ngroups && g < c->ngroups; g++) {
        const ReportResult *gr = &r->groups[g];
        char buf[128];
        fputs("  ", out);
        put_code(out, c->groups[g].label);
        fprintf(out, ": %s", report_status(gr->status));
        if (gr->by_missing) fputs(" (no value: missing counts as fail)", out);
        for (size_t i = 0; i < gr->noperands; i++) {
            const ReportOperands *o = &gr->operands[i];
            fputs(", ", out);
            report_display(o->left, buf, sizeof buf);
            esc_text(out, buf, strlen(buf));
            fprintf(out, " %s ", report_cmp_name(o->cmp));
            report_display(o->right, buf, sizeof buf);
            esc_text(out, buf, strlen(buf));
        }
        fputc('\n', out);
    }
}

static void explain_check(Explain *x, uint32_t k)
{
    const BcProgram *p = x->s.p;
    const BcCheck *c = &p->checks[k];
    FILE *out = x->out;
    ReportResult r;
    eval_check(&x->e, c->national ? NATIONAL : x->sys, k, &r);
    if (x->e.failed) return;
    fprintf(out, "%sheck \"", c->national ? "National c" : "C");
    put_code(out, c->title);
    fprintf(out, "\"\n\nStatus: %s\n", report_status(r.status));
    put_variation(x, &r);
    if (r.status == ST_FAIL && c->message) fprintf(out, "  %s\n", c->message);
    if (r.status == ST_NO_DATA) fputs("  The condition's value is missing: some data it needs had no rows.\n", out);
    if (r.by_missing)
        fputs("  The condition's value is missing, and missing counts as fail (missing = fail).\n", out);
    put_completeness(x, c->national ? NATIONAL : x->sys, c->require, x->s.horizon, c->name);
    fputs("  Its condition is evaluated over ", out);
    put_window(out, r.window);
    fputs("\n  (the round's horizon, unless a part names its own window).\n\n"
          "The parts of its condition, in the order evaluated:\n", out);

    Parts parts = { { 0 } };
    put_parts(x, c->national ? NATIONAL : x->sys, c->require, c->name, &parts);
    const BcFunction *f = &p->fns[c->require];
    if (c->national) explain_contributions(x, f, &parts);

    /* the member totals over each window a part read data in (its own `in`
     * window, or the horizon), the aggregates each window was read with */
    VEC(Value) windows = { 0 };
    for (size_t i = 0; i < parts.items.len; i++) {
        Instr in = f->code[parts.items.items[i].pc];
        bool reads = in.op == OP_AGG || (in.op == OP_CALL && p->fns[instr_b(in)].kind == FK_METRIC);
        Value w = parts.items.items[i].window;
        bool dup = false;
        for (size_t wi = 0; wi < windows.len && !dup; wi++) dup = val_equal(windows.items[wi], w);
        if (reads && !dup && w.kind != V_MISSING) vec_push(&windows, w);
    }
    Indices aggs = { 0 };
    uint8_t *seen = mem_calloc(p->nfns + 1u, 1);
    aggs_read(p, (uint32_t)c->require, seen, &aggs);
    for (size_t wi = 0; wi < windows.len && wi < 4 && !c->national && aggs.len; wi++)
        explain_rows(x, &aggs, windows.items[wi]);
    mem_free(seen);
    vec_free(&aggs);
    vec_free(&parts.items);
    vec_free(&windows);
    if (r.ngroups && c->by_feed >= 0 && c->by_column >= 0) explain_check_groups(x, c, &r);
}

/* ---- ratings: which branch held, and why ------------------------------------------ */

/* A rating for one system: the label, then each branch in order up to the
 * one that held, with the value of its condition and of each part of it,
 * then the statuses of the commitments and checks its conditions can read. */
static void explain_rating(Explain *x, uint32_t ri)
{
    const BcProgram *p = x->s.p;
    const BcRating *g = &p->ratings[ri];
    FILE *out = x->out;
    /* first without the observer: the statuses the conditions read are worked
     * out (and remembered) here, not in the middle of the parts */
    int32_t held = -1;
    for (uint16_t a = 0; a < g->narms && held < 0 && !x->e.failed; a++) {
        Value v = g->arms[a].when < 0 ? val_bool(true)
                                      : measure(&x->e, x->sys, g->arms[a].when, x->s.horizon, NULL, g->name);
        if (v.kind == V_BOOL && v.as.boolean) held = a;
    }
    if (x->e.failed) return;
    fputs("Rating \"", out);
    put_code(out, g->title ? g->title : g->name);
    fputs("\"\n\nLabel: ", out);
    if (held >= 0) fprintf(out, "%s (branch %d of %u)\n", g->arms[held].label, held + 1, g->narms);
    else fputs("none: no branch held, and the rating has no `otherwise`\n", out);
    fputs("  Each condition is evaluated over ", out);
    put_window(out, x->s.horizon);
    fputs("\n  (the round's horizon, unless a part names its own window); the first that\n  holds gives the label.\n\n"
          "The branches, in order:\n", out);
    for (uint16_t a = 0; a < g->narms && !x->e.failed; a++) {
        const BcArm *arm = &g->arms[a];
        fprintf(out, "\n%u. %s%s%s\n", a + 1, arm->label, arm->when < 0 ? " (otherwise)" : "",
                held == a ? "   <- held" : "");
        if (arm->when >= 0) {
            Parts parts = { { 0 } };
            Value v = put_parts(x, x->sys, arm->when, g->name, &parts);
            vec_free(&parts.items);
            fputs("   condition = ", out);
            put_value(out, v);
            fputs(v.kind == V_BOOL ? "\n" : " (missing: does not hold)\n", out);
        }
        if (held == a && a + 1 < g->narms) {
            fputs("\nNot evaluated, as an earlier branch held:", out);
            for (uint16_t b = a + 1; b < g->narms; b++) fprintf(out, "%s%s", b > a + 1 ? ", " : " ", g->arms[b].label);
            fputs(".\n", out);
            break;
        }
    }
    if (x->e.failed) return;

    fputs("\nThe statuses its conditions can read, this system's:\n", out);
    int width = 0;
    for (uint16_t k = 0; k < p->ncommits; k++) if ((int)strlen(p->commits[k].name) > width) width = (int)strlen(p->commits[k].name);
    for (uint16_t k = 0; k < p->nchecks; k++) if ((int)strlen(p->checks[k].name) > width) width = (int)strlen(p->checks[k].name);
    for (uint32_t i = 0; i < (uint32_t)p->ncommits + p->nchecks && !x->e.failed; i++) {
        bool commit = i < p->ncommits;
        const BcCheck *c = commit ? NULL : &p->checks[i - p->ncommits];
        const char *name = commit ? p->commits[i].name : c->name;
        const char *kind = commit ? (p->commits[i].national ? "national commitment"
                                     : p->commits[i].cls == 2 ? "transformation commitment" : "foundational commitment")
                                  : c->national ? "national check" : "check";
        ReportResult r;
        if (commit) eval_commitment(&x->e, p->commits[i].national ? NATIONAL : x->sys, i, &r);
        else eval_check(&x->e, c->national ? NATIONAL : x->sys, i - p->ncommits, &r);
        fprintf(out, "  %-25s  %-*s  %s\n", kind, width, name, report_status(r.status));
    }
}

AssessStatus assess_explain(const Inputs *in, const AssessOptions *o, const char *system, const char *item,
                            FILE *out, char *why, size_t whycap)
{
    const BcProgram *p = in->p;
    Explain x = { .out = out, .sys = NATIONAL };
    shared_init(&x.s, in, o);
    for (uint32_t i = 0; i < x.s.nsystems && system; i++)
        if (strcmp(orgs_code(in->orgs, x.s.systems[i]), system) == 0) x.sys = i;
    int32_t commitment = -1, check = -1, rating = -1;
    for (uint16_t k = 0; k < p->ncommits; k++)
        if (strcmp(p->commits[k].name, item) == 0) commitment = k;
    for (uint16_t k = 0; k < p->nchecks; k++)
        if (strcmp(p->checks[k].name, item) == 0) check = k;
    for (uint16_t k = 0; k < p->nratings; k++)
        if (strcmp(p->ratings[k].name, item) == 0) rating = k;
    bool national = (check >= 0 && p->checks[check].national) || (commitment >= 0 && p->commits[commitment].national);
    AssessStatus rc = assess_check_variations(in, o, why, whycap);
    if (rc != ASSESS_OK) {
    } else if (commitment < 0 && check < 0 && rating < 0) {
        snprintf(why, whycap, "the round has no commitment, check or rating `%s`", item);
        rc = ASSESS_USAGE;
    } else if (!national && !system) {
        snprintf(why, whycap, "`%s` is a %s, judged per system: name one with --system", item,
                 commitment >= 0 ? "commitment" : check >= 0 ? "check" : "rating");
        rc = ASSESS_USAGE;
    } else if (system && x.sys == NATIONAL) {
        snprintf(why, whycap, "no system `%s` in hierarchy `%s`", system,
                 p->round.assess >= 0 ? p->hiers[p->round.assess].name : "(none: the round has no `assess`)");
        rc = ASSESS_USAGE;
    }
    if (rc == ASSESS_OK) {
        eval_init(&x.e, &x.s);
        if (national) x.sys = NATIONAL;         /* a system named is ignored, and the header says so */
        x.org = x.sys == NATIONAL ? ORG_NONE : x.s.systems[x.sys];
        fprintf(out, "%s for ", item);
        if (national) {
            fputs(commitment >= 0 ? "the round (a national commitment, judged once" : "the round (a national check, judged once",
                  out);
            if (system) {
                fputs("; --system ", out);
                put_code(out, system);
                fputs(" plays no part", out);
            }
            fputc(')', out);
        } else {
            const char *name = hier_parent_name(x.s.h, x.org);
            put_code(out, system);
            if (name) {
                fputc(' ', out);
                put_code(out, name);
            }
        }
        fputs(", as of ", out);
        put_day(out, o->as_of);
        fputs("\n\n", out);
        if (commitment >= 0) explain_commitment(&x, (uint32_t)commitment);
        else if (check >= 0) explain_check(&x, (uint32_t)check);
        else explain_rating(&x, (uint32_t)rating);
        if (x.e.failed) {
            rc = x.e.failed;
            snprintf(why, whycap, "%s", x.e.why);
        }
        eval_free(&x.e);
    }
    shared_free(&x.s);
    return rc;
}
