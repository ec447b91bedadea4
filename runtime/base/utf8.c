/* utf8.c: checking UTF-8 by the second byte's permitted range, which rules
 * out overlong forms, surrogates and code points past U+10FFFF without
 * decoding. */
#include "base/utf8.h"

size_t utf8_char(const unsigned char *s, size_t n)
{
    if (n == 0) return 0;
    if (s[0] < 0x80) return 1;
    size_t len = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
               : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    if (len == 0 || n < len) return 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (s[0] == 0xE0) lo = 0xA0;        /* overlong below U+0800 */
    if (s[0] == 0xED) hi = 0x9F;        /* surrogates */
    if (s[0] == 0xF0) lo = 0x90;        /* overlong below U+10000 */
    if (s[0] == 0xF4) hi = 0x8F;        /* past U+10FFFF */
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

bool utf8_valid(const char *s, size_t n, size_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        /* most cells are ASCII: a byte from 1 to 0x7F is a whole character */
        if (p[i] - 1u < 0x7Fu) {
            i++;
            continue;
        }
        size_t len = p[i] ? utf8_char(p + i, n - i) : 0;
        if (!len) {
            if (bad) *bad = i;
            return false;
        }
        i += len;
    }
    return true;
}
