/* inputs_file.c: the inputs file (pledge_inputs_load): what a run binds,
 * written once instead of on every command line. A few lines of
 * `key = value`, the run's options first, then a [feeds] section binding
 * feed and hierarchy names to what --feed takes (docs/commands.md,
 * --inputs; docs/decisions.md says why this format). Paths are read from
 * the file's folder. Every error names the file and line. */
#include "api/api.h"
#include "base/calendar.h"
#include "base/utf8.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* An inputs file is a few lines: past this it is not one. */
enum { INPUTS_MAX_BYTES = 1 << 20 };

typedef struct InputsPair { const char *key, *value; int line; } InputsPair;

struct pledge_inputs {
    ApiObject     obj;
    pledge_state *S;
    Arena         arena;        /* every string below */
    VEC(InputsPair) feeds;      /* name, source (resolved) */
    VEC(InputsPair) options;    /* key, value (paths resolved; one pair per system) */
};

/* The keys before [feeds]; those that are paths are read from the file's folder. */
static const struct { const char *key; bool path; } option_keys[] = {
    { "as-of", false }, { "format", false }, { "output", true }, { "system", false }, { "fail-on", false },
    { "on-bad-row", false }, { "threads", false }, { "manifest", true }, { "archive", true },
    { "variations", true },
};
enum { NOPTION_KEYS = sizeof option_keys / sizeof option_keys[0] };

static void destroy_inputs(ApiObject *o)
{
    pledge_inputs *in = (pledge_inputs *)o;
    vec_free(&in->feeds);
    vec_free(&in->options);
    arena_free(&in->arena);
    mem_free(in);
}

/* What one file's parse needs. */
typedef struct Parse {
    pledge_state  *S;
    pledge_inputs *in;
    const char    *file;        /* as given */
    const char    *dir;         /* its folder with a slash ("" when it has none) */
    int            line;
} Parse;

static pledge_status fail_at(Parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static pledge_status fail_at(Parse *p, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return api_fail(p->S, PLEDGE_ERR_INPUT, "%s:%d: %s", p->file, p->line, what);
}

static bool blank(char c) { return c == ' ' || c == '\t'; }

/* [s, e) without blanks at either end. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && blank(**s)) (*s)++;
    while (*e > *s && blank((*e)[-1])) (*e)--;
}

/* A path of the file, read from its folder unless absolute or "-"; for
 * sqlite:DB:TABLE, DB is. */
static const char *resolve(Parse *p, const char *path)
{
    if (strncmp(path, "sqlite:", 7) == 0) return arena_printf(&p->in->arena, "sqlite:%s", resolve(p, path + 7));
    if (strncmp(path, "aggregated:", 11) == 0) return arena_printf(&p->in->arena, "aggregated:%s", resolve(p, path + 11));
    if (strncmp(path, "postgresql:", 11) == 0) return path;      /* a server, not a file */
    if (path[0] == '/' || strcmp(path, "-") == 0 || !p->dir[0]) return path;
    return arena_printf(&p->in->arena, "%s%s", p->dir, path);
}

/* A feed's source must be there: a CSV file, or sqlite:DB:TABLE's DB. */
static pledge_status check_source(Parse *p, const char *name, const char *given, const char *source)
{
    if (strcmp(source, "-") == 0 || strncmp(source, "postgresql:", 11) == 0) return PLEDGE_OK;
    const char *file = strncmp(source, "aggregated:", 11) == 0 ? source + 11 : source;
    if (strncmp(source, "sqlite:", 7) == 0) {
        const char *colon = strrchr(source + 7, ':');
        if (!colon || colon == source + 7 || !colon[1])
            return fail_at(p, "feed `%s`: `%s` is not sqlite:DB:TABLE", name, given);
        file = arena_strndup(&p->in->arena, source + 7, (size_t)(colon - source - 7));
    }
    struct stat st;
    if (stat(file, &st) != 0)
        return fail_at(p, "feed `%s`: cannot open `%s` (read from the inputs file's folder: %s): %s", name, given,
                       file, strerror(errno));
    if (S_ISDIR(st.st_mode)) return fail_at(p, "feed `%s`: `%s` is a folder, not a file", name, given);
    return PLEDGE_OK;
}

/* An option's value as the command would take it. */
static pledge_status check_option(Parse *p, const char *key, const char *v)
{
    char why[128];
    Day d;
    if (strcmp(key, "as-of") == 0 && !cal_parse_day(v, strlen(v), &d, why, sizeof why))
        return fail_at(p, "as-of: `%s`: %s", v, why);
    if (strcmp(key, "format") == 0) {
        pledge_format f;
        if (!pledge_format_by_name(v, &f) && strcmp(v, "junit") != 0)
            return fail_at(p, "format is text, json, csv, html or junit, not `%s`", v);
    }
    if (strcmp(key, "on-bad-row") == 0 && strcmp(v, "skip") != 0)
        return fail_at(p, "on-bad-row takes skip, not `%s`", v);
    if (strcmp(key, "threads") == 0) {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (*end || errno || n < 1 || n > 64) return fail_at(p, "threads takes 1 to 64, not `%s`", v);
    }
    if (strcmp(key, "fail-on") == 0 && pledge_check_statuses(p->S, v) != PLEDGE_OK)
        return fail_at(p, "fail-on takes statuses such as missed,off_track, not `%s`", v);
    return PLEDGE_OK;
}

/* The value after `=`: quoted ("...", with \" and \\), or up to a comment
 * that follows a blank. */
static pledge_status value_of(Parse *p, const char *key, const char *s, const char *e, const char **out)
{
    trim(&s, &e);
    if (s < e && *s == '"') {
        char *v = arena_alloc(&p->in->arena, (size_t)(e - s)), *w = v;
        const char *q = s + 1;
        for (; q < e && *q != '"'; q++) {
            if (*q == '\\' && q + 1 < e && (q[1] == '"' || q[1] == '\\')) q++;
            *w++ = *q;
        }
        if (q == e) return fail_at(p, "`%s`: the string has no closing quote", key);
        for (q++; q < e && blank(*q); q++) {}
        if (q < e && *q != '#') return fail_at(p, "`%s`: `%.*s` after the closing quote", key, (int)(e - q), q);
        *w = 0;
        *out = v;
    } else {
        for (const char *c = s; c < e; c++)
            if (*c == '#' && c > s && blank(c[-1])) { e = c; break; }
        trim(&s, &e);
        *out = arena_strndup(&p->in->arena, s, (size_t)(e - s));
    }
    if (!(*out)[0]) return fail_at(p, "`%s` has no value", key);
    return PLEDGE_OK;
}

/* Where key was given before in pairs, or 0. */
static int seen(const InputsPair *pairs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(pairs[i].key, key) == 0) return pairs[i].line;
    return 0;
}

static bool is_name(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* One `key = value` line, [s, e) trimmed, in [feeds] or before it. */
static pledge_status pair(Parse *p, bool feeds, const char *s, const char *e)
{
    const char *eq = memchr(s, '=', (size_t)(e - s));
    if (!eq) return fail_at(p, "expected `KEY = VALUE`, not `%.*s`", (int)(e - s), s);
    const char *ks = s, *ke = eq;
    trim(&ks, &ke);
    if (ks == ke) return fail_at(p, "no key before `=`");
    const char *key = arena_strndup(&p->in->arena, ks, (size_t)(ke - ks)), *value;
    pledge_inputs *in = p->in;
    int before;
    if (feeds) {
        if (!is_name(key)) return fail_at(p, "`%s` is not a feed or hierarchy name", key);
        if ((before = seen(in->feeds.items, in->feeds.len, key)))
            return fail_at(p, "feed `%s` is bound twice (first on line %d)", key, before);
        pledge_status st = value_of(p, key, eq + 1, e, &value);
        const char *source = st == PLEDGE_OK ? resolve(p, value) : NULL;
        if (st == PLEDGE_OK) st = check_source(p, key, value, source);
        if (st == PLEDGE_OK) vec_push(&in->feeds, ((InputsPair){ key, source, p->line }));
        return st;
    }
    size_t k = 0;
    while (k < NOPTION_KEYS && strcmp(option_keys[k].key, key) != 0) k++;
    if (k == NOPTION_KEYS)
        return fail_at(p, "unknown key `%s` (the keys are as-of, format, output, system, fail-on, on-bad-row, "
                          "threads, manifest, archive and variations; feeds go under [feeds])", key);
    if ((before = seen(in->options.items, in->options.len, key)))
        return fail_at(p, "`%s` is given twice (first on line %d)", key, before);
    pledge_status st = value_of(p, key, eq + 1, e, &value);
    if (st == PLEDGE_OK) st = check_option(p, key, value);
    if (st != PLEDGE_OK) return st;
    if (strcmp(key, "system") == 0) {       /* a list: one pair per code */
        for (const char *c = value; *c;) {
            size_t n = strcspn(c, ",");
            const char *cs = c, *ce = c + n;
            trim(&cs, &ce);
            if (cs == ce) return fail_at(p, "system: an empty code in `%s`", value);
            vec_push(&in->options, ((InputsPair){ key, arena_strndup(&in->arena, cs, (size_t)(ce - cs)), p->line }));
            c += n + (c[n] == ',');
        }
        return PLEDGE_OK;
    }
    vec_push(&in->options, ((InputsPair){ key, option_keys[k].path ? resolve(p, value) : value, p->line }));
    return PLEDGE_OK;
}

/* The file's text, [text, text + len): line by line. */
static pledge_status parse(Parse *p, const char *text, size_t len)
{
    size_t bad;
    if (!utf8_valid(text, len, &bad)) {
        p->line = 1;
        for (size_t i = 0; i < bad; i++) p->line += text[i] == '\n';
        return fail_at(p, text[bad] ? "not UTF-8 text (byte 0x%02x)" : "a NUL byte: an inputs file is text",
                       (unsigned char)text[bad]);
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3, len -= 3;     /* a byte-order mark */
    p->line = 1;
    bool feeds = false;
    int feeds_line = 0;
    const char *end = text + len;
    for (const char *s = text; s < end; p->line++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s)), *e = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (e > s && e[-1] == '\r') e--;
        for (const char *c = s; c < e; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t')
                return fail_at(p, "a control character (0x%02x): an inputs file is text", (unsigned char)*c);
        trim(&s, &e);
        if (s == e || *s == '#') { s = next; continue; }
        pledge_status st = PLEDGE_OK;
        if (*s == '[') {
            const char *close = memchr(s, ']', (size_t)(e - s));
            if (!close) return fail_at(p, "the section `%.*s` has no closing `]`", (int)(e - s), s);
            const char *rest = close + 1;
            while (rest < e && blank(*rest)) rest++;
            if (rest < e && *rest != '#') return fail_at(p, "`%.*s` after the section", (int)(e - rest), rest);
            const char *ns = s + 1, *ne = close;
            trim(&ns, &ne);
            if ((size_t)(ne - ns) != 5 || memcmp(ns, "feeds", 5) != 0)
                return fail_at(p, "unknown section `[%.*s]` (the one section is [feeds])", (int)(ne - ns), ns);
            if (feeds) return fail_at(p, "[feeds] is given twice (first on line %d)", feeds_line);
            feeds = true;
            feeds_line = p->line;
        } else st = pair(p, feeds, s, e);
        if (st != PLEDGE_OK) return st;
        s = next;
    }
    return PLEDGE_OK;
}

pledge_status api_read_small_file(pledge_state *S, const char *path, const char *name, size_t max, const char *what,
                                  char **text, size_t *len)
{
    *text = NULL;
    /* a FIFO or a device would block or never end: a file of text is wanted */
    struct stat st;
    if (stat(path, &st) != 0) return api_fail(S, PLEDGE_ERR_INPUT, "%s: cannot read it: %s", name, strerror(errno));
    if (!S_ISREG(st.st_mode)) return api_fail(S, PLEDGE_ERR_INPUT, "%s: not a file of text", name);
    /* the whole buffer first: nothing can jump out of the call while the file is open */
    char *buf = mem_alloc(max + 1);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        mem_free(buf);
        return api_fail(S, PLEDGE_ERR_INPUT, "%s: cannot read it: %s", name, strerror(e));
    }
    size_t n = fread(buf, 1, max + 1, f);
    int e = ferror(f) ? errno : 0;
    fclose(f);
    if (e || n > max) {
        mem_free(buf);
        return e ? api_fail(S, PLEDGE_ERR_INPUT, "%s: cannot read it: %s", name, strerror(e))
                 : api_fail(S, PLEDGE_ERR_INPUT, "%s: more than %zu bytes: %s", name, max, what);
    }
    *text = buf;
    *len = n;
    return PLEDGE_OK;
}

static pledge_status read_inputs_file(pledge_state *S, const char *path, pledge_inputs **out)
{
    *out = NULL;
    if (!path || !path[0]) return api_fail(S, PLEDGE_ERR_USAGE, "no inputs file named");
    char *text;
    size_t len;
    pledge_status read = api_read_small_file(S, path, path, INPUTS_MAX_BYTES,
                                             "an inputs file is a few lines of `key = value`", &text, &len);
    if (read != PLEDGE_OK) return read;
    pledge_inputs *in = mem_calloc(1, sizeof *in);
    in->S = S;
    api_track(S, &in->obj, destroy_inputs);
    const char *slash = strrchr(path, '/');
    Parse p = { S, in, path, slash ? arena_strndup(&in->arena, path, (size_t)(slash - path + 1)) : "", 0 };
    pledge_status rc = parse(&p, text, len);
    mem_free(text);
    if (rc != PLEDGE_OK) {
        api_free(S, &in->obj);
        return rc;
    }
    *out = in;
    return PLEDGE_OK;
}

pledge_status pledge_inputs_load(pledge_state *S, const char *path, pledge_inputs **out)
{
    API_ENTER(S);
    API_RETURN(S, read_inputs_file(S, path, out));
}

void pledge_inputs_free(pledge_inputs *in)
{
    if (in) api_free(in->S, &in->obj);
}

bool pledge_inputs_feed(const pledge_inputs *in, size_t i, const char **name, const char **source)
{
    if (i >= in->feeds.len) return false;
    *name = in->feeds.items[i].key;
    *source = in->feeds.items[i].value;
    return true;
}

bool pledge_inputs_option(const pledge_inputs *in, size_t i, const char **key, const char **value)
{
    if (i >= in->options.len) return false;
    *key = in->options.items[i].key;
    *value = in->options.items[i].value;
    return true;
}
