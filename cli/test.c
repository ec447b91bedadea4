/* test.c: `pledge test FILE...`, the test blocks of rule files (spec §3).
 *
 * Each test's rows tables become CSV files in a temporary folder, read by
 * the data layer exactly as real feeds are; its expectations are evaluated
 * as of its `as_of` against those inputs alone. A test passes when every
 * expectation holds. The output names each failing test with its file and
 * line, what was expected and what was found, and ends with
 * `N passed, N failed`. */
#include "config.h"
#include "test.h"
#include "cli.h"
#include "lang/front.h"
#include "vm/compile.h"
#include "engine/assess.h"
#include "base/outfile.h"
#include "report/report.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum TestFormat { TF_TEXT, TF_JUNIT, TF_JSON } TestFormat;

static const char usage[] =
    "usage: pledge test FILE... [--filter TEXT] [--format text|junit|json] [-o OUT] [--coverage]\n"
    "\n"
    "Runs the `test` blocks of each rule file: their rows tables stand in for\n"
    "feeds and hierarchies, `as_of` sets the day (default today), and each\n"
    "`expect` must hold. Prints each test's result, what was expected and found\n"
    "for a failure, and ends with 'N passed, N failed'. --filter runs only the\n"
    "tests whose names contain TEXT; junit and json are for CI systems.\n"
    "--coverage lists the commitments, targets, milestones, checks and rating\n"
    "branches that no test reached.\n"
    "\n"
    "exit status: 0 every test passed; 1 some failed; 2 usage; 3 a file has errors.\n";

/* One expectation's outcome. */
typedef struct Failure { const CompExpect *x; char found[256], wanted[256], why[512]; } Failure;

typedef struct Outcome {
    const CompTest *t;
    bool     passed;
    Failure *failures;
    size_t   nfailures;
} Outcome;

/* Writes each rows table of t to DIR/NAME.csv and binds it. */
static bool write_tables(const CompTest *t, const char *dir, Binding *b, char paths[][600], char *why, size_t cap)
{
    for (size_t i = 0; i < t->ntables; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s.csv", dir, t->tables[i].target);
        FILE *f = fopen(paths[i], "wb");
        if (!f || fwrite(t->tables[i].csv, 1, t->tables[i].len, f) != t->tables[i].len || fclose(f) != 0) {
            snprintf(why, cap, "%s: %s", paths[i], strerror(errno));
            return false;
        }
        b[i] = (Binding){ t->tables[i].target, strlen(t->tables[i].target), DATA_PATH(paths[i]) };
    }
    return true;
}

/* A load error names the temporary file: name the test's table instead. */
static void name_table(const CompTest *t, const char *dir, char *why, size_t cap)
{
    size_t dlen = strlen(dir);
    char *at = strstr(why, dir);
    if (!at) return;
    const char *rest = at + dlen + 1, *dot = strstr(rest, ".csv");
    if (!dot) return;
    for (size_t i = 0; i < t->ntables; i++)
        if (strlen(t->tables[i].target) == (size_t)(dot - rest) && strncmp(rest, t->tables[i].target, (size_t)(dot - rest)) == 0) {
            /* ".csv:3: column …": the CSV's line 1 is the table's header, the line after `rows NAME {` */
            const char *tail = dot + 4;
            unsigned long csv_line = 0;
            if (tail[0] == ':' && tail[1] >= '0' && tail[1] <= '9') {
                char *end;
                csv_line = strtoul(tail + 1, &end, 10);
                tail = end;
            }
            char msg[1024];
            int n = snprintf(msg, sizeof msg, "%s:%lu: rows %s%s", t->path, t->tables[i].line + csv_line,
                             t->tables[i].target, tail);
            size_t k = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
            memcpy(why, msg, k < sizeof msg ? k : sizeof msg - 1);
            why[k < sizeof msg ? k : sizeof msg - 1] = '\0';
            return;
        }
}

static void run_test(const BcProgram *bc, const CompTest *t, Coverage *cov, Outcome *o)
{
    o->t = t;
    o->failures = mem_calloc(t->nexpects + 1, sizeof *o->failures);
    const char *base = getenv("TMPDIR");
    char dirbuf[512];
    snprintf(dirbuf, sizeof dirbuf, "%s/pledge-test.XXXXXX", base && base[0] ? base : "/tmp");
    char *made = mkdtemp(dirbuf);
    Binding b[64];
    char (*paths)[600] = mem_calloc(t->ntables + 1, sizeof *paths);
    Failure *setup = &o->failures[0];
    Inputs in = { 0 };
    bool ok = made && t->ntables <= 64;
    if (!made) snprintf(setup->why, sizeof setup->why, "cannot make a temporary folder: %s", strerror(errno));
    else if (t->ntables > 64) snprintf(setup->why, sizeof setup->why, "more than 64 rows tables");
    ok = ok && write_tables(t, made, b, paths, setup->why, sizeof setup->why);
    if (ok) {
        Vm *vm = vm_new(bc, (VmLimits){ VM_DEFAULT_STEPS, VM_DEFAULT_MEMORY, VM_DEFAULT_DEPTH }, NULL, 0);
        FeedOptions fo = { .report = NULL };
        ok = inputs_load(&in, bc, t->path, b, t->ntables, false, &fo, vm, setup->why, sizeof setup->why) == ASSESS_OK;
        vm_free(vm);
        if (!ok) name_table(t, made, setup->why, sizeof setup->why);
    }
    if (!ok) {
        o->nfailures = 1;
        o->passed = false;
    } else {
        AssessOptions ao = { .as_of = t->has_as_of ? t->as_of : today(), .threads = 1, .coverage = cov,
                             .limits = { VM_DEFAULT_STEPS, VM_DEFAULT_MEMORY, VM_DEFAULT_DEPTH } };
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
    }
    inputs_free(&in);
    for (size_t i = 0; made && i < t->ntables; i++) unlink(paths[i]);
    if (made) rmdir(made);
    mem_free(paths);
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
        if (!c->commitments[k]) { fprintf(out, "  commitment %s\n", m->name); n += 2u + m->nmilestones; continue; }
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
    fprintf(out, "%s %s:%u: test \"%s\"\n", o->passed ? "ok  " : "FAIL", t->path, t->line, t->name);
    for (size_t i = 0; i < o->nfailures; i++) {
        const Failure *f = &o->failures[i];
        if (!f->x) { fprintf(out, "    %s\n", f->why); continue; }
        fprintf(out, "    %s:%u:%u: expect %s\n", t->path, f->x->line, f->x->column, f->x->text);
        if (f->why[0]) fprintf(out, "      but it stopped: %s\n", f->why);
        else if (f->x->lhs >= 0) fprintf(out, "      found %s, wanted %s %s\n", f->found, cmp_text[f->x->cmp], f->wanted);
        else fprintf(out, "      found %s\n", f->found);
    }
}

/* Text in an XML attribute; control characters XML 1.0 cannot hold as '?'. */
static void put_xml(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '&') fputs("&amp;", out);
        else if (ch == '<') fputs("&lt;", out);
        else if (ch == '>') fputs("&gt;", out);
        else if (ch == '"') fputs("&quot;", out);
        else if (ch < 0x20 && ch != '\n' && ch != '\t') fputc('?', out);
        else fputc(ch, out);
    }
}

static void failure_text(const Failure *f, char *buf, size_t cap)
{
    if (!f->x) snprintf(buf, cap, "%s", f->why);
    else if (f->why[0]) snprintf(buf, cap, "expect %s: it stopped: %s", f->x->text, f->why);
    else if (f->x->lhs >= 0)
        snprintf(buf, cap, "expect %s: found %s, wanted %s %s", f->x->text, f->found, cmp_text[f->x->cmp], f->wanted);
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

int cmd_test(int argc, char **argv)
{
    const char *files[256], *filter = NULL, *outpath = NULL;
    size_t nfiles = 0;
    TestFormat format = TF_TEXT;
    bool coverage = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { fputs(usage, stdout); return EXIT_OK; }
        if ((strcmp(a, "--filter") == 0 || strcmp(a, "--format") == 0 || strcmp(a, "-o") == 0) && i + 1 >= argc) {
            fprintf(stderr, "pledge test: %s needs a value\n", a);
            return EXIT_USAGE;
        }
        if (strcmp(a, "--coverage") == 0) coverage = true;
        else if (strcmp(a, "--filter") == 0) filter = argv[++i];
        else if (strcmp(a, "-o") == 0) outpath = argv[++i];
        else if (strcmp(a, "--format") == 0) {
            const char *f = argv[++i];
            if (strcmp(f, "text") == 0) format = TF_TEXT;
            else if (strcmp(f, "junit") == 0) format = TF_JUNIT;
            else if (strcmp(f, "json") == 0) format = TF_JSON;
            else { fprintf(stderr, "pledge test: --format is text, junit or json, not `%s`\n", f); return EXIT_USAGE; }
        } else if (a[0] == '-' && a[1]) { fprintf(stderr, "pledge test: unknown option `%s`\n\n%s", a, usage); return EXIT_USAGE; }
        else if (nfiles < sizeof files / sizeof files[0]) files[nfiles++] = a;
        else { fputs("pledge test: too many files\n", stderr); return EXIT_USAGE; }
    }
    if (!nfiles) { fputs(usage, stderr); return EXIT_USAGE; }

    int rc = EXIT_OK;
    VEC(Outcome) outcomes = { 0 };
    BcProgram *progs = mem_calloc(nfiles, sizeof *progs);
    CompTests *tests = mem_calloc(nfiles, sizeof *tests);
    Coverage **covs = mem_calloc(nfiles, sizeof *covs);
    for (size_t fi = 0; fi < nfiles; fi++) {
        Program p = { 0 };
        bool ok = front_load(&p, files[fi]) && comp_program_tests(&p, &progs[fi], &tests[fi]);
        diag_print(&p.diags, stderr, false);
        front_free(&p);
        if (!ok) { rc = EXIT_BAD_INPUT; continue; }
        if (coverage) covs[fi] = coverage_new(&progs[fi]);
        for (size_t k = 0; k < tests[fi].n; k++) {
            const CompTest *t = &tests[fi].items[k];
            if (filter && !strstr(t->name, filter)) continue;
            Outcome o = { 0 };
            run_test(&progs[fi], t, covs[fi], &o);
            vec_push(&outcomes, o);
        }
    }
    size_t failed = 0;
    for (size_t i = 0; i < outcomes.len; i++) failed += !outcomes.items[i].passed;
    OutFile of = { 0 };
    char why[512];
    FILE *out = outpath ? outfile_open(&of, outpath, why, sizeof why) : stdout;
    if (!out) { fprintf(stderr, "pledge test: %s\n", why); rc = EXIT_BAD_INPUT; out = stdout; }
    if (format == TF_JUNIT) junit(out, outcomes.items, outcomes.len, failed);
    else if (format == TF_JSON) json(out, outcomes.items, outcomes.len, failed);
    else {
        for (size_t i = 0; i < outcomes.len; i++) text_outcome(out, &outcomes.items[i]);
        for (size_t fi = 0; fi < nfiles; fi++)
            if (covs[fi]) uncovered(out, files[fi], &progs[fi], covs[fi]);
        fprintf(out, "%zu passed, %zu failed\n", outcomes.len - failed, failed);
    }
    if (out != stdout && !outfile_commit(&of, why, sizeof why)) {
        fprintf(stderr, "pledge test: %s\n", why);
        rc = EXIT_BAD_INPUT;
    }
    for (size_t i = 0; i < outcomes.len; i++) mem_free(outcomes.items[i].failures);
    vec_free(&outcomes);
    for (size_t fi = 0; fi < nfiles; fi++) {
        coverage_free(covs[fi], &progs[fi]);
        bc_free(&progs[fi]);
    }
    mem_free(covs);
    mem_free(progs);
    mem_free(tests);
    if (rc == EXIT_OK && failed) rc = EXIT_FAILED;
    return rc;
}
