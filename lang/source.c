/* source.c: loading rule files and finding lines for diagnostics. */
#include "lang/source.h"
#include "base/mem.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

/* Reads hold's file whole (and gives it back), stopping past
 * SOURCE_MAX_BYTES: /dev/zero named as a rule file is refused for its size,
 * not read until memory ends. */
static Source *read_stream(MemHold *hold, const char *path, char *why, size_t whycap)
{
    FILE *f = hold->file;
    size_t cap = 1 << 16, len = 0;
    char *buf = mem_alloc(cap);
    for (;;) {
        if (len + 1 >= cap) buf = mem_realloc(buf, cap *= 2);
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0 || len > SOURCE_MAX_BYTES) break;
    }
    int failed = ferror(f);
    int saved = errno;
    mem_release(hold);
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

Source *source_read(const char *path, char *why, size_t whycap)
{
    MemHold *hold = mem_hold();
    if (!(hold->file = fopen(path, "rb"))) {
        snprintf(why, whycap, "%s", strerror(errno));
        mem_release(hold);
        return NULL;
    }
    return read_stream(hold, path, why, whycap);
}

Source *source_read_regular(const char *path, char *why, size_t whycap)
{
    /* opened without blocking, so a FIFO is refused rather than waited on */
    MemHold *hold = mem_hold();
    int fd = hold->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, whycap, "%s", strerror(errno));
        mem_release(hold);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) snprintf(why, whycap, "%s", strerror(EISDIR));
    else if (!S_ISREG(st.st_mode)) snprintf(why, whycap, "not a regular file");
    else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 || !(hold->file = fdopen(fd, "rb")))
        snprintf(why, whycap, "%s", strerror(errno));
    if (!hold->file) {
        mem_release(hold);
        return NULL;
    }
    hold->fd = -1;              /* the stream's now */
    return read_stream(hold, path, why, whycap);
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
