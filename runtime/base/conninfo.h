/* conninfo.h: a PostgreSQL connection string with its secrets hidden, for
 * every message, report, manifest and archive that shows one
 * (docs/provenance.md, "Database feeds").
 *
 * Both of libpq's forms are read: `keyword = value` pairs (a value bare,
 * with backslash escapes, or single-quoted), and a URI
 * (postgresql://user:secret@host/db?sslpassword=secret, its query keys
 * percent-decoded as libpq decodes them). The values of `password` and
 * `sslpassword` (in any case) are the secrets; so is a `dbname` that is
 * itself a connection string's. Text that does not parse is hidden from
 * the first secret on: an unquoted password with a space in it must not
 * show its second word. */
#ifndef PLEDGE_CONNINFO_H
#define PLEDGE_CONNINFO_H
#include <stdbool.h>
#include <stddef.h>

typedef enum ConninfoHide {
    CONNINFO_MASK,      /* each secret shown as `***`: for people */
    CONNINFO_DROP       /* each secret left out with its keyword: to connect with what libpq finds
                         * otherwise (PGPASSWORD, ~/.pgpass) */
} ConninfoHide;

/* conninfo's n bytes with each secret hidden; mem_alloc'd. */
char *conninfo_hide(const char *conninfo, size_t n, ConninfoHide how);
/* A feed's or a hierarchy's source as given, with a postgresql:CONNINFO:TABLE's
 * conninfo hidden (the table after the last colon kept); any other source
 * copied as it is. mem_alloc'd. */
char *conninfo_hide_source(const char *source, ConninfoHide how);
/* Whether conninfo holds a secret (conninfo_hide would change it). */
bool  conninfo_has_secret(const char *conninfo, size_t n);

#endif
