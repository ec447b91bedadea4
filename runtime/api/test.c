/* test.c: pledge_test, the test blocks of rule files (spec §3).
 *
 * Each test's rows tables are bound from memory as CSV text (the compiler
 * keeps each table as CSV), read by the data layer exactly as real feeds
 * are; its expectations are evaluated as of its `as_of` against those
 * inputs alone. A test passes when every expectation holds. The output
 * names each failing test with its file and line, what was expected and
 * what was found, and ends with `N passed, N failed`. */
#include "api/api.h"
#include "report/escape.h"
#include "vm/compile.h"
#include <stdlib.h>
#include <string.h>

/* One expectation's outcome. */
typedef struct Failure { const CompExpect *x; char found[256], wanted[256], why[512]; } Failure;

typedef struct Outcome {
    const CompTest *t;
    bool     passed;
    Failure *failures;
    size_t   nfailures;
} Outcome;

/* What a table is called while it loads: a load error names it, and
 * name_table puts the test's file and line in its place. */
static char *table_label(const CompTable *tb)
{
    size_t n = strlen(tb->target) + sizeof "<rows >";
    char *label = mem_alloc(n);
    snprintf(label, n, "<rows %s>", tb->target);
    return label;
}

/* A load error names the table's label (and the line of its CSV text):
 * name the test's file and the line of the rule file instead. */
static void name_table(const CompTest *t, char *const *labels, char *why, size_t cap)
{
    for (size_t i = 0; i < t->ntables; i++) {
        const char *at = strstr(why, labels[i]);
        if (!at) continue;
        /* "LABEL:3: column …": the CSV's line 1 is the table's header, the line after `rows NAME {` */
        const char *tail = at + strlen(labels[i]);
        unsigned long csv_line = 0;
        if (tail[0] == ':' && tail[1] >= '0' && tail[1] <= '9') {
            char *end;
            csv_line = strtoul(tail + 1, &end, 10);
            tail = end;
        }
        char msg[1024];
        snprintf(msg, sizeof msg, "%s:%lu: rows %s%s", t->path, t->tables[i].line + csv_line, t->tables[i].target,
                 tail);
        size_t k = strlen(msg) < cap ? strlen(msg) : cap - 1;
        memcpy(why, msg, k);
        why[k] = '\0';
        return;
    }
}

/* Binds each rows table of t from memory and loads them. */
static bool load_tables(pledge_round *R, const CompTest *t, Inputs *in, char *why, size_t cap)
{
    Binding *b = mem_calloc(t->ntables + 1, sizeof *b);
    char **labels = mem_calloc(t->ntables + 1, sizeof *labels);
    for (size_t i = 0; i < t->ntables; i++) {
        const CompTable *tb = &t->tables[i];
        labels[i] = table_label(tb);
        b[i] = (Binding){ tb->target, strlen(tb->target), { labels[i], tb->csv ? tb->csv : "", tb->len, NULL } };
    }
    Vm *vm = api_vm(R);
    FeedOptions fo = { .report = NULL, .limits = R->S->data_limits };
    bool ok = inputs_load(in, &R->bc, t->path, b, t->ntables, false, false, &fo, vm, why, cap) == ASSESS_OK;
    vm_free(vm);
    if (!ok) name_table(t, labels, why, cap);
    for (size_t i = 0; i < t->ntables; i++) mem_free(labels[i]);
    mem_free(labels);
    mem_free(b);
    return ok;
}

static void run_test(pledge_round *R, const CompTest *t, Coverage *cov, Outcome *o)
{
    pledge_state *S = R->S;
    o->t = t;
    o->failures = mem_calloc(t->nexpects + 1, sizeof *o->failures);
    Failure *setup = &o->failures[0];
    Inputs in = { 0 };
    if (!load_tables(R, t, &in, setup->why, sizeof setup->why)) {
        o->nfailures = 1;
        o->passed = false;
        inputs_free(&in);
        return;
    }
    AssessOptions ao = { .as_of = t->has_as_of ? t->as_of : api_today(), .threads = 1, .coverage = cov,
                         .limits = S->limits, .allowed = S->allowed, .nallowed = S->cfg.nallow_native };
    o->passed = true;
    for (size_t k = 0; k < t->nexpects; k++) {
        const CompExpect *x = &t->expects[k];
        Failure *f = &o->failures[o->nfailures];
        Value v;
        char shown[256];
        AssessStatus st = assess_value(&in, &ao, (uint32_t)x->fn, &v, shown, sizeof shown, f->why, sizeof f->why);
        if (st == ASSESS_OK && v.kind == V_BOOL && v.as.boolean) continue;
        f->x = x;
        if (st == ASSESS_OK && x->lhs >= 0) {
            Value side;
            assess_value(&in, &ao, (uint32_t)x->lhs, &side, f->found, sizeof f->found, f->why, sizeof f->why);
            assess_value(&in, &ao, (uint32_t)x->rhs, &side, f->wanted, sizeof f->wanted, f->why, sizeof f->why);
        } else if (st == ASSESS_OK) {
            snprintf(f->found, sizeof f->found, "%s", shown);
        }
        o->nfailures++;
        o->passed = false;
    }
    inputs_free(&in);
}

/* ---- coverage ------------------------------------------------------------------ */

/* Lists what no test reached; returns how many there were. */
static size_t uncovered(FILE *out, const char *path, const BcProgram *p, const Coverage *c)
{
    size_t n = 0, all = 0;
    char buf[256];
    fprintf(out, "coverage of %s: not reached by any test:\n", path);
    for (uint16_t k = 0; k < p->ncommits; k++) {
        const BcCommitment *m = &p->commits[k];
        all += 2u + m->nmilestones;
        if (!c->commitments[k]) {
            fprintf(out, "  %scommitment %s\n", m->national ? "national " : "", m->name);
            n += 2u + m->nmilestones;
            continue;
        }
        if (!c->targets[k]) { fprintf(out, "  commitment %s: its target (no test judged it on the target)\n", m->name); n++; }
        for (uint16_t i = 0; i < m->nmilestones; i++)
            if (!c->milestones[k][i]) {
                fprintf(out, "  commitment %s: milestone %u\n", m->name, i + 1u);
                n++;
            }
    }
    for (uint16_t k = 0; k < p->nchecks; k++, all++)
        if (!c->checks[k]) { fprintf(out, "  %scheck %s\n", p->checks[k].national ? "national " : "", p->checks[k].name); n++; }
    for (uint16_t r = 0; r < p->nratings; r++)
        for (uint16_t a = 0; a < p->ratings[r].narms; a++, all++)
            if (!c->arms[r][a]) {
                snprintf(buf, sizeof buf, "%s", p->ratings[r].arms[a].label);
                fprintf(out, "  rating %s: %s\n", p->ratings[r].name, buf);
                n++;
            }
    if (!n) fputs("  nothing: every commitment, target, milestone, check and rating branch was reached\n", out);
    fprintf(out, "coverage: %zu of %zu reached\n", all - n, all);
    return n;
}

/* ---- output ------------------------------------------------------------------ */

static void text_outcome(FILE *out, const Outcome *o)
{
    const CompTest *t = o->t;
    fprintf(out, "%s %s:%u: test \"", o->passed ? "ok  " : "FAIL", t->path, t->line);
    esc_text(out, t->name, strlen(t->name));    /* a name may hold any character */
    fputs("\"\n", out);
    for (size_t i = 0; i < o->nfailures; i++) {
        const Failure *f = &o->failures[i];
        if (!f->x) { fprintf(out, "    %s\n", f->why); continue; }
        fprintf(out, "    %s:%u:%u: expect %s\n", t->path, f->x->line, f->x->column, f->x->text);
        if (f->why[0]) fprintf(out, "      but it stopped: %s\n", f->why);
        else if (f->x->lhs >= 0)
            fprintf(out, "      found %s%s%s, wanted %s %s\n", f->found, f->x->subject ? " in " : "",
                    f->x->subject ? f->x->subject : "", cmp_text[f->x->cmp], f->wanted);
        else fprintf(out, "      found %s\n", f->found);
    }
}

/* Text in an XML attribute or element: escape.h's one XML escaper. */
static void put_xml(FILE *out, const char *s)
{
    esc_xml(out, s, strlen(s));
}

static void failure_text(const Failure *f, char *buf, size_t cap)
{
    if (!f->x) snprintf(buf, cap, "%s", f->why);
    else if (f->why[0]) snprintf(buf, cap, "expect %s: it stopped: %s", f->x->text, f->why);
    else if (f->x->lhs >= 0)
        snprintf(buf, cap, "expect %s: found %s%s%s, wanted %s %s", f->x->text, f->found, f->x->subject ? " in " : "",
                 f->x->subject ? f->x->subject : "", cmp_text[f->x->cmp], f->wanted);
    else snprintf(buf, cap, "expect %s: found %s", f->x->text, f->found);
}

static void junit(FILE *out, const Outcome *os, size_t n, size_t failed)
{
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"%zu\" failures=\"%zu\">\n", n, failed);
    for (size_t i = 0; i < n; i++) {
        const Outcome *o = &os[i];
        if (i == 0 || strcmp(os[i - 1].t->path, o->t->path) != 0) {
            size_t tests = 0, fails = 0;
            for (size_t k = i; k < n && strcmp(os[k].t->path, o->t->path) == 0; k++) tests++, fails += !os[k].passed;
            fputs("  <testsuite name=\"", out);
            put_xml(out, o->t->path);
            fprintf(out, "\" tests=\"%zu\" failures=\"%zu\">\n", tests, fails);
        }
        fputs("    <testcase name=\"", out);
        put_xml(out, o->t->name);
        fputs("\" classname=\"", out);
        put_xml(out, o->t->path);
        fprintf(out, "\" file=\"");
        put_xml(out, o->t->path);
        fprintf(out, "\" line=\"%u\"", o->t->line);
        if (o->passed) { fputs("/>\n", out); }
        else {
            fputs(">\n", out);
            for (size_t k = 0; k < o->nfailures; k++) {
                char msg[1200];
                failure_text(&o->failures[k], msg, sizeof msg);
                fputs("      <failure message=\"", out);
                put_xml(out, msg);
                fputs("\"/>\n", out);
            }
            fputs("    </testcase>\n", out);
        }
        if (i + 1 == n || strcmp(os[i + 1].t->path, o->t->path) != 0) fputs("  </testsuite>\n", out);
    }
    fputs("</testsuites>\n", out);
}

static void json(FILE *out, const Outcome *os, size_t n, size_t failed)
{
    fputs("{\n  \"tests\": [", out);
    for (size_t i = 0; i < n; i++) {
        const Outcome *o = &os[i];
        fputs(i ? ",\n    {" : "\n    {", out);
        fputs("\"file\": ", out);
        report_json_string(out, o->t->path);
        fprintf(out, ", \"line\": %u, \"name\": ", o->t->line);
        report_json_string(out, o->t->name);
        fprintf(out, ", \"passed\": %s, \"failures\": [", o->passed ? "true" : "false");
        for (size_t k = 0; k < o->nfailures; k++) {
            char msg[1200];
            failure_text(&o->failures[k], msg, sizeof msg);
            fprintf(out, "%s{\"line\": %u, \"message\": ", k ? ", " : "", o->failures[k].x ? o->failures[k].x->line : o->t->line);
            report_json_string(out, msg);
            fputc('}', out);
        }
        fputs("]}", out);
    }
    fprintf(out, "%s],\n  \"passed\": %zu,\n  \"failed\": %zu\n}\n", n ? "\n  " : "", n - failed, failed);
}

/* ---- running them ---------------------------------------------------------------- */

/* Each rule file's program, tests and coverage, as a round of the state. */
typedef struct TestFile {
    pledge_round R;             /* not tracked: only its state and bytecode are used */
    CompTests    tests;
    Coverage    *cov;
    bool         ok;
} TestFile;

/* Compiles one rule file with its tests; diagnostics to the state's callback. */
static bool compile_tests(pledge_state *S, const char *path, TestFile *tf)
{
    Program p = { 0 };
    bool ok = front_load(&p, path) && comp_program_tests(&p, &tf->R.bc, &tf->tests);
    api_diagnostics(S, &p.diags);
    front_free(&p);
    if (!ok && !S->error[0]) api_fail(S, PLEDGE_ERR_INPUT, "%s has errors", path);
    return ok;
}

static pledge_status run_tests(pledge_state *S, const char *const *paths, size_t npaths,
                               const pledge_test_options *o, FILE *out, unsigned *passed, unsigned *failed)
{
    static const pledge_test_options defaults = { 0 };
    if (!o) o = &defaults;
    if (o->format != PLEDGE_FORMAT_TEXT && o->format != PLEDGE_FORMAT_JSON && o->format != PLEDGE_FORMAT_JUNIT)
        return api_fail(S, PLEDGE_ERR_USAGE, "tests are written as text, junit or json");
    pledge_status st = PLEDGE_OK;
    char error[sizeof S->error] = "";    /* a rule file's errors, kept while the others run */
    VEC(Outcome) outcomes = { 0 };
    TestFile *files = mem_calloc(npaths + 1, sizeof *files);
    for (size_t fi = 0; fi < npaths; fi++) {
        TestFile *tf = &files[fi];
        tf->R.S = S;
        S->error[0] = '\0';
        tf->ok = compile_tests(S, paths[fi], tf);
        if (!tf->ok) {
            st = PLEDGE_ERR_INPUT;
            snprintf(error, sizeof error, "%s", S->error);
            continue;
        }
        if (o->coverage) tf->cov = coverage_new(&tf->R.bc);
        for (size_t k = 0; k < tf->tests.n; k++) {
            const CompTest *t = &tf->tests.items[k];
            if (o->filter && !strstr(t->name, o->filter)) continue;
            Outcome oc = { 0 };
            run_test(&tf->R, t, tf->cov, &oc);
            vec_push(&outcomes, oc);
        }
    }
    size_t nfailed = 0;
    for (size_t i = 0; i < outcomes.len; i++) nfailed += !outcomes.items[i].passed;
    if (o->format == PLEDGE_FORMAT_JUNIT) junit(out, outcomes.items, outcomes.len, nfailed);
    else if (o->format == PLEDGE_FORMAT_JSON) json(out, outcomes.items, outcomes.len, nfailed);
    else {
        for (size_t i = 0; i < outcomes.len; i++) text_outcome(out, &outcomes.items[i]);
        for (size_t fi = 0; fi < npaths; fi++)
            if (files[fi].cov) uncovered(out, paths[fi], &files[fi].R.bc, files[fi].cov);
        fprintf(out, "%zu passed, %zu failed\n", outcomes.len - nfailed, nfailed);
    }
    if (passed) *passed = (unsigned)(outcomes.len - nfailed);
    if (failed) *failed = (unsigned)nfailed;
    for (size_t i = 0; i < outcomes.len; i++) mem_free(outcomes.items[i].failures);
    vec_free(&outcomes);
    for (size_t fi = 0; fi < npaths; fi++) {
        coverage_free(files[fi].cov, &files[fi].R.bc);
        bc_free(&files[fi].R.bc);
    }
    mem_free(files);
    S->error[0] = '\0';
    if (st != PLEDGE_OK) return api_fail(S, st, "%s", error);
    if (ferror(out)) return api_fail(S, PLEDGE_ERR_INPUT, "cannot write the tests' results");
    return nfailed ? api_fail(S, PLEDGE_FAILED, "%zu test%s failed", nfailed, nfailed == 1 ? "" : "s") : PLEDGE_OK;
}

pledge_status pledge_test(pledge_state *S, const char *const *paths, size_t npaths, const pledge_test_options *o,
                          FILE *out, unsigned *passed, unsigned *failed)
{
    API_ENTER(S);
    if (passed) *passed = 0;
    if (failed) *failed = 0;
    API_RETURN(S, run_tests(S, paths, npaths, o, out, passed, failed));
}
