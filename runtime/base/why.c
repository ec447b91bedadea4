/* why.c: why_say (why.h), the one writer of failure messages. */
#include "base/why.h"
#include <string.h>

#include <stdarg.h>
#include <stdio.h>

bool why_say(char *why, size_t whycap, const char *fmt, ...)
{
    if (why && whycap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whycap, fmt, ap);
        va_end(ap);
    }
    return false;
}

bool why_is_limit(const char *why) { return strncmp(why, WHY_LIMIT, sizeof WHY_LIMIT - 1) == 0; }
