/* source.c: loading rule files and finding lines for diagnostics. */
#include "lang/source.h"
#include "base/mem.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

Source *source_read(const char *path, char *why, size_t whycap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whycap, "%s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = mem_alloc(cap);
    for (;;) {
        if (len + 1 >= cap) buf = mem_realloc(buf, cap *= 2);
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
    }
    int failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (failed) {
        snprintf(why, whycap, "%s", strerror(saved ? saved : EIO));
        mem_free(buf);
        return NULL;
    }
    buf[len] = '\0';
    Source *src = mem_calloc(1, sizeof *src);
    src->path = mem_strndup(path, strlen(path));
    src->text = buf;
    src->len = len;
    src->owns_text = true;
    return src;
}

Source *source_from_memory(const char *path, const char *text, size_t len)
{
    Source *src = mem_calloc(1, sizeof *src);
    src->path = mem_strndup(path, strlen(path));
    src->text = (char *)text;
    src->len = len;
    return src;
}

void source_free(Source *src)
{
    if (!src) return;
    if (src->owns_text) mem_free(src->text);
    mem_free(src->line_start);
    mem_free(src->path);
    mem_free(src);
}

static void index_lines(Source *src)
{
    size_t n = 1;
    for (size_t i = 0; i < src->len; i++) n += src->text[i] == '\n';
    src->line_start = mem_alloc(n * sizeof *src->line_start);
    src->line_start[0] = 0;
    size_t k = 1;
    for (size_t i = 0; i < src->len; i++)
        if (src->text[i] == '\n') src->line_start[k++] = i + 1;
    src->nlines = n;
}

const char *source_line(Source *src, int line, size_t *len)
{
    if (!src->line_start) index_lines(src);
    if (line < 1 || (size_t)line > src->nlines) return NULL;
    size_t start = src->line_start[line - 1];
    size_t end = (size_t)line < src->nlines ? src->line_start[line] - 1 : src->len;
    if (end > start && src->text[end - 1] == '\r') end--;
    *len = end - start;
    return src->text + start;
}

Span span_join(Span a, Span b)
{
    Span s = a;
    s.last_line = b.last_line;
    s.last_column = b.last_column;
    return s;
}
