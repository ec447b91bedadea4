/* version.c: pledge_version() (placeholder). */
#include "config.h"
#include "pledge.h"

PLEDGE_API const char *pledge_version(void)
{
    return PACKAGE_VERSION;
}
