/* stdlib.h: the Pledge modules of the standard library, embedded in the
 * binary at build time (stdlib/embed.sh writes stdlib/embedded.c). */
#ifndef PLEDGE_STDLIB_H
#define PLEDGE_STDLIB_H
#include <stddef.h>

typedef struct StdlibModule {
    const char *name;     /* "std.nhs" */
    const char *path;     /* "stdlib/std/nhs.pledge", for diagnostics */
    const char *text;     /* the module's source, NUL-terminated */
    size_t      len;      /* its length in bytes */
} StdlibModule;

extern const StdlibModule stdlib_modules[];
extern const size_t stdlib_module_count;

#endif
