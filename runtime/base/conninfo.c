/* conninfo.c: a PostgreSQL connection string with its secrets hidden
 * (conninfo.h). It follows libpq's reading of the text (fe-connect.c's
 * conninfo_parse and conninfo_uri_parse) closely enough to find every
 * value libpq would take as a password, and hides more, never less, where
 * the two could differ. */
#include "base/conninfo.h"
#include "base/mem.h"
#include <string.h>

typedef struct Out { char *p; size_t len; } Out;

static void put(Out *o, const char *s, size_t n)
{
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static bool same_word(const char *s, size_t n, const char *word)
{
    if (strlen(word) != n) return false;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != word[i]) return false;
    return true;
}

static bool is_secret_key(const char *s, size_t n)
{
    return same_word(s, n, "password") || same_word(s, n, "sslpassword");
}

/* The length of a URI's scheme and slashes, or 0 if s is not a URI. */
static size_t uri_prefix(const char *s, size_t n)
{
    if (n >= 13 && same_word(s, 13, "postgresql://")) return 13;
    if (n >= 11 && same_word(s, 11, "postgres://")) return 11;
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A URI query's key, percent-decoded as libpq decodes it: is it a secret's? */
static bool is_secret_param(const char *s, size_t n)
{
    char key[32];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k == sizeof key) return false;
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hex_digit(s[i + 1])) >= 0 && (lo = hex_digit(s[i + 2])) >= 0) {
            key[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            key[k++] = s[i];
        }
    }
    return is_secret_key(key, k);
}

static void hide_any(Out *o, const char *s, size_t n, ConninfoHide how, bool *seen);

/* postgresql://user:secret@host/db?key=value&...: the secret after the
 * user (up to the last `@` before the query: a password may hold `/`),
 * and the values of secret keys in the query. */
static void hide_uri(Out *o, const char *s, size_t n, ConninfoHide how, bool *seen)
{
    size_t p = uri_prefix(s, n), q = p, at = n;
    while (q < n && s[q] != '?') q++;
    for (size_t k = p; k < q; k++)
        if (s[k] == '@') at = k;
    put(o, s, p);
    const char *colon = at < n ? memchr(s + p, ':', at - p) : NULL;
    if (colon) {
        *seen = true;
        put(o, s + p, (size_t)(colon - s) - p);
        if (how == CONNINFO_MASK) put(o, ":***", 4);
        put(o, s + at, q - at);
    } else {
        put(o, s + p, q - p);
    }
    bool first = true;
    for (size_t k = q + 1; k <= n && q < n;) {
        size_t e = k;
        while (e < n && s[e] != '&') e++;
        const char *eq = memchr(s + k, '=', e - k);
        size_t keylen = eq ? (size_t)(eq - s) - k : e - k;
        bool secret = is_secret_param(s + k, keylen);
        *seen |= secret;
        if (!secret || how == CONNINFO_MASK) {
            put(o, first ? "?" : "&", 1);
            first = false;
            if (secret) {
                put(o, s + k, keylen);
                put(o, "=***", 4);
            } else {
                put(o, s + k, e - k);
            }
        }
        k = e + 1;
    }
}

/* keyword = value ...: libpq's keyword form. */
static void hide_pairs(Out *o, const char *s, size_t n, ConninfoHide how, bool *seen)
{
    size_t i = 0, start = o->len;
    while (i < n) {
        size_t ws = i;
        while (i < n && is_space(s[i])) i++;
        if (o->len == start) ws = i;        /* a secret left out first leaves no blanks before the rest */
        if (i == n) { put(o, s + ws, n - ws); break; }
        size_t ks = i;
        while (i < n && s[i] != '=' && !is_space(s[i])) i++;
        size_t ke = i;
        while (i < n && is_space(s[i])) i++;
        if (i == n || s[i] != '=') {
            /* no `=`: libpq refuses the text; after a secret, this may be
             * its second word, so the rest is hidden */
            if (*seen) {
                if (how == CONNINFO_MASK) put(o, s + ws, ks - ws), put(o, "***", 3);
                return;
            }
            put(o, s + ws, ke - ws);
            i = ke;
            continue;
        }
        i++;
        while (i < n && is_space(s[i])) i++;
        size_t vs = i;
        bool quoted = i < n && s[i] == '\'';
        if (quoted) {
            for (i++; i < n && s[i] != '\''; i++)
                if (s[i] == '\\' && i + 1 < n) i++;
            if (i < n) i++;             /* the closing quote */
        } else {
            for (; i < n && !is_space(s[i]); i++)
                if (s[i] == '\\' && i + 1 < n) i++;
        }
        size_t ve = i;
        if (is_secret_key(s + ks, ke - ks)) {
            *seen = true;
            if (how == CONNINFO_MASK) {
                put(o, s + ws, vs - ws);
                put(o, "***", 3);
            }
            continue;
        }
        /* a dbname may be a whole connection string, which libpq expands */
        size_t is = vs + quoted, ie = quoted && ve > is && s[ve - 1] == '\'' ? ve - 1 : ve;
        if (same_word(s + ks, ke - ks, "dbname") && (memchr(s + is, '=', ie - is) || uri_prefix(s + is, ie - is))) {
            put(o, s + ws, is - ws);
            hide_any(o, s + is, ie - is, how, seen);
            put(o, s + ie, ve - ie);
        } else {
            put(o, s + ws, ve - ws);
        }
    }
}

static void hide_any(Out *o, const char *s, size_t n, ConninfoHide how, bool *seen)
{
    if (uri_prefix(s, n)) hide_uri(o, s, n, how, seen);
    else hide_pairs(o, s, n, how, seen);
}

/* At most 3 bytes more per secret hidden, and a secret takes at least 3. */
static char *hide(const char *s, size_t n, ConninfoHide how, bool *seen)
{
    Out o = { mem_alloc(2 * n + 16), 0 };
    *seen = false;
    hide_any(&o, s, n, how, seen);
    o.p[o.len] = '\0';
    return o.p;
}

char *conninfo_hide(const char *conninfo, size_t n, ConninfoHide how)
{
    bool seen;
    return hide(conninfo, n, how, &seen);
}

bool conninfo_has_secret(const char *conninfo, size_t n)
{
    bool seen;
    mem_free(hide(conninfo, n, CONNINFO_MASK, &seen));
    return seen;
}

char *conninfo_hide_source(const char *source, ConninfoHide how)
{
    size_t n = strlen(source);
    if (strncmp(source, "postgresql:", 11) != 0) return mem_strndup(source, n);
    const char *rest = source + 11, *colon = strrchr(rest, ':');
    /* the table after the last colon (as rows.c splits it); a "table"
     * that no table is named like is part of the conninfo, hidden with it */
    size_t cut = colon ? (size_t)(colon - rest) : strlen(rest);
    if (colon && strpbrk(colon + 1, "@=' \t\n\\")) cut = strlen(rest);
    bool seen;
    char *hidden = hide(rest, cut, how, &seen);
    size_t hn = strlen(hidden), tail = strlen(rest + cut);
    char *out = mem_alloc(11 + hn + tail + 1);
    memcpy(out, source, 11);
    memcpy(out + 11, hidden, hn);
    memcpy(out + 11 + hn, rest + cut, tail + 1);
    mem_free(hidden);
    return out;
}
