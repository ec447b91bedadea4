/* diag.c: collecting and printing diagnostics. */
#include "lang/diag.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = mem_alloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    return s;
}

static void add(Diags *d, DiagLevel level, Source *src, Span at, const char *fmt, va_list ap)
{
    Diag g = { level, src, at, vformat(fmt, ap), NULL };
    vec_push(&d->list, g);
    d->errors += level == DIAG_ERROR;
    d->warnings += level == DIAG_WARNING;
}

#define DEFINE_LEVEL(fn, level) \
    void fn(Diags *d, Source *src, Span at, const char *fmt, ...) \
    { va_list ap; va_start(ap, fmt); add(d, level, src, at, fmt, ap); va_end(ap); }
DEFINE_LEVEL(diag_error, DIAG_ERROR)
DEFINE_LEVEL(diag_warning, DIAG_WARNING)
DEFINE_LEVEL(diag_note, DIAG_NOTE)

void diag_hint(Diags *d, const char *fmt, ...)
{
    if (d->list.len == 0) return;
    Diag *g = &d->list.items[d->list.len - 1];
    va_list ap;
    va_start(ap, fmt);
    mem_free(g->hint);
    g->hint = vformat(fmt, ap);
    va_end(ap);
}

/* Very long lines (a generated 1 MB line) are shown as a window around the
 * column, so a diagnostic stays readable. */
enum { SHOW_BEFORE = 60, SHOW_AFTER = 60 };

static int utf8_lead(unsigned char c) { return (c & 0xC0) != 0x80; }

/* Byte offset of character column col (1-based) in line[0..len). */
static size_t byte_of_column(const char *line, size_t len, int col)
{
    size_t i = 0;
    for (int c = 1; i < len; i++) {
        if (utf8_lead((unsigned char)line[i])) {
            if (c == col) return i;
            c++;
        }
    }
    return len;
}

static void print_excerpt(FILE *out, const Diag *g, bool color)
{
    size_t len;
    const char *line = source_line(g->src, g->span.first_line, &len);
    if (!line) return;
    size_t at = byte_of_column(line, len, g->span.first_column);
    size_t from = at > SHOW_BEFORE ? at - SHOW_BEFORE : 0;
    size_t to = len - at > SHOW_AFTER ? at + SHOW_AFTER : len;
    while (from > 0 && !utf8_lead((unsigned char)line[from])) from--;
    while (to < len && !utf8_lead((unsigned char)line[to])) to++;
    const char *dots_l = from > 0 ? "..." : "", *dots_r = to < len ? "..." : "";

    char num[16];
    int w = snprintf(num, sizeof num, "%d", g->span.first_line);
    fprintf(out, " %s | %s", num, dots_l);
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)line[i];
        /* control bytes would corrupt the terminal; show them as '?' */
        fputc(c < 0x20 && c != '\t' ? '?' : c, out);
    }
    fprintf(out, "%s\n %*s | %s", dots_r, w, "", dots_l);
    for (size_t i = from; i < at; i++)
        if (utf8_lead((unsigned char)line[i])) fputc(line[i] == '\t' ? '\t' : ' ', out);
    int width = 1;
    if (g->span.last_line == g->span.first_line && g->span.last_column > g->span.first_column)
        width = g->span.last_column - g->span.first_column + 1;
    if (width > SHOW_AFTER) width = SHOW_AFTER;
    fputs(color ? "\033[1;32m^" : "^", out);
    for (int i = 1; i < width; i++) fputc('~', out);
    fputs(color ? "\033[0m\n" : "\n", out);
}

/* Diagnostics are found stage by stage (the parser reports a token before
 * the lexer has read the next), so they are printed in source order: by
 * file, in the order files first appear, then by position. A note stays
 * after the diagnostic it belongs to. */
typedef struct Group { size_t first, count, file_rank; int line, col; } Group;

static int group_cmp(const void *pa, const void *pb)
{
    const Group *a = pa, *b = pb;
    if (a->file_rank != b->file_rank) return a->file_rank < b->file_rank ? -1 : 1;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;     /* stable */
}

static size_t file_rank(const Diags *d, const Source *src)
{
    for (size_t i = 0; i < d->list.len; i++)
        if (d->list.items[i].src == src) return i;
    return 0;
}

void diag_each(const Diags *d, void (*fn)(void *ud, const Diag *g), void *ud)
{
    Group *groups = mem_calloc(d->list.len + 1, sizeof *groups);
    size_t n = 0;
    for (size_t i = 0; i < d->list.len; i++) {
        const Diag *g = &d->list.items[i];
        if (g->level == DIAG_NOTE && n > 0) { groups[n - 1].count++; continue; }
        groups[n++] = (Group){ i, 1, g->src ? file_rank(d, g->src) + 1 : 0, g->span.first_line, g->span.first_column };
    }
    qsort(groups, n, sizeof *groups, group_cmp);
    for (size_t k = 0; k < n; k++)
        for (size_t i = groups[k].first; i < groups[k].first + groups[k].count; i++)
            fn(ud, &d->list.items[i]);
    mem_free(groups);
}

typedef struct PrintTo { FILE *out; bool color; } PrintTo;

static void print_each(void *ud, const Diag *g)
{
    PrintTo *to = ud;
    diag_render(g, to->out, to->color);
}

void diag_print(const Diags *d, FILE *out, bool color)
{
    diag_each(d, print_each, &(PrintTo){ out, color });
}

void diag_render(const Diag *g, FILE *out, bool color)
{
    static const char *const name[] = { "error", "warning", "note" };
    static const char *const tint[] = { "\033[1;31m", "\033[1;35m", "\033[1;36m" };
    {
        if (g->src)
            fprintf(out, "%s:%d:%d: ", g->src->path, g->span.first_line, g->span.first_column);
        else
            fputs("pledge: ", out);     /* about no file in particular: say who speaks */
        fprintf(out, "%s%s:%s %s\n", color ? tint[g->level] : "", name[g->level],
                color ? "\033[0m" : "", g->msg);
        if (g->src) print_excerpt(out, g, color);
        if (g->hint) fprintf(out, " hint: %s\n", g->hint);
    }
}

void diag_free(Diags *d)
{
    for (size_t i = 0; i < d->list.len; i++) {
        mem_free(d->list.items[i].msg);
        mem_free(d->list.items[i].hint);
    }
    vec_free(&d->list);
    d->errors = d->warnings = 0;
}
