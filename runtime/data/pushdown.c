/* pushdown.c: a feed's aggregation as one grouped SQL query, and loading
 * its grouped rows (pushdown.h). */
#include "data/pushdown.h"
#include "base/why.h"
#include <stdio.h>
#include <string.h>

const char *const sql_dialect_names[SQL__COUNT] = { "sqlite", "postgresql", "duckdb", "spark" };

bool sql_dialect_by_name(const char *name, SqlDialect *out)
{
    for (int d = 0; d < SQL__COUNT; d++)
        if (strcmp(name, sql_dialect_names[d]) == 0) { *out = (SqlDialect)d; return true; }
    return false;
}

/* ---- quoting ----------------------------------------------------------------- */

/* An identifier: "name" with " doubled (Spark: `name` with ` doubled). A
 * C string holds no NUL, so any name can be quoted. */
static char *ident(Arena *a, SqlDialect d, const char *name, size_t n)
{
    char q = d == SQL_SPARK ? '`' : '"';
    char *out = arena_alloc(a, 2 * n + 3), *o = out;
    *o++ = q;
    for (size_t i = 0; i < n; i++) { if (name[i] == q) *o++ = q; *o++ = name[i]; }
    *o++ = q;
    return out;
}

static char *col(Arena *a, SqlDialect d, const char *name) { return ident(a, d, name, strlen(name)); }

/* A text literal: 'it''s' (Spark reads backslashes as escapes: 'it\'s').
 * NULL for text holding a NUL byte, which no dialect's literal can. */
static char *literal(Arena *a, SqlDialect d, const char *s, size_t n)
{
    if (memchr(s, 0, n)) return NULL;
    char *out = arena_alloc(a, 2 * n + 3), *o = out;
    *o++ = '\'';
    for (size_t i = 0; i < n; i++) {
        if (d == SQL_SPARK && (s[i] == '\\' || s[i] == '\'')) *o++ = '\\';
        else if (s[i] == '\'') *o++ = '\'';
        *o++ = s[i];
    }
    *o++ = '\'';
    return out;
}

/* ---- where conditions ---------------------------------------------------------- */

/* A register's SQL while a filter's code is read: its text, and whether it
 * is a truth value ('b'), text ('t'), a number ('n'), or missing ('?'). */
typedef struct Sym { const char *sql; char kind; const char *raw; } Sym;    /* raw: a text cell's column, unwrapped */

/* A constant as SQL: text, whole numbers and truth values; else NULL. */
static bool constant(Arena *a, SqlDialect d, Value v, Sym *out)
{
    *out = (Sym){ 0 };
    switch (v.kind) {
    case V_TEXT:
        out->kind = 't';
        return (out->sql = literal(a, d, v.as.text.bytes, v.as.text.len)) != NULL;
    case V_NUM:
        if (v.as.num.d != 1) return false;
        *out = (Sym){ arena_printf(a, "%lld", (long long)v.as.num.n), 'n', NULL };
        return true;
    case V_BOOL:
        *out = (Sym){ v.as.boolean ? "(1 = 1)" : "(1 = 0)", 'b', NULL };
        return true;
    case V_MISSING:
        *out = (Sym){ "NULL", '?', NULL };
        return true;
    default:
        return false;
    }
}

/* A column's cell as a filter reads it: missing (NULL) where the row path
 * finds it missing. A text cell that is empty or `*` is missing; a count
 * cell is checked whole and >= 0 by the query's `bad` column. */
static bool param(Arena *a, SqlDialect d, unsigned flags, const BcColumn *c, Sym *out, char *why, size_t cap)
{
    const char *q = col(a, d, c->name);
    if (c->type == T_TEXT) *out = (Sym){ arena_printf(a, "NULLIF(NULLIF(%s, ''), '*')", q), 't', q };
    /* SQLite keeps what a column was given: digits as text are cast, or they compare as text */
    else if (c->type == T_COUNT && (flags & SQL_LENIENT)) *out = (Sym){ arena_printf(a, "CAST(NULLIF(NULLIF(%s, ''), '*') AS INTEGER)", q), 'n', NULL };
    else if (c->type == T_COUNT) *out = (Sym){ q, 'n', NULL };
    else return why_say(why, cap, "a where condition reads `%s`, a %s column, which is checked row by row", c->name,
                        type_kind_name((TypeKind)c->type));
    return true;
}

/* The filter of aggregate a as an SQL condition, read off its bytecode: a
 * straight run of comparisons of cells with constants, `and`, `or`, `not`.
 * Missing is NULL and a row passes only where the condition is true, as
 * in the VM (its and/or are SQL's three-valued ones). NULL with why for
 * anything else. */
static const char *filter_sql(Arena *ar, const BcProgram *p, const BcAggregate *a, SqlDialect d, unsigned flags,
                              char *why, size_t cap)
{
    const BcFeed *s = &p->feeds[a->feed];
    const BcFunction *fn = &p->fns[a->filter];
    Sym *r = arena_alloc(ar, ((size_t)fn->nregs + 1) * sizeof *r);
    for (uint16_t i = 0; i < a->nfilter && i < fn->nregs; i++)
        if (!param(ar, d, flags, &s->columns[a->filter_cols[i]], &r[i], why, cap)) return NULL;
    for (uint32_t pc = 0; pc < fn->ncode; pc++) {
        Instr in = fn->code[pc];
        Sym x[2] = { { 0 }, { 0 } };
        uint16_t ops[2] = { in.b, in.c };
        static const char *const cmp[] = { [OP_EQ] = "=", [OP_NE] = "<>", [OP_LT] = "<", [OP_LE] = "<=",
                                           [OP_GT] = ">", [OP_GE] = ">=" };
        switch (in.op) {
        case OP_MOVE: r[in.a] = r[in.b]; break;
        case OP_LOADMISSING: r[in.a] = (Sym){ "NULL", '?', NULL }; break;
        case OP_LOADK:
            if (!constant(ar, d, p->consts[in.b], &r[in.a]))
                return why_say(why, cap, "a where condition holds a constant SQL cannot write exactly"), NULL;
            break;
        case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
            for (int k = 0; k < 2; k++) {
                if (!rk_is_constant(ops[k])) x[k] = r[ops[k]];
                else if (!constant(ar, d, p->consts[ops[k] & RK_MAX_CONSTANT], &x[k]))
                    return why_say(why, cap, "a where condition holds a constant SQL cannot write exactly"), NULL;
            }
            if (x[0].kind == 'b' || x[1].kind == 'b' || (x[0].kind != x[1].kind && x[0].kind != '?' && x[1].kind != '?'))
                return why_say(why, cap, "a where condition compares values SQL would compare differently"), NULL;
            /* databases order text by their collations, Pledge by bytes */
            if ((x[0].kind == 't' || x[1].kind == 't') && in.op != OP_EQ && in.op != OP_NE)
                return why_say(why, cap, "a where condition orders text, which databases collate differently"), NULL;
            /* `type == "1"`: '' and '*' are not equal to "1" either, so the cell need not be made NULL first */
            for (int k = 0; k < 2 && in.op == OP_EQ; k++)
                if (x[k].raw && rk_is_constant(ops[1 - k]) && x[1 - k].kind == 't' && strcmp(x[1 - k].sql, "''") != 0
                    && strcmp(x[1 - k].sql, "'*'") != 0)
                    x[k].sql = x[k].raw;
            r[in.a] = (Sym){ arena_printf(ar, "(%s %s %s)", x[0].sql, cmp[in.op], x[1].sql), 'b', NULL };
            break;
        case OP_AND: case OP_OR:
            if (r[in.b].kind != 'b' || r[in.c].kind != 'b')
                return why_say(why, cap, "a where condition's and/or is not over conditions"), NULL;
            r[in.a] = (Sym){ arena_printf(ar, "(%s %s %s)", r[in.b].sql, in.op == OP_AND ? "AND" : "OR", r[in.c].sql), 'b', NULL };
            break;
        case OP_NOT:
            if (r[in.b].kind != 'b') return why_say(why, cap, "a where condition's not is not over a condition"), NULL;
            r[in.a] = (Sym){ arena_printf(ar, "(NOT %s)", r[in.b].sql), 'b', NULL };
            break;
        case OP_JMPFALSE: case OP_JMPTRUE: {
            /* `x and y` skips y when x is false, then ANDs into x's register
             * (`or` likewise): SQL's AND gives the same without the skip,
             * the skipped code being comparisons with no effect */
            int64_t to = (int64_t)pc + 1 + instr_jump(in);
            uint8_t join = in.op == OP_JMPFALSE ? OP_AND : OP_OR;
            if (to <= (int64_t)pc + 1 || to > (int64_t)fn->ncode || fn->code[to - 1].op != join ||
                fn->code[to - 1].a != in.a || fn->code[to - 1].b != in.a)
                return why_say(why, cap, "a where condition jumps, which is not translated to SQL"), NULL;
            break;
        }
        case OP_RET:
            if (r[in.a].kind != 'b') return why_say(why, cap, "a where condition is not a plain condition"), NULL;
            return r[in.a].sql;
        default:
            return why_say(why, cap, "a where condition uses %s, which is not translated to SQL", bc_ops[in.op].name),
                   NULL;
        }
    }
    return why_say(why, cap, "a where condition does not return"), NULL;
}

/* ---- the query -------------------------------------------------------------------- */

/* What of feed `feed` can be pushed: NULL, or why not. */
static bool pushable(const BcProgram *p, uint16_t feed, char *why, size_t cap)
{
    const BcFeed *s = &p->feeds[feed];
    if (s->nkey) return why_say(why, cap, "the feed's `key` columns number each row's publication one by one");
    for (uint32_t g = 0; g < p->nrules; g++)
        if (p->rules[g].feed == feed) return why_say(why, cap, "the row rule `%s` is checked row by row", p->rules[g].text);
    for (uint16_t c = 0; c < s->ncolumns; c++)
        if (s->columns[c].type != T_COUNT && s->columns[c].type != T_TEXT)
            return why_say(why, cap, "column `%s` is a %s, whose cells are checked row by row", s->columns[c].name,
                           type_kind_name((TypeKind)s->columns[c].type));
    for (uint32_t g = 0; g < p->naggs; g++) {
        const BcAggregate *a = &p->aggs[g];
        if (a->feed != feed) continue;
        TypeKind t = (TypeKind)s->columns[a->column].type;
        bool whole = a->func == AGG_COUNT || ((a->func == AGG_SUM || a->func == AGG_MEAN) && t == T_COUNT);
        if (!whole) {
            char text[160];
            bc_agg_text(p, g, text, sizeof text);
            return why_say(why, cap, "%s is not a sum or count of whole numbers", text);
        }
    }
    return true;
}

/* Appends text to v. */
static void put(void *v, const char *text)
{
    VEC(char) *out = v;
    for (; *text; text++) vec_push(out, *text);
}

/* Appends formatted text to v, from the Arena ar in scope. */
#define PUT(v, ...) put(v, arena_printf(&ar, __VA_ARGS__))

/* in without its dashes, into out (as long as in). */
static void undashed(const char *in, char *out)
{
    for (; *in; in++) if (*in != '-') *out++ = *in;
    *out = '\0';
}

/* A condition true for every row whose period cell reads, as the rows'
 * load reads it, as a period of lo .. hi: the cell as text (the text the
 * load is given), compared byte by byte, whatever the column's type or
 * collation. Each accepted form is a range of texts of fixed width: a
 * month as 2019-04 or 2019-04-01 (one range: the first is a prefix of the
 * second) or 20190401; a day the same without the month alone; a financial
 * year 2019/20. A quarter's blanks before Q vary (2019/20 Q1, 2019/20\tQ1),
 * so no range of texts holds a quarter alone: quarters are ranged by their
 * financial years, the quarters beside lo and hi in them being aggregated
 * and then kept as counts only, as they would be from the rows. NULL for a
 * dialect whose text comparison is not written here. */
static const char *period_condition(Arena *a, SqlDialect d, const char *per, Period lo, Period hi)
{
    const char *t = d == SQL_SQLITE ? arena_printf(a, "CAST(%s AS TEXT) COLLATE BINARY", per)
                  : d == SQL_POSTGRESQL ? arena_printf(a, "CAST(%s AS text) COLLATE \"C\"", per) : NULL;
    char from[16], to[16], from_day[16], to_day[16];
    if (!t) return NULL;
    if (lo.grain == GRAIN_QUARTER || lo.grain == GRAIN_FY) {
        period_format(period_containing(GRAIN_FY, period_first_day(lo)), from, sizeof from);
        period_format(period_containing(GRAIN_FY, period_first_day(hi)), to, sizeof to);
        /* 2019/20 Q4's blanks sort before `~` */
        return arena_printf(a, "(%s BETWEEN '%s' AND '%s%s')", t, from, to, lo.grain == GRAIN_QUARTER ? "~" : "");
    }
    period_format(lo, from, sizeof from);
    period_format((Period){ GRAIN_DAY, period_last_day(hi) }, to, sizeof to);
    /* 20190401: the same days without their dashes */
    undashed(from, from_day);
    if (lo.grain == GRAIN_MONTH) strcat(from_day, "01");
    undashed(to, to_day);
    return arena_printf(a, "(%s BETWEEN '%s' AND '%s' OR %s BETWEEN '%s' AND '%s')", t, from, to, t, from_day, to_day);
}

/* The query, its aggregates restricted to the periods kept[0] .. kept[1]
 * if kept (pushdown_load). */
static char *grouped_query(const BcProgram *p, uint16_t feed, SqlDialect d, const char *table, unsigned flags,
                           const Period *kept, char *why, size_t cap)
{
    if (!pushable(p, feed, why, cap)) return NULL;
    const BcFeed *s = &p->feeds[feed];
    Arena ar = { 0 };
    VEC(char) sql = { 0 }, aggs = { 0 }, nulls = { 0 };
    if (flags & SQL_COMMENTED) {
        PUT(&sql, "-- feed %s, dialect %s: one row per organisation, period%s\n", s->name, sql_dialect_names[d],
            s->vintage_col ? " and vintage" : "");
        for (uint32_t g = 0, j = 0; g < p->naggs; g++) {
            if (p->aggs[g].feed != feed) continue;
            char text[160];
            bc_agg_text(p, g, text, sizeof text);
            PUT(&sql, "--   a%u: %s\n", ++j, text);
        }
    }
    const char *org = col(&ar, d, s->org_col), *per = col(&ar, d, s->period_col);
    const char *vin = s->vintage_col ? col(&ar, d, s->vintage_col) : NULL;
    const char *head = arena_printf(&ar, "SELECT %s AS %s, %s AS %s%s%s%s, COUNT(*) AS %s", org, col(&ar, d, "org"), per,
                                    col(&ar, d, "period"), vin ? ", " : "", vin ? vin : "",
                                    vin ? arena_printf(&ar, " AS %s", col(&ar, d, "vintage")) : "", col(&ar, d, "rows"));
    bool ok = true;
    for (uint32_t g = 0, j = 0; ok && g < p->naggs; g++) {
        const BcAggregate *a = &p->aggs[g];
        if (a->feed != feed) continue;
        j++;
        const BcColumn *c = &s->columns[a->column];
        /* the value as the row path counts it: a missing cell is NULL */
        Sym v;
        ok = param(&ar, d, flags, c, &v, why, cap);
        if (!ok) break;
        const char *value = v.sql;
        if (a->filter >= 0) {
            const char *cond = filter_sql(&ar, p, a, d, flags, why, cap);
            if (!(ok = cond != NULL)) break;
            value = arena_printf(&ar, "CASE WHEN %s THEN %s END", cond, v.sql);
        }
        /* a sum needs only whether it had values, which SUM's NULL says; a mean and a count, how many */
        const char *sum = col(&ar, d, arena_printf(&ar, "a%u_sum", j)), *n = col(&ar, d, arena_printf(&ar, "a%u_n", j));
        if (a->func != AGG_COUNT) PUT(&aggs, ",\n  SUM(%s) AS %s", value, sum), PUT(&nulls, ", NULL AS %s", sum);
        if (a->func != AGG_SUM) PUT(&aggs, ",\n  COUNT(%s) AS %s", value, n), PUT(&nulls, ", NULL AS %s", n);
    }
    /* every count cell must read as the row path reads it, or the rows are read instead: leniently, each
     * cell checked; in SQLite, each cell compared (`+`: as stored, so text and blobs sort after every
     * number; a fraction is not its integer: MIN and MAX per group cost nearly half the query and
     * missed a fraction that was not the greatest, docs/performance.md); else per group, from its
     * least value */
    VEC(char) bad = { 0 };
    for (uint16_t c = 0; ok && c < s->ncolumns; c++) {
        if (s->columns[c].type != T_COUNT) continue;
        const char *q = col(&ar, d, s->columns[c].name), *or = bad.len ? " OR " : "";
        const char *t = (flags & SQL_LENIENT)
            ? arena_printf(&ar, "%sNOT (%s IS NULL OR %s IN ('', '*') OR (typeof(%s) = 'integer' AND %s >= 0) OR "
                           "(typeof(%s) = 'text' AND length(%s) BETWEEN 1 AND 18 AND %s NOT GLOB '*[^0-9]*'))",
                           or, q, q, q, q, q, q, q)
            : d == SQL_SQLITE ? arena_printf(&ar, "%s+%s NOT BETWEEN 0 AND 9223372036854775807 OR %s <> CAST(%s AS INTEGER)",
                                             or, q, q, q)
                              : arena_printf(&ar, "%sMIN(%s) < 0", or, q);
        put(&bad, t);
    }
    const char *cond = kept ? period_condition(&ar, d, per, kept[0], kept[1]) : NULL;
    if (ok) {
        vec_push(&bad, '\0');
        vec_push(&aggs, '\0');
        vec_push(&nulls, '\0');
        /* per row, the rows counted; per group, 1 */
        const char *badcol = (flags & SQL_LENIENT) || d == SQL_SQLITE
            ? arena_printf(&ar, ",\n  COUNT(CASE WHEN %s THEN 1 END) AS %s", bad.len > 1 ? bad.items : "1 = 0", col(&ar, d, "bad"))
            : arena_printf(&ar, ",\n  CASE WHEN %s THEN 1 ELSE 0 END AS %s", bad.len > 1 ? bad.items : "1 = 0", col(&ar, d, "bad"));
        const char *from = NULL;
        if (flags & SQL_DOTTED) {
            /* schema.table: each part an identifier */
            for (const char *at = table;;) {
                const char *dot = strchr(at, '.');
                size_t n = dot ? (size_t)(dot - at) : strlen(at);
                const char *part = ident(&ar, d, at, n);
                from = from ? arena_printf(&ar, "%s.%s", from, part) : part;
                if (!dot) break;
                at = dot + 1;
            }
        } else {
            from = col(&ar, d, table);
        }
        const char *group = arena_printf(&ar, "GROUP BY %s, %s%s%s", org, per, vin ? ", " : "", vin ? vin : "");
        if (!cond) {
            PUT(&sql, "%s%s%s\nFROM %s\n%s", head, aggs.items, badcol, from, group);
        } else {
            /* the other periods' rows counted and checked, not aggregated: a NULL period is among them */
            const char *outside = col(&ar, d, "outside");
            PUT(&sql, "%s%s%s, 0 AS %s\nFROM %s\nWHERE %s\n%s\nUNION ALL\n", head, aggs.items, badcol, outside, from,
                cond, group);
            PUT(&sql, "%s%s%s, 1 AS %s\nFROM %s\nWHERE (%s) IS NOT TRUE\n%s", head, nulls.items, badcol, outside, from,
                cond, group);
        }
    }
    char *out = ok ? mem_strndup(sql.items, sql.len) : NULL;
    vec_free(&sql);
    vec_free(&aggs);
    vec_free(&nulls);
    vec_free(&bad);
    arena_free(&ar);
    return out;
}

char *pushdown_sql(const BcProgram *p, uint16_t feed, SqlDialect d, const char *table, unsigned flags, char *why,
                   size_t cap)
{
    return grouped_query(p, feed, d, table, flags, NULL, why, cap);
}

/* ---- loading grouped rows ------------------------------------------------------------ */

/* ---- a table's digest, computed by PostgreSQL ------------------------------------ */

char *pushdown_digest_sql(const char *table, const CsvField *names, size_t n)
{
    Arena ar = { 0 };
    VEC(char) sql = { 0 };
    /* each cell's text as the rows' load gets it (the type's output
     * function: concat, not a cast, keeps char(n)'s blanks), in the
     * client's encoding; an empty cell or NULL is missing, length 0 */
    put(&sql, "SELECT count(*)");
    for (int b = 0; b < 32; b++) PUT(&sql, ", sum(get_byte(d, %d))", b);
    put(&sql, " FROM (SELECT sha256(");
    for (size_t i = 0; i < n; i++)
        PUT(&sql, "%sset_byte(set_byte(set_byte(set_byte(decode('0000000000000000', 'hex'), 0, k%zu %% 256), "
                  "1, k%zu / 256 %% 256), 2, k%zu / 65536 %% 256), 3, k%zu / 16777216) || v%zu",
            i ? " || " : "", i, i, i, i, i);
    if (!n) put(&sql, "''::bytea");
    put(&sql, ") AS d FROM (SELECT *");
    for (size_t i = 0; i < n; i++) PUT(&sql, ", CASE WHEN octet_length(v%zu) = 0 THEN 0 ELSE octet_length(v%zu) + 1 END AS k%zu", i, i, i);
    put(&sql, " FROM (SELECT 0 AS pledge_none");
    for (size_t i = 0; i < n; i++)
        PUT(&sql, ", convert_to(concat(%s), pg_client_encoding()) AS v%zu", ident(&ar, SQL_POSTGRESQL, names[i].ptr, names[i].len), i);
    /* OFFSET 0: each level computed once, not its expressions copied into the next */
    PUT(&sql, " FROM %s OFFSET 0) AS c OFFSET 0) AS l) AS h", ident(&ar, SQL_POSTGRESQL, table, strlen(table)));
    vec_push(&sql, '\0');
    arena_free(&ar);
    return sql.items;
}

bool pushdown_is_aggregated(DataSource from)
{
    const char *file = from.file ? from.file : from.name;
    return !from.bytes && file && strncmp(file, "aggregated:", 11) == 0;
}

typedef struct QueryMaker {
    const BcProgram *p;
    uint16_t feed;
    SqlDialect d;
    unsigned flags;
    bool restricted;        /* to the periods kept[0] .. kept[1] */
    Period kept[2];
    char why[256];
} QueryMaker;

static char *make_query(void *ud, const char *table)
{
    QueryMaker *m = ud;
    return grouped_query(m->p, m->feed, m->d, table, m->flags, m->restricted ? m->kept : NULL, m->why, sizeof m->why);
}

/* SQLite's rule: a column whose declared type holds INT, in any case, keeps integers. */
static bool integer_affinity(const char *decl)
{
    for (; decl && decl[0] && decl[1] && decl[2]; decl++)
        if ((decl[0] | 0x20) == 'i' && (decl[1] | 0x20) == 'n' && (decl[2] | 0x20) == 't') return true;
    return false;
}

/* Whether the table's header is as the rows' load wants it: within the
 * limit on columns, naming every column the feed reads. If not, the rows'
 * load says what is wrong, in its words. */
static bool header_fits(const BcFeed *s, DataSource from, const DataLimits *lim, unsigned *flags, char *why, size_t cap)
{
    RowSource hs;
    const CsvField *h;
    size_t n;
    bool ok = rows_open_query(&hs, from, rows_header_query, NULL, why, cap) && rows_next(&hs, &h, &n) == CSV_RECORD
              && rows_within(&hs, lim, h, n, 0, why, cap);
    const char *keys[3] = { s->org_col, s->period_col, s->vintage_col };
    for (int k = 0; ok && k < 3; k++)
        if (keys[k] && rows_header_position(h, n, keys[k]) < 0)
            ok = why_say(why, cap, "the table has no column `%s`", keys[k]);
    for (uint16_t c = 0; ok && c < s->ncolumns; c++) {
        int at = rows_header_position(h, n, s->columns[c].name);
        if (at < 0) ok = why_say(why, cap, "the table has no column `%s`", s->columns[c].name);
        /* an SQLite column not declared INTEGER may hold digits as text: each cell is checked */
        const char *decl = ok && hs.stmt ? sqlite3_column_decltype(hs.stmt, at) : NULL;
        if (ok && hs.stmt && s->columns[c].type == T_COUNT && !integer_affinity(decl)) *flags |= SQL_LENIENT;
    }
    rows_close(&hs);
    return ok;
}

/* A whole number >= 0 of a grouped row (a sum or a count); false if not.
 * Digits only: SQLite's SUM of reals is written 10.0, even when it adds
 * 5.5 and 4.5, which the rows' load would refuse. */
static bool whole_cell(const CsvField *f, int64_t *out)
{
    bool present;
    for (size_t i = 0; i < f->len; i++)
        if (f->ptr[i] < '0' || f->ptr[i] > '9') return false;
    if (rows_parse_count(f, out, &present)) return false;
    if (!present) *out = 0;         /* SUM over no values is NULL */
    return true;
}

/* Whether a group of the query's second part (the rows it did not
 * aggregate) is of a period the run keeps only as counts, or one the load
 * refuses anyway: if not, its figures were needed. */
static bool counted_only(const BcFeed *s, const QueryMaker *m, const CsvField *period)
{
    Value v;
    if (rows_parse_cell(rows_grain_type[s->grain], COL_PLAIN, period, &v) || v.kind == V_MISSING) return true;
    return v.as.period.index < m->kept[0].index || v.as.period.index > m->kept[1].index;
}

PushResult pushdown_load(FeedData *f, const BcProgram *p, uint16_t feed, DataSource from, const DataLimits *lim,
                         uint64_t *rows, uint64_t *groups, char *why, size_t cap)
{
    const BcFeed *s = &p->feeds[feed];
    bool aggregated = pushdown_is_aggregated(from);
    *rows = *groups = 0;
    QueryMaker m = { p, feed, SQL_SQLITE, 0, false, { { 0 } }, "" };
    m.restricted = !aggregated && feed_kept_periods(f, &m.kept[0], &m.kept[1]);
    if (!aggregated && (!pushable(p, feed, why, cap) || !header_fits(s, from, lim, &m.flags, why, cap))) return PUSH_ROWS;
    RowSource src;
    const char *file = from.file ? from.file : from.name;
    if (strncmp(file, "postgresql:", 11) == 0) m.d = SQL_POSTGRESQL;
    bool opened;
    if (aggregated) {
        DataSource csv = { from.name, NULL, 0, file + 11 };
        opened = rows_open(&src, csv, why, cap);
    } else {
        opened = rows_open_query(&src, from, make_query, &m, why, cap);
        if (!opened && m.why[0]) why_say(why, cap, "%s", m.why);
    }
    uint32_t naggs = 0;
    for (uint32_t g = 0; g < p->naggs; g++) naggs += p->aggs[g].feed == feed;
    int64_t *sums = mem_calloc((size_t)naggs + 1, sizeof *sums), *counts = mem_calloc((size_t)naggs + 1, sizeof *counts);
    int *sum_pos = mem_calloc((size_t)naggs + 1, sizeof *sum_pos), *n_pos = mem_calloc((size_t)naggs + 1, sizeof *n_pos);
    PushResult result = PUSH_FAILED;
    const CsvField *h, *rec;
    size_t n, nheader = 0;
    int org = -1, per = -1, vin = -1, nrows = -1, nbad = -1, nout = -1;
    if (!opened) {
        /* a database's table or column missing: the rows' load says so in its words */
        result = aggregated ? PUSH_FAILED : PUSH_ROWS;
        goto done;
    }
    CsvStatus st = rows_next(&src, &h, &n);
    if (st != CSV_RECORD) {
        why_say(why, cap, "%s: %s", from.name, st == CSV_ERROR ? rows_error(&src) : "no header");
        goto done;
    }
    nheader = n;
    org = rows_header_position(h, n, "org"), per = rows_header_position(h, n, "period");
    vin = rows_header_position(h, n, "vintage"), nrows = rows_header_position(h, n, "rows");
    nbad = rows_header_position(h, n, "bad");
    nout = m.restricted ? rows_header_position(h, n, "outside") : -1;
    {
        const char *lacking = org < 0 ? "org" : per < 0 ? "period" : s->vintage_col && vin < 0 ? "vintage"
                            : nrows < 0 ? "rows" : NULL;
        char name[32];
        for (uint32_t g = 0, j = 0; !lacking && g < p->naggs; g++) {
            if (p->aggs[g].feed != feed) continue;
            snprintf(name, sizeof name, "a%u_sum", j + 1);
            sum_pos[j] = rows_header_position(h, n, name);
            if (sum_pos[j] < 0 && p->aggs[g].func != AGG_COUNT) { lacking = name; break; }
            snprintf(name, sizeof name, "a%u_n", j + 1);
            n_pos[j] = rows_header_position(h, n, name);
            if (n_pos[j] < 0 && p->aggs[g].func != AGG_SUM) { lacking = name; break; }
            j++;
        }
        if (lacking) {
            why_say(why, cap, "%s: the header has no column `%s` (the shape `pledge sql` gives feed `%s`)", from.name,
                    lacking, s->name);
            goto done;
        }
    }
    for (;;) {
        st = rows_next(&src, &rec, &n);
        if (st == CSV_END) break;
        if (st == CSV_ERROR) {
            why_say(why, cap, "%s: %s", from.name, rows_error(&src));
            /* a database's error (an overflowing SUM, say): the rows say where */
            result = aggregated ? PUSH_FAILED : PUSH_ROWS;
            goto done;
        }
        ++*groups;
        uint64_t line = rows_line(&src);
        if (!rows_within(&src, lim, rec, n, 0, why, cap)) {
            result = aggregated ? PUSH_FAILED : PUSH_ROWS;
            goto done;
        }
        if (n != nheader) {
            why_say(why, cap, "%s:%llu: the row has %zu fields, but the header has %zu", from.name,
                    (unsigned long long)line, n, nheader);
            goto done;
        }
        int64_t count, bad = 0;
        if (nbad >= 0 && !whole_cell(&rec[nbad], &bad)) bad = 1;
        if (bad) {
            why_say(why, cap, "%s:%llu: %lld row%s with a count cell that is not a whole number >= 0", from.name,
                    (unsigned long long)line, (long long)bad, bad == 1 ? "" : "s");
            result = aggregated ? PUSH_FAILED : PUSH_ROWS;
            goto done;
        }
        bool good = whole_cell(&rec[nrows], &count);
        for (uint32_t j = 0; good && j < naggs; j++) {
            sums[j] = counts[j] = 0;
            good = (sum_pos[j] < 0 || whole_cell(&rec[sum_pos[j]], &sums[j]))
                && (n_pos[j] < 0 || whole_cell(&rec[n_pos[j]], &counts[j])) && counts[j] <= count;
            /* a sum without its count: SUM is NULL over no values, and a sum needs only whether there were any */
            if (n_pos[j] < 0) counts[j] = rec[sum_pos[j]].len ? count : 0;
        }
        if (!good) {
            why_say(why, cap, "%s:%llu: a count of rows or values, or a sum, is not a whole number >= 0", from.name,
                    (unsigned long long)line);
            goto done;
        }
        if (nout >= 0 && rec[nout].len == 1 && rec[nout].ptr[0] == '1' && !counted_only(s, &m, &rec[per])) {
            /* not aggregated by the query, yet a period the run reads: the rows are read instead */
            why_say(why, cap, "%s:%llu: period `%.*s` was taken for one outside the windows", from.name,
                    (unsigned long long)line, (int)rec[per].len, rec[per].ptr);
            result = PUSH_ROWS;
            goto done;
        }
        *rows += (uint64_t)count;
        if (!feed_put_group(f, &src, lim, &rec[org], &rec[per], vin >= 0 ? &rec[vin] : NULL, (uint64_t)count, sums,
                            counts, why, cap)) {
            /* from a database, the rows say which one is bad, as a CSV load would */
            result = aggregated ? PUSH_FAILED : PUSH_ROWS;
            goto done;
        }
    }
    result = PUSH_DONE;
done:
    rows_close(&src);
    mem_free(sums);
    mem_free(counts);
    mem_free(sum_pos);
    mem_free(n_pos);
    return result;
}
