/* utf8.h: UTF-8 as RFC 3629 defines it, in one place: no overlong forms,
 * no surrogates, nothing past U+10FFFF. Rule files, feed cells, bytecode
 * texts and native results are all checked with it. */
#ifndef PLEDGE_UTF8_H
#define PLEDGE_UTF8_H
#include <stdbool.h>
#include <stddef.h>

/* The length (1 to 4) of the well-formed character at s, of the n bytes
 * available there, or 0 if there is none. A NUL byte is a character. */
size_t utf8_char(const unsigned char *s, size_t n);

/* Whether s[0..n) is well-formed UTF-8 without NUL bytes; if not, *bad (may
 * be NULL) gets the offset of the first byte that is not. */
bool utf8_valid(const char *s, size_t n, size_t *bad);

#endif
