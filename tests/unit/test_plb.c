/* test_plb.c: the .plb file, the verifier and the disassembler
 * (runtime/vm/plb.c, verify.c, disasm.c, bytecode.c).
 *
 * One small program is built by hand with something of every kind; the
 * tests write and read it, break it one rule at a time for the verifier,
 * and attack the file byte by byte. */
#include "unit.h"
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "vm/plb.h"
#include "base/sha256.h"

/* ---- the program ------------------------------------------------------- */

static const char source_text[] =
    "round ltp2019 \"Long Term Plan\" {\n"                                  /* 1 */
    "    horizon = 2019/20 .. 2023/24\n"                                    /* 2 */
    "}\n"                                                                   /* 3 */
    "metric ae_4hr: percent =\n"                                            /* 4 */
    "    1 - sum(ae.breaches where ae.type == \"1\") / sum(ae.attendances)\n" /* 5 */
    "foundational commitment ae_standard {\n"                               /* 6 */
    "    target = >= 95% in 2023/24\n"                                      /* 7 */
    "}\n"                                                                   /* 8 */
    "check balanced { require = ae_4hr in horizon >= 95% }\n"               /* 9 */
    "rating overall { outstanding when sum([0.1, 1]) > 0.1 }\n"             /* 10 */
    "fn double(x: number): number = x + x\n";                               /* 11 */

static void *dup_mem(BcProgram *p, const void *src, size_t n)
{
    void *d = arena_alloc(&p->arena, n);
    memcpy(d, src, n);
    return d;
}
#define DUP(p, arr) dup_mem((p), (arr), sizeof(arr))

static Instr ins(Opcode op, unsigned a, unsigned b, unsigned c)
{
    return (Instr){ (uint8_t)op, 0, (uint16_t)a, (uint16_t)b, (uint16_t)c };
}

static Instr jump(Opcode op, unsigned a, int32_t offset)
{
    uint32_t u = (uint32_t)offset;
    return (Instr){ (uint8_t)op, 0, (uint16_t)a, (uint16_t)(u >> 16), (uint16_t)(u & 0xFFFF) };
}

/* Replaces function i's code; every instruction gets line `line`. */
static void set_code(BcProgram *p, uint32_t i, const Instr *code, uint32_t n, uint32_t line)
{
    BcFunction *f = &p->fns[i];
    f->code = dup_mem(p, code, n * sizeof *code);
    f->lines = arena_alloc(&p->arena, n * sizeof *f->lines);
    for (uint32_t k = 0; k < n; k++)
        f->lines[k] = (LineInfo){ line + (k > 2), (uint16_t)(4 + k), 0 };
    f->ncode = n;
}

static void set_fn(BcProgram *p, uint32_t i, const char *name, FnKind kind, TypeKind result,
                   const uint8_t *ptypes, uint16_t nparams, uint16_t nregs,
                   const Instr *code, uint32_t ncode, uint32_t line)
{
    BcFunction *f = &p->fns[i];
    f->name = name;
    f->kind = (uint8_t)kind;
    f->result = (uint8_t)result;
    f->nparams = nparams;
    f->nregs = nregs;
    f->param_types = nparams ? dup_mem(p, ptypes, nparams) : NULL;
    set_code(p, i, code, ncode, line);
}

enum { FN_FILTER, FN_METRIC, FN_TARGET, FN_WINDOW, FN_CHECK, FN_ARM, FN_DOUBLE, NFNS };

static Value num(int64_t n, int64_t d, TypeKind unit)
{
    Value v = { .kind = V_NUM, .unit = (uint8_t)unit };
    v.as.num = (Num){ n, d };
    return v;
}

static void build(BcProgram *p)
{
    memset(p, 0, sizeof *p);

    Value k[15];
    memset(k, 0, sizeof k);
    k[0] = num(19, 20, T_PERCENT);                                  /* 95% */
    k[1] = (Value){ .kind = V_REAL, .unit = T_NUMBER, .as.real = 0.1 };
    k[2] = (Value){ .kind = V_BOOL, .unit = T_BOOL, .as.boolean = true };
    k[3] = (Value){ .kind = V_TEXT, .unit = T_TEXT, .as.text = { 1, "1" } };
    k[4] = (Value){ .kind = V_PERIOD, .unit = T_FY, .as.period = { GRAIN_FY, 2023 } };
    k[5] = (Value){ .kind = V_DURATION, .unit = T_DURATION, .as.days = 42 };
    k[6] = (Value){ .kind = V_STATUS, .unit = T_STATUS, .status = ST_MET };
    k[7] = (Value){ .kind = V_STATUSES, .unit = T_STATUSES, .status = 1 << ST_MET | 1 << ST_ON_TRACK };
    k[8] = (Value){ .kind = V_RANGE, .unit = T_RANGE,
                    .as.range = { { GRAIN_FY, 2019 }, { GRAIN_FY, 2023 } } };
    k[9] = val_missing();
    k[10] = num(1, 200, T_PP);                                      /* 0.5pp */
    k[11] = (Value){ .kind = V_TEXT, .unit = T_TEXT, .as.text = { 10, "h\xC3\xA9llo \xE2\x9C\x93" } };
    k[12] = num(1, 1, T_NUMBER);
    k[13] = num(-7, 3, T_MONEY);
    k[14] = (Value){ .kind = V_REAL, .unit = T_COUNT, .as.real = -1e300 };
    p->consts = DUP(p, k);
    p->nconsts = 15;

    BcColumn ae_cols[] = { { "attendances", T_COUNT, COL_PLAIN }, { "breaches", T_COUNT, COL_PLAIN },
                           { "type", T_TEXT, COL_PLAIN } };
    BcColumn plan_cols[] = { { "ae_4hr", T_PERCENT, COL_POINTS } };
    BcFeed feeds[2] = {
        { "ae", "A&E attendances", "org_code", "period", NULL, GRAIN_MONTH, 42, NULL, 3, 0, NULL, -1 },
        { "plans", NULL, "system", "year", "published_on", GRAIN_FY, 0, NULL, 1, 1, NULL, 0 },
    };
    uint16_t plan_key[] = { 0 };
    feeds[0].columns = DUP(p, ae_cols);
    feeds[1].columns = DUP(p, plan_cols);
    feeds[1].key_cols = DUP(p, plan_key);
    p->feeds = DUP(p, feeds);
    p->nfeeds = 2;

    BcHierarchy hier[] = { { "stp", "Providers in each STP", "code", "STP_code", "STP", NULL, NULL } };
    p->hiers = DUP(p, hier);
    p->nhiers = 1;

    BcSource src[1] = { { "ltp2019.pledge", { 0 }, source_text, sizeof source_text - 1, NULL, 0 } };
    sha256(source_text, sizeof source_text - 1, src[0].sha256);
    p->sources = DUP(p, src);
    p->nsources = 1;

    uint8_t ext_params[] = { T_NUMBER };
    BcExtern ext[] = { { "libm.so.6", "cbrt", NULL, 1, T_NUMBER } };
    ext[0].param_types = DUP(p, ext_params);
    p->externs = DUP(p, ext);
    p->nexterns = 1;

    p->fns = arena_alloc(&p->arena, NFNS * sizeof *p->fns);
    p->nfns = NFNS;
    {
        uint8_t pt[] = { T_TEXT };
        Instr c[] = { ins(OP_LOADK, 1, 3, 0), ins(OP_EQ, 2, 0, 1), ins(OP_RET, 2, 0, 0) };
        set_fn(p, FN_FILTER, "ae_4hr.where0", FK_FILTER, T_BOOL, pt, 1, 3, c, 3, 5);
    }
    {
        Instr c[] = {
            ins(OP_AGG, 0, 0, 0), ins(OP_AGG, 1, 1, 0), ins(OP_DIV, 2, 0, 1),
            ins(OP_LOADK, 3, 12, 0), ins(OP_SUB, 4, 3, 2), ins(OP_RET, 4, 0, 0),
        };
        set_fn(p, FN_METRIC, "ae_4hr", FK_METRIC, T_PERCENT, NULL, 0, 6, c, 6, 4);
    }
    {
        Instr c[] = { ins(OP_LOADK, 0, 0, 0), ins(OP_RET, 0, 0, 0) };
        set_fn(p, FN_TARGET, "ae_standard.target", FK_EXPR, T_PERCENT, NULL, 0, 1, c, 2, 7);
        Instr w[] = { ins(OP_LOADK, 0, 4, 0), ins(OP_RET, 0, 0, 0) };
        set_fn(p, FN_WINDOW, "ae_standard.window", FK_EXPR, T_FY, NULL, 0, 1, w, 2, 7);
    }
    {
        Instr c[] = {
            ins(OP_LOADK, 0, 8, 0),             /* 0 */
            ins(OP_WINDOW, 0, 0, 0),            /* 1 */
            ins(OP_CALL, 1, FN_METRIC, 0),      /* 2 */
            ins(OP_ENDWINDOW, 0, 0, 0),         /* 3 */
            jump(OP_JMPMISSING, 1, 3),          /* 4 -> 8 */
            ins(OP_LOADK, 2, 0, 0),             /* 5 */
            ins(OP_GE, 3, 1, RK_CONSTANT | 0),  /* 6: R3 := R1 >= K0 */
            jump(OP_JMP, 0, 1),                 /* 7 -> 9 */
            ins(OP_LOADMISSING, 3, 0, 0),       /* 8 */
            ins(OP_RET, 3, 0, 0),               /* 9 */
        };
        set_fn(p, FN_CHECK, "balanced.require", FK_EXPR, T_BOOL, NULL, 0, 4, c, 10, 9);
    }
    {
        Instr c[] = {
            ins(OP_LOADK, 1, 1, 0),             /* 0 */
            ins(OP_LOADK, 2, 12, 0),            /* 1 */
            ins(OP_LIST, 4, 1, 2),              /* 2: R4 := [R1, R2] */
            ins(OP_NATIVE, 3, 0, 1),            /* 3: R3 := sum(R4) */
            ins(OP_MOVE, 6, 3, 0),              /* 4 */
            ins(OP_EXTERN, 5, 0, 1),            /* 5: R5 := cbrt(R6) */
            ins(OP_LOADK, 8, 7, 0),             /* 6 */
            ins(OP_HOST, 7, HOST_CLASS_COUNT, 1), /* 7 */
            ins(OP_MOVE, 10, 5, 0),             /* 8 */
            ins(OP_CALL, 9, FN_DOUBLE, 1),      /* 9: R9 := double(R10) */
            ins(OP_STATUSES, 11, 8, 8),         /* 10 */
            ins(OP_GT, 0, 9, 1),                /* 11 */
            jump(OP_JMPNOTTRUE, 0, 0),          /* 12 -> 13 */
            ins(OP_RET, 0, 0, 0),               /* 13 */
        };
        set_fn(p, FN_ARM, "overall.outstanding", FK_EXPR, T_BOOL, NULL, 0, 12, c, 14, 10);
    }
    {
        uint8_t pt[] = { T_NUMBER };
        Instr c[] = { ins(OP_ADD, 1, 0, 0), ins(OP_NEG, 1, 1, 0), ins(OP_RET, 1, 0, 0) };
        set_fn(p, FN_DOUBLE, "double", FK_FN, T_NUMBER, pt, 1, 2, c, 3, 11);
    }

    uint16_t filter_cols[] = { 2 };
    BcAggregate aggs[2] = {
        { 0, 1, AGG_SUM, PUB_LATEST, 1, NULL, FN_FILTER, 0 },
        { 0, 0, AGG_SUM, PUB_BY, 0, NULL, -1, 18166 },     /* sum(… as of 2019-09-27) */
    };
    aggs[0].filter_cols = DUP(p, filter_cols);
    p->aggs = DUP(p, aggs);
    p->naggs = 2;

    BcDate dates[] = { { "published", 18074 }, { "plans_due", 18166 } };
    BcHorizon horizons[] = { { "five_year", 8 } };
    p->round = (BcRound){ "ltp2019", "Long Term Plan", NULL, 2, 8, 0, NULL, 1 };
    p->round.dates = DUP(p, dates);
    p->round.horizons = DUP(p, horizons);

    BcThreshold ms[] = { { CMP_GE, { 0 }, FN_TARGET, FN_WINDOW, -1, -1 } };
    BcCommitment cm[2] = {
        { "ae_standard", "95% within four hours", "LTP, Annex C", NULL, "Four hours, 95%.", 1, FN_METRIC,
          { CMP_GE, { 0 }, FN_TARGET, FN_WINDOW, -1, -1 }, NULL, 1, -1, -1, 10, 1, 0, 1, -1, -1, NULL, 0 },   /* a national one: the flag round-trips */
        { "ae_local", NULL, NULL, "ae_standard", NULL, 2, FN_METRIC,
          { CMP_LT, { 0 }, FN_TARGET, FN_WINDOW, -1, -1 }, NULL, 0, 1, 0, -1, 0, 1, 0, -1, -1, NULL, 0 },
    };
    cm[0].milestones = DUP(p, ms);
    p->commits = DUP(p, cm);
    p->ncommits = 2;

    BcCheck ck[] = { { "balanced", "Plans balance", "the plan does not balance", "Over the horizon.", 1, FN_CHECK, 1, -1, -1, NULL, 0 } };
    p->checks = DUP(p, ck);
    p->nchecks = 1;

    BcArm arms[] = { { "outstanding", FN_ARM }, { "needs_improvement", -1 } };
    BcRating rt[] = { { "overall", "Overall progress", NULL, 2 } };
    rt[0].arms = DUP(p, arms);
    p->ratings = DUP(p, rt);
    p->nratings = 1;
}

/* ---- helpers ----------------------------------------------------------- */

static char why[1024];

static void assert_verifies(const BcProgram *p)
{
    why[0] = '\0';
    ck_assert_msg(bc_verify(p, why, sizeof why), "bc_verify refused: %s", why);
}

static void write_prog(const BcProgram *p, uint8_t **bytes, size_t *len)
{
    plb_write(p, bytes, len);
    ck_assert_ptr_nonnull(*bytes);
    ck_assert_uint_gt(*len, 88);
}

static void assert_zeroed(const BcProgram *p)
{
    static const BcProgram zero;
    ck_assert_msg(memcmp(p, &zero, sizeof zero) == 0, "a refused read left *out non-empty");
}

static uint64_t le64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static void put_le64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

/* Makes the header agree with the bytes again (docs/bytecode.md): the body
 * length, then the checksum over everything from byte 44. */
static void fix_header(uint8_t *b, size_t len)
{
    put_le64(b + 48, len - 88);
    sha256(b + 44, len - 44, b + 12);
}

/* Where `what` first occurs in b[0, len); the test fails if it does not. */
static uint8_t *find(uint8_t *b, size_t len, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(b + i, what, n) == 0)
            return b + i;
    ck_abort_msg("\"%s\" is not in the file", what);
    return NULL;
}

static char *listing(const BcProgram *p)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    ck_assert_ptr_nonnull(f);
    bc_disasm(p, f);
    fclose(f);
    return text;
}

/* A read the test expects to succeed, and a whole second cycle from it. */
static void assert_reads(const uint8_t *bytes, size_t len, BcProgram *out)
{
    why[0] = '\0';
    ck_assert_msg(plb_read(bytes, len, out, why, sizeof why), "plb_read refused: %s", why);
}

/* ---- the opcode table and small functions ------------------------------ */

START_TEST(ops_table)
{
    ck_assert_str_eq(bc_ops[OP_MOVE].name, "MOVE");
    ck_assert_str_eq(bc_ops[OP_RET].name, "RET");
    ck_assert_str_eq(bc_ops[OP_JMPMISSING].name, "JMPMISSING");
    ck_assert_int_eq(bc_ops[OP_ADD].a, OPK_R);
    ck_assert_int_eq(bc_ops[OP_LOADK].b, OPK_K);
    ck_assert_int_eq(bc_ops[OP_LOADK].c, OPK__);
    ck_assert_int_eq(bc_ops[OP_JMP].a, OPK__);
    ck_assert_int_eq(bc_ops[OP_JMP].b, OPK_J);
    ck_assert_int_eq(bc_ops[OP_JMP].c, OPK_J);
    ck_assert_int_eq(bc_ops[OP_CALL].b, OPK_F);
    ck_assert_int_eq(bc_ops[OP_CALL].c, OPK_I);
    ck_assert_int_eq(bc_ops[OP_NATIVE].b, OPK_N);
    ck_assert_int_eq(bc_ops[OP_EXTERN].b, OPK_X);
    ck_assert_int_eq(bc_ops[OP_HOST].b, OPK_H);
    ck_assert_int_eq(bc_ops[OP_AGG].b, OPK_G);
    for (int i = 0; i < OP__COUNT; i++) {
        ck_assert_ptr_nonnull(bc_ops[i].name);
        ck_assert_ptr_nonnull(bc_ops[i].formula);
    }
}
END_TEST

START_TEST(find_and_free)
{
    BcProgram p;
    build(&p);
    ck_assert_int_eq(bc_find_function(&p, "ae_4hr"), FN_METRIC);
    ck_assert_int_eq(bc_find_function(&p, "double"), FN_DOUBLE);
    ck_assert_int_eq(bc_find_function(&p, "nope"), -1);
    ck_assert_int_eq(bc_find_function(&p, NULL), -1);
    bc_free(&p);
    assert_zeroed(&p);
    bc_free(&p);                /* twice is harmless */
    ck_assert_int_eq(bc_find_function(&p, "ae_4hr"), -1);
}
END_TEST

/* ---- writing and reading ----------------------------------------------- */

START_TEST(good_program_verifies)
{
    BcProgram p;
    build(&p);
    assert_verifies(&p);
    bc_free(&p);
}
END_TEST

START_TEST(header_layout)
{
    BcProgram p;
    build(&p);
    uint8_t *b;
    size_t len;
    write_prog(&p, &b, &len);
    ck_assert(memcmp(b, "PLEDGEBC", 8) == 0);
    ck_assert_uint_eq(b[8] | b[9] << 8 | b[10] << 16 | (uint32_t)b[11] << 24, PLB_FORMAT_VERSION);
    uint8_t sum[32];
    sha256(b + 44, len - 44, sum);
    ck_assert(memcmp(sum, b + 12, 32) == 0);
    ck_assert_uint_eq(b[44] | b[45] | b[46] | b[47], 0);
    ck_assert_uint_eq(le64(b + 48), len - 88);
    ck_assert_str_eq((const char *)b + 56, PACKAGE_VERSION);
    ck_assert(memcmp(b + 88, "STRS", 4) == 0);
    mem_free(b);
    bc_free(&p);
}
END_TEST

START_TEST(write_read_write_is_identical)
{
    BcProgram p, q, r;
    build(&p);
    uint8_t *b1, *b2, *b3;
    size_t n1, n2, n3;
    write_prog(&p, &b1, &n1);
    assert_reads(b1, n1, &q);
    write_prog(&q, &b2, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(b1, b2, n1) == 0);

    /* and what was read is the program */
    ck_assert_uint_eq(q.nconsts, p.nconsts);
    ck_assert_int_eq(q.consts[0].as.num.n, 19);
    ck_assert_int_eq(q.consts[0].as.num.d, 20);
    ck_assert(q.consts[1].as.real == 0.1);
    ck_assert(q.consts[14].as.real == -1e300);
    ck_assert_uint_eq(q.consts[11].as.text.len, 10);
    ck_assert(memcmp(q.consts[11].as.text.bytes, "h\xC3\xA9llo \xE2\x9C\x93", 10) == 0);
    ck_assert_int_eq(q.consts[8].as.range.to.index, 2023);
    ck_assert_uint_eq(q.consts[7].status, p.consts[7].status);
    ck_assert_str_eq(q.fns[FN_METRIC].name, "ae_4hr");
    ck_assert_uint_eq(q.fns[FN_CHECK].ncode, 10);
    ck_assert_int_eq(instr_jump(q.fns[FN_CHECK].code[4]), 3);
    ck_assert_str_eq(q.feeds[1].vintage_col, "published_on");
    ck_assert_ptr_null(q.feeds[0].vintage_col);
    ck_assert_ptr_null(q.hiers[0].from_col);
    ck_assert_str_eq(q.round.dates[1].name, "plans_due");
    ck_assert_int_eq(q.round.horizon, 8);
    ck_assert_uint_eq(q.round.nhorizons, 1);
    ck_assert_str_eq(q.round.horizons[0].name, "five_year");
    ck_assert_int_eq(q.round.horizons[0].window, 8);
    ck_assert_int_eq(q.commits[1].plan_feed, 1);
    ck_assert_str_eq(q.commits[1].restates, "ae_standard");
    ck_assert_str_eq(q.commits[0].doc, "Four hours, 95%.");
    ck_assert_ptr_null(q.commits[1].doc);
    ck_assert_str_eq(q.checks[0].doc, "Over the horizon.");
    ck_assert_int_eq(q.ratings[0].arms[1].when, -1);
    ck_assert_str_eq(q.externs[0].lib, "libm.so.6");
    ck_assert_uint_eq(q.sources[0].len, sizeof source_text - 1);
    ck_assert_str_eq(q.sources[0].text, source_text);
    ck_assert(memcmp(q.sources[0].sha256, p.sources[0].sha256, 32) == 0);
    /* equal strings are pooled once: a function and a column share a name */
    ck_assert_ptr_eq(q.fns[FN_METRIC].name, q.feeds[1].columns[0].name);

    /* a second generation reads as well */
    assert_reads(b2, n2, &r);
    write_prog(&r, &b3, &n3);
    ck_assert_uint_eq(n1, n3);
    ck_assert(memcmp(b1, b3, n1) == 0);

    mem_free(b1);
    mem_free(b2);
    mem_free(b3);
    bc_free(&p);
    bc_free(&q);
    bc_free(&r);
}
END_TEST

START_TEST(writing_is_deterministic)
{
    BcProgram p, q;
    build(&p);
    build(&q);      /* the same program at other addresses */
    /* strings equal by content but not by address must pool the same */
    q.feeds[0].name = arena_strndup(&q.arena, "ae", 2);
    uint8_t *b1, *b2, *b3;
    size_t n1, n2, n3;
    write_prog(&p, &b1, &n1);
    write_prog(&p, &b2, &n2);
    write_prog(&q, &b3, &n3);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(b1, b2, n1) == 0);
    ck_assert_uint_eq(n1, n3);
    ck_assert(memcmp(b1, b3, n1) == 0);
    mem_free(b1);
    mem_free(b2);
    mem_free(b3);
    bc_free(&p);
    bc_free(&q);
}
END_TEST

START_TEST(empty_program_round_trips)
{
    BcProgram p = { 0 }, q;
    p.round.horizon = -1;
    p.round.assess = -1;
    assert_verifies(&p);
    uint8_t *b1, *b2;
    size_t n1, n2;
    write_prog(&p, &b1, &n1);
    assert_reads(b1, n1, &q);
    ck_assert_ptr_null(q.round.name);
    ck_assert_uint_eq(q.nfns, 0);
    write_prog(&q, &b2, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(b1, b2, n1) == 0);
    mem_free(b1);
    mem_free(b2);
    bc_free(&q);
}
END_TEST

static int count_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

START_TEST(files)
{
    char dir[] = "/tmp/test_plb.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], bad[256];
    snprintf(path, sizeof path, "%s/round.plb", dir);
    snprintf(bad, sizeof bad, "%s/no/such/folder/round.plb", dir);

    BcProgram p, q;
    build(&p);
    ck_assert_msg(plb_write_file(&p, path, why, sizeof why), "%s", why);
    ck_assert_int_eq(count_entries(dir), 1);        /* no temporary left behind */
    /* again, over the old file */
    ck_assert_msg(plb_write_file(&p, path, why, sizeof why), "%s", why);
    ck_assert_int_eq(count_entries(dir), 1);
    ck_assert_msg(plb_read_file(path, &q, why, sizeof why), "%s", why);
    ck_assert_str_eq(q.round.name, "ltp2019");
    bc_free(&q);

    /* the file holds exactly plb_write's bytes */
    uint8_t *b;
    size_t n;
    write_prog(&p, &b, &n);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq((size_t)st.st_size, n);
    mem_free(b);

    why[0] = '\0';
    ck_assert(!plb_write_file(&p, bad, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "no/such/folder"));
    ck_assert_int_eq(count_entries(dir), 1);

    ck_assert(!plb_read_file(bad, &q, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "No such file"));
    assert_zeroed(&q);
    ck_assert(!plb_read_file(dir, &q, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "not a regular file"));

    /* a refused file names itself */
    FILE *f = fopen(path, "wb");
    fputs("hello", f);
    fclose(f);
    ck_assert(!plb_read_file(path, &q, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "round.plb: not a Pledge bytecode file"));
    assert_zeroed(&q);

    unlink(path);
    rmdir(dir);
    bc_free(&p);
}
END_TEST

/* ---- refusing files ---------------------------------------------------- */

static void assert_refused(const uint8_t *b, size_t len, const char *expect)
{
    BcProgram q;
    memset(&q, 0x5A, sizeof q);     /* plb_read must clear it even so */
    why[0] = '\0';
    ck_assert_msg(!plb_read(b, len, &q, why, sizeof why), "accepted; expected \"%s\"", expect);
    ck_assert_msg(strstr(why, expect), "got \"%s\", expected \"%s\"", why, expect);
    assert_zeroed(&q);
}

START_TEST(header_errors)
{
    BcProgram p;
    build(&p);
    uint8_t *b;
    size_t len;
    write_prog(&p, &b, &len);
    uint8_t *c = mem_alloc(len + 8);

    assert_refused(NULL, 0, "not a Pledge bytecode file");
    assert_refused((const uint8_t *)"PLEDGE", 6, "not a Pledge bytecode file");
    assert_refused((const uint8_t *)"#!/bin/sh\necho hi\n", 18, "not a Pledge bytecode file");

    memcpy(c, b, len);
    char newer[80];             /* whatever the version, one past it is refused */
    snprintf(newer, sizeof newer, "made by a newer Pledge: format version %d, this one reads %d",
             PLB_FORMAT_VERSION + 1, PLB_FORMAT_VERSION);
    c[8] = PLB_FORMAT_VERSION + 1;
    assert_refused(c, len, newer);
    c[8] = 2;
    assert_refused(c, len, "made by an older Pledge (format version 2): compile the source again");
    c[8] = 0;
    assert_refused(c, len, "unknown format version 0");

    memcpy(c, b, len);
    assert_refused(c, 60, "truncated: 60 bytes, shorter than the 88-byte header");
    assert_refused(c, len - 1, "truncated: the header promises");
    memcpy(c + len, "xyz", 3);
    assert_refused(c, len + 3, "3 stray bytes after the end");

    c[len - 1] ^= 0x20;
    assert_refused(c, len, "corrupted: checksum mismatch");

    memcpy(c, b, len);
    c[44] = 1;
    fix_header(c, len);
    assert_refused(c, len, "unknown flags 0x00000001");

    memcpy(c, b, len);
    memset(c + 56, 'x', 32);
    fix_header(c, len);
    assert_refused(c, len, "malformed engine version");

    memcpy(c, b, len);
    c[56 + 30] = 'x';            /* text after the terminator */
    fix_header(c, len);
    assert_refused(c, len, "malformed engine version");

    mem_free(c);
    mem_free(b);
    bc_free(&p);
}
END_TEST

START_TEST(body_errors)
{
    BcProgram p;
    build(&p);
    uint8_t *b;
    size_t len;
    write_prog(&p, &b, &len);
    uint8_t *c = mem_alloc(len + 16);

    /* a hostile count: the pool claims four thousand million strings */
    memcpy(c, b, len);
    memset(c + 92, 0xF0, 4);
    fix_header(c, len);
    assert_refused(c, len, "cannot fit in the");
    assert_refused(c, len, "at byte 92 (in string pool)");

    /* a body cut short, with a header that agrees */
    memcpy(c, b, len);
    fix_header(c, len - 3);
    assert_refused(c, len - 3, "at byte");
    assert_refused(c, len - 3, "(in row rules)");

    /* stray bytes inside the body */
    memcpy(c, b, len);
    memcpy(c + len, "\0\0\0", 3);
    fix_header(c, len + 3);
    assert_refused(c, len + 3, "3 stray bytes after the last section");

    /* a section in the wrong place */
    memcpy(c, b, len);
    uint8_t *tag = find(c + 88, len - 88, "FUNC");
    memcpy(tag, "FUNK", 4);
    fix_header(c, len);
    assert_refused(c, len, "expected the section tag \"FUNC\"");

    /* a string index past the pool (the first function's name) */
    memcpy(c, b, len);
    tag = find(c + 88, len - 88, "FUNC");
    memset(tag + 8, 0x7F, 4);
    fix_header(c, len);
    assert_refused(c, len, "out of range (the pool has");

    /* a NUL inside a pooled string; the pool starts with the constants' texts */
    memcpy(c, b, len);
    find(c + 88, len - 88, "ae_4hr.where0")[2] = 0;
    fix_header(c, len);
    assert_refused(c, len, "string 2 contains a NUL byte");

    /* an unknown value kind and a list among the constants */
    memcpy(c, b, len);
    tag = find(c + 88, len - 88, "CNST");
    tag[8] = 77;
    fix_header(c, len);
    assert_refused(c, len, "constant 0: unknown value kind 77");
    tag[8] = V_LIST;
    fix_header(c, len);
    assert_refused(c, len, "constant 0: a list cannot be a constant");

    /* a bool that is neither 0 nor 1: constant 2, after 95% and 0.1 */
    memcpy(c, b, len);
    tag = find(c + 88, len - 88, "CNST");
    uint8_t *k2 = tag + 8 + (2 + 16) + (2 + 8);
    ck_assert_uint_eq(k2[0], V_BOOL);
    k2[2] = 2;
    fix_header(c, len);
    assert_refused(c, len, "a bool must be 0 or 1");

    /* passes the parser, refused by the verifier */
    memcpy(c, b, len);
    tag = find(c + 88, len - 88, "CNST");
    put_le64(tag + 8 + 2 + 8, 40);      /* 95% as 19/40 is fine ... */
    fix_header(c, len);
    BcProgram q;
    assert_reads(c, len, &q);
    bc_free(&q);
    put_le64(tag + 8 + 2 + 8, 0);       /* ... 19/0 is not */
    fix_header(c, len);
    assert_refused(c, len, "constant 0: denominator 0 is not positive");

    mem_free(c);
    mem_free(b);
    bc_free(&p);
}
END_TEST

/* Every prefix of a good file is refused. */
START_TEST(every_truncation_refused)
{
    BcProgram p;
    build(&p);
    uint8_t *b;
    size_t len;
    write_prog(&p, &b, &len);
    for (size_t n = 0; n < len; n++) {
        BcProgram q;
        ck_assert_msg(!plb_read(b, n, &q, why, sizeof why), "accepted %zu of %zu bytes", n, len);
        assert_zeroed(&q);
    }
    /* and with the header made to agree, the parser must find the cut */
    uint8_t *c = mem_alloc(len);
    for (size_t n = 88; n < len; n++) {
        BcProgram q;
        memcpy(c, b, n);
        fix_header(c, n);
        ck_assert_msg(!plb_read(c, n, &q, why, sizeof why), "accepted a body cut at %zu", n);
        /* "truncated at byte N (in S)", or a count that cannot fit */
        ck_assert_msg(strstr(why, " at byte ") && strstr(why, " (in "), "cut at %zu: %s", n, why);
        assert_zeroed(&q);
    }
    mem_free(c);
    mem_free(b);
    bc_free(&p);
}
END_TEST

/* Every single-byte change is refused: the checksum covers all but the
 * magic and the version, and those are checked themselves. */
START_TEST(every_flip_refused)
{
    BcProgram p;
    build(&p);
    uint8_t *b;
    size_t len;
    write_prog(&p, &b, &len);
    static const uint8_t masks[] = { 0xFF, 0x01 };
    for (size_t m = 0; m < 2; m++)
        for (size_t i = 0; i < len; i++) {
            BcProgram q;
            b[i] ^= masks[m];
            bool ok = plb_read(b, len, &q, why, sizeof why);
            b[i] ^= masks[m];
            ck_assert_msg(!ok, "accepted with byte %zu xor 0x%02x", i, masks[m]);
            assert_zeroed(&q);
        }
    mem_free(b);
    bc_free(&p);
}
END_TEST

/* A program that plb_read accepted: it lists, writes and reads again. */
static void exercise(const BcProgram *q)
{
    free(listing(q));
    uint8_t *b2;
    size_t n2;
    plb_write(q, &b2, &n2);
    BcProgram r;
    ck_assert_msg(plb_read(b2, n2, &r, why, sizeof why), "a re-written program was refused: %s", why);
    bc_free(&r);
    mem_free(b2);
}

/* With the checksum made good again, only the parser and the verifier stand
 * between a changed byte and the VM: every change is refused or yields a
 * program that verifies (and, run under the sanitizers, nothing is read out
 * of bounds either way). */
START_TEST(every_flip_with_checksum_fixed)
{
    BcProgram p;
    build(&p);
    uint8_t *b;
    size_t len;
    write_prog(&p, &b, &len);
    uint8_t *c = mem_alloc(len);
    size_t accepted = 0, refused = 0;
    static const uint8_t masks[] = { 0xFF, 0x01, 0x80 };
    for (size_t m = 0; m < 3; m++)
        for (size_t i = 0; i < len; i++) {
            memcpy(c, b, len);
            c[i] ^= masks[m];
            if (i >= 44)
                sha256(c + 44, len - 44, c + 12);
            BcProgram q;
            if (plb_read(c, len, &q, why, sizeof why)) {
                accepted++;
                exercise(&q);
                bc_free(&q);
            } else {
                refused++;
                ck_assert(why[0] != '\0');
                assert_zeroed(&q);
            }
        }
    /* a random few thousand multi-byte corruptions, reproducibly */
    uint64_t seed = 0x9E3779B97F4A7C15u;
    for (int round = 0; round < 3000; round++) {
        memcpy(c, b, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            size_t at = 88 + (size_t)(seed >> 33) % (len - 88);
            c[at] = (uint8_t)(seed >> 24);
        }
        sha256(c + 44, len - 44, c + 12);
        BcProgram q;
        if (plb_read(c, len, &q, why, sizeof why)) {
            accepted++;
            exercise(&q);
            bc_free(&q);
        } else {
            refused++;
            assert_zeroed(&q);
        }
    }
    ck_assert_uint_gt(refused, 0);
    ck_assert_uint_gt(accepted, 0);     /* e.g. a changed letter in a title */
    mem_free(c);
    mem_free(b);
    bc_free(&p);
}
END_TEST

/* ---- the verifier's rules, one broken at a time ------------------------ */

typedef struct Case {
    const char *rule;
    void (*breaks)(BcProgram *p);
    const char *expect;
} Case;

static void set_op(BcProgram *p, uint32_t fn, uint32_t pc, Instr in) { p->fns[fn].code[pc] = in; }

static void c_num_zero_den(BcProgram *p)   { p->consts[0].as.num.d = 0; }
static void c_num_neg_den(BcProgram *p)    { p->consts[0].as.num = (Num){ -19, -20 }; }
static void c_num_unreduced(BcProgram *p)  { p->consts[0].as.num = (Num){ 38, 40 }; }
static void c_num_min(BcProgram *p)        { p->consts[0].as.num = (Num){ INT64_MIN, 1 }; }
static void c_num_unit(BcProgram *p)       { p->consts[0].unit = T_TEXT; }
static void c_real_inf(BcProgram *p)       { p->consts[1].as.real = -INFINITY; }
static void c_real_nan(BcProgram *p)       { p->consts[1].as.real = NAN; }
static void c_real_unit(BcProgram *p)      { p->consts[1].unit = T_BOOL; }
static void c_unknown_kind(BcProgram *p)   { p->consts[9].kind = 42; }
static void c_list(BcProgram *p)           { p->consts[9].kind = V_LIST; }
static void c_unknown_unit(BcProgram *p)   { p->consts[2].unit = 200; }
static void c_text_utf8(BcProgram *p)      { p->consts[3].as.text = (Text){ 2, "\xC0\x80" }; }
static void c_text_surrogate(BcProgram *p) { p->consts[3].as.text = (Text){ 3, "\xED\xA0\x80" }; }
static void c_text_cut(BcProgram *p)       { p->consts[3].as.text = (Text){ 2, "\xE2\x9C" }; }
static void c_text_nul(BcProgram *p)       { p->consts[3].as.text = (Text){ 3, "a\0b" }; }
static void c_period_grain(BcProgram *p)   { p->consts[4].as.period.grain = (Grain)9; }
static void c_status(BcProgram *p)         { p->consts[6].status = ST__COUNT; }
static void c_statuses(BcProgram *p)       { p->consts[7].status = 1 << ST__COUNT; }
static void c_range_grains(BcProgram *p)   { p->consts[8].as.range.to.grain = GRAIN_MONTH; }
static void c_range_bad(BcProgram *p)      { p->consts[8].as.range.from.grain = (Grain)7; }

static void f_no_name(BcProgram *p)        { p->fns[FN_METRIC].name = NULL; }
static void f_kind(BcProgram *p)           { p->fns[FN_DOUBLE].kind = 5; }
static void f_result(BcProgram *p)         { p->fns[FN_DOUBLE].result = 99; }
static void f_param_type(BcProgram *p)     { p->fns[FN_DOUBLE].param_types[0] = 99; }
static void f_params_regs(BcProgram *p)    { p->fns[FN_DOUBLE].nregs = 0; }
static void f_many_regs(BcProgram *p)      { p->fns[FN_DOUBLE].nregs = 4097; }
static void f_no_code(BcProgram *p)        { p->fns[FN_DOUBLE].ncode = 0; }
static void f_no_lines(BcProgram *p)       { p->fns[FN_DOUBLE].lines = NULL; }
static void f_line_source(BcProgram *p)    { p->fns[FN_DOUBLE].lines[1].source = 5; }
static void f_falls_off(BcProgram *p)      { p->fns[FN_DOUBLE].ncode = 2; }
static void f_zero_byte(BcProgram *p)      { p->fns[FN_DOUBLE].code[0].bx = 1; }
/* byte 1 is B's bits 16..23 where B is a constant, function or aggregate */
static Instr wide(Instr in, uint8_t bx) { in.bx = bx; return in; }
static void f_const_wide(BcProgram *p)     { set_op(p, FN_METRIC, 3, wide(ins(OP_LOADK, 3, 12, 0), 1)); }
static void f_fn_wide(BcProgram *p)        { set_op(p, FN_CHECK, 2, wide(ins(OP_CALL, 1, FN_METRIC, 0), 1)); }
static void f_agg_wide(BcProgram *p)       { set_op(p, FN_METRIC, 0, wide(ins(OP_AGG, 0, 0, 0), 2)); }
static void f_rk_wide(BcProgram *p)        { set_op(p, FN_METRIC, 4, wide(ins(OP_SUB, 4, RK_CONSTANT | 1, 2), 1)); }
static void f_opcode(BcProgram *p)         { p->fns[FN_DOUBLE].code[0].op = OP__COUNT; }
static void f_reg(BcProgram *p)            { set_op(p, FN_METRIC, 2, ins(OP_DIV, 40, 0, 1)); }
static void f_reg_c(BcProgram *p)          { set_op(p, FN_METRIC, 2, ins(OP_DIV, 2, 0, 6)); }
static void f_const(BcProgram *p)          { set_op(p, FN_METRIC, 3, ins(OP_LOADK, 3, 15, 0)); }
static void f_unused(BcProgram *p)         { set_op(p, FN_METRIC, 3, ins(OP_LOADK, 3, 12, 1)); }
static void f_unused_a(BcProgram *p)       { set_op(p, FN_CHECK, 3, ins(OP_ENDWINDOW, 1, 0, 0)); }
static void f_fn(BcProgram *p)             { set_op(p, FN_CHECK, 2, ins(OP_CALL, 1, NFNS, 0)); }
static void f_native(BcProgram *p)         { set_op(p, FN_ARM, 3, ins(OP_NATIVE, 3, 99, 1)); }
static void f_extern(BcProgram *p)         { set_op(p, FN_ARM, 5, ins(OP_EXTERN, 5, 1, 1)); }
static void f_agg(BcProgram *p)            { set_op(p, FN_METRIC, 0, ins(OP_AGG, 0, 2, 0)); }
static void f_host(BcProgram *p)           { set_op(p, FN_ARM, 7, ins(OP_HOST, 7, HOST__COUNT, 1)); }
static void f_jump_past(BcProgram *p)      { set_op(p, FN_CHECK, 7, jump(OP_JMP, 0, 2)); }
static void f_jump_before(BcProgram *p)    { set_op(p, FN_ARM, 12, jump(OP_JMPTRUE, 0, -14)); }
static void f_rk_const(BcProgram *p)       { set_op(p, FN_METRIC, 4, ins(OP_SUB, 4, RK_CONSTANT | 15, 2)); }
static void f_rk_reg(BcProgram *p)         { set_op(p, FN_CHECK, 6, ins(OP_GE, 3, 1, 4)); }
/* the RET at 5 is reached only by the jump, inside the window */
static void f_window_jump_edge(BcProgram *p)
{
    Instr c[] = {
        ins(OP_LOADK, 0, 8, 0), ins(OP_WINDOW, 0, 0, 0), jump(OP_JMPNOTTRUE, 0, 2),
        ins(OP_ENDWINDOW, 0, 0, 0), ins(OP_RET, 0, 0, 0), ins(OP_RET, 0, 0, 0),
    };
    set_code(p, FN_CHECK, c, 6, 9);
}
static void f_jump_back(BcProgram *p)      { set_op(p, FN_ARM, 12, jump(OP_JMPTRUE, 0, -12)); }
static void f_jump_self(BcProgram *p)      { set_op(p, FN_CHECK, 7, jump(OP_JMP, 0, -1)); }
static void f_jump_far(BcProgram *p)       { set_op(p, FN_ARM, 12, jump(OP_JMPTRUE, 0, INT32_MIN)); }
static void f_call_argc(BcProgram *p)      { set_op(p, FN_CHECK, 2, ins(OP_CALL, 1, FN_METRIC, 2)); }
static void f_call_filter(BcProgram *p)    { set_op(p, FN_ARM, 9, ins(OP_CALL, 9, FN_FILTER, 1)); }
static void f_call_frame(BcProgram *p)     { set_op(p, FN_ARM, 9, ins(OP_CALL, 11, FN_DOUBLE, 1)); }
static void f_native_arity(BcProgram *p)   { set_op(p, FN_ARM, 3, ins(OP_NATIVE, 3, 0, 2)); }
static void f_native_arity0(BcProgram *p)  { set_op(p, FN_ARM, 3, ins(OP_NATIVE, 3, 5, 0)); }
static void f_native_frame(BcProgram *p)   { set_op(p, FN_ARM, 3, ins(OP_NATIVE, 11, 0, 1)); }
static void f_extern_arity(BcProgram *p)   { set_op(p, FN_ARM, 5, ins(OP_EXTERN, 5, 0, 2)); }
static void f_extern_frame(BcProgram *p)   { set_op(p, FN_ARM, 5, ins(OP_EXTERN, 11, 0, 1)); }
static void f_host_frame(BcProgram *p)     { set_op(p, FN_ARM, 7, ins(OP_HOST, 10, HOST_CLASS_COUNT, 2)); }
static void f_host_arity(BcProgram *p)     { set_op(p, FN_ARM, 7, ins(OP_HOST, 7, HOST_CLASS_SHARE, 0)); }
static void f_retype_unit(BcProgram *p)    { set_op(p, FN_ARM, 7, ins(OP_RETYPE, 7, 7, T_TEXT)); }
static void f_list(BcProgram *p)           { set_op(p, FN_ARM, 2, ins(OP_LIST, 4, 11, 2)); }
static void f_endwindow(BcProgram *p)      { set_op(p, FN_CHECK, 1, ins(OP_LOADK, 0, 8, 0)); }
static void f_ret_in_window(BcProgram *p)  { set_op(p, FN_CHECK, 3, ins(OP_MOVE, 1, 1, 0)); }
/* instruction 4 is reached inside the window and outside it */
static void f_window_paths(BcProgram *p)
{
    Instr c[] = {
        ins(OP_LOADK, 0, 8, 0), jump(OP_JMPMISSING, 0, 2), ins(OP_WINDOW, 0, 0, 0),
        jump(OP_JMP, 0, 0), ins(OP_RET, 0, 0, 0),
    };
    set_code(p, FN_CHECK, c, 5, 9);
}

static void f_window_deep(BcProgram *p)
{
    Instr c[131];
    for (int i = 0; i < 65; i++) {
        c[i] = ins(OP_WINDOW, 0, 0, 0);
        c[65 + i] = ins(OP_ENDWINDOW, 0, 0, 0);
    }
    c[130] = ins(OP_RET, 0, 0, 0);
    set_code(p, FN_CHECK, c, 131, 9);
}

static void g_feed(BcProgram *p)           { p->aggs[1].feed = 7; }
static void g_column(BcProgram *p)         { p->aggs[1].column = 9; }
static void g_func(BcProgram *p)           { p->aggs[1].func = AGG_COUNT + 1; }
static void g_pub(BcProgram *p)            { p->aggs[1].pub = PUB_BY + 1; }
static void g_filter_range(BcProgram *p)   { p->aggs[0].filter = NFNS; }
static void g_filter_kind(BcProgram *p)    { p->aggs[0].filter = FN_METRIC; }
static void g_filter_params(BcProgram *p)  { p->aggs[0].nfilter = 0; }
static void g_filter_col(BcProgram *p)     { p->aggs[0].filter_cols[0] = 3; }
/* A condition reading more columns than the loader's array holds, its
 * function taking as many parameters: everything else consistent. */
static void g_filter_wide(BcProgram *p)
{
    BcAggregate *a = &p->aggs[0];
    uint16_t n = BC_MAX_FILTER_COLUMNS + 6;
    uint16_t *cols = arena_alloc(&p->arena, n * sizeof *cols);
    for (uint16_t i = 0; i < n; i++) cols[i] = a->filter_cols[0];
    a->filter_cols = cols;
    a->nfilter = n;
    BcFunction *f = &p->fns[a->filter];
    uint8_t *types = arena_alloc(&p->arena, n);
    for (uint16_t i = 0; i < n; i++) types[i] = f->param_types[0];
    f->param_types = types;
    f->nparams = n;
    f->nregs = (uint16_t)(n + f->nregs);
}

static void d_feed_grain(BcProgram *p)     { p->feeds[0].grain = 4; }
static void d_feed_name(BcProgram *p)      { p->feeds[1].org_col = NULL; }
static void d_feed_key(BcProgram *p)       { p->feeds[1].key_cols[0] = 1; }
static void d_feed_hier(BcProgram *p)      { p->feeds[1].hier = 1; }
static void d_feed_lag(BcProgram *p)       { p->feeds[1].lag_days = -2; }
static void d_feed_await(BcProgram *p)     { p->feeds[0].lag_days = FEED_AWAITS_PUBLICATION; }
static void d_column_type(BcProgram *p)    { p->feeds[0].columns[1].type = 77; }
static void d_column_name(BcProgram *p)    { p->feeds[0].columns[1].name = NULL; }
static void d_hier(BcProgram *p)           { p->hiers[0].parent_col = NULL; }
static void d_source(BcProgram *p)         { p->sources[0].text = NULL; }

static void r_horizon_kind(BcProgram *p)   { p->round.horizon = 5; }   /* a duration: not a window */
static void r_horizon_range(BcProgram *p)  { p->round.horizon = 15; }
static void r_horizon_neg(BcProgram *p)    { p->round.horizon = -2; }
static void r_assess(BcProgram *p)         { p->round.assess = 1; }
static void r_date(BcProgram *p)           { p->round.dates[0].name = NULL; }
static void r_named_kind(BcProgram *p)     { p->round.horizons[0].window = 5; }
static void r_named_name(BcProgram *p)     { p->round.horizons[0].name = NULL; }

static void m_measure_kind(BcProgram *p)   { p->commits[0].measure = FN_TARGET; }
static void m_measure_range(BcProgram *p)  { p->commits[0].measure = -1; }
static void m_class(BcProgram *p)          { p->commits[0].cls = 3; }
static void m_cmp(BcProgram *p)            { p->commits[0].target.cmp = CMP_GE + 1; }
static void m_target_kind(BcProgram *p)    { p->commits[0].target.value_fn = FN_METRIC; }
static void m_target_fn(BcProgram *p)      { p->commits[0].target.window_fn = FN_DOUBLE; }
static void m_target_params(BcProgram *p)
{
    static const uint8_t pt[] = { T_NUMBER };
    p->fns[FN_WINDOW].nparams = 1;
    p->fns[FN_WINDOW].param_types = dup_mem(p, pt, 1);
}
static void m_milestone_cmp(BcProgram *p)  { p->commits[0].milestones[0].cmp = 6; }
static void m_milestone_fn(BcProgram *p)   { p->commits[0].milestones[0].window_fn = NFNS + 3; }
static void m_plan_column(BcProgram *p)    { p->commits[1].plan_column = 1; }
static void m_plan_feed(BcProgram *p)      { p->commits[1].plan_feed = 2; }
static void m_plan_orphan(BcProgram *p)    { p->commits[1].plan_feed = -1; }
static void m_tolerance_kind(BcProgram *p) { p->commits[0].tolerance = 3; }
static void m_tolerance_range(BcProgram *p){ p->commits[0].tolerance = 99; }
static void m_name(BcProgram *p)           { p->commits[1].name = NULL; }

static void k_require_kind(BcProgram *p)   { p->checks[0].require = FN_DOUBLE; }
static void k_require_range(BcProgram *p)  { p->checks[0].require = -1; }
static void k_by_feed(BcProgram *p)        { p->checks[0].by_feed = 2; }
static void k_by_column(BcProgram *p)      { p->checks[0].by_feed = 0; p->checks[0].by_column = 3; }
static void k_by_orphan(BcProgram *p)      { p->checks[0].by_column = 2; }
/* a group whose condition is a metric, not an expr */
static void k_group_kind(BcProgram *p)
{
    BcGroup g[] = { { "1", FN_METRIC } };
    p->checks[0].by_feed = 0;
    p->checks[0].by_column = 2;
    p->checks[0].groups = DUP(p, g);
    p->checks[0].ngroups = 1;
}
static void t_arm_kind(BcProgram *p)       { p->ratings[0].arms[0].when = FN_FILTER; }
static void t_arm_range(BcProgram *p)      { p->ratings[0].arms[1].when = -7; }
static void t_arm_label(BcProgram *p)      { p->ratings[0].arms[1].label = NULL; }

static void x_param(BcProgram *p)          { p->externs[0].param_types[0] = T_MONEY; }
static void x_result(BcProgram *p)         { p->externs[0].result = T_PERCENT; }
static void x_name(BcProgram *p)           { p->externs[0].lib = NULL; }

static const Case cases[] = {
    { "num denominator 0", c_num_zero_den, "constant 0: denominator 0 is not positive" },
    { "num denominator < 0", c_num_neg_den, "constant 0: denominator -20 is not positive" },
    { "num not reduced", c_num_unreduced, "constant 0: 38/40 is not in lowest terms" },
    { "num INT64_MIN", c_num_min, "constant 0: numerator out of range" },
    { "num unit", c_num_unit, "constant 0: a number whose unit (text) is not a numeric type" },
    { "real infinite", c_real_inf, "constant 1: a real number that is not finite" },
    { "real NaN", c_real_nan, "constant 1: a real number that is not finite" },
    { "real unit", c_real_unit, "constant 1: a number whose unit (bool)" },
    { "unknown kind", c_unknown_kind, "constant 9: unknown value kind 42" },
    { "list constant", c_list, "constant 9: lists are not allowed in constants" },
    { "unknown unit", c_unknown_unit, "constant 2: unknown unit 200" },
    { "text overlong", c_text_utf8, "constant 3: text that is not valid UTF-8" },
    { "text surrogate", c_text_surrogate, "constant 3: text that is not valid UTF-8" },
    { "text cut", c_text_cut, "constant 3: text that is not valid UTF-8" },
    { "text NUL", c_text_nul, "constant 3: text with a NUL byte" },
    { "period grain", c_period_grain, "constant 4: unknown period grain 9" },
    { "status", c_status, "constant 6: unknown status 9" },
    { "statuses", c_statuses, "constant 7: status set 0x200 has bits beyond the 9 statuses" },
    { "range grains", c_range_grains, "constant 8: a range from a fy to a month" },
    { "range grain", c_range_bad, "constant 8: a range with an unknown period grain" },

    { "fn name", f_no_name, "function 1 has no name" },
    { "fn kind", f_kind, "function `double`: unknown kind 5" },
    { "fn result", f_result, "function `double`: unknown result type 99" },
    { "fn param type", f_param_type, "function `double`: parameter 0 has unknown type 99" },
    { "nparams > nregs", f_params_regs, "function `double`: 1 parameters but only 0 registers" },
    { "nregs > 4096", f_many_regs, "function `double`: 4097 registers, more than the 4096 allowed" },
    { "no code", f_no_code, "function `double`: no instructions" },
    { "no line table", f_no_lines, "function `double`: no line table" },
    { "line source", f_line_source, "function `double`, instruction 1 (NEG): line table names source 5 (program has 1)" },
    { "falls off the end", f_falls_off, "function `double`, instruction 1 (NEG): the last instruction must be RET or JMP" },
    { "zero byte", f_zero_byte, "function `double`, instruction 0 (ADD): byte 1 must be 0, not 1" },
    { "wide constant", f_const_wide, "instruction 3 (LOADK): constant 65548 out of range (program has 15)" },
    { "wide function", f_fn_wide, "instruction 2 (CALL): function 65537 out of range (program has 7)" },
    { "wide aggregate", f_agg_wide, "instruction 0 (AGG): aggregate 131072 out of range (program has 2)" },
    { "byte 1 of RK", f_rk_wide, "instruction 4 (SUB): byte 1 must be 0, not 1" },
    { "opcode", f_opcode, "function `double`, instruction 0: unknown opcode" },
    { "register A", f_reg, "function `ae_4hr`, instruction 2 (DIV): register 40 out of range (frame has 6)" },
    { "register C", f_reg_c, "function `ae_4hr`, instruction 2 (DIV): register 6 out of range (frame has 6)" },
    { "constant", f_const, "function `ae_4hr`, instruction 3 (LOADK): constant 15 out of range (program has 15)" },
    { "RK constant", f_rk_const, "function `ae_4hr`, instruction 4 (SUB): constant 15 out of range (program has 15)" },
    { "RK register", f_rk_reg, "function `balanced.require`, instruction 6 (GE): register 4 out of range (frame has 4)" },
    { "unused C", f_unused, "function `ae_4hr`, instruction 3 (LOADK): unused operand C must be 0, not 1" },
    { "unused A", f_unused_a, "instruction 3 (ENDWINDOW): unused operand A must be 0, not 1" },
    { "function", f_fn, "instruction 2 (CALL): function 7 out of range (program has 7)" },
    { "built-in", f_native, "instruction 3 (NATIVE): built-in 99 out of range (there are" },
    { "extern", f_extern, "instruction 5 (EXTERN): extern 1 out of range (program has 1)" },
    { "aggregate", f_agg, "instruction 0 (AGG): aggregate 2 out of range (program has 2)" },
    { "host", f_host, "instruction 7 (HOST): host function 6 out of range (there are 6)" },
    { "jump past the end", f_jump_past, "instruction 7 (JMP): jump to 10 is outside the function (0 to 9)" },
    { "jump before the start", f_jump_before, "instruction 12 (JMPTRUE): jump to -1 is outside the function" },
    { "jump backward", f_jump_back, "instruction 12 (JMPTRUE): jumps back to 1: every jump must go forward" },
    { "jump to itself", f_jump_self, "instruction 7 (JMP): jumps back to 7: every jump must go forward" },
    { "jump far", f_jump_far, "instruction 12 (JMPTRUE): jump to -2147483635 is outside" },
    { "call arity", f_call_argc, "instruction 2 (CALL): calls `ae_4hr` with 2 arguments; it takes 0" },
    { "call a filter", f_call_filter, "instruction 9 (CALL): calls `ae_4hr.where0`, a where-filter" },
    { "call frame", f_call_frame, "instruction 9 (CALL): arguments R12..R12 run past the frame (it has 12 registers)" },
    { "native arity", f_native_arity, "instruction 3 (NATIVE): calls `sum` with 2 arguments; it takes 1 to 1" },
    { "native arity 0", f_native_arity0, "instruction 3 (NATIVE): calls `count` with 0 arguments; it takes 1 to 2" },
    { "native frame", f_native_frame, "instruction 3 (NATIVE): arguments R12..R12 run past the frame" },
    { "extern arity", f_extern_arity, "instruction 5 (EXTERN): calls extern `cbrt` with 2 arguments; it takes 1" },
    { "extern frame", f_extern_frame, "instruction 5 (EXTERN): arguments R12..R12 run past the frame" },
    { "host arity", f_host_arity, "instruction 7 (HOST): calls host function 3 with 0 arguments; it takes 2 to 2" },
    { "retype unit", f_retype_unit, "instruction 7 (RETYPE): unit 7 is not a unit of numbers" },
    { "host frame", f_host_frame, "instruction 7 (HOST): arguments R11..R12 run past the frame" },
    { "list frame", f_list, "instruction 2 (LIST): list R11..R12 runs past the frame (it has 12 registers)" },
    { "ENDWINDOW alone", f_endwindow, "function `balanced.require`, instruction 3 (ENDWINDOW): ENDWINDOW without a WINDOW" },
    { "RET in a window", f_ret_in_window, "instruction 9 (RET): returns inside 1 window" },
    { "window paths", f_window_paths, "instruction 4 (RET): reached inside 1 window on one path and 0 on another" },
    { "window on a jump edge", f_window_jump_edge, "instruction 5 (RET): returns inside 1 window" },
    { "window depth", f_window_deep, "instruction 64 (WINDOW): windows nested deeper than 64" },

    { "aggregate feed", g_feed, "aggregate 1: feed 7 out of range (program has 2)" },
    { "aggregate column", g_column, "aggregate 1: column 9 out of range (feed `ae` has 3)" },
    { "aggregate func", g_func, "aggregate 1: unknown function 6" },
    { "aggregate publication", g_pub, "aggregate 1: publication: unknown publication 3" },
    { "filter range", g_filter_range, "aggregate 0's filter: function 7 out of range" },
    { "filter kind", g_filter_kind, "aggregate 0's filter: `ae_4hr` must be of kind filter, not metric" },
    { "filter params", g_filter_params, "aggregate 0's filter: `ae_4hr.where0` takes 1 parameters, not 0" },
    { "filter column", g_filter_col, "aggregate 0: filter column 3 out of range (feed `ae` has 3)" },
    { "filter too wide", g_filter_wide, "aggregate 0's filter reads 70 columns; at most 64" },

    { "feed grain", d_feed_grain, "feed `ae`: unknown period grain 4" },
    { "feed lag", d_feed_lag, "lag -2 days" },
    { "awaiting publication without a vintage", d_feed_await, "feed `ae`: lag -1 days" },
    { "feed columns", d_feed_name, "feed 1: needs a name, an org column and a period column" },
    { "feed key", d_feed_key, "feed `plans`: key column 1 out of range (the feed has 1)" },
    { "feed hierarchy", d_feed_hier, "feed `plans`: routed through hierarchy 1 out of range (program has 1)" },
    { "column type", d_column_type, "feed `ae`: column `breaches` has unknown type 77" },
    { "column name", d_column_name, "feed `ae`: column 1 has no name" },
    { "hierarchy", d_hier, "hierarchy 0: needs a name, a member column and a parent column" },
    { "source", d_source, "source 0: needs a path and its text" },

    { "horizon kind", r_horizon_kind, "round: the horizon (constant 5) is not a window (a range or a period)" },
    { "horizon range", r_horizon_range, "round: horizon constant 15 out of range (program has 15)" },
    { "horizon negative", r_horizon_neg, "round: horizon constant -2 out of range" },
    { "assess", r_assess, "round: assess hierarchy 1 out of range (program has 1)" },
    { "date name", r_date, "round: date 0 has no name" },
    { "named horizon kind", r_named_kind, "round: the horizon 0 window (constant 5) is not a window (a range or a period)" },
    { "named horizon name", r_named_name, "round: horizon 0 has no name" },

    { "measure kind", m_measure_kind, "commitment `ae_standard`: measure: `ae_standard.target` must be of kind metric, not expr" },
    { "measure range", m_measure_range, "commitment `ae_standard`: measure: function -1 out of range" },
    { "class", m_class, "commitment `ae_standard`: unknown class 3" },
    { "target cmp", m_cmp, "commitment `ae_standard`: target has unknown comparison 6" },
    { "target kind", m_target_kind, "commitment `ae_standard`: target value: `ae_4hr` must be of kind expr, not metric" },
    { "target fn", m_target_fn, "commitment `ae_standard`: target window: `double` must be of kind expr, not fn" },
    { "target params", m_target_params, "commitment `ae_standard`: target window: `ae_standard.window` takes 1 parameters, not 0" },
    { "milestone cmp", m_milestone_cmp, "commitment `ae_standard`: milestone 0 has unknown comparison 6" },
    { "milestone fn", m_milestone_fn, "commitment `ae_standard`: milestone 0 window: function 10 out of range" },
    { "plan column", m_plan_column, "commitment `ae_local`: plan column 1 out of range (feed `plans` has 1)" },
    { "plan feed", m_plan_feed, "commitment `ae_local`: plan feed 2 out of range (program has 2)" },
    { "plan column alone", m_plan_orphan, "commitment `ae_local`: a plan column without a plan feed" },
    { "tolerance kind", m_tolerance_kind, "commitment `ae_standard`: the tolerance is not a number" },
    { "tolerance range", m_tolerance_range, "commitment `ae_standard`: tolerance constant 99 out of range" },
    { "commitment name", m_name, "commitment 1 has no name" },

    { "require kind", k_require_kind, "check `balanced`: require: `double` must be of kind expr, not fn" },
    { "require range", k_require_range, "check `balanced`: require: function -1 out of range" },
    { "check by feed", k_by_feed, "check `balanced`: by feed 2 out of range (program has 2)" },
    { "check by column", k_by_column, "check `balanced`: by column 3 out of range (feed `ae` has 3)" },
    { "check by column alone", k_by_orphan, "check `balanced`: a by column without a by feed" },
    { "check group kind", k_group_kind, "check `balanced`: group `1`: require: `ae_4hr` must be of kind expr, not metric" },
    { "arm kind", t_arm_kind, "rating `overall`: arm `outstanding`: `ae_4hr.where0` must be of kind expr, not filter" },
    { "arm range", t_arm_range, "rating `overall`: arm `needs_improvement`: function -7 out of range" },
    { "arm label", t_arm_label, "rating `overall`: arm 1 has no label" },

    { "extern param", x_param, "extern `cbrt`: parameter 0 must be number, count, bool or text" },
    { "extern result", x_result, "extern `cbrt`: the result must be number, count, bool or text" },
    { "extern lib", x_name, "extern 0: needs a library and a name" },
};
enum { NCASES = sizeof cases / sizeof cases[0] };

START_TEST(verifier_rule)
{
    const Case *c = &cases[_i];
    BcProgram p;
    build(&p);
    c->breaks(&p);
    why[0] = '\0';
    ck_assert_msg(!bc_verify(&p, why, sizeof why), "rule \"%s\": accepted", c->rule);
    ck_assert_msg(strstr(why, c->expect), "rule \"%s\": got \"%s\", expected \"%s\"", c->rule, why, c->expect);

    /* and a file holding the broken program is refused with the same words */
    uint8_t *b;
    size_t len;
    plb_write(&p, &b, &len);
    BcProgram q;
    char fwhy[1024] = "";
    ck_assert_msg(!plb_read(b, len, &q, fwhy, sizeof fwhy), "rule \"%s\": file accepted", c->rule);
    assert_zeroed(&q);
    mem_free(b);
    bc_free(&p);
}
END_TEST

/* The verifier never writes past a small message buffer, and copes with none. */
START_TEST(verifier_small_buffers)
{
    BcProgram p;
    build(&p);
    f_reg(&p);
    char tiny[8];
    memset(tiny, 'z', sizeof tiny);
    ck_assert(!bc_verify(&p, tiny, 5));
    ck_assert_str_eq(tiny, "func");
    ck_assert(!bc_verify(&p, NULL, 0));
    bc_free(&p);
}
END_TEST

/* ---- the listing -------------------------------------------------------- */

static void assert_has(const char *text, const char *want)
{
    if (!strstr(text, want))
        fputs(text, stderr);    /* too long for Check's message */
    ck_assert_msg(strstr(text, want), "listing lacks \"%s\" (it is on stderr)", want);
}

START_TEST(disasm_listing)
{
    BcProgram p;
    build(&p);
    char *a = listing(&p), *b = listing(&p);
    ck_assert_str_eq(a, b);     /* deterministic */

    assert_has(a, "round ltp2019 \"Long Term Plan\"\n");
    assert_has(a, "published = 2019-06-27");
    assert_has(a, "horizon  K8 2019/20 .. 2023/24");
    assert_has(a, "assess   hierarchy 0 stp");
    char hex[65];
    sha256_hex(p.sources[0].sha256, hex);
    assert_has(a, hex);
    assert_has(a, "ltp2019.pledge");
    assert_has(a, "feed 0 ae \"A&E attendances\"");
    assert_has(a, "column 2  type: text");
    assert_has(a, "vintage  published_on");
    assert_has(a, "hierarchy 0 stp");
    assert_has(a, "  K0    95%  (percent)\n");
    assert_has(a, "G0    sum(ae.breaches) where F0 ae_4hr.where0 (type)");
    assert_has(a, "commitment 0 ae_standard \"95% within four hours\" (national foundational)");
    assert_has(a, "target     >= F2 ae_standard.target in F3 ae_standard.window");
    assert_has(a, "milestones plans.ae_4hr");
    assert_has(a, "check 0 balanced");
    assert_has(a, "needs_improvement otherwise");
    assert_has(a, "outstanding when F5 overall.outstanding");
    assert_has(a, "\"libm.so.6\" fn cbrt(number): number");
    assert_has(a, "fn ae_4hr (metric, 0 params, 6 registers): percent");
    assert_has(a, "fn double (fn, 1 param, 2 registers): number");
    assert_has(a, "; ltp2019.pledge:4 | metric ae_4hr: percent =\n");
    assert_has(a, "; 5 |     1 - sum(ae.breaches where ae.type == \"1\") / sum(ae.attendances)\n");
    assert_has(a, "      0  AGG         R0, G0");
    assert_has(a, "; sum(ae.breaches) where F0 ae_4hr.where0 (type)");
    assert_has(a, "      3  LOADK       R3, K12");
    assert_has(a, "      4  JMPMISSING  R1, J->8\n");
    assert_has(a, "      7  JMP         J->9\n");
    assert_has(a, "     12  JMPNOTTRUE  R0, J->13\n");
    assert_has(a, "      6  GE          R3, R1, K0            ; 95%\n");
    assert_has(a, "      2  CALL        R1, F1, 0");
    assert_has(a, "; ae_4hr\n");
    assert_has(a, "      3  NATIVE      R3, N0, 1");
    assert_has(a, "; sum\n");
    assert_has(a, "; cbrt\n");
    assert_has(a, "; class_count\n");
    assert_has(a, "      2  LIST        R4, R1, 2\n");
    assert_has(a, "      1  WINDOW      R0\n");
    assert_has(a, "      3  ENDWINDOW\n");
    ck_assert_msg(!strstr(a, " \n"), "trailing spaces in the listing");

    /* the program read back from its file lists the same */
    uint8_t *bytes;
    size_t len;
    write_prog(&p, &bytes, &len);
    BcProgram q;
    assert_reads(bytes, len, &q);
    char *c = listing(&q);
    ck_assert_str_eq(a, c);

    free(a);
    free(b);
    free(c);
    mem_free(bytes);
    bc_free(&p);
    bc_free(&q);
}
END_TEST

START_TEST(disasm_escapes_and_survives)
{
    BcProgram p;
    build(&p);
    p.feeds[0].title = "\x1b[31mred\x1b[0m";
    p.fns[FN_DOUBLE].lines[0].line = 999;          /* past the source's end */
    p.fns[FN_METRIC].code[2].a = 999;              /* unverified: still lists */
    p.fns[FN_METRIC].code[3].b = 999;
    char *a = listing(&p);
    ck_assert_msg(!strchr(a, '\x1b'), "an escape character reached the output");
    assert_has(a, "\\x1b[31mred");
    assert_has(a, "LOADK       R3, K999              ; ?\n");
    free(a);

    BcProgram empty = { 0 };
    empty.round.horizon = empty.round.assess = -1;
    a = listing(&empty);
    ck_assert_str_eq(a, "no round\n");
    free(a);
    bc_free(&p);
}
END_TEST

static Suite *plb_suite(void)
{
    Suite *s = suite_create("plb");
    TCase *t = tcase_create("format");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, ops_table);
    tcase_add_test(t, find_and_free);
    tcase_add_test(t, good_program_verifies);
    tcase_add_test(t, header_layout);
    tcase_add_test(t, write_read_write_is_identical);
    tcase_add_test(t, writing_is_deterministic);
    tcase_add_test(t, empty_program_round_trips);
    tcase_add_test(t, files);
    suite_add_tcase(s, t);

    t = tcase_create("hostile");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, header_errors);
    tcase_add_test(t, body_errors);
    tcase_add_test(t, every_truncation_refused);
    tcase_add_test(t, every_flip_refused);
    tcase_add_test(t, every_flip_with_checksum_fixed);
    suite_add_tcase(s, t);

    t = tcase_create("verifier");
    tcase_add_loop_test(t, verifier_rule, 0, NCASES);
    tcase_add_test(t, verifier_small_buffers);
    suite_add_tcase(s, t);

    t = tcase_create("disasm");
    tcase_add_test(t, disasm_listing);
    tcase_add_test(t, disasm_escapes_and_survives);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return unit_run(plb_suite());
}
