/* why.h: how the runtime says why something failed.
 *
 * A function that can fail takes (char *why, size_t whycap) and, when it
 * fails, writes one line there for people; why may be NULL (nothing is
 * wanted). why_say writes it, cut to whycap, and returns false, so that
 * failing reads `return why_say(why, whycap, "…", …);`. */
#ifndef PLEDGE_WHY_H
#define PLEDGE_WHY_H
#include <stdbool.h>
#include <stddef.h>

bool why_say(char *why, size_t whycap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A failure at a limit (steps, memory, rows, ...), not in the input, says
 * so first: "limit: FILE:LINE: more than ..."; the API makes it exit 4. */
#define WHY_LIMIT "limit: "
bool why_is_limit(const char *why);

#endif
