/* variations.c: a variations file (pledge_vary): a rule of the round varied
 * for named systems, as a region signs it off (issue 16; docs/reference.md,
 * Variations). Blocks of `key = value` lines, read like the round:
 *
 *     variation dorset_ae "Dorset: the four-hour standard a year later" {
 *         systems   = "E54000008"
 *         rule      = ae_standard
 *         target    = >= 95% in 2024/25         // or: exempt = "why"
 *         reason    = "..."
 *         agreed_by = "..."
 *         agreed_on = 2019-10-30
 *         until     = 2021-03-31
 *     }
 *
 * Checked against the round here (the rule exists and is a system's, a
 * target's value and window have the kinds and unit the rule's have, no two
 * variations of one rule for one system in force on one day); the systems
 * are checked once the data is loaded (assess_check_variations). Every error
 * names the file and line. */
#include "api/api.h"
#include "base/calendar.h"
#include "base/sha256.h"
#include "base/utf8.h"
#include "vm/compile.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A variations file is a few blocks: past this it is not one. */
enum { VARY_MAX_BYTES = 1 << 20 };

typedef struct Parse {
    pledge_state *S;
    const BcProgram *bc;
    ApiVariations *vs;
    const char   *file;
    int           line;
    char          sha256[65];
} Parse;

static pledge_status fail_at(Parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static pledge_status fail_at(Parse *p, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return api_fail(p->S, PLEDGE_ERR_INPUT, "%s:%d: %s", p->file, p->line, what);
}

static bool blank(char c) { return c == ' ' || c == '\t'; }
static bool name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

static void trim(const char **s, const char **e)
{
    while (*s < *e && blank(**s)) (*s)++;
    while (*e > *s && blank((*e)[-1])) (*e)--;
}

static Arena *arena_of(Parse *p) { return &p->vs->arena; }

/* The end of [s, e) before a `//` comment outside quotes. */
static const char *before_comment(const char *s, const char *e)
{
    bool quoted = false;
    for (const char *c = s; c < e; c++) {
        if (quoted && *c == '\\' && c + 1 < e) c++;
        else if (*c == '"') quoted = !quoted;
        else if (!quoted && *c == '/' && c + 1 < e && c[1] == '/') return c;
    }
    return e;
}

/* A "quoted" string at *s (\" and \\ escaped), *s moved past it. */
static pledge_status string_at(Parse *p, const char *key, const char **s, const char *e, const char **out)
{
    if (*s >= e || **s != '"') return fail_at(p, "`%s` takes a \"quoted\" text", key);
    char *v = arena_alloc(arena_of(p), (size_t)(e - *s)), *w = v;
    const char *q = *s + 1;
    for (; q < e && *q != '"'; q++) {
        if (*q == '\\' && q + 1 < e && (q[1] == '"' || q[1] == '\\')) q++;
        *w++ = *q;
    }
    if (q == e) return fail_at(p, "`%s`: the text has no closing quote", key);
    *w = 0;
    if (!v[0]) return fail_at(p, "`%s` is empty", key);
    *out = v;
    *s = q + 1;
    return PLEDGE_OK;
}

static pledge_status one_string(Parse *p, const char *key, const char *s, const char *e, const char **out)
{
    pledge_status st = string_at(p, key, &s, e, out);
    if (st != PLEDGE_OK) return st;
    trim(&s, &e);
    return s == e ? PLEDGE_OK : fail_at(p, "`%s`: `%.*s` after the closing quote", key, (int)(e - s), s);
}

static pledge_status day_of(Parse *p, const char *key, const char *s, const char *e, Day *out)
{
    char why[128];
    if (!cal_parse_day(s, (size_t)(e - s), out, why, sizeof why))
        return fail_at(p, "`%s`: `%.*s` is not a date (YYYY-MM-DD): %s", key, (int)(e - s), s, why);
    return PLEDGE_OK;
}

/* A constant written as in a rule file (95%, 2024/25, 2019-10-30 ..
 * 2020-03-31), evaluated on its own. */
static pledge_status constant(Parse *p, const char *key, const char *s, const char *e, Value *out)
{
    pledge_state *S = p->S;
    char *expr = arena_strndup(arena_of(p), s, (size_t)(e - s));
    Program prog = { 0 };
    Decl *it = NULL;
    BcProgram bc = { 0 };
    bool ok = front_load_expr(&prog, expr, &it) && comp_program(&prog, &bc);
    int32_t fn = ok ? it->index : -1;
    front_free(&prog);
    VmStatus vs = VM_OK;
    if (ok) {
        Vm *vm = vm_new(&bc, S->limits, NULL, 0);
        vs = vm_call(vm, (uint32_t)fn, NULL, out);
        vm_free(vm);
    }
    bc_free(&bc);
    if (!ok || vs != VM_OK || out->kind == V_TEXT || out->kind == V_LIST || out->kind == V_MISSING)
        return fail_at(p, "`%s`: `%.80s%s` is not a number, percent, date or period as a rule file writes them", key,
                       expr, strlen(expr) > 80 ? "…" : "");
    return PLEDGE_OK;
}

static const char *kind_text(Value v, char *buf, size_t cap)
{
    switch (v.kind) {
    case V_NUM: case V_REAL:
        snprintf(buf, cap, v.unit == T_MONEY ? "%s" : "a %s", type_kind_name((TypeKind)v.unit));
        break;
    case V_BOOL:   snprintf(buf, cap, "a yes/no"); break;
    case V_PERIOD: snprintf(buf, cap, "a %s", grain_name((Grain)v.as.period.grain)); break;
    case V_DURATION: snprintf(buf, cap, "a duration"); break;
    default:       snprintf(buf, cap, "a value of another kind"); break;
    }
    return buf;
}

static bool same_kind(Value a, Value b)
{
    if (val_is_number(a) && val_is_number(b)) return a.unit == b.unit;
    if (a.kind == V_PERIOD && b.kind == V_PERIOD) return a.as.period.grain == b.as.period.grain;
    return a.kind == b.kind;
}

/* `target = CMP VALUE [in WINDOW]`: without a window, the rule's. The
 * value must be of the kind and unit of the rule's own threshold. */
static pledge_status target_of(Parse *p, ReportVariation *v, const char *s, const char *e)
{
    static const char *const cmps[] = { ">=", "<=", "==", "!=", ">", "<" };
    static const Cmp cmp_of[] = { CMP_GE, CMP_LE, CMP_EQ, CMP_NE, CMP_GT, CMP_LT };
    size_t c = 0;
    while (c < 6 && strncmp(s, cmps[c], strlen(cmps[c])) != 0) c++;
    if (c == 6) return fail_at(p, "`target` starts with >=, <=, >, <, == or != (as in the round)");
    v->target_text = arena_strndup(arena_of(p), s, (size_t)(e - s));
    v->target.cmp = (uint8_t)cmp_of[c];
    s += strlen(cmps[c]);
    const char *in = NULL;
    for (const char *q = s; q + 4 <= e; q++)
        if (blank(q[0]) && q[1] == 'i' && q[2] == 'n' && blank(q[3])) in = q;
    const char *ve = in ? in : e, *ws = in ? in + 4 : e;
    trim(&s, &ve);
    trim(&ws, &e);
    if (s == ve) return fail_at(p, "`target` has no value after %s", cmps[c]);
    pledge_status st = constant(p, "target", s, ve, &v->target.threshold);
    if (st != PLEDGE_OK) return st;
    if (in) {
        if (ws == e) return fail_at(p, "`target` has no window after `in`");
        st = constant(p, "target", ws, e, &v->target.window);
        if (st != PLEDGE_OK) return st;
        if (!val_window_days(v->target.window, &v->target.from, &v->target.to))
            return fail_at(p, "`target`: `%.*s` is not a window (a period, a date or a range of them)", (int)(e - ws),
                           ws);
    }
    return PLEDGE_OK;
}

/* The block's keys: where each was given (0: not yet). */
enum { K_SYSTEMS, K_RULE, K_TARGET, K_EXEMPT, K_REASON, K_AGREED_BY, K_AGREED_ON, K_UNTIL, NKEYS };
static const char *const key_names[NKEYS] = { "systems", "rule", "target", "exempt", "reason", "agreed_by",
                                              "agreed_on", "until" };

typedef struct Block {
    ReportVariation v;
    int  at[NKEYS];
    const char *rule_text;      /* checked against the round at the block's end */
    int  target_line;
    const char *target_s, *target_e;
} Block;

static pledge_status systems_of(Parse *p, ReportVariation *v, const char *s, const char *e)
{
    VEC(const char *) codes = { 0 };
    pledge_status st = PLEDGE_OK;
    while (st == PLEDGE_OK) {
        const char *code;
        st = string_at(p, "systems", &s, e, &code);
        if (st != PLEDGE_OK) break;
        for (size_t i = 0; i < codes.len; i++)
            if (strcmp(codes.items[i], code) == 0) st = fail_at(p, "`systems` names %s twice", code);
        vec_push(&codes, code);
        while (s < e && blank(*s)) s++;
        if (s == e) break;
        if (*s != ',') st = fail_at(p, "`systems`: expected `,` between the codes, not `%.*s`", (int)(e - s), s);
        for (s++; s < e && blank(*s); s++) {}
    }
    if (st == PLEDGE_OK) {
        v->nsystems = codes.len;
        v->systems = arena_alloc(arena_of(p), codes.len * sizeof *v->systems);
        memcpy(v->systems, codes.items, codes.len * sizeof *v->systems);
    }
    vec_free(&codes);
    return st;
}

static pledge_status pair(Parse *p, Block *b, const char *s, const char *e)
{
    const char *eq = memchr(s, '=', (size_t)(e - s));
    if (!eq) return fail_at(p, "expected `KEY = VALUE` or `}`, not `%.*s`", (int)(e - s), s);
    const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
    trim(&ks, &ke);
    trim(&vs, &ve);
    int k = 0;
    while (k < NKEYS && !((size_t)(ke - ks) == strlen(key_names[k]) && memcmp(ks, key_names[k], (size_t)(ke - ks)) == 0))
        k++;
    if (k == NKEYS)
        return fail_at(p, "unknown key `%.*s` (the keys are systems, rule, target or exempt, reason, agreed_by, "
                          "agreed_on and until)", (int)(ke - ks), ks);
    if (b->at[k]) return fail_at(p, "`%s` is given twice (first on line %d)", key_names[k], b->at[k]);
    if (vs == ve) return fail_at(p, "`%s` has no value", key_names[k]);
    b->at[k] = p->line;
    ReportVariation *v = &b->v;
    switch (k) {
    case K_SYSTEMS: return systems_of(p, v, vs, ve);
    case K_RULE:
        for (const char *c = vs; c < ve; c++)
            if (!name_char(*c)) return fail_at(p, "`rule` takes the name of a commitment or check, not `%.*s`",
                                               (int)(ve - vs), vs);
        b->rule_text = arena_strndup(arena_of(p), vs, (size_t)(ve - vs));
        return PLEDGE_OK;
    case K_TARGET:                          /* read once the rule is known */
        b->target_s = vs;
        b->target_e = ve;
        return PLEDGE_OK;
    case K_EXEMPT:    return one_string(p, "exempt", vs, ve, &v->exempt);
    case K_REASON:    return one_string(p, "reason", vs, ve, &v->reason);
    case K_AGREED_BY: return one_string(p, "agreed_by", vs, ve, &v->agreed_by);
    case K_AGREED_ON: return day_of(p, "agreed_on", vs, ve, &v->agreed_on);
    default:          return day_of(p, "until", vs, ve, &v->until);
    }
}

/* The end of a block: what it must hold, and the rule it varies. */
static pledge_status finish(Parse *p, Block *b)
{
    ReportVariation *v = &b->v;
    const BcProgram *bc = p->bc;
    int line = p->line;
    for (int k = 0; k < NKEYS; k++)
        if (!b->at[k] && k != K_TARGET && k != K_EXEMPT)
            return fail_at(p, "variation %s has no `%s`", v->name, key_names[k]);
    if (!b->at[K_TARGET] == !b->at[K_EXEMPT])
        return fail_at(p, "variation %s needs one of `target` (another threshold or date) and `exempt` (\"why\")%s",
                       v->name, b->at[K_TARGET] ? ", not both" : "");
    if (v->until < v->agreed_on) {
        p->line = b->at[K_UNTIL];
        return fail_at(p, "variation %s: `until` is before `agreed_on`", v->name);
    }
    v->rule_name = b->rule_text;
    int32_t commit = -1, check = -1;
    for (uint16_t k = 0; k < bc->ncommits; k++)
        if (strcmp(bc->commits[k].name, b->rule_text) == 0) commit = k;
    for (uint16_t k = 0; k < bc->nchecks; k++)
        if (strcmp(bc->checks[k].name, b->rule_text) == 0) check = k;
    p->line = b->at[K_RULE];
    if (commit < 0 && check < 0)
        return fail_at(p, "variation %s: the round has no commitment or check `%s`", v->name, b->rule_text);
    bool national = commit >= 0 ? bc->commits[commit].national : bc->checks[check].national;
    if (national)
        return fail_at(p, "variation %s: `%s` is national, judged once for the round: it cannot vary for a system",
                       v->name, b->rule_text);
    v->kind = commit >= 0 ? ITEM_COMMITMENT : ITEM_CHECK;
    v->rule = (uint32_t)(commit >= 0 ? commit : check);
    if (b->at[K_TARGET]) {
        p->line = b->at[K_TARGET];
        if (commit < 0)
            return fail_at(p, "variation %s: `%s` is a check, which has no threshold to vary: exempt it instead",
                           v->name, b->rule_text);
        pledge_status st = target_of(p, v, b->target_s, b->target_e);
        if (st != PLEDGE_OK) return st;
        /* the rule's own target, for its value's kind and its window if none is given */
        const BcCommitment *k = &bc->commits[commit];
        Vm *vm = vm_new(bc, p->S->limits, NULL, 0);
        Value own = val_missing(), window = val_missing();
        if (vm_call(vm, (uint32_t)k->target.value_fn, NULL, &own) != VM_OK) own = val_missing();
        if (k->target.window_feed < 0 && vm_call(vm, (uint32_t)k->target.window_fn, NULL, &window) != VM_OK)
            window = val_missing();
        vm_free(vm);
        char want[64], got[64];
        if (own.kind != V_MISSING && !same_kind(own, v->target.threshold))
            return fail_at(p, "variation %s: the target is %s, but `%s`'s target is %s", v->name,
                           kind_text(v->target.threshold, got, sizeof got), b->rule_text,
                           kind_text(own, want, sizeof want));
        /* a date deadline's day is its threshold (as in the round): the
         * variation's own date, not the round's */
        if (k->deadline && v->target.threshold.kind == V_PERIOD) {
            if (v->target.window.kind != V_MISSING)
                return fail_at(p, "variation %s: `%s` is due by its target's date: give the new date without `in`",
                               v->name, b->rule_text);
            window = v->target.threshold;
        }
        if (v->target.window.kind == V_MISSING) {
            if (window.kind == V_MISSING)
                return fail_at(p, "variation %s: `%s`'s target window comes from each system's plan: give one "
                                  "with `in`", v->name, b->rule_text);
            v->target.window = window;
            val_window_days(window, &v->target.from, &v->target.to);
        }
        if (k->deadline && v->target.window.kind != V_PERIOD)
            return fail_at(p, "variation %s: `%s` is a deadline: its window is one day", v->name, b->rule_text);
    }
    p->line = line;
    memcpy(v->sha256, p->sha256, sizeof v->sha256);
    v->file = p->file;
    return PLEDGE_OK;
}

/* No two variations of one rule for one system in force on one day, and
 * no name twice. */
static pledge_status clash(Parse *p, const ReportVariation *v)
{
    for (size_t i = 0; i < p->vs->list.len; i++) {
        const ReportVariation *w = &p->vs->list.items[i];
        if (strcmp(w->name, v->name) == 0)
            return fail_at(p, "variation %s is given twice (first at %s:%u)", v->name, w->file, w->line);
        if (w->kind != v->kind || w->rule != v->rule || w->until < v->agreed_on || v->until < w->agreed_on) continue;
        for (size_t a = 0; a < v->nsystems; a++)
            for (size_t b = 0; b < w->nsystems; b++)
                if (strcmp(v->systems[a], w->systems[b]) == 0) {
                    p->line = (int)v->line;
                    return fail_at(p, "variations %s and %s (%s:%u) both vary `%s` for %s on the same days", v->name,
                                   w->name, w->file, w->line, v->rule_name, v->systems[a]);
                }
    }
    return PLEDGE_OK;
}

/* `variation NAME ["TITLE"] {` */
static pledge_status opening(Parse *p, Block *b, const char *s, const char *e)
{
    if ((size_t)(e - s) < 10 || memcmp(s, "variation", 9) != 0 || !blank(s[9]))
        return fail_at(p, "expected `variation NAME \"TITLE\" {`, not `%.*s`", (int)(e - s), s);
    s += 10;
    while (s < e && blank(*s)) s++;
    const char *ns = s;
    while (s < e && name_char(*s)) s++;
    if (s == ns || (*ns >= '0' && *ns <= '9')) return fail_at(p, "`variation` needs a name");
    memset(b, 0, sizeof *b);
    b->v.name = arena_strndup(arena_of(p), ns, (size_t)(s - ns));
    b->v.line = (uint32_t)p->line;
    while (s < e && blank(*s)) s++;
    if (s < e && *s == '"') {
        pledge_status st = string_at(p, "variation", &s, e, &b->v.title);
        if (st != PLEDGE_OK) return st;
        while (s < e && blank(*s)) s++;
    }
    if (s + 1 != e || *s != '{') return fail_at(p, "variation %s: expected `{` at the end of the line", b->v.name);
    return PLEDGE_OK;
}

static pledge_status parse(Parse *p, const char *text, size_t len)
{
    size_t bad;
    if (!utf8_valid(text, len, &bad)) {
        p->line = 1;
        for (size_t i = 0; i < bad; i++) p->line += text[i] == '\n';
        return fail_at(p, text[bad] ? "not UTF-8 text (byte 0x%02x)" : "a NUL byte: a variations file is text",
                       (unsigned char)text[bad]);
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3, len -= 3;
    Block b;
    bool open = false;
    int opened = 0;
    const char *end = text + len;
    p->line = 1;
    for (const char *s = text; s < end; p->line++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s)), *e = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (e > s && e[-1] == '\r') e--;
        for (const char *c = s; c < e; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t')
                return fail_at(p, "a control character (0x%02x): a variations file is text", (unsigned char)*c);
        e = before_comment(s, e);
        trim(&s, &e);
        pledge_status st = PLEDGE_OK;
        if (s == e) {
        } else if (!open) {
            st = opening(p, &b, s, e);
            open = true;
            opened = p->line;
        } else if (*s == '}') {
            if (s + 1 != e) st = fail_at(p, "`%.*s` after `}`", (int)(e - s - 1), s + 1);
            if (st == PLEDGE_OK) st = finish(p, &b);
            if (st == PLEDGE_OK) st = clash(p, &b.v);
            if (st == PLEDGE_OK) vec_push(&p->vs->list, b.v);
            open = false;
        } else st = pair(p, &b, s, e);
        if (st != PLEDGE_OK) return st;
        s = next;
    }
    if (open) {
        p->line = opened;
        return fail_at(p, "variation %s has no closing `}`", b.v.name);
    }
    return PLEDGE_OK;
}

pledge_status api_vary(pledge_state *S, const BcProgram *bc, ApiVariations *vs, const char *path, const char *name)
{
    if (!path || !path[0]) return api_fail(S, PLEDGE_ERR_USAGE, "no variations file named");
    char *text;
    size_t len;
    pledge_status read = api_read_small_file(S, path, name, VARY_MAX_BYTES, "a variations file is a few blocks", &text,
                                             &len);
    if (read != PLEDGE_OK) return read;
    Parse p = { S, bc, vs, arena_strndup(&vs->arena, name, strlen(name)), 0, "" };
    uint8_t digest[32];
    sha256(text, len, digest);
    sha256_hex(digest, p.sha256);
    size_t before = vs->list.len;
    pledge_status rc = parse(&p, text, len);
    mem_free(text);
    if (rc != PLEDGE_OK) vs->list.len = before;     /* all of a file or none of it */
    return rc;
}

void api_variations_free(ApiVariations *vs)
{
    vec_free(&vs->list);
    arena_free(&vs->arena);
}

pledge_status pledge_vary(pledge_round *R, const char *path)
{
    API_ENTER(R->S);
    R->S->error[0] = '\0';
    API_RETURN(R->S, api_vary(R->S, &R->bc, &R->vary, path, path ? path : ""));
}
