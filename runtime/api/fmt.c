/* fmt.c: pledge_fmt, the canonical layout of rule files (§8).
 *
 * The layout is a matter of lines, so comments and the author's line
 * breaks stay where they are: each line is indented four spaces per open
 * brace; a line that goes on with an expression is at least one step
 * deeper, and keeps a deeper indent its author gave it (to line up under
 * what it continues); in a run of `name = value` lines of one block the `=`
 * signs line up; tabs, trailing spaces and extra blank lines go; the file
 * ends with one newline. Text inside a block comment is left alone.
 *
 * A file is rewritten only if it checks, and only if the formatted text
 * compiles to the same program (the same instructions, constants and
 * tables, whatever the line numbers): fmt can move text, never meaning. */
#include "api/api.h"
#include "lang/source.h"
#include "vm/compile.h"
#include "vm/plb.h"
#include "base/outfile.h"
#include "base/utf8.h"
#include <ctype.h>
#include <string.h>

typedef VEC(char) Chars;

static void put(Chars *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) vec_push(t, s[i]);
}

/* One source line, its code part classified. */
typedef struct Line {
    const char *s;          /* without indentation or trailing spaces */
    size_t      len;
    int         depth;      /* braces open before it */
    int         brackets;   /* ( and [ open before it */
    bool        closes;     /* starts with } */
    bool        in_comment; /* starts inside a block comment: left as it is */
    bool        continues;  /* it goes on with an expression begun above */
    int         columns;    /* the indent the author gave it (a tab as 4) */
    size_t      eq;         /* `name = …`: the offset of `=`, else 0 */
} Line;

/* What may begin a declaration at the top level. */
static bool starts_declaration(const char *s, size_t n)
{
    static const char *const words[] = { "round", "import", "feed", "hierarchy", "let", "fn", "extern", "metric",
                                         "foundational", "transformation", "commitment", "check", "national",
                                         "rating", "test", "//", "/*", "}" };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t k = strlen(words[i]);
        if (n >= k && memcmp(s, words[i], k) == 0 && (k == n || !isalnum((unsigned char)s[k]) || !isalpha((unsigned char)words[i][0])))
            return true;
    }
    return false;
}

/* What can only go on with an expression: an operator or a word of one. */
static bool starts_continuation(const char *s, size_t n)
{
    static const char *const words[] = { "and ", "or ", "then ", "else ", "when ", "in ", "where ", "not " };
    if (n && strchr("+-*/<>=!)]", s[0]) && !(n > 1 && s[0] == '/' && s[1] == '/')) return true;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (n >= strlen(words[i]) && memcmp(s, words[i], strlen(words[i])) == 0) return true;
    return false;
}

/* Scans one line's code, updating the open braces, brackets and comment
 * state; returns the last code character (0 if none). */
static char scan(const char *s, size_t n, int *depth, int *brackets, bool *comment)
{
    char last = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (*comment) {
            if (c == '*' && i + 1 < n && s[i + 1] == '/') { *comment = false; i++; }
            continue;
        }
        if (c == '/' && i + 1 < n && s[i + 1] == '/') break;
        if (c == '/' && i + 1 < n && s[i + 1] == '*') { *comment = true; i++; continue; }
        if (c == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\') i++;
            last = '"';
            continue;
        }
        if (c == '{') (*depth)++;
        else if (c == '}') (*depth)--;
        else if (c == '(' || c == '[') (*brackets)++;
        else if (c == ')' || c == ']') (*brackets)--;
        if (!isspace((unsigned char)c)) last = c;
    }
    return last;
}

/* `name = value` (not `==`): where its `=` is. */
static size_t attr_eq(const char *s, size_t n)
{
    size_t i = 0;
    if (i >= n || !(isalpha((unsigned char)s[i]) || s[i] == '_')) return 0;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_')) i++;
    size_t name_end = i;
    while (i < n && s[i] == ' ') i++;
    if (i >= n || s[i] != '=' || (i + 1 < n && s[i + 1] == '=')) return 0;
    return name_end == 0 ? 0 : i;
}

static size_t name_len(const Line *l)
{
    size_t k = 0;
    while (k < l->len && (isalnum((unsigned char)l->s[k]) || l->s[k] == '_')) k++;
    return k;
}

/* The canonical layout of text[0 .. n). */
static char *layout(const char *text, size_t n, size_t *outlen)
{
    VEC(Line) lines = { 0 };
    int depth = 0, brackets = 0;
    bool comment = false;
    char last = 0;
    for (size_t at = 0; at < n;) {
        const char *nl = memchr(text + at, '\n', n - at);
        size_t end = nl ? (size_t)(nl - text) : n;
        Line l = { .depth = depth, .brackets = brackets, .in_comment = comment };
        const char *s = text + at;
        size_t len = end - at;
        if (len && s[len - 1] == '\r') len--;
        if (!comment)
            while (len && (*s == ' ' || *s == '\t')) l.columns += *s == '\t' ? 4 : 1, s++, len--;
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
        l.s = s;
        l.len = len;
        l.closes = len && s[0] == '}';
        /* an expression goes on when the line before ended in an operator or `=` */
        bool comment_line = len > 1 && s[0] == '/' && (s[1] == '/' || s[1] == '*');
        l.continues = !comment && len && !l.closes && !comment_line
                   && ((last && strchr("=+-*/<>,(", last)) || starts_continuation(s, len)
                       || (depth == 0 && brackets == 0 && !starts_declaration(s, len)));
        l.eq = comment ? 0 : attr_eq(s, len);
        char c = scan(s, len, &depth, &brackets, &comment);
        if (len && !l.in_comment && c) last = c;
        else if (len && !l.in_comment && !c && (s[0] == '/')) { /* a comment line keeps `last` */ }
        vec_push(&lines, l);
        at = nl ? end + 1 : n;
    }
    Chars out = { 0 };
    int blank = 0;
    for (size_t i = 0; i < lines.len; i++) {
        Line *l = &lines.items[i];
        if (l->len == 0) {
            if (out.len && ++blank == 1) vec_push(&out, '\n');
            continue;
        }
        blank = 0;
        if (l->in_comment) { put(&out, l->s, l->len); vec_push(&out, '\n'); continue; }
        int indent = (l->depth - (l->closes ? 1 : 0)) * 4;
        if (l->brackets > 0 || l->continues) indent = l->columns > indent + 4 ? l->columns : indent + 4;
        for (int k = 0; k < indent; k++) vec_push(&out, ' ');
        if (l->eq && l->depth > 0 && l->brackets == 0) {
            /* align with the other `name = …` lines next to it in this block */
            size_t width = 0;
            size_t a = i, b = i;
            while (a > 0 && lines.items[a - 1].eq && lines.items[a - 1].depth == l->depth && lines.items[a - 1].len) a--;
            while (b + 1 < lines.len && lines.items[b + 1].eq && lines.items[b + 1].depth == l->depth && lines.items[b + 1].len) b++;
            for (size_t k = a; k <= b; k++) if (name_len(&lines.items[k]) > width) width = name_len(&lines.items[k]);
            size_t nl = name_len(l);
            put(&out, l->s, nl);
            for (size_t k = nl; k < width; k++) vec_push(&out, ' ');
            put(&out, " = ", 3);
            const char *v = l->s + l->eq + 1;
            size_t vn = l->len - l->eq - 1;
            while (vn && *v == ' ') v++, vn--;
            put(&out, v, vn);
        } else {
            put(&out, l->s, l->len);
        }
        vec_push(&out, '\n');
    }
    while (out.len >= 2 && out.items[out.len - 1] == '\n' && out.items[out.len - 2] == '\n') out.len--;
    vec_free(&lines);
    *outlen = out.len;
    vec_push(&out, '\0');
    return out.items;
}

/* ---- the program must not change --------------------------------------------- */

/* The .plb bytes of p without what layout may change: line numbers and the
 * sources' text. */
static uint8_t *meaning(BcProgram *p, size_t *len)
{
    for (uint32_t i = 0; i < p->nfns; i++)
        if (p->fns[i].lines) memset(p->fns[i].lines, 0, p->fns[i].ncode * sizeof *p->fns[i].lines);
    for (uint16_t i = 0; i < p->nsources; i++) {
        p->sources[i].text = "";
        p->sources[i].len = 0;
        memset(p->sources[i].sha256, 0, sizeof p->sources[i].sha256);
        p->sources[i].path = "";
    }
    uint8_t *bytes;
    plb_write(p, &bytes, len);
    return bytes;
}

/* Compiles a rule file (text NULL) or, under its name, a new text for it;
 * diagnostics to the state's callback when it does not compile. */
static bool compile_text(pledge_state *S, const char *path, const char *text, size_t n, BcProgram *bc)
{
    Program p = { 0 };
    bool ok = (text ? front_load_source(&p, path, text, n) : front_load(&p, path)) && comp_program(&p, bc);
    if (!ok) api_diagnostics(S, &p.diags);
    front_free(&p);
    return ok;
}

/* Whether `text` means what the file at path means: compiled under its
 * name (so its imports resolve alike). */
static bool same_meaning(pledge_state *S, const char *path, const char *text, size_t n, char *why, size_t cap)
{
    BcProgram a = { 0 }, b = { 0 };
    if (!compile_text(S, path, NULL, 0, &a)) { snprintf(why, cap, "%s has errors: fix them first", path); return false; }
    bool ok = compile_text(S, path, text, n, &b);
    if (ok) {
        size_t la, lb;
        uint8_t *ba = meaning(&a, &la), *bb = meaning(&b, &lb);
        ok = la == lb && memcmp(ba, bb, la) == 0;
        mem_free(ba);
        mem_free(bb);
    }
    if (!ok) snprintf(why, cap, "%s: the new layout would compile differently; left as it was (a bug: please report it)", path);
    bc_free(&a);
    bc_free(&b);
    return ok;
}

/* Writes text over the file at path, whole or not at all. */
static bool rewrite(const char *path, const char *text, size_t n, char *why, size_t cap)
{
    OutFile of;
    FILE *f = outfile_open(&of, path, why, cap);
    if (!f) return false;
    if (fwrite(text, 1, n, f) != n) {
        snprintf(why, cap, "%s: cannot write", path);
        outfile_abort(&of);
        return false;
    }
    return outfile_commit(&of, why, cap);
}

static pledge_status fmt(pledge_state *S, const char *path, pledge_fmt_mode mode, FILE *out)
{
    S->error[0] = '\0';
    if ((unsigned)mode > PLEDGE_FMT_PRINT) return api_fail(S, PLEDGE_ERR_USAGE, "no such fmt mode");
    if (!out && mode != PLEDGE_FMT_REWRITE) return api_fail(S, PLEDGE_ERR_USAGE, "fmt: no stream to write to");
    char why[1024];
    Source *src = source_read(path, why, sizeof why);
    if (!src) return api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
    /* what the front end would refuse is not laid out: it is not a rule file */
    size_t bad;
    if (src->len > SOURCE_MAX_BYTES || !utf8_valid(src->text, src->len, &bad)) {
        pledge_status st = src->len > SOURCE_MAX_BYTES
            ? api_fail(S, PLEDGE_ERR_INPUT, "%s: the file is larger than %d MB", path, SOURCE_MAX_BYTES >> 20)
            : api_fail(S, PLEDGE_ERR_INPUT, "%s: byte %zu is not UTF-8 text (or is a NUL): not a rule file", path, bad + 1);
        source_free(src);
        return st;
    }
    size_t n;
    char *text = layout(src->text, src->len, &n);
    bool changed = n != src->len || memcmp(text, src->text, n) != 0;
    pledge_status st = PLEDGE_OK;
    if (mode == PLEDGE_FMT_PRINT) {
        if (fwrite(text, 1, n, out) != n) st = api_fail(S, PLEDGE_ERR_INPUT, "%s: cannot write the layout", path);
    } else if (mode == PLEDGE_FMT_CHECK && changed) {
        fprintf(out, "%s: not laid out canonically (pledge fmt %s)\n", path, path);
        st = api_fail(S, PLEDGE_FAILED, "%s: not laid out canonically", path);
    } else if (mode == PLEDGE_FMT_REWRITE && changed) {
        if (!same_meaning(S, path, text, n, why, sizeof why) || !rewrite(path, text, n, why, sizeof why))
            st = api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
    }
    mem_free(text);
    source_free(src);
    return st;
}

pledge_status pledge_fmt(pledge_state *S, const char *path, pledge_fmt_mode mode, FILE *out)
{
    API_ENTER(S);
    API_RETURN(S, fmt(S, path, mode, out));
}
