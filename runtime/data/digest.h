/* digest.h: an input's SHA-256, as a report's provenance and a manifest
 * record it: one definition for both (docs/decisions.md, "One digest of an
 * input").
 *
 *   a file (CSV, or aggregated:PATH)   the file's bytes
 *   bytes given in memory              those bytes
 *   sqlite:PATH:TABLE,
 *   postgresql:CONNINFO:TABLE          the table's rows, whatever their order
 *
 * A table's digest is of what a feed reads, not of the database file
 * (which changes with other tables, or a VACUUM): the SHA-256 of each row
 * (the header's column names too; its cells, each length first, a missing
 * cell apart from empty text), added up 64 bits by 64 bits in four lanes,
 * then hashed with the count of rows. PostgreSQL computes it itself
 * (pushdown_digest_sql), so the rows are not sent. */
#ifndef PLEDGE_DIGEST_H
#define PLEDGE_DIGEST_H
#include "data/feed.h"
#include <stdatomic.h>

/* hex: the digest of s, or "" and false if it cannot be read (errno says
 * why; ECANCELED once *stop, if given, is set by another thread). A
 * PostgreSQL source without its real conninfo in s.file (a manifest's
 * path, where the password is masked) connects without the password:
 * libpq then reads PGPASSWORD or ~/.pgpass. */
bool input_digest(DataSource s, char hex[65], const atomic_bool *stop);

#endif
