/* escape.c: the four escapers of escape.h. Each walks s one character at a
 * time: an ASCII byte is looked at by the language's rule, a well-formed
 * UTF-8 sequence is copied, anything else becomes U+FFFD. */
#include "report/escape.h"
#include "base/utf8.h"
#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD";     /* U+FFFD in UTF-8 */

/* Copies the non-ASCII character at s[i], or writes bad (U+FFFD in the
 * language) for a byte that starts none; returns how far to step. */
static size_t copy_utf8(FILE *out, const unsigned char *s, size_t n, size_t i, const char *bad)
{
    size_t len = utf8_char(s + i, n - i);
    if (len) fwrite(s + i, 1, len, out);
    else fputs(bad, out);
    return len ? len : 1;
}

/* The reference for one of & < > " ', or NULL: the same in HTML and XML. */
static const char *markup_ref(unsigned c)
{
    switch (c) {
    case '&':  return "&amp;";
    case '<':  return "&lt;";
    case '>':  return "&gt;";
    case '"':  return "&quot;";
    case '\'': return "&#39;";
    default:   return NULL;
    }
}

/* HTML and XML alike: markup characters as references, tab, LF and CR as
 * numeric references (kept in attributes), other controls replaced; DEL
 * is replaced in HTML, where it is not allowed, and kept as &#127; in XML. */
static void esc_markup(FILE *out, const char *s, size_t n, bool del_ref)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c >= 0x80) { i += copy_utf8(out, p, n, i, replacement); continue; }
        const char *ref = markup_ref(c);
        if (ref) fputs(ref, out);
        else if (c == '\t' || c == '\n' || c == '\r' || (c == 0x7F && del_ref)) fprintf(out, "&#%u;", c);
        else if (c < 0x20 || c == 0x7F) fputs(replacement, out);
        else fputc((int)c, out);
        i++;
    }
}

void esc_html(FILE *out, const char *s, size_t n) { esc_markup(out, s, n, false); }
void esc_xml(FILE *out, const char *s, size_t n)  { esc_markup(out, s, n, true); }

void esc_json(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    for (size_t i = 0; i < n;) {
        /* a run of characters written as they are, at once */
        size_t plain = i;
        while (plain < n && p[plain] >= 0x20 && p[plain] < 0x7F && p[plain] != '"' && p[plain] != '\\') plain++;
        if (plain > i) {
            fwrite(p + i, 1, plain - i, out);
            i = plain;
            continue;
        }
        unsigned c = p[i];
        if (c >= 0x80) { i += copy_utf8(out, p, n, i, "\\ufffd"); continue; }
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc((int)c, out);
        } else if (c < 0x20 || c == 0x7F) fprintf(out, "\\u%04x", c);
        else fputc((int)c, out);
        i++;
    }
    fputc('"', out);
}

/* RFC 4180 quoting, with a quote first when guard says so. */
static void csv_cell(FILE *out, const char *s, size_t n, bool guard)
{
    const unsigned char *p = (const unsigned char *)s;
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++) quote = p[i] == ',' || p[i] == '"' || p[i] < 0x20 || p[i] == 0x7F;
    if (quote) fputc('"', out);
    if (guard) fputc('\'', out);
    for (size_t i = 0; i < n;) {
        if (p[i] >= 0x80) { i += copy_utf8(out, p, n, i, replacement); continue; }
        if (p[i] == '"') fputc('"', out);
        fputc(p[i], out);
        i++;
    }
    if (quote) fputc('"', out);
}

void esc_csv(FILE *out, const char *s, size_t n)
{
    /* what Excel, LibreOffice and Google Sheets take for the start of a
     * formula, also after a tab or carriage return they skip */
    bool formula = n > 0 && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
    csv_cell(out, s, n, formula);
}

void esc_csv_number(FILE *out, const char *s, size_t n)
{
    csv_cell(out, s, n, false);
}

/* The length of the character at s (n bytes there) if a terminal may show it,
 * else 0: the byte at s is to be shown as `?`. */
static size_t printable(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80) return (s[0] >= 0x20 && s[0] != 0x7F) || s[0] == '\t' || s[0] == '\n' ? 1 : 0;
    size_t len = utf8_char(s, n);
    if (len == 2 && s[0] == 0xC2 && s[1] < 0xA0) return 0;      /* C1: U+0080..U+009F */
    return len;
}

void esc_text(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = printable(p + i, n - i);
        if (len) fwrite(p + i, 1, len, out);
        else fputc('?', out);
        i += len ? len : 1;
    }
}

void esc_text_inplace(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len = printable(p + i, n - i);
        if (!len) p[i] = '?';
        i += len ? len : 1;
    }
}

/* One character of Markdown at s[i]: tab, LF and CR as spaces (a text
 * stays on its line), other controls as U+FFFD, ASCII in escape after a
 * backslash; returns how far to step. */
static size_t md_char(FILE *out, const unsigned char *s, size_t n, size_t i, const char *escape)
{
    unsigned c = s[i];
    if (c >= 0x80) return copy_utf8(out, s, n, i, replacement);
    if (c == '\t' || c == '\n' || c == '\r') fputc(' ', out);
    else if (c < 0x20 || c == 0x7F) fputs(replacement, out);
    else {
        if (escape && strchr(escape, (int)c)) fputc('\\', out);
        fputc((int)c, out);
    }
    return 1;
}

/* Markdown (CommonMark): the ASCII punctuation that can start or end markup
 * inline, backslash-escaped; at the start also what opens a block (a
 * heading, list, quote, thematic break). */
void esc_markdown(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) i += md_char(out, p, n, i, i == 0 ? "\\`*_[]<>|~&!#+-=" : "\\`*_[]<>|~&!");
}

/* A Markdown code span: the text between runs of backticks longer than
 * any it holds, spaced when it starts or ends with one; nothing escaped
 * inside, controls as in esc_markdown. */
void esc_markdown_code(FILE *out, const char *s, size_t n)
{
    size_t longest = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    bool pad = n && (s[0] == '`' || s[n - 1] == '`');
    for (size_t k = 0; k <= longest; k++) fputc('`', out);
    if (pad) fputc(' ', out);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) i += md_char(out, p, n, i, NULL);
    if (pad) fputc(' ', out);
    for (size_t k = 0; k <= longest; k++) fputc('`', out);
}
