/* literal.h: turning literal tokens into values (§2), with the reasons
 * a person needs when one is malformed. */
#ifndef PLEDGE_LITERAL_H
#define PLEDGE_LITERAL_H
#include "base/num.h"
#include "base/calendar.h"
#include "base/mem.h"

/* Each returns NULL on success, else a message (in the arena) that names the
 * text and says what is wrong. `text` is the whole token. */
const char *lit_number(Arena *a, const char *text, size_t len, int exp10, Num *out);
const char *lit_money(Arena *a, const char *text, size_t len, Num *out);   /* £1.5m, GBP 1500 */
const char *lit_period(Arena *a, Grain g, const char *text, size_t len, Period *out);
const char *lit_duration(Arena *a, const char *text, size_t len, int32_t *days);

/* Decodes the body of a string literal (between the quotes) into UTF-8.
 * On a bad escape returns a message and sets *bad to its byte offset in
 * the body. */
const char *lit_string(Arena *a, const char *body, size_t len, char **out, size_t *outlen, size_t *bad);

#endif
