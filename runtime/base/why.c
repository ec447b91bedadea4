/* why.c: why_say (why.h), the one writer of failure messages. */
#include "base/why.h"

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
