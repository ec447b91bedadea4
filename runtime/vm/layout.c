/* layout.c: the fields of a .plb program's tables, once (see layout.h).
 *
 * One line a field, in the file's order: the writer, the reader, the
 * verifier and the disassembler all walk these tables. Each line's member
 * size is checked against its kind when this file compiles. */
#include "vm/layout.h"

#include <string.h>

#define MSIZE(T, m) sizeof(((T *)0)->m)
#define KSIZE_U8 1
#define KSIZE_U16 2
#define KSIZE_U32 4
#define KSIZE_I32 4
#define KSIZE_DAY 4
#define KSIZE_STR sizeof(char *)
#define KSIZE_TEXT sizeof(char *)
#define KSIZE_SHA256 32
/* offsetof(T, m), refused at compile time if m is not as wide as KIND says */
#define OFF(T, m, KIND) (offsetof(T, m) + 0 * sizeof(char[KSIZE_##KIND == MSIZE(T, m) ? 1 : -1]))

/* A scalar: FIELD(struct, member, kind, ref, flags, label) */
#define FIELD(T, m, KIND, REF, FLAGS, label) \
    { label, NULL, BF_##KIND, BR_##REF, FLAGS, MSIZE(T, m), OFF(T, m, KIND), 0, 0, 0, 0, NULL }
/* A scalar whose check needs another member `with` */
#define FIELD_WITH(T, m, KIND, REF, FLAGS, label, with) \
    { label, NULL, BF_##KIND, BR_##REF, FLAGS, MSIZE(T, m), OFF(T, m, KIND), 0, 0, MSIZE(T, with), offsetof(T, with), NULL }
/* A string with its length in the member len */
#define TEXT(T, m, REF, label, len) \
    { label, NULL, BF_TEXT, BR_##REF, 0, MSIZE(T, m), OFF(T, m, TEXT), offsetof(T, len), MSIZE(T, len), 0, 0, NULL }
/* A struct inline */
#define STRUCT(T, m, label, layout) \
    { label, NULL, BF_STRUCT, BR_NONE, 0, MSIZE(T, m), offsetof(T, m), 0, 0, 0, 0, &layout }
/* An array (ARRAY, EACH or LINES) of layout, counted by the member n; its
 * ref, if any, applies to each (scalar) element */
#define MANY(T, m, KIND, REF, label, plural, n, layout) \
    { label, plural, BF_##KIND, BR_##REF, 0, MSIZE(T, m), offsetof(T, m), offsetof(T, n), MSIZE(T, n), 0, 0, &layout }
#define MANY_WITH(T, m, KIND, REF, label, plural, n, layout, with) \
    { label, plural, BF_##KIND, BR_##REF, 0, MSIZE(T, m), offsetof(T, m), offsetof(T, n), MSIZE(T, n), \
      MSIZE(T, with), offsetof(T, with), &layout }
#define LAYOUT(name, noun, needs, T, fields, named) \
    const BcLayout name = { noun, needs, sizeof(T), fields, sizeof fields / sizeof fields[0], named }; \
    _Static_assert(sizeof fields / sizeof fields[0] <= BC_MAX_FIELDS, #name " has more fields than BC_MAX_FIELDS")
#define NONAME (-1)

/* Elements that are bare integers */
static const BcField u8_fields[] = { { "", NULL, BF_U8, BR_NONE, 0, 1, 0, 0, 0, 0, 0, NULL } };
static const BcField u16_fields[] = { { "", NULL, BF_U16, BR_NONE, 0, 2, 0, 0, 0, 0, 0, NULL } };
static const BcLayout u8_layout = { "", "", 1, u8_fields, 1, NONAME };
static const BcLayout u16_layout = { "", "", 2, u16_fields, 1, NONAME };

static const BcField value_fields[] = { { "", NULL, BF_VALUE, BR_NONE, 0, sizeof(Value), 0, 0, 0, 0, 0, NULL } };
static const LAYOUT(value_layout, "constant", "", Value, value_fields, NONAME);

/* ---- functions (verify.c checks these itself: they are code) ---------------- */

static const BcField instr_fields[] = {
    FIELD(Instr, op,   U8,  NONE, 0, "op"),
    FIELD(Instr, bx,   U8,  NONE, 0, "bx"),
    FIELD(Instr, a,    U16, NONE, 0, "a"),
    FIELD(Instr, b,    U16, NONE, 0, "b"),
    FIELD(Instr, c,    U16, NONE, 0, "c"),
};
static const LAYOUT(instr_layout, "instruction", "", Instr, instr_fields, NONAME);

static const BcField line_fields[] = {
    FIELD(LineInfo, line,   U32, NONE, 0, "line"),
    FIELD(LineInfo, column, U16, NONE, 0, "column"),
    FIELD(LineInfo, source, U16, NONE, 0, "source"),
};
static const LAYOUT(line_layout, "line", "", LineInfo, line_fields, NONAME);

static const BcField function_fields[] = {
    FIELD(BcFunction, name,    STR, NONE, 0, "name"),
    FIELD(BcFunction, kind,    U8,  NONE, 0, "kind"),
    FIELD(BcFunction, result,  U8,  NONE, 0, "result"),
    FIELD(BcFunction, nparams, U16, NONE, 0, "parameters"),
    FIELD(BcFunction, nregs,   U16, NONE, 0, "registers"),
    FIELD(BcFunction, ncode,   U32, NONE, 0, "instructions"),
    MANY(BcFunction, param_types, EACH,  NONE, "parameter", "parameter types", nparams, u8_layout),
    MANY(BcFunction, code,        EACH,  NONE, "instruction", "instructions", ncode, instr_layout),
    MANY(BcFunction, lines,       LINES, NONE, "line", "line entries", ncode, line_layout),
};
LAYOUT(bc_layout_function, "function", " has no name", BcFunction, function_fields, 0);

/* ---- aggregates -------------------------------------------------------------- */

static const BcField aggregate_fields[] = {
    FIELD(BcAggregate, feed, U16, FEED, 0, ""),
    FIELD_WITH(BcAggregate, column, U16, COLUMN, 0, "", feed),
    FIELD(BcAggregate, func, U8, AGG_FUNC, 0, ""),
    FIELD_WITH(BcAggregate, filter, I32, FILTER, BFF_OPTIONAL, "filter", nfilter),
    MANY_WITH(BcAggregate, filter_cols, ARRAY, COLUMN, "filter", "filter columns", nfilter, u16_layout, feed),
    FIELD(BcAggregate, pub, U8, PUB, 0, "publication"),
    FIELD(BcAggregate, pub_day, DAY, NONE, 0, "publication day"),
};
static const LAYOUT(aggregate_layout, "aggregate", "", BcAggregate, aggregate_fields, NONAME);

/* ---- row rules ------------------------------------------------------------------ */

static const BcField rule_fields[] = {
    FIELD(BcRowRule, feed, U16, FEED, 0, ""),
    FIELD(BcRowRule, text, STR, NEEDED, 0, "text"),
    FIELD_WITH(BcRowRule, filter, I32, FILTER, 0, "condition", nfilter),
    MANY_WITH(BcRowRule, filter_cols, ARRAY, COLUMN, "condition", "condition columns", nfilter, u16_layout, feed),
};
static const LAYOUT(rule_layout, "row rule", " has no text", BcRowRule, rule_fields, NONAME);

/* ---- feeds and hierarchies ------------------------------------------------------ */

static const BcField column_fields[] = {
    FIELD(BcColumn, name, STR, NEEDED, 0, "name"),
    FIELD(BcColumn, type, U8,  TYPE,   0, ""),
    FIELD_WITH(BcColumn, format, U8, FORMAT, 0, "", type),
};
static const LAYOUT(column_layout, "column", " has no name", BcColumn, column_fields, 0);

static const BcField feed_fields[] = {
    FIELD(BcFeed, name,        STR, NEEDED, 0, "name"),
    FIELD(BcFeed, title,       STR, NONE,   0, "title"),
    FIELD(BcFeed, org_col,     STR, NEEDED, 0, "org"),
    FIELD(BcFeed, period_col,  STR, NEEDED, 0, "period"),
    FIELD(BcFeed, vintage_col, STR, NONE,   0, "vintage"),
    FIELD(BcFeed, grain,       U8,  GRAIN,  0, ""),
    FIELD(BcFeed, lag_days,    I32, NONE,   0, "lag"),
    MANY(BcFeed, columns, ARRAY, NONE, "column", "columns", ncolumns, column_layout),
    MANY_WITH(BcFeed, key_cols, ARRAY, OWN_COLUMN, "key", "key columns", nkey, u16_layout, ncolumns),
    FIELD(BcFeed, hier,        I32, HIER,   BFF_OPTIONAL, "routed through"),
};
static const LAYOUT(feed_layout, "feed", ": needs a name, an org column and a period column", BcFeed, feed_fields, 0);

static const BcField hierarchy_fields[] = {
    FIELD(BcHierarchy, name,       STR, NEEDED, 0, "name"),
    FIELD(BcHierarchy, title,      STR, NONE,   0, "title"),
    FIELD(BcHierarchy, member_col, STR, NEEDED, BFF_LIST, "member"),
    FIELD(BcHierarchy, parent_col, STR, NEEDED, BFF_LIST, "parent"),
    FIELD(BcHierarchy, name_col,   STR, NONE,   BFF_LIST, "name"),
    FIELD(BcHierarchy, from_col,   STR, NONE,   BFF_LIST, "from"),
    FIELD(BcHierarchy, to_col,     STR, NONE,   BFF_LIST, "to"),
};
LAYOUT(bc_layout_hierarchy, "hierarchy", ": needs a name, a member column and a parent column", BcHierarchy,
       hierarchy_fields, 0);

/* ---- the round ------------------------------------------------------------------ */

static const BcField date_fields[] = {
    FIELD(BcDate, name, STR, NEEDED, 0, "name"),
    FIELD(BcDate, day,  DAY, NONE,   0, "day"),
};
/* named by index in messages: a date's name is what may be missing */
static const LAYOUT(date_layout, "date", " has no name", BcDate, date_fields, NONAME);

static const BcField horizon_fields[] = {
    FIELD(BcHorizon, name,   STR, NEEDED,       0, "name"),
    FIELD(BcHorizon, window, I32, CONST_WINDOW, 0, "window"),
};
static const LAYOUT(horizon_layout, "horizon", " has no name", BcHorizon, horizon_fields, NONAME);

static const BcField round_fields[] = {
    FIELD(BcRound, name,  STR, NONE, 0, "name"),
    FIELD(BcRound, title, STR, NONE, 0, "title"),
    MANY(BcRound, dates, ARRAY, NONE, "date", "dates", ndates, date_layout),
    FIELD(BcRound, horizon, I32, CONST_WINDOW, BFF_OPTIONAL, "horizon"),
    FIELD(BcRound, assess,  I32, HIER,        BFF_OPTIONAL, "assess"),
    MANY(BcRound, horizons, ARRAY, NONE, "horizon", "horizons", nhorizons, horizon_layout),
};
static const LAYOUT(round_layout, "round", "", BcRound, round_fields, NONAME);

/* ---- commitments, checks, ratings ------------------------------------------------ */

static const BcField threshold_fields[] = {
    FIELD(BcThreshold, cmp,       U8,  CMP,  0, ""),
    FIELD(BcThreshold, value_fn,  I32, EXPR, 0, "value"),
    FIELD(BcThreshold, window_fn, I32, EXPR, 0, "window"),
    FIELD(BcThreshold, window_feed, I32, FEED, BFF_OPTIONAL, "window plan"),
    FIELD_WITH(BcThreshold, window_column, I32, COLUMN, BFF_OPTIONAL, "window plan", window_feed),
};
static const LAYOUT(threshold_layout, "threshold", "", BcThreshold, threshold_fields, NONAME);

static const BcField group_fields[] = {
    FIELD(BcGroup, label,   STR, NEEDED, 0, "label"),
    FIELD(BcGroup, fn,      I32, METRIC, 0, "measure"),
};
static const LAYOUT(group_layout, "group", " has no label", BcGroup, group_fields, 0);

static const BcField commitment_fields[] = {
    FIELD(BcCommitment, name,     STR, NEEDED, 0, "name"),
    FIELD(BcCommitment, title,    STR, NONE,   0, "title"),
    FIELD(BcCommitment, source,   STR, NONE,   BFF_LIST | BFF_QUOTED, "source"),
    FIELD(BcCommitment, restates, STR, NONE,   BFF_LIST, "restates"),
    FIELD(BcCommitment, doc,      STR, NONE,   BFF_LIST | BFF_QUOTED, "doc"),
    FIELD(BcCommitment, cls,      U8,  CLASS,  0, ""),
    FIELD(BcCommitment, measure,  I32, METRIC, 0, "measure"),
    STRUCT(BcCommitment, target, "target", threshold_layout),
    MANY(BcCommitment, milestones, ARRAY, NONE, "milestone", "milestones", nmilestones, threshold_layout),
    FIELD(BcCommitment, plan_feed, I32, FEED, BFF_OPTIONAL, "plan"),
    FIELD_WITH(BcCommitment, plan_column, I32, COLUMN, BFF_OPTIONAL, "plan", plan_feed),
    FIELD(BcCommitment, tolerance, I32, CONST_NUMBER, BFF_OPTIONAL, "tolerance"),
    FIELD(BcCommitment, missing,  U8,  NONE,   0, "missing"),
    FIELD(BcCommitment, deadline, U8,  NONE,   0, "deadline"),
    FIELD(BcCommitment, national, U8,  NONE,   0, "national"),
    FIELD(BcCommitment, by_feed, I32, FEED, BFF_OPTIONAL, "by"),
    FIELD_WITH(BcCommitment, by_column, I32, COLUMN, BFF_OPTIONAL, "by", by_feed),
    MANY(BcCommitment, groups, ARRAY, NONE, "group", "groups", ngroups, group_layout),
};
LAYOUT(bc_layout_commitment, "commitment", " has no name", BcCommitment, commitment_fields, 0);

static const BcField check_group_fields[] = {
    FIELD(BcGroup, label, STR, NEEDED, 0, "label"),
    FIELD(BcGroup, fn,    I32, EXPR,   0, "require"),
};
static const LAYOUT(check_group_layout, "group", " has no label", BcGroup, check_group_fields, 0);

static const BcField check_fields[] = {
    FIELD(BcCheck, name,     STR, NEEDED, 0, "name"),
    FIELD(BcCheck, title,    STR, NONE,   0, "title"),
    FIELD(BcCheck, message,  STR, NONE,   BFF_LIST | BFF_QUOTED, "message"),
    FIELD(BcCheck, doc,      STR, NONE,   BFF_LIST | BFF_QUOTED, "doc"),
    FIELD(BcCheck, national, U8,  NONE,   0, "national"),
    FIELD(BcCheck, require,  I32, EXPR,   0, "require"),
    FIELD(BcCheck, missing,  U8,  NONE,   0, "missing"),
    FIELD(BcCheck, by_feed, I32, FEED, BFF_OPTIONAL, "by"),
    FIELD_WITH(BcCheck, by_column, I32, COLUMN, BFF_OPTIONAL, "by", by_feed),
    MANY(BcCheck, groups, ARRAY, NONE, "group", "groups", ngroups, check_group_layout),
};
LAYOUT(bc_layout_check, "check", " has no name", BcCheck, check_fields, 0);

static const BcField arm_fields[] = {
    FIELD(BcArm, label, STR, NEEDED, 0, "label"),
    FIELD(BcArm, when,  I32, EXPR,   BFF_OPTIONAL, ""),
};
static const LAYOUT(arm_layout, "arm", " has no label", BcArm, arm_fields, 0);

static const BcField rating_fields[] = {
    FIELD(BcRating, name,  STR, NEEDED, 0, "name"),
    FIELD(BcRating, title, STR, NONE,   0, "title"),
    MANY(BcRating, arms, ARRAY, NONE, "arm", "arms", narms, arm_layout),
};
static const LAYOUT(rating_layout, "rating", " has no name", BcRating, rating_fields, 0);

/* ---- externs and sources ------------------------------------------------------- */

static const BcField extern_fields[] = {
    FIELD(BcExtern, lib,  STR, NEEDED, 0, "library"),
    FIELD(BcExtern, name, STR, NEEDED, 0, "name"),
    MANY(BcExtern, param_types, ARRAY, PLAIN_TYPE, "parameter", "parameter types", nparams, u8_layout),
    FIELD(BcExtern, result, U8, PLAIN_TYPE, 0, "result"),
};
static const LAYOUT(extern_layout, "extern", ": needs a library and a name", BcExtern, extern_fields, 1);

static const BcField source_fields[] = {
    FIELD(BcSource, path,   STR,    NEEDED, 0, "path"),
    FIELD(BcSource, sha256, SHA256, NONE,   0, "sha256"),
    TEXT(BcSource, text, NEEDED, "text", len),
};
static const LAYOUT(source_layout, "source", ": needs a path and its text", BcSource, source_fields, NONAME);

/* ---- the sections ------------------------------------------------------------- */

#define SECTION(tag, plural, table, count, layout) \
    { tag, plural, offsetof(BcProgram, table), offsetof(BcProgram, count), MSIZE(BcProgram, count), &layout }

const BcSection bc_sections[SEC__COUNT] = {
    [SEC_CONSTS]  = SECTION("CNST", "constants", consts, nconsts, value_layout),
    [SEC_FNS]     = SECTION("FUNC", "functions", fns, nfns, bc_layout_function),
    [SEC_AGGS]    = SECTION("AGGS", "aggregates", aggs, naggs, aggregate_layout),
    [SEC_FEEDS]   = SECTION("FEED", "feeds", feeds, nfeeds, feed_layout),
    [SEC_HIERS]   = SECTION("HIER", "hierarchies", hiers, nhiers, bc_layout_hierarchy),
    [SEC_ROUND]   = { "ROND", "round", offsetof(BcProgram, round), 0, 0, &round_layout },
    [SEC_COMMITS] = SECTION("CMIT", "commitments", commits, ncommits, bc_layout_commitment),
    [SEC_CHECKS]  = SECTION("CHCK", "checks", checks, nchecks, bc_layout_check),
    [SEC_RATINGS] = SECTION("RATE", "ratings", ratings, nratings, rating_layout),
    [SEC_EXTERNS] = SECTION("EXTN", "externs", externs, nexterns, extern_layout),
    [SEC_SOURCES] = SECTION("SRCS", "sources", sources, nsources, source_layout),
    [SEC_RULES]   = SECTION("RULE", "row rules", rules, nrules, rule_layout),
};

size_t bc_layout_min(const BcLayout *l)
{
    size_t n = 0;
    for (unsigned i = 0; i < l->nfields; i++) {
        const BcField *f = &l->fields[i];
        switch ((BcFieldKind)f->kind) {
        case BF_U8:     n += 1; break;
        case BF_U16:    n += 2; break;
        case BF_U32:
        case BF_I32:
        case BF_DAY:
        case BF_STR:
        case BF_TEXT:
        case BF_LINES:  n += 4; break;
        case BF_SHA256: n += 32; break;
        case BF_VALUE:  n += 2; break;
        case BF_STRUCT: n += bc_layout_min(f->elem); break;
        case BF_ARRAY:  n += f->aux_size; break;
        case BF_EACH:   break;
        }
    }
    return n;
}

int64_t bc_get_int(const void *obj, size_t off, size_t size, bool is_signed)
{
    const void *p = bc_member(obj, off);
    switch (size) {
    case 1: { uint8_t v; memcpy(&v, p, 1); return is_signed ? (int8_t)v : v; }
    case 2: { uint16_t v; memcpy(&v, p, 2); return is_signed ? (int16_t)v : v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return is_signed ? (int64_t)(int32_t)v : (int64_t)v; }
    default: return 0;
    }
}

void bc_set_int(void *obj, size_t off, size_t size, int64_t v)
{
    void *p = bc_member(obj, off);
    switch (size) {
    case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: break;
    }
}

int64_t bc_field_int(const BcField *f, const void *obj)
{
    bool is_signed = f->kind == BF_I32 || f->kind == BF_DAY || (f->flags & BFF_OPTIONAL);
    return bc_get_int(obj, f->off, f->size, is_signed);
}
