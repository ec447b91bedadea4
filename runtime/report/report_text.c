/* report_text.c: the report for a terminal.
 *
 * In order: the round, the date and the inputs; one line per status with
 * its count; what each item asks; a grid of systems by items with the
 * statuses and ratings, split into chunks of columns when it is wider than
 * the terminal; national checks; then each system with its
 * values, thresholds, windows and failed checks' messages.
 *
 * Every line fits style.width columns (a column is a UTF-8 code point) and
 * none ends in a space; text from rule files and feeds has its control
 * characters replaced, so a name cannot move the cursor or change colours. */
#include "report/report.h"
#include "base/utf8.h"
#include <string.h>

enum { MIN_WIDTH = 32, STATUS_WIDTH = 9 };

/* ANSI SGR parameters per status (value.h order): green for what holds,
 * yellow for off track, red for what failed, dim for not yet and unknown. */
static const char *const status_color[ST__COUNT] = { "32", "31", "32", "33", "2", "2", "32", "31", "36" };

/* ---- lines ---------------------------------------------------------------------- */

typedef struct Term {
    FILE *out;
    bool  color;
    int   width;
    char *line;                 /* the line being built, escapes included */
    size_t len, cap;
    int   cols;                 /* its width on screen */
} Term;

static void raw(Term *t, const char *s, size_t n)
{
    if (t->cap - t->len < n + 1) {
        while (t->cap - t->len < n + 1) t->cap = t->cap ? t->cap * 2 : 256;
        t->line = mem_realloc(t->line, t->cap);
    }
    memcpy(t->line + t->len, s, n);
    t->len += n;
    t->line[t->len] = '\0';
}

/* Writes the line without its trailing spaces. Padding never precedes an
 * escape, so trailing spaces are always the last bytes. */
static void end_line(Term *t)
{
    while (t->len > 0 && t->line && t->line[t->len - 1] == ' ') t->len--;
    if (t->len) fwrite(t->line, 1, t->len, t->out);
    fputc('\n', t->out);
    t->len = 0;
    t->cols = 0;
}

static void pad_to(Term *t, int col)
{
    while (t->cols < col) {
        raw(t, " ", 1);
        t->cols++;
    }
}

static void sgr(Term *t, const char *params)
{
    if (!t->color) return;
    raw(t, "\x1b[", 2);
    raw(t, params, strlen(params));
    raw(t, "m", 1);
}

static void sgr_reset(Term *t)
{
    sgr(t, "0");
}

/* The length of the character at s (n bytes left) and what to print for
 * it: itself, or '?' for a control character or a byte that is not UTF-8
 * (a space for tabs, line breaks and no-break spaces). */
static size_t next_char(const char *s, size_t n, const char **show, size_t *shown)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = utf8_char(p, n);
    if (len == 2 && p[0] == 0xC2 && p[1] == 0xA0) {
        /* a no-break space holds words together for put_wrapped; it prints
         * as a plain one, so what people copy and grep is plain text */
        *show = " ";
        *shown = 1;
        return 2;
    }
    bool control = len == 0 || p[0] < 0x20 || p[0] == 0x7F || (p[0] == 0xC2 && p[1] < 0xA0);
    if (!control) {
        *show = s;
        *shown = len;
        return len;
    }
    bool space = p[0] == '\t' || p[0] == '\n' || p[0] == '\r';
    *show = space ? " " : "?";
    *shown = 1;
    return len ? len : 1;
}

/* The length of the white space character at s (n bytes left), or 0:
 * ASCII's, and the Unicode spaces NHS files carry (U+00A0 after a name). */
static size_t space_len(const unsigned char *s, size_t n)
{
    if (n >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r')) return 1;
    if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0) return 2;
    if (n < 3) return 0;
    if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] <= 0x8B || s[2] == 0xAF)) return 3;   /* U+2000..200B, U+202F */
    if ((s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) || (s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)) return 3;
    return 0;
}

/* Data texts lose the white space at their ends: it would only show as
 * a gap before what follows, or as a trailing space. */
static void trim(const char **s, size_t *n)
{
    const unsigned char *p = (const unsigned char *)*s;
    size_t k;
    while (*n && (k = space_len(p, *n))) {
        p += k;
        *n -= k;
    }
    for (bool more = true; more && *n;) {
        more = false;
        for (k = 1; k <= 3 && k <= *n; k++)
            if (space_len(p + *n - k, k) == k) {
                *n -= k;
                more = true;
                break;
            }
    }
    *s = (const char *)p;
}

/* Columns the text takes once printed. */
static int text_cols(const char *s, size_t n)
{
    int cols = 0;
    const char *show;
    size_t shown;
    for (size_t i = 0; i < n; cols++) i += next_char(s + i, n - i, &show, &shown);
    return cols;
}

/* Appends at most max columns of s; a text cut short ends in "...". */
static void put_fit(Term *t, const char *s, size_t n, int max)
{
    trim(&s, &n);
    int cols = text_cols(s, n);
    int keep = cols <= max ? cols : max > 3 ? max - 3 : max;
    const char *show;
    size_t shown;
    for (size_t i = 0; keep > 0 && i < n; keep--) {
        i += next_char(s + i, n - i, &show, &shown);
        raw(t, show, shown);
        t->cols++;
    }
    if (cols > max && max > 3) {
        raw(t, "...", 3);
        t->cols += 3;
    }
}

static void put(Term *t, const char *s)
{
    put_fit(t, s, strlen(s), t->width);
}

/* Appends words, a space before each unless the line is empty or ends in
 * one, starting a new line indented by hang whenever the next word would
 * pass the width; a word wider than a whole line is cut. */
static void put_wrapped(Term *t, const char *s, size_t n, int hang)
{
    if (hang > t->width / 2) hang = 4;
    trim(&s, &n);
    size_t i = 0;
    while (i < n) {
        while (i < n && s[i] == ' ') i++;
        size_t w = i;
        while (w < n && s[w] != ' ') w++;
        if (w == i) break;
        int cols = text_cols(s + i, w - i);
        int gap = t->len > 0 && t->line[t->len - 1] != ' ';
        if (t->cols + gap + cols > t->width && t->cols > hang) {
            end_line(t);
            pad_to(t, hang);
            gap = 0;
        }
        if (gap) {
            raw(t, " ", 1);
            t->cols++;
        }
        /* a word longer than the room left: in pieces, line by line */
        const char *show;
        size_t shown;
        for (size_t k = i; k < w;) {
            if (t->cols >= t->width) {
                end_line(t);
                pad_to(t, hang);
            }
            k += next_char(s + k, w - k, &show, &shown);
            raw(t, show, shown);
            t->cols++;
        }
        i = w;
    }
}

static void wrapped(Term *t, const char *s, int hang)
{
    put_wrapped(t, s, strlen(s), hang);
}

static void heading(Term *t, const char *s)
{
    fputc('\n', t->out);
    sgr(t, "1");
    put(t, s);
    sgr_reset(t);
    end_line(t);
}

static void status_word(Term *t, uint8_t status)
{
    if (status < ST__COUNT) sgr(t, status_color[status]);
    put(t, report_status(status));
    if (status < ST__COUNT) sgr_reset(t);
}

/* ---- small texts ---------------------------------------------------------------- */

/* A phrase being put together before it is wrapped; a text too long for
 * it is cut at a character boundary. */
typedef struct Buf { char s[1024]; size_t len; } Buf;

static void add(Buf *b, const char *s)
{
    size_t n = strlen(s);
    if (n > sizeof b->s - 1 - b->len) {
        n = sizeof b->s - 1 - b->len;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void add_count(Buf *b, uint64_t n)
{
    char tmp[64];
    report_display(val_num(num_int((int64_t)(n > INT64_MAX ? INT64_MAX : n)), T_COUNT), tmp, sizeof tmp);
    add(b, tmp);
}

static void add_value(Buf *b, Value v)
{
    char tmp[64];
    report_display(v, tmp, sizeof tmp);
    add(b, tmp);
}

#define NBSP "\xC2\xA0"

/* s with its spaces made no-break ones: "2020/21 Q4" is one word to wrap. */
static void add_glued(Buf *b, const char *s)
{
    for (const char *sp; (sp = strchr(s, ' ')); s = sp + 1) {
        char part[64];
        size_t n = (size_t)(sp - s) < sizeof part ? (size_t)(sp - s) : sizeof part - 1;
        memcpy(part, s, n);
        part[n] = '\0';
        add(b, part);
        add(b, NBSP);
    }
    add(b, s);
}

static void add_window(Buf *b, Value w)
{
    char tmp[64];
    report_window(w, tmp, sizeof tmp);
    add_glued(b, tmp);
}

/* ">= 95.0%", kept on one line */
static void add_test(Buf *b, uint8_t cmp, Value threshold)
{
    add(b, report_cmp_name(cmp));
    add(b, NBSP);
    add_value(b, threshold);
}

/* ">= 95.0% in 2023/24" */
static void add_mark(Buf *b, const ReportMark *m)
{
    add_test(b, m->cmp, m->threshold);
    add(b, " in ");
    add_window(b, m->window);
}

static const ReportItem *item_of(const Report *r, const ReportResult *res)
{
    return res->item < r->nitems ? &r->items[res->item] : NULL;
}

static const char *system_code(const Report *r, uint32_t s)
{
    return s < r->nsystems && r->systems[s].code ? r->systems[s].code : "?";
}

static const char *class_word(const ReportItem *it)
{
    const char *name = class_name(it->cls);
    return name ? name : "";
}

/* ---- the header, inputs and summary ------------------------------------------- */

static void write_header(Term *t, const Report *r)
{
    char day[16];
    period_format((Period){ GRAIN_DAY, r->as_of }, day, sizeof day);
    sgr(t, "1");
    if (r->round) {
        put(t, r->round);
        sgr_reset(t);
        if (r->round_title) {
            raw(t, ":", 1);
            t->cols++;
            wrapped(t, r->round_title, 2);
        }
    } else {
        put(t, "Assessment");
        sgr_reset(t);
    }
    end_line(t);
    Buf b = { .len = 0 };
    add(&b, "As of ");
    add(&b, day);
    if (r->engine) {
        add(&b, ", by ");
        add(&b, r->engine);
    }
    if (r->rules) {
        add(&b, ", rules ");
        add(&b, r->rules);
    }
    wrapped(t, b.s, 2);
    end_line(t);
}

/* "  ae: feed, 12,345 rows (2 skipped; 120 unmapped, from 3 organisations
 *  in no system), examples/data/nhs/ae_attendances.csv": the rows read,
 *  the bad ones skipped among them (--on-bad-row=skip), each part only when
 *  there are some */
static void write_inputs(Term *t, const Report *r)
{
    if (!r->ninputs) return;
    heading(t, "Inputs");
    for (size_t i = 0; i < r->ninputs; i++) {
        const ReportInput *in = &r->inputs[i];
        Buf b = { .len = 0 };
        add(&b, in->name ? in->name : "?");
        add(&b, ": ");
        add(&b, in->kind ? in->kind : "input");
        add(&b, ", ");
        add_count(&b, in->rows);
        add(&b, in->rows == 1 ? " row" : " rows");
        if (in->skipped_rows || in->unmapped_rows) add(&b, " (");
        if (in->skipped_rows) {
            add_count(&b, in->skipped_rows);
            add(&b, " skipped");
        }
        if (in->skipped_rows && in->unmapped_rows) add(&b, "; ");
        if (in->unmapped_rows) {
            add_count(&b, in->unmapped_rows);
            add(&b, " unmapped, from ");
            add_count(&b, in->unmapped_orgs);
            add(&b, in->unmapped_orgs == 1 ? " organisation" : " organisations");
            add(&b, " in no system");
        }
        if (in->skipped_rows || in->unmapped_rows) add(&b, ")");
        add(&b, ",");
        pad_to(t, 2);
        wrapped(t, b.s, 4);
        wrapped(t, in->path ? in->path : "-", 4);
        end_line(t);
    }
}

/* Each variation given: what it varies for whom, why, who agreed it and
 * when, and whether it is in force on the day. */
static void write_variations(Term *t, const Report *r)
{
    if (!r->nvariations) return;
    heading(t, "Variations");
    for (size_t i = 0; i < r->nvariations; i++) {
        const ReportVariation *v = &r->variations[i];
        Buf b = { .len = 0 };
        char what[512], from[16], until[16];
        period_format((Period){ GRAIN_DAY, v->agreed_on }, from, sizeof from);
        period_format((Period){ GRAIN_DAY, v->until }, until, sizeof until);
        add(&b, v->name);
        add(&b, v->in_force ? " (in force): " : " (not in force on the day): ");
        add(&b, v->rule_name);
        add(&b, " for ");
        for (size_t k = 0; k < v->nsystems; k++) {
            if (k) add(&b, ", ");
            add(&b, v->systems[k]);
        }
        add(&b, ", ");
        add(&b, report_variation_what(v, what, sizeof what));
        add(&b, "; reason: ");
        add(&b, v->reason);
        add(&b, "; agreed by ");
        add(&b, v->agreed_by);
        add(&b, " on ");
        add(&b, from);
        add(&b, ", until ");
        add(&b, until);
        pad_to(t, 2);
        wrapped(t, b.s, 4);
        end_line(t);
    }
}

static void write_summary(Term *t, const Report *r)
{
    size_t count[ST__COUNT] = { 0 };
    for (size_t i = 0; i < r->nresults; i++)
        if (r->results[i].status < ST__COUNT) count[r->results[i].status]++;
    Buf b = { .len = 0 };
    add(&b, "Summary: ");
    add_count(&b, r->nresults);
    add(&b, r->nresults == 1 ? " result" : " results");
    add(&b, " for ");
    add_count(&b, r->nsystems);
    add(&b, r->nsystems == 1 ? " system" : " systems");
    heading(t, b.s);
    for (int s = 0; s < ST__COUNT; s++) {
        if (!count[s]) continue;
        Buf n = { .len = 0 };
        add_count(&n, count[s]);
        pad_to(t, 2);
        status_word(t, (uint8_t)s);
        pad_to(t, 2 + STATUS_WIDTH + 8 - text_cols(n.s, n.len));
        put(t, n.s);
        end_line(t);
    }
}

/* What each item is: "  ae_standard  95% of ... (foundational commitment;
 * target >= 95.0% in 2023/24; milestones >= 90.0% in 2019/20)". */
static void write_items(Term *t, const Report *r, int idw)
{
    if (!r->nitems) return;
    heading(t, "Items");
    bool below = 2 + idw + 2 > t->width / 2;      /* too narrow for a column of ids */
    int hang = below ? 4 : 2 + idw + 2;
    for (size_t i = 0; i < r->nitems; i++) {
        const ReportItem *it = &r->items[i];
        pad_to(t, 2);
        put_fit(t, it->id, strlen(it->id), idw);
        if (below) end_line(t);
        pad_to(t, hang);
        Buf b = { .len = 0 };
        add(&b, it->title ? it->title : "");
        add(&b, " (");
        if (it->kind == ITEM_COMMITMENT) {
            if (it->national) add(&b, "national ");
            add(&b, class_word(it));
            add(&b, " commitment; target ");
            add_mark(&b, &it->target);
            for (size_t m = 0; m < it->nmilestones; m++) {
                add(&b, m ? ", " : "; milestones ");
                add_mark(&b, &it->milestones[m]);
            }
            if (it->plan_milestones) add(&b, "; milestones from each system's plan");
            if (!val_is_missing(it->tolerance)) {
                add(&b, "; tolerance" NBSP);
                add_value(&b, it->tolerance);
            }
        } else {
            add(&b, item_kind_name[it->kind < 3 ? it->kind : ITEM_CHECK]);
        }
        add(&b, ")");
        wrapped(t, b.s, hang);
        end_line(t);
    }
}

/* ---- grids of systems --------------------------------------------------------- */

/* A grid: one row per system, one column per item (or rating). */
typedef struct Grid {
    const char **heads;         /* per column */
    const char **cells;         /* nsystems x ncols: the text, or NULL for "-" */
    uint8_t     *status;        /* per cell: a Status to colour it, or ST__COUNT */
    uint8_t     *incomplete;    /* per cell: marked with INCOMPLETE_MARK */
    size_t       ncols;
} Grid;

/* Follows a verdict that does not stand on all the data it needs. */
#define INCOMPLETE_MARK "*"

/* Whether a result's verdict should carry INCOMPLETE_MARK. */
static bool marked_incomplete(const ReportResult *res)
{
    return res->judged != JUDGED_NONE && !result_complete(res);
}

static int grid_col_width(const Report *r, const Grid *g, size_t c)
{
    int w = text_cols(g->heads[c], strlen(g->heads[c]));
    for (size_t s = 0; s < r->nsystems; s++) {
        const char *cell = g->cells[s * g->ncols + c];
        int cw = (cell ? text_cols(cell, strlen(cell)) : 1) + g->incomplete[s * g->ncols + c];
        if (cw > w) w = cw;
    }
    return w;
}

static int max_system_cols(const Report *r, bool names)
{
    int w = 0;
    for (size_t s = 0; s < r->nsystems; s++) {
        const char *x = names ? r->systems[s].name : system_code(r, (uint32_t)s);
        int cw = x ? text_cols(x, strlen(x)) : 0;
        if (cw > w) w = cw;
    }
    return w;
}

static void grid_row(Term *t, const Report *r, const Grid *g, size_t s, size_t c0, size_t c1,
                     const int *widths, int codew, int namew)
{
    const char *code = system_code(r, (uint32_t)s), *name = r->systems[s].name;
    put_fit(t, code, strlen(code), codew);
    int col = codew + 2;
    if (namew) {
        pad_to(t, col);
        if (name) put_fit(t, name, strlen(name), namew);
        col += namew + 2;
    }
    for (size_t c = c0; c < c1; c++) {
        const char *cell = g->cells[s * g->ncols + c];
        uint8_t st = g->status[s * g->ncols + c];
        pad_to(t, col);
        if (st < ST__COUNT) sgr(t, status_color[st]);
        bool mark = g->incomplete[s * g->ncols + c];
        put_fit(t, cell ? cell : "-", cell ? strlen(cell) : 1, widths[c] - mark);
        if (st < ST__COUNT) sgr_reset(t);
        if (mark) put(t, INCOMPLETE_MARK);
        col += widths[c] + 2;
    }
    end_line(t);
}

static void grid_head(Term *t, const Grid *g, size_t c0, size_t c1, const int *widths, int codew, int namew)
{
    put(t, "System");
    int col = codew + 2 + (namew ? namew + 2 : 0);
    for (size_t c = c0; c < c1; c++) {
        pad_to(t, col);
        put_fit(t, g->heads[c], strlen(g->heads[c]), widths[c]);
        col += widths[c] + 2;
    }
    end_line(t);
    int rule = col - 2;
    for (int i = 0; i < rule && i < t->width; i++) raw(t, "-", 1);
    t->cols = rule;
    end_line(t);
}

/* The end of the chunk of columns from c0 that fits in room columns (a
 * gap of two before each); *used gets its width. At least one column. */
static size_t chunk_end(const int *widths, size_t ncols, size_t c0, int room, int *used)
{
    size_t c1 = c0 + 1;
    *used = 2 + widths[c0];
    while (c1 < ncols && *used + 2 + widths[c1] <= room) *used += 2 + widths[c1++];
    return c1;
}

/* Prints the grid in chunks of columns that fit the width, each chunk with
 * the systems' codes, and their names when every chunk leaves room for at
 * least 12 columns of them. */
static void write_grid(Term *t, const Report *r, const Grid *g)
{
    int codew = max_system_cols(r, false);
    if (codew < 6) codew = 6;                       /* "System" */
    if (codew > t->width / 3) codew = t->width / 3;
    int room = t->width - codew;
    int *widths = mem_calloc(g->ncols, sizeof *widths);
    for (size_t c = 0; c < g->ncols; c++) {
        widths[c] = grid_col_width(r, g, c);
        if (widths[c] > room - 2) widths[c] = room - 2;
    }
    int widest = 0, used;
    for (size_t c0 = 0; c0 < g->ncols;) {
        c0 = chunk_end(widths, g->ncols, c0, room, &used);
        if (used > widest) widest = used;
    }
    int namew = room - widest - 2, names = max_system_cols(r, true);
    if (namew > names) namew = names;
    if (namew < 12) namew = 0;
    for (size_t c0 = 0; c0 < g->ncols;) {
        size_t c1 = chunk_end(widths, g->ncols, c0, room, &used);
        fputc('\n', t->out);
        grid_head(t, g, c0, c1, widths, codew, namew);
        for (size_t s = 0; s < r->nsystems; s++) grid_row(t, r, g, s, c0, c1, widths, codew, namew);
        c0 = c1;
    }
    mem_free(widths);
}

static Grid grid_new(const Report *r, size_t ncols)
{
    size_t n = r->nsystems * ncols + 1;
    Grid g = { mem_calloc(ncols + 1, sizeof *g.heads), mem_calloc(n, sizeof *g.cells),
               mem_alloc(n), mem_calloc(n, 1), ncols };
    memset(g.status, ST__COUNT, n);
    return g;
}

static void grid_free(Grid *g)
{
    mem_free(g->heads);
    mem_free(g->cells);
    mem_free(g->status);
    mem_free(g->incomplete);
}

/* The overview: a row per system, a column per item of systems (national
 * commitments and checks have a section of their own), then a column per rating. */
static void write_overview(Term *t, const Report *r)
{
    size_t *column = mem_calloc(r->nitems + 1, sizeof *column);
    size_t ncols = 0;
    for (size_t i = 0; i < r->nitems; i++)
        column[i] = report_item_national(&r->items[i]) ? SIZE_MAX : ncols++;
    size_t nitem_cols = ncols;
    ncols += r->nrating_decls;
    if (ncols && r->nsystems) {
        Grid g = grid_new(r, ncols);
        bool any_incomplete = false;
        for (size_t i = 0; i < r->nitems; i++)
            if (column[i] != SIZE_MAX) g.heads[column[i]] = r->items[i].id ? r->items[i].id : "?";
        for (size_t d = 0; d < r->nrating_decls; d++)
            g.heads[nitem_cols + d] = r->rating_decls[d].id ? r->rating_decls[d].id : "?";
        for (size_t k = 0; k < r->nresults; k++) {
            const ReportResult *res = &r->results[k];
            if (res->system >= r->nsystems || res->item >= r->nitems || column[res->item] == SIZE_MAX) continue;
            size_t cell = res->system * ncols + column[res->item];
            g.cells[cell] = report_status(res->status);
            g.status[cell] = res->status;
            g.incomplete[cell] = marked_incomplete(res);
            any_incomplete |= g.incomplete[cell];
        }
        for (size_t k = 0; k < r->nratings; k++) {
            const ReportRating *ra = &r->ratings[k];
            if (ra->system < r->nsystems && ra->rating < r->nrating_decls)
                g.cells[ra->system * ncols + nitem_cols + ra->rating] = ra->label;
        }
        heading(t, r->nrating_decls ? "Statuses and ratings" : "Statuses");
        write_grid(t, r, &g);
        if (any_incomplete) {
            fputc('\n', t->out);
            wrapped(t, INCOMPLETE_MARK " incomplete: not every return the verdict needs is in (the result below says how many)", 2);
            end_line(t);
        }
        grid_free(&g);
    }
    mem_free(column);
}

/* ---- one result, in words -------------------------------------------------------- */

/* "94.2% in 2019/20 (milestone >= 90.0%, tolerance 0.5pp); data from 5 of
 * 6 organisations" for a commitment; a failed check's message. */
static void describe_incomplete(Buf *b, const ReportResult *res, bool first);

/* A check's comparisons, "-£18m >= £0, 90.5% <= 92.0%", after its message */
static void add_operands(Buf *b, const ReportResult *res)
{
    for (size_t i = 0; i < res->noperands; i++) {
        const ReportOperands *o = &res->operands[i];
        char v[64];
        add(b, i ? ", " : b->len ? "; " : "");
        report_display_vs(o->left, o->right, v, sizeof v);
        add(b, v);
        add(b, NBSP);
        add(b, report_cmp_name(o->cmp));
        add(b, NBSP);
        report_display(o->right, v, sizeof v);
        add(b, v);
    }
}

/* ", needed 59,541 fewer sum(ae.breaches) (4,962 a month)" after the gap */
static void add_needed(Buf *b, const ReportItem *it, const ReportResult *res)
{
    char needed[320];
    if (!report_needed(it, &res->needed, needed, sizeof needed)) return;
    add(b, ", needed" NBSP);
    add(b, needed);
}

static void describe(Buf *b, const ReportItem *it, const ReportResult *res, const ReportVariation *v)
{
    if (!it || it->kind != ITEM_COMMITMENT) {
        if (res->by_missing) add(b, "no value: missing counts as fail (missing = fail)");
        else if (res->status == ST_FAIL) add(b, it && it->message ? it->message : "failed");
        add_operands(b, res);
        describe_incomplete(b, res, b->len == 0);
        return;
    }
    if (res->no_plan_date) {
        add(b, "the system's plan gives no date for the target");
        return;
    }
    if (res->status == ST_NOT_DUE || res->judged == JUDGED_NONE) {
        add(b, "target ");
        add_mark(b, v && !v->exempt ? &v->target : &it->target);
        return;
    }
    if (val_is_missing(res->value)) {
        add(b, "no value for ");
    } else {
        char value[64];
        report_display_vs(res->value, res->threshold, value, sizeof value);
        add(b, value);
        add(b, " in ");
    }
    add_window(b, res->window);
    bool milestone = res->judged == JUDGED_MILESTONE;
    add(b, milestone ? " (milestone " : " (target ");
    bool own = milestone && res->milestone >= 0 && (size_t)res->milestone < res->nmarks;
    add_test(b, own ? res->marks[res->milestone].cmp : v && !v->exempt ? v->target.cmp : it->target.cmp,
             res->threshold);
    if (milestone && !val_is_missing(it->tolerance)) {
        add(b, ", tolerance" NBSP);
        add_value(b, it->tolerance);
    }
    add(b, ")");
    if (!val_is_missing(res->gap)) {
        char gap[72];
        report_gap(res->gap, gap, sizeof gap);
        add(b, ", gap" NBSP);
        add(b, gap);
    }
    add_needed(b, it, res);
    if (res->by_missing) {
        add(b, "; missing counts as ");
        add(b, res->status == ST_MISSED ? "missed" : "off_track");
    }
    if (res->keyed_by_system) {
        /* its rows are the system's own (a plan): not a coverage of members */
        add(b, "; figures for the system as a whole");
    } else if (res->coverage < res->members) {
        add(b, "; data from ");
        add_count(b, res->coverage);
        add(b, " of ");
        add_count(b, res->members);
        add(b, res->members == 1 ? " organisation" : " organisations");
    }
    describe_incomplete(b, res, false);
}

/* "; *incomplete: 130 of 132 returns in, 2 systems without a value left out"
 * (a return: one organisation's rows for one period of a feed) */
static void describe_incomplete(Buf *b, const ReportResult *res, bool first)
{
    if (!marked_incomplete(res)) return;
    add(b, first ? INCOMPLETE_MARK "incomplete: " : "; " INCOMPLETE_MARK "incomplete: ");
    if (res->cells_present < res->cells_expected) {
        add_count(b, res->cells_present);
        add(b, " of ");
        add_count(b, res->cells_expected);
        add(b, " returns in");
        if (res->across_missing) add(b, ", ");
    }
    if (res->across_missing) {
        add_count(b, res->across_missing);
        add(b, res->across_missing == 1 ? " system without a value left out" : " systems without a value left out");
    }
}

/* "  ae_standard   on_track   94.2% in 2019/20 (...)" */
static void write_result(Term *t, const Report *r, const ReportResult *res, int idw)
{
    const ReportItem *it = item_of(r, res);
    const char *id = it ? it->id : "?";
    pad_to(t, 2);
    put_fit(t, id, strlen(id), idw);
    pad_to(t, 2 + idw + 2);
    status_word(t, res->status);
    Buf b = { .len = 0 };
    const ReportVariation *v = report_variation(r, res);
    describe(&b, it, res, v);
    if (v) {
        /* nothing hidden: which variation, and what the round's rule gives */
        add(&b, b.len ? "; " : "");
        add(&b, v->exempt ? "exempt by variation " : "under variation ");
        add(&b, v->name);
        add(&b, " until ");
        char day[16];
        period_format((Period){ GRAIN_DAY, v->until }, day, sizeof day);
        add(&b, day);
        add(&b, "; by the round's rule: ");
        add(&b, report_status(res->unvaried));
    }
    int hang = 2 + idw + 2 + STATUS_WIDTH + 2;
    if (hang > t->width / 2 && b.len) {
        /* too narrow for a column of its own: the words go below */
        end_line(t);
        hang = 4;
    }
    pad_to(t, hang);
    wrapped(t, b.s, hang);
    end_line(t);
}

static void write_national(Term *t, const Report *r, int idw)
{
    bool any = false, commitments = false, checks = false;
    for (size_t k = 0; k < r->nresults; k++) {
        const ReportResult *res = &r->results[k];
        if (res->system != REPORT_NATIONAL || res->item >= r->nitems) continue;
        commitments |= r->items[res->item].kind == ITEM_COMMITMENT;
        checks |= r->items[res->item].kind != ITEM_COMMITMENT;
    }
    for (size_t k = 0; k < r->nresults; k++) {
        if (r->results[k].system != REPORT_NATIONAL) continue;
        if (!any) heading(t, !commitments ? "National checks" : checks ? "National commitments and checks"
                                                                      : "National commitments");
        any = true;
        write_result(t, r, &r->results[k], idw);
    }
}

/* Ratings are system-major (results.h): *k walks them once over all systems. */
static void write_system_ratings(Term *t, const Report *r, uint32_t s, size_t *k)
{
    for (; *k < r->nratings && r->ratings[*k].system <= s; ++*k) {
        const ReportRating *ra = &r->ratings[*k];
        if (ra->system != s || ra->rating >= r->nrating_decls) continue;
        const ReportRatingDecl *d = &r->rating_decls[ra->rating];
        Buf b = { .len = 0 };
        add(&b, "rating ");
        add(&b, d->id);
        add(&b, ": ");
        add(&b, ra->label ? ra->label : "none (no label applied)");
        pad_to(t, 2);
        wrapped(t, b.s, 4);
        end_line(t);
    }
}

/* One block per system: its name, members and rating, then every result.
 * Results and ratings are system-major (results.h): one pass over each, so
 * tens of thousands of systems take no longer than their results do. */
static void write_systems(Term *t, const Report *r, int idw)
{
    size_t k = 0, j = 0;
    for (uint32_t s = 0; s < r->nsystems; s++) {
        const ReportSystem *sys = &r->systems[s];
        fputc('\n', t->out);
        sgr(t, "1");
        put(t, system_code(r, s));
        sgr_reset(t);
        if (sys->name) {
            raw(t, " ", 1);
            t->cols++;
            wrapped(t, sys->name, 2);
        }
        Buf b = { .len = 0 };
        add(&b, "(");
        add_count(&b, sys->members);
        add(&b, sys->members == 1 ? " member)" : " members)");
        wrapped(t, b.s, 2);
        end_line(t);
        write_system_ratings(t, r, s, &j);
        for (; k < r->nresults && r->results[k].system <= s; k++)
            if (r->results[k].system == s) write_result(t, r, &r->results[k], idw);
    }
}

/* The item column of result lines: as wide as the longest id, within a
 * third of the width. */
static int id_width(const Report *r, int width)
{
    int w = 4;
    for (size_t i = 0; i < r->nitems; i++) {
        int c = text_cols(r->items[i].id, strlen(r->items[i].id));
        if (c > w) w = c;
    }
    return w > width / 3 ? width / 3 : w;
}

bool report_text(const Report *r, FILE *out, ReportStyle style)
{
    Term t = { .out = out, .color = style.color, .width = style.width > 0 ? style.width : 80 };
    if (t.width < MIN_WIDTH) t.width = MIN_WIDTH;
    int idw = id_width(r, t.width);
    write_header(&t, r);
    write_inputs(&t, r);
    write_variations(&t, r);
    write_summary(&t, r);
    write_items(&t, r, idw);
    write_overview(&t, r);
    write_national(&t, r, idw);
    write_systems(&t, r, idw);
    mem_free(t.line);
    return !ferror(out);
}
