/* source.h: rule-file text and positions in it.
 *
 * A Span is a range of a source file in 1-based lines and columns; columns
 * count characters (UTF-8 code points), as an editor shows them. Its field
 * names are bison's, so the parser carries spans with %locations. */
#ifndef PLEDGE_SOURCE_H
#define PLEDGE_SOURCE_H
#include <stddef.h>
#include <stdbool.h>

typedef struct Span {
    int first_line, first_column;
    int last_line, last_column;     /* inclusive: the last character */
} Span;

typedef struct Source {
    char       *path;       /* as the user named it, or "stdlib/std/nhs.pledge" */
    char       *text;       /* the bytes, NUL-terminated (a NUL inside is a lexer error) */
    size_t      len;
    size_t     *line_start; /* byte offset of each line; built on first use */
    size_t      nlines;
    bool        owns_text;
} Source;

/* Rule files over this are refused (front.c); reading stops just past it. */
enum { SOURCE_MAX_BYTES = 64 << 20 };

/* Reads a file whole, or SOURCE_MAX_BYTES and one more. On failure returns
 * NULL and writes the reason (from errno) into why. */
Source *source_read(const char *path, char *why, size_t whycap);
/* The same for a regular file only (an import): never a FIFO or a device. */
Source *source_read_regular(const char *path, char *why, size_t whycap);
Source *source_from_memory(const char *path, const char *text, size_t len);
void    source_free(Source *src);

/* The text of line `line` (1-based) without its end-of-line; *len gets its
 * length. Returns NULL past the end. */
const char *source_line(Source *src, int line, size_t *len);

Span span_join(Span a, Span b);

#endif
