/* pushdown.h: a feed's aggregation run where its rows live (issue 17).
 *
 * A round reads of a feed only sums and counts per (organisation, period,
 * vintage), under its `where` conditions (BcProgram.aggs). For a feed in a
 * database, one query computes them there, `GROUP BY` organisation, period
 * (and vintage), and its grouped rows are folded into the same store the
 * row-by-row load fills, so every result is the same. The grouped rows have
 * one shape (docs/scale.md): org, period, [vintage], rows, then per
 * aggregate aN_sum (sums and means) and aN_n (the values counted), and bad
 * (rows with a count cell that is not a whole number >= 0). `pledge sql`
 * prints the query; a feed bound to aggregated:PATH is a CSV file of that
 * shape, made by running it elsewhere. Internal to the data layer, and to
 * api/ for `pledge sql`. */
#ifndef PLEDGE_PUSHDOWN_H
#define PLEDGE_PUSHDOWN_H
#include "data/feed.h"
#include "data/rows.h"

typedef enum SqlDialect { SQL_SQLITE, SQL_POSTGRESQL, SQL_DUCKDB, SQL_SPARK, SQL__COUNT } SqlDialect;
extern const char *const sql_dialect_names[SQL__COUNT];
bool sql_dialect_by_name(const char *name, SqlDialect *out);

/* How pushdown_sql writes: SQL_DOTTED, table is schema.table (each part
 * quoted); SQL_COMMENTED, comments name each aggregate's columns;
 * SQL_LENIENT (SQLite), count columns may hold digits as text, '' or `*`,
 * each cell checked and cast (slower: for a table whose count columns are
 * not declared INTEGER). Otherwise count columns must hold integers: `bad`
 * is not 0 for a group holding a negative count or another type (SQLite:
 * the rows that do, each cell compared). */
enum { SQL_DOTTED = 1, SQL_COMMENTED = 2, SQL_LENIENT = 4 };
/* The grouped query of feed `feed` over `table`, mem_alloc'd. NULL with
 * why: the reason the feed's aggregation cannot be pushed down (a median, a
 * condition the translator cannot express, a column Pledge must check row
 * by row). */
char *pushdown_sql(const BcProgram *p, uint16_t feed, SqlDialect d, const char *table, unsigned flags, char *why,
                   size_t cap);

/* The periods whose figures f keeps, from feed.c (FeedOptions.windows_
 * only): false if it keeps every period's. */
bool feed_kept_periods(const FeedData *f, Period *lo, Period *hi);

/* feed.c's one entry into its store for pushdown.c: a group of rows
 * already aggregated, its cells as text (the same parsing and messages as
 * a row's: src names the source and the group's line), sums[j] and
 * counts[j] for the feed's j-th aggregate. False with why if it is bad. */
bool feed_put_group(FeedData *f, const RowSource *src, const DataLimits *lim, const CsvField *org,
                    const CsvField *period, const CsvField *vintage, uint64_t rows, const int64_t *sums,
                    const int64_t *counts, char *why, size_t cap);

typedef enum PushResult { PUSH_DONE, PUSH_ROWS, PUSH_FAILED } PushResult;
/* Loads feed `feed` into f from a database by its grouped query, or from
 * an aggregated:PATH file. When f keeps only some periods' figures
 * (feed_kept_periods), an SQLite or PostgreSQL query aggregates only
 * those periods' rows and, after UNION ALL, groups the others only to
 * count and check them (their aggregates NULL), a last column `outside`
 * telling the two apart; the period is compared as the text the load
 * reads, so the split is exact whatever form a period is written in.
 * PUSH_ROWS: it cannot be pushed down (why says why) or the groups would
 * not load as the rows do (a bad cell, a limit):
 * f is untouched only in that nothing must be kept, so the caller starts
 * again from the rows, whose errors name the row. *rows gets the rows the
 * groups hold. */
PushResult pushdown_load(FeedData *f, const BcProgram *p, uint16_t feed, DataSource from, const DataLimits *lim,
                         uint64_t *rows, uint64_t *groups, char *why, size_t cap);

/* The query by which PostgreSQL (11 on: sha256()) computes what digest.h's
 * digest of a table's rows is made of, so that the rows are not sent to be
 * hashed: the count of rows, then for each of the 32 bytes of the rows'
 * SHA-256s its sum over the rows (digest.c puts the lanes together: a
 * lane's sum modulo 2^64 is the sum of its bytes' sums, each shifted to its
 * place). names: the table's columns, in order. mem_alloc'd. */
char *pushdown_digest_sql(const char *table, const CsvField *names, size_t n);
/* Whether a source is aggregated:PATH. */
bool pushdown_is_aggregated(DataSource from);

#endif
