/* literal.c: values of literal tokens, and what is wrong with bad ones. */
#include "lang/literal.h"
#include <string.h>

const char *lit_number(Arena *a, const char *text, size_t len, int exp10, Num *out)
{
    switch (num_parse_decimal(text, len, exp10, out)) {
    case NUM_OK:
        return NULL;
    case NUM_OVERFLOW:
        return arena_printf(a, "the number `%.*s` is too large or too precise", (int)len, text);
    default:
        return arena_printf(a, "malformed number `%.*s`", (int)len, text);
    }
}

/* £1.5m, £350k, £2bn, £0, GBP 1500 */
const char *lit_money(Arena *a, const char *text, size_t len, Num *out)
{
    const char *p = text, *end = text + len;
    if (len >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA3) p += 2;   /* £ */
    else { p += 3; while (p < end && (*p == ' ' || *p == '\t')) p++; }                    /* GBP */
    int exp10 = 0;
    const char *digits_end = end;
    if (end - p > 2 && end[-2] == 'b' && end[-1] == 'n') { exp10 = 9; digits_end -= 2; }
    else if (end > p && end[-1] == 'm') { exp10 = 6; digits_end--; }
    else if (end > p && end[-1] == 'k') { exp10 = 3; digits_end--; }
    switch (num_parse_decimal(p, (size_t)(digits_end - p), exp10, out)) {
    case NUM_OK:
        return NULL;
    case NUM_OVERFLOW:
        return arena_printf(a, "the amount `%.*s` is too large", (int)len, text);
    default:
        return arena_printf(a, "malformed amount `%.*s`", (int)len, text);
    }
}

const char *lit_period(Arena *a, Grain g, const char *text, size_t len, Period *out)
{
    char why[128] = "";
    bool ok;
    switch (g) {
    case GRAIN_DAY: {
        Day d;
        ok = cal_parse_day(text, len, &d, why, sizeof why);
        out->grain = GRAIN_DAY;
        out->index = d;
        break;
    }
    case GRAIN_MONTH:   ok = cal_parse_month(text, len, out, why, sizeof why); break;
    case GRAIN_QUARTER: ok = cal_parse_quarter(text, len, out, why, sizeof why); break;
    default:            ok = cal_parse_fy(text, len, out, why, sizeof why); break;
    }
    if (ok) return NULL;
    static const char *const what[] = { "date", "month", "quarter", "financial year" };
    return arena_printf(a, "invalid %s `%.*s`: %s", what[g], (int)len, text, why);
}

const char *lit_duration(Arena *a, const char *text, size_t len, int32_t *days)
{
    size_t n = 0;
    while (n < len && ((text[n] >= '0' && text[n] <= '9') || text[n] == '_')) n++;
    Num v;
    const char *err = lit_number(a, text, n, 0, &v);
    if (err) return err;
    const char *unit = text + n;
    while (*unit == ' ' || *unit == '\t') unit++;
    int64_t per = unit[0] == 'w' ? 7 : 1;
    if (v.n > 100000 * 366) return arena_printf(a, "the duration `%.*s` is too long", (int)len, text);
    *days = (int32_t)(v.n * per);
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

const char *lit_string(Arena *a, const char *body, size_t len, char **out, size_t *outlen, size_t *bad)
{
    char *o = arena_alloc(a, len + 1);     /* escapes never lengthen the text */
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (body[i] != '\\') { o[k++] = body[i]; continue; }
        *bad = i;
        char e = i + 1 < len ? body[i + 1] : '\0';
        switch (e) {
        case '"':  o[k++] = '"';  i++; continue;
        case '\\': o[k++] = '\\'; i++; continue;
        case 'n':  o[k++] = '\n'; i++; continue;
        case 't':  o[k++] = '\t'; i++; continue;
        case 'u': {
            size_t j = i + 2;
            if (j >= len || body[j] != '{')
                return "malformed escape: write a code point as \\u{2019}";
            unsigned long cp = 0;
            int digits = 0;
            for (j++; j < len && hexval(body[j]) >= 0 && digits < 7; j++, digits++)
                cp = cp * 16 + (unsigned long)hexval(body[j]);
            if (j >= len || body[j] != '}' || digits == 0 || digits > 6)
                return "malformed escape: write a code point as \\u{2019}";
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
                return arena_printf(a, "\\u{%.*s} is not a Unicode character",
                                    digits, body + j - digits);
            k += put_utf8(o + k, cp);
            i = j;
            continue;
        }
        default:
            return arena_printf(a, "unknown escape `\\%c` in a string (use \\\" \\\\ \\n \\t or \\u{…})",
                                e >= 0x20 && e < 0x7F ? e : '?');
        }
    }
    o[k] = '\0';
    *out = o;
    *outlen = k;
    return NULL;
}
