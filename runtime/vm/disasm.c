/* disasm.c: bc_disasm, a listing of a program for people.
 *
 * The output depends only on the program, so listings can be diffed. Every
 * string from the program is printed with its control characters escaped:
 * a hostile file must not be able to drive the terminal. Indices
 * are checked before use, so even an unverified program lists safely. */
#include "vm/plb.h"
#include "vm/layout.h"
#include "base/builtins.h"
#include "base/sha256.h"

#include <string.h>


static const char *const host_names[HOST__COUNT] = {
    [HOST_ITEM_STATUS] = "item_status",
    [HOST_ACROSS]      = "across",
    [HOST_CLASS_COUNT] = "class_count",
    [HOST_CLASS_SHARE] = "class_share",
    [HOST_ITEM_FOR]    = "item_for",
    [HOST_SERIES]      = "series",
};


/* Bytes as they are, but control characters (except tab) and DEL escaped. */
static void put_bytes_escaped(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
}

static void put_text(FILE *out, const char *s)
{
    if (s)
        put_bytes_escaped(out, s, strlen(s));
    else
        fputs("(none)", out);
}

static void put_quoted(FILE *out, const char *s)
{
    fputc('"', out);
    put_text(out, s);
    fputc('"', out);
}

static void put_title(FILE *out, const char *title)
{
    if (title) {
        fputc(' ', out);
        put_quoted(out, title);
    }
}

static const char *type_str(unsigned t)
{
    return t <= T_NONE ? type_kind_name((TypeKind)t) : "?";
}

/* The strings layout.c marks to be listed (BFF_LIST), each that is set on
 * a line of its own, "INDENT LABEL VALUE", in the table's order: a string
 * field added there is listed without a change here. */
static void put_listed(FILE *out, const BcLayout *l, const void *obj, const char *indent, int width)
{
    for (unsigned i = 0; i < l->nfields; i++) {
        const BcField *f = &l->fields[i];
        const char *s = f->kind == BF_STR ? bc_field_str(f, obj) : NULL;
        if (!(f->flags & BFF_LIST) || !s)
            continue;
        fprintf(out, "%s%-*s ", indent, width, f->label);
        if (f->flags & BFF_QUOTED)
            put_quoted(out, s);
        else
            put_text(out, s);
        fputc('\n', out);
    }
}

static void put_day(FILE *out, Day d)
{
    char buf[32];
    period_format((Period){ GRAIN_DAY, d }, buf, sizeof buf);
    fputs(buf, out);
}

static void put_value(FILE *out, const Value *v)
{
    char buf[256];
    if (v->kind == V_LIST) {
        fputs("(a list)", out);
        return;
    }
    size_t n = val_format(*v, false, buf, sizeof buf);
    put_bytes_escaped(out, buf, n < sizeof buf ? n : sizeof buf - 1);
}

static void put_const(FILE *out, const BcProgram *p, int32_t k)
{
    if (k < 0 || (uint32_t)k >= p->nconsts) {
        fprintf(out, "K%d ?", k);
        return;
    }
    fprintf(out, "K%d ", k);
    put_value(out, &p->consts[k]);
}

static const char *fn_name(const BcProgram *p, int64_t f)
{
    if (f < 0 || f >= p->nfns)
        return "?";
    return p->fns[f].name ? p->fns[f].name : "?";
}

static void put_fn(FILE *out, const BcProgram *p, int32_t f)
{
    fprintf(out, "F%d ", f);
    put_text(out, fn_name(p, f));
}

static const BcFeed *feed_at(const BcProgram *p, int64_t i)
{
    return i >= 0 && i < p->nfeeds ? &p->feeds[i] : NULL;
}

static const char *column_name(const BcFeed *f, int64_t c)
{
    return f && c >= 0 && c < f->ncolumns && f->columns[c].name ? f->columns[c].name : "?";
}

/* A commitment's or check's `by = feed.column` and its groups' functions */
static void put_by(FILE *out, const BcProgram *p, int32_t by_feed, int32_t by_column, const BcGroup *groups,
                   uint16_t ngroups)
{
    if (by_feed != -1) {
        const BcFeed *f = feed_at(p, by_feed);
        fputs("    by         ", out);
        put_text(out, f && f->name ? f->name : "?");
        fputc('.', out);
        put_text(out, column_name(f, by_column));
        fputc('\n', out);
    }
    for (uint32_t k = 0; k < ngroups && groups; k++) {
        fputs("    group      ", out);
        put_text(out, groups[k].label);
        fputc(' ', out);
        put_fn(out, p, groups[k].fn);
        fputc('\n', out);
    }
}

/* sum(ae.breaches) where F5 (type) */
static void put_aggregate(FILE *out, const BcProgram *p, const BcAggregate *g)
{
    const BcFeed *f = feed_at(p, g->feed);
    fprintf(out, "%s(", g->func <= AGG_COUNT ? bc_agg_names[g->func] : "?");
    put_text(out, f && f->name ? f->name : "?");
    fputc('.', out);
    put_text(out, column_name(f, g->column));
    char pub[48];
    bc_pub_text(g, pub, sizeof pub);
    fputs(pub, out);
    fputc(')', out);
    if (g->filter != -1) {
        fputs(" where ", out);
        put_fn(out, p, g->filter);
        fputs(" (", out);
        for (uint32_t k = 0; k < g->nfilter && g->filter_cols; k++) {
            if (k)
                fputs(", ", out);
            put_text(out, column_name(f, g->filter_cols[k]));
        }
        fputc(')', out);
    }
}

static void put_header(FILE *out, const BcProgram *p)
{
    const BcRound *r = &p->round;
    if (!r->name) {
        fputs("no round\n", out);
    } else {
        fputs("round ", out);
        put_text(out, r->name);
        put_title(out, r->title);
        fputc('\n', out);
        for (uint32_t k = 0; k < r->ndates && r->dates; k++) {
            fputs("  date     ", out);
            put_text(out, r->dates[k].name);
            fputs(" = ", out);
            put_day(out, r->dates[k].day);
            fputc('\n', out);
        }
        if (r->horizon != -1) {
            fputs("  horizon  ", out);
            put_const(out, p, r->horizon);
            fputc('\n', out);
        }
        for (uint32_t k = 0; k < r->nhorizons && r->horizons; k++) {
            fputs("  horizon  ", out);
            put_text(out, r->horizons[k].name);
            fputs(" = ", out);
            put_const(out, p, r->horizons[k].window);
            fputc('\n', out);
        }
        if (r->assess != -1) {
            fprintf(out, "  assess   hierarchy %d ", r->assess);
            put_text(out, r->assess >= 0 && r->assess < p->nhiers ? p->hiers[r->assess].name : "?");
            fputc('\n', out);
        }
    }
}

static void put_sources(FILE *out, const BcProgram *p)
{
    if (!p->nsources || !p->sources)
        return;
    fputs("\nsources\n", out);
    for (uint32_t i = 0; i < p->nsources; i++) {
        const BcSource *s = &p->sources[i];
        char hex[65];
        sha256_hex(s->sha256, hex);
        fprintf(out, "  %u  ", i);
        put_text(out, s->path);
        fprintf(out, "  %u bytes  sha256 %s\n", s->len, hex);
    }
}

static void put_schemas(FILE *out, const BcProgram *p)
{
    for (uint32_t i = 0; i < p->nfeeds && p->feeds; i++) {
        const BcFeed *f = &p->feeds[i];
        fprintf(out, "\nfeed %u ", i);
        put_text(out, f->name);
        put_title(out, f->title);
        fputs("\n  org      ", out);
        put_text(out, f->org_col);
        fputs("\n  period   ", out);
        put_text(out, f->period_col);
        fprintf(out, " as %s\n", f->grain <= GRAIN_FY ? grain_name((Grain)f->grain) : "?");
        if (f->vintage_col) {
            fputs("  vintage  ", out);
            put_text(out, f->vintage_col);
            fputc('\n', out);
            if (f->nkey && f->key_cols) {
                fputs("  key      ", out);
                for (uint32_t k = 0; k < f->nkey; k++) {
                    if (k) fputs(", ", out);
                    if (f->key_cols[k] < f->ncolumns && f->columns) put_text(out, f->columns[f->key_cols[k]].name);
                    else fprintf(out, "%u", f->key_cols[k]);
                }
                fputc('\n', out);
            }
        } else {
            fprintf(out, "  lag      %d days\n", f->lag_days);
        }
        if (f->hier != -1) {
            fprintf(out, "  through  hierarchy %d ", f->hier);
            put_text(out, f->hier >= 0 && f->hier < p->nhiers ? p->hiers[f->hier].name : "?");
            fputc('\n', out);
        }
        for (uint32_t k = 0; k < f->ncolumns && f->columns; k++) {
            fprintf(out, "  column %u  ", k);
            put_text(out, f->columns[k].name);
            fprintf(out, ": %s%s\n", type_str(f->columns[k].type), f->columns[k].format == COL_POINTS ? " as points" : "");
        }
        for (uint32_t k = 0; k < p->nrules && p->rules; k++) {
            if (p->rules[k].feed != i) continue;
            fputs("  rule     ", out);
            put_fn(out, p, p->rules[k].filter);
            fputs("  ", out);
            put_text(out, p->rules[k].text);
            fputc('\n', out);
        }
    }
    for (uint32_t i = 0; i < p->nhiers && p->hiers; i++) {
        const BcHierarchy *h = &p->hiers[i];
        fprintf(out, "\nhierarchy %u ", i);
        put_text(out, h->name);
        put_title(out, h->title);
        fputc('\n', out);
        put_listed(out, &bc_layout_hierarchy, h, "  ", 8);
    }
}

static void put_constants(FILE *out, const BcProgram *p)
{
    if (!p->nconsts || !p->consts)
        return;
    fputs("\nconstants\n", out);
    for (uint32_t i = 0; i < p->nconsts; i++) {
        const Value *v = &p->consts[i];
        fprintf(out, "  K%-4u ", i);
        put_value(out, v);
        if (v->kind == V_NUM || v->kind == V_REAL)
            fprintf(out, "  (%s%s)", type_str(v->unit), v->kind == V_REAL ? ", inexact" : "");
        fputc('\n', out);
    }
}

static void put_aggregates(FILE *out, const BcProgram *p)
{
    if (!p->naggs || !p->aggs)
        return;
    fputs("\naggregates\n", out);
    for (uint32_t i = 0; i < p->naggs; i++) {
        fprintf(out, "  G%-4u ", i);
        put_aggregate(out, p, &p->aggs[i]);
        fputc('\n', out);
    }
}

static void put_threshold_of(FILE *out, const BcProgram *p, const char *label, const BcThreshold *t)
{
    fprintf(out, "    %-10s %s ", label, t->cmp <= CMP_GE ? cmp_text[t->cmp] : "?");
    put_fn(out, p, t->value_fn);
    fputs(" in ", out);
    put_fn(out, p, t->window_fn);
    fputc('\n', out);
}

static void put_items(FILE *out, const BcProgram *p)
{
    for (uint32_t i = 0; i < p->ncommits && p->commits; i++) {
        const BcCommitment *c = &p->commits[i];
        fprintf(out, "\ncommitment %u ", i);
        put_text(out, c->name);
        put_title(out, c->title);
        fprintf(out, " (%s%s)\n", c->national ? "national " : "", class_name(c->cls) ? class_name(c->cls) : "?");
        fputs("    measure    ", out);
        put_fn(out, p, c->measure);
        fputc('\n', out);
        put_threshold_of(out, p, "target", &c->target);
        for (uint32_t k = 0; k < c->nmilestones && c->milestones; k++)
            put_threshold_of(out, p, "milestone", &c->milestones[k]);
        if (c->plan_feed != -1) {
            const BcFeed *f = feed_at(p, c->plan_feed);
            fputs("    milestones ", out);
            put_text(out, f && f->name ? f->name : "?");
            fputc('.', out);
            put_text(out, column_name(f, c->plan_column));
            fputc('\n', out);
        }
        if (c->tolerance != -1) {
            fputs("    tolerance  ", out);
            put_const(out, p, c->tolerance);
            fputc('\n', out);
        }
        if (c->missing) fputs("    missing    missed\n", out);
        put_by(out, p, c->by_feed, c->by_column, c->groups, c->ngroups);
        put_listed(out, &bc_layout_commitment, c, "    ", 10);
    }
    for (uint32_t i = 0; i < p->nchecks && p->checks; i++) {
        const BcCheck *c = &p->checks[i];
        fprintf(out, "\ncheck %u ", i);
        put_text(out, c->name);
        put_title(out, c->title);
        fputs(c->national ? " (national)\n" : "\n", out);
        fputs("    require    ", out);
        put_fn(out, p, c->require);
        fputc('\n', out);
        if (c->missing) fputs("    missing    fail\n", out);
        put_by(out, p, c->by_feed, c->by_column, c->groups, c->ngroups);
        put_listed(out, &bc_layout_check, c, "    ", 10);
    }
    for (uint32_t i = 0; i < p->nratings && p->ratings; i++) {
        const BcRating *r = &p->ratings[i];
        fprintf(out, "\nrating %u ", i);
        put_text(out, r->name);
        put_title(out, r->title);
        fputc('\n', out);
        for (uint32_t k = 0; k < r->narms && r->arms; k++) {
            fputs("    ", out);
            put_text(out, r->arms[k].label);
            if (r->arms[k].when == -1) {
                fputs(" otherwise\n", out);
            } else {
                fputs(" when ", out);
                put_fn(out, p, r->arms[k].when);
                fputc('\n', out);
            }
        }
    }
}

static void put_externs(FILE *out, const BcProgram *p)
{
    if (!p->nexterns || !p->externs)
        return;
    fputs("\nexterns\n", out);
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const BcExtern *x = &p->externs[i];
        fprintf(out, "  X%-4u ", i);
        put_quoted(out, x->lib);
        fputs(" fn ", out);
        put_text(out, x->name);
        fputc('(', out);
        for (uint32_t k = 0; k < x->nparams && x->param_types; k++)
            fprintf(out, "%s%s", k ? ", " : "", type_str(x->param_types[k]));
        fprintf(out, "): %s\n", type_str(x->result));
    }
}

/* Where each line of a source starts, built when first quoted. */
typedef struct Lines { uint32_t *start; uint32_t n; bool built; } Lines;

static void build_lines(Lines *l, const BcSource *s)
{
    l->built = true;
    if (!s->text)
        return;
    uint32_t n = 1;
    for (uint32_t i = 0; i < s->len; i++)
        n += s->text[i] == '\n';
    l->start = mem_alloc((size_t)n * sizeof *l->start);
    l->n = 0;
    l->start[l->n++] = 0;
    for (uint32_t i = 0; i < s->len; i++)
        if (s->text[i] == '\n')
            l->start[l->n++] = i + 1;
}

static void put_source_line(FILE *out, const BcProgram *p, Lines *lines, LineInfo li, bool with_path)
{
    if (li.source >= p->nsources || !p->sources)
        return;
    const BcSource *s = &p->sources[li.source];
    Lines *l = &lines[li.source];
    if (!l->built)
        build_lines(l, s);
    if (li.line == 0 || li.line > l->n)
        return;
    uint32_t from = l->start[li.line - 1], to = from;
    while (to < s->len && s->text[to] != '\n')
        to++;
    if (to > from && s->text[to - 1] == '\r')
        to--;
    fputs("                ; ", out);
    if (with_path) {
        put_text(out, s->path);
        fputc(':', out);
    }
    fprintf(out, "%u | ", li.line);
    put_bytes_escaped(out, s->text + from, to - from);
    fputc('\n', out);
}

static void put_operand_comment(FILE *out, const BcProgram *p, unsigned kind, unsigned val, bool *first)
{
    const char *sep = *first ? "  ; " : ", ";
    if (kind == OPK_RK) {
        if (!rk_is_constant((uint16_t)val)) return;
        kind = OPK_K;
        val &= RK_MAX_CONSTANT;
    }
    switch ((OperandKind)kind) {
    case OPK_K:
        fputs(sep, out);
        if (val < p->nconsts)
            put_value(out, &p->consts[val]);
        else
            fputs("?", out);
        break;
    case OPK_F:
        fputs(sep, out);
        put_text(out, fn_name(p, val));
        break;
    case OPK_N:
        fprintf(out, "%s%s", sep, val < BI__COUNT ? builtins[val].name : "?");
        break;
    case OPK_X:
        fputs(sep, out);
        put_text(out, val < p->nexterns && p->externs ? p->externs[val].name : "?");
        break;
    case OPK_G:
        fputs(sep, out);
        if (val < p->naggs && p->aggs)
            put_aggregate(out, p, &p->aggs[val]);
        else
            fputs("?", out);
        break;
    case OPK_H:
        fprintf(out, "%s%s", sep, val < HOST__COUNT ? host_names[val] : "?");
        break;
    default:
        return;
    }
    *first = false;
}

static void put_function(FILE *out, const BcProgram *p, uint32_t i, Lines *lines)
{
    const BcFunction *f = &p->fns[i];
    fprintf(out, "\nfn ");
    put_text(out, f->name);
    fprintf(out, " (%s, %u param%s, %u register%s): %s", f->kind <= FK_FILTER ? bc_fn_kind_names[f->kind] : "?",
            f->nparams, f->nparams == 1 ? "" : "s", f->nregs, f->nregs == 1 ? "" : "s", type_str(f->result));
    fprintf(out, "   F%u\n", i);
    if (f->nparams && f->param_types) {
        fputs("  params", out);
        for (uint32_t k = 0; k < f->nparams; k++)
            fprintf(out, " R%u: %s", k, type_str(f->param_types[k]));
        fputc('\n', out);
    }

    bool have_line = false;
    LineInfo prev = { 0, 0, 0 };
    for (uint32_t pc = 0; pc < f->ncode && f->code; pc++) {
        Instr in = f->code[pc];
        if (f->lines) {
            LineInfo li = f->lines[pc];
            if (!have_line || li.line != prev.line || li.source != prev.source)
                /* the path when the function starts or changes files */
                put_source_line(out, p, lines, li, !have_line || li.source != prev.source);
            have_line = true;
            prev = li;
        }
        if (in.op >= OP__COUNT) {
            fprintf(out, "  %5u  op %u ?\n", pc, in.op);
            continue;
        }
        const OpInfo *oi = &bc_ops[in.op];
        char ops[64] = "";
        size_t n = 0;
        const unsigned kinds[3] = { oi->a, oi->b, oi->c }, vals[3] = { in.a, instr_b(in), in.c };
        for (int k = 0; k < 3; k++) {
            const char *sep = n ? ", " : "";
            int w = 0;
            switch ((OperandKind)kinds[k]) {
            case OPK__: break;
            case OPK_R: w = snprintf(ops + n, sizeof ops - n, "%sR%u", sep, vals[k]); break;
            case OPK_K: w = snprintf(ops + n, sizeof ops - n, "%sK%u", sep, vals[k]); break;
            case OPK_RK:
                w = snprintf(ops + n, sizeof ops - n, "%s%c%u", sep, rk_is_constant((uint16_t)vals[k]) ? 'K' : 'R',
                             vals[k] & RK_MAX_CONSTANT);
                break;
            case OPK_F: w = snprintf(ops + n, sizeof ops - n, "%sF%u", sep, vals[k]); break;
            case OPK_N: w = snprintf(ops + n, sizeof ops - n, "%sN%u", sep, vals[k]); break;
            case OPK_X: w = snprintf(ops + n, sizeof ops - n, "%sX%u", sep, vals[k]); break;
            case OPK_G: w = snprintf(ops + n, sizeof ops - n, "%sG%u", sep, vals[k]); break;
            case OPK_H: w = snprintf(ops + n, sizeof ops - n, "%sH%u", sep, vals[k]); break;
            case OPK_I: w = snprintf(ops + n, sizeof ops - n, "%s%u", sep, vals[k]); break;
            case OPK_J:
                if (k == 1)
                    w = snprintf(ops + n, sizeof ops - n, "%sJ->%lld", sep,
                                 (long long)pc + 1 + instr_jump(in));
                break;
            }
            if (w > 0)
                n += (size_t)w < sizeof ops - n ? (size_t)w : sizeof ops - n - 1;
        }
        fprintf(out, n ? "  %5u  %-12s%s" : "  %5u  %s%s", pc, oi->name, ops);
        /* padding only before a comment: no trailing spaces to trip diffs */
        bool commented = false;
        for (int k = 0; k < 3; k++)
            commented |= kinds[k] != OPK__ && kinds[k] != OPK_R && kinds[k] != OPK_I && kinds[k] != OPK_J &&
                         (kinds[k] != OPK_RK || rk_is_constant((uint16_t)vals[k]));
        if (commented && n < 20)
            fprintf(out, "%*s", (int)(20 - n), "");
        bool first = true;
        for (int k = 0; k < 3; k++)
            put_operand_comment(out, p, kinds[k], vals[k], &first);
        fputc('\n', out);
    }
}

void bc_disasm(const BcProgram *p, FILE *out)
{
    put_header(out, p);
    put_sources(out, p);
    put_schemas(out, p);
    put_constants(out, p);
    put_aggregates(out, p);
    put_items(out, p);
    put_externs(out, p);
    Lines *lines = p->nsources ? mem_calloc(p->nsources, sizeof *lines) : NULL;
    for (uint32_t i = 0; i < p->nfns && p->fns; i++)
        put_function(out, p, i, lines);
    for (uint32_t i = 0; i < p->nsources; i++)
        mem_free(lines[i].start);
    mem_free(lines);
}
