/* pledge.c: the `pledge` command. Each subcommand is one function; they
 * share the exit codes of spec §8. */
#include "config.h"
#include "lang/front.h"
#include "vm/compile.h"
#include "vm/plb.h"
#include "vm/vm.h"
#include "data/feed.h"
#include "engine/assess.h"
#include "base/outfile.h"
#include "test.h"
#include "diff.h"
#include "doc.h"
#include "fmt.h"
#include "cli.h"
#include "provenance.h"
#include <sys/ioctl.h>
#include <time.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static const char usage_main[] =
    "usage: pledge COMMAND [ARGS]\n"
    "\n"
    "Pledge evaluates NHS planning rounds written as rule files.\n"
    "\n"
    "commands:\n"
    "  check FILE...             check rule files; diagnostics as FILE:LINE:COL: error: MESSAGE\n"
    "  compile FILE -o OUT.plb   compile a rule file to a bytecode file\n"
    "  disasm FILE               list a compiled round's bytecode readably\n"
    "  eval [--rules FILE] [EXPR]  evaluate an expression, or a file's lets (a REPL without either)\n"
    "  data --rules FILE --feed NAME=PATH...  what the feeds hold: rows, organisations, periods, unmapped\n"
    "  assess RULES --feed NAME=PATH... [--as-of DATE] [--format F] [-o OUT]  assess every system\n"
    "  explain RULES --feed NAME=PATH... --system CODE --item ID  why a result came out as it did\n"
    "  test FILE... [--filter TEXT] [--format text|junit|json]  run the rule files' test blocks\n"
    "  diff OLD NEW [--feed NAME=PATH... --as-of DATE]  what a round changed against an earlier one\n"
    "  replay M.json             run again what assess --manifest M.json recorded; exit 0 only if identical\n"
    "  history --archive DB [--system CODE] [--item ID]  statuses from run to run (assess --archive DB)\n"
    "  doc RULES                 a readable summary of a round, in Markdown\n"
    "  fmt [--check] FILE...     lay rule files out canonically\n"
    "\n"
    "options:\n"
    "  --help                    show this help (pledge COMMAND --help for one command)\n"
    "  --version                 show the version\n"
    "\n"
    "exit status: 0 ran; 2 usage error; 3 bad input; 4 a runtime limit was hit;\n"
    "5 internal error.\n";

static const char usage_check[] =
    "usage: pledge check FILE...\n"
    "\n"
    "Reads each rule file and the modules it imports, and reports every problem\n"
    "found as FILE:LINE:COL: error: MESSAGE (or warning:), with the source line.\n"
    "Lists on standard output the native libraries a file's `extern` functions\n"
    "need. Exits 0 when no file has errors (warnings allowed), 3 otherwise.\n"
    "Colours are used on a terminal unless NO_COLOR is set.\n";

static const char usage_compile[] =
    "usage: pledge compile FILE.pledge -o OUT.plb\n"
    "\n"
    "Checks the rule file and writes its bytecode: a self-contained file with the\n"
    "round, its feeds' schemas, one function per metric, commitment, check,\n"
    "rating and fn, and the sources with their SHA-256. The same source always\n"
    "gives the same bytes. The output is written whole or not at all.\n";

static const char usage_disasm[] =
    "usage: pledge disasm FILE.plb|FILE.pledge\n"
    "\n"
    "Prints the bytecode readably, with the source line of each instruction.\n"
    "A .plb is verified completely first.\n";

static const char usage_eval[] =
    "usage: pledge eval [--rules FILE] [OPTIONS] [EXPR]\n"
    "\n"
    "With EXPR: evaluates it (with --rules, in the rule file's scope) and prints\n"
    "the value. With only --rules (a .pledge or a .plb): prints each `let` of the\n"
    "file as NAME = VALUE. With neither: reads expressions line by line.\n"
    "\n"
    "options:\n"
    "  --max-steps N           stop an evaluation after N instructions (default 1e9)\n"
    "  --max-memory N[k|M|G]   stop it past N bytes of values (default 1G)\n"
    "  --max-depth N           stop it past N nested calls (default 10000)\n"
    "  --allow-native LIB      let extern functions of library LIB run (repeatable)\n"
    "  --trace                 print each instruction executed to standard error\n"
    "\n"
    "A limit hit exits 4; a native library not allowed exits 3.\n";

static const char usage_data[] =
    "usage: pledge data --rules FILE --feed NAME=PATH... [--on-bad-row=skip]\n"
    "\n"
    "Loads each feed and hierarchy the rule file declares, as an assessment\n"
    "would, and prints what was loaded: rows, organisations, periods, vintages,\n"
    "and the organisations whose rows map to no system of the round's `assess`\n"
    "hierarchy. A cell that does not parse stops it with the file, line, column\n"
    "and text; with --on-bad-row=skip such rows are counted, reported and left out.\n";

bool use_color(FILE *f)
{
    const char *no = getenv("NO_COLOR");
    return isatty(fileno(f)) && !(no && no[0]);
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    return false;
}

/* §3: `pledge check` reports which native libraries a file needs, since
 * they run only with --allow-native. One line per library. */
static void report_natives(const Program *p, FILE *out)
{
    List libs = { 0 };
    Arena scratch = { 0 };
    for (size_t i = 0; i < p->modules.len; i++) {
        Module *m = p->modules.items[i];
        for (size_t k = 0; k < m->decls.len; k++) {
            Decl *d = m->decls.items[k];
            if (d->kind != D_EXTERN) continue;
            bool seen = false;
            for (size_t j = 0; j < libs.len && !seen; j++) seen = strcmp(libs.items[j], d->lib) == 0;
            if (!seen) list_push(&scratch, &libs, (void *)d->lib);
        }
    }
    for (size_t j = 0; j < libs.len; j++) {
        const char *lib = libs.items[j];
        fprintf(out, "%s: needs native library %s for", p->root->src->path, lib);
        const char *sep = " ";
        for (size_t i = 0; i < p->modules.len; i++) {
            Module *m = p->modules.items[i];
            for (size_t k = 0; k < m->decls.len; k++) {
                Decl *d = m->decls.items[k];
                if (d->kind == D_EXTERN && strcmp(d->lib, lib) == 0) {
                    fprintf(out, "%s%s", sep, d->name);
                    sep = ", ";
                }
            }
        }
        fprintf(out, " (run with --allow-native %s)\n", lib);
    }
    arena_free(&scratch);
}

static int cmd_check(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_check, stdout); return EXIT_OK; }
    if (argc == 0) {
        fputs("pledge check: no rule file given\n\n", stderr);
        fputs(usage_check, stderr);
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "pledge check: unknown option `%s`\n", argv[i]);
            return EXIT_USAGE;
        }
    int status = EXIT_OK;
    bool color = use_color(stderr);
    for (int i = 0; i < argc; i++) {
        Program p = { 0 };
        bool ok = front_load(&p, argv[i]);
        diag_print(&p.diags, stderr, color);
        if (ok) report_natives(&p, stdout);
        else status = EXIT_BAD_INPUT;
        front_free(&p);
    }
    return status;
}

/* ---- loading a round: a .pledge source or a compiled .plb --------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Fills bc from path; on failure prints why and returns the exit code. */
/* A compiled round starts with PLEDGEBC, whatever its name. */
static bool is_bytecode(const char *path)
{
    char magic[8] = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f) return ends_with(path, ".plb");
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    return (n == sizeof magic && memcmp(magic, "PLEDGEBC", 8) == 0) || ends_with(path, ".plb");
}

static void print_diagnostic(void *ud, const pledge_diagnostic *d)
{
    fputs(d->rendered, stderr);
    if (d->severity == PLEDGE_SEVERITY_ERROR) ((CliDiags *)ud)->errors++;
}

pledge_state *cli_state(pledge_config *c, bool color, CliDiags *d)
{
    pledge_config defaults;
    if (!c) pledge_config_init(&defaults), c = &defaults;
    c->color = color;
    c->diagnostic = print_diagnostic;
    c->diagnostic_ud = d;
    pledge_state *S = pledge_new(c);
    if (!S) fputs("pledge: out of memory\n", stderr);
    return S;
}

int cli_load_failed(pledge_state *S, pledge_status st, const CliDiags *d)
{
    if (!d->errors) fprintf(stderr, "pledge: %s\n", pledge_error(S));
    return (int)st;
}

int load_rules(const char *path, BcProgram *bc)
{
    if (is_bytecode(path)) {
        char why[512];
        if (!plb_read_file(path, bc, why, sizeof why)) {
            fprintf(stderr, "pledge: %s\n", why);         /* why names the file */
            return EXIT_BAD_INPUT;
        }
        return EXIT_OK;
    }
    Program p = { 0 };
    bool ok = front_load(&p, path) && comp_program(&p, bc);
    diag_print(&p.diags, stderr, use_color(stderr));
    front_free(&p);
    if (!ok) bc_free(bc);
    return ok ? EXIT_OK : EXIT_BAD_INPUT;
}

static int cmd_compile(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_compile, stdout); return EXIT_OK; }
    const char *in = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) out = argv[++i];
        else if (argv[i][0] == '-') { fprintf(stderr, "pledge compile: unknown option `%s`\n", argv[i]); return EXIT_USAGE; }
        else if (!in) in = argv[i];
        else { fprintf(stderr, "pledge compile: one rule file at a time\n"); return EXIT_USAGE; }
    }
    if (!in || !out) {
        fputs(usage_compile, stderr);
        return EXIT_USAGE;
    }
    if (is_bytecode(in)) {
        fprintf(stderr, "pledge compile: %s is compiled already\n", in);
        return EXIT_USAGE;
    }
    BcProgram bc = { 0 };
    int rc = load_rules(in, &bc);
    if (rc != EXIT_OK) return rc;
    char why[512];
    if (!plb_write_file(&bc, out, why, sizeof why)) {
        fprintf(stderr, "pledge compile: cannot write %s: %s\n", out, why);
        rc = EXIT_BAD_INPUT;
    }
    bc_free(&bc);
    return rc;
}

static int cmd_disasm(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_disasm, stdout); return EXIT_OK; }
    if (argc != 1 || argv[0][0] == '-') {
        fputs(usage_disasm, stderr);
        return EXIT_USAGE;
    }
    BcProgram bc = { 0 };
    int rc = load_rules(argv[0], &bc);
    if (rc != EXIT_OK) return rc;
    bc_disasm(&bc, stdout);
    bc_free(&bc);
    return EXIT_OK;
}

/* ---- running --------------------------------------------------------------- */

typedef struct RunOptions {
    VmLimits    limits;
    const char *allowed[32];
    size_t      nallowed;
    bool        trace;
} RunOptions;

/* "1000", "64M", "2G": false if it is not a positive size */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || s[0] == '-') return false;
    uint64_t scale = 1;
    if (*end == 'e' && end[1] >= '0' && end[1] <= '9' && !end[2]) {     /* 1e9, as the help writes it */
        for (int k = end[1] - '0'; k > 0; k--) scale *= 10;
        end += 2;
    } else if (*end == 'k' || *end == 'K') scale = 1024, end++;
    else if (*end == 'M') scale = 1024 * 1024, end++;
    else if (*end == 'G') scale = 1024ull * 1024 * 1024, end++;
    if (*end || v == 0 || v > UINT64_MAX / scale) return false;
    *out = v * scale;
    return true;
}

/* Takes the run options out of argv (shifting the rest down); returns the
 * new argc, or -1 after printing a usage error. */
static int run_options(const char *cmd, int argc, char **argv, RunOptions *o)
{
    o->limits = (VmLimits){ VM_DEFAULT_STEPS, VM_DEFAULT_MEMORY, VM_DEFAULT_DEPTH };
    int k = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool takes = strcmp(a, "--max-steps") == 0 || strcmp(a, "--max-memory") == 0 ||
                     strcmp(a, "--max-depth") == 0 || strcmp(a, "--allow-native") == 0;
        if (takes && i + 1 >= argc) {
            fprintf(stderr, "pledge %s: %s needs a value\n", cmd, a);
            return -1;
        }
        uint64_t v = 0;
        if (takes && strcmp(a, "--allow-native") != 0 && !parse_size(argv[i + 1], &v)) {
            fprintf(stderr, "pledge %s: %s needs a positive number, not `%s`\n", cmd, a, argv[i + 1]);
            return -1;
        }
        if (strcmp(a, "--max-steps") == 0) o->limits.max_steps = v, i++;
        else if (strcmp(a, "--max-memory") == 0) o->limits.max_memory = (size_t)v, i++;
        else if (strcmp(a, "--max-depth") == 0) o->limits.max_depth = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v, i++;
        else if (strcmp(a, "--allow-native") == 0) {
            if (o->nallowed == sizeof o->allowed / sizeof o->allowed[0]) {
                fprintf(stderr, "pledge %s: too many --allow-native\n", cmd);
                return -1;
            }
            o->allowed[o->nallowed++] = argv[++i];
        } else if (strcmp(a, "--trace") == 0) o->trace = true;
        else argv[k++] = argv[i];
    }
    return k;
}

static int vm_exit(Vm *vm, VmStatus s)
{
    fprintf(stderr, "pledge: %s%s\n", s == VM_LIMIT ? "limit: " : "", vm_message(vm));
    return s == VM_LIMIT ? EXIT_LIMIT : EXIT_BAD_INPUT;
}

static void print_value(Value v, FILE *out)
{
    char small[256];
    size_t n = val_format(v, false, small, sizeof small);
    if (n < sizeof small) { fputs(small, out); return; }
    char *big = mem_alloc(n + 1);
    val_format(v, false, big, n + 1);
    fputs(big, out);
    mem_free(big);
}

/* Evaluates one expression, in the scope of rules (a source) if given. */
static int eval_expression(const char *rules, const char *expr, const RunOptions *o)
{
    Program p = { 0 };
    Decl *it = NULL;
    bool ok = (!rules || front_load(&p, rules)) && front_load_expr(&p, expr, &it);
    BcProgram bc = { 0 };
    ok = ok && comp_program(&p, &bc);
    diag_print(&p.diags, stderr, use_color(stderr));
    int32_t fn = ok ? it->index : -1;
    front_free(&p);
    if (!ok) { bc_free(&bc); return EXIT_BAD_INPUT; }
    Vm *vm = vm_new(&bc, o->limits, o->allowed, o->nallowed);
    vm_set_trace(vm, o->trace ? stderr : NULL);
    Value v;
    VmStatus s = vm_call(vm, (uint32_t)fn, NULL, &v);
    int rc = EXIT_OK;
    if (s == VM_OK) { print_value(v, stdout); fputc('\n', stdout); }
    else rc = vm_exit(vm, s);
    vm_free(vm);
    bc_free(&bc);
    return rc;
}

/* Prints each let of the rule file (not of its imports) as NAME = VALUE. */
static int eval_lets(const char *rules, const RunOptions *o)
{
    BcProgram bc = { 0 };
    int rc = load_rules(rules, &bc);
    if (rc != EXIT_OK) return rc;
    Vm *vm = vm_new(&bc, o->limits, o->allowed, o->nallowed);
    vm_set_trace(vm, o->trace ? stderr : NULL);
    for (uint32_t i = 0; i < bc.nfns && rc == EXIT_OK; i++) {
        const BcFunction *f = &bc.fns[i];
        if (f->kind != FK_LET || strchr(f->name, '.')) continue;     /* imported lets are qualified */
        Value v;
        VmStatus s = vm_call(vm, i, NULL, &v);
        if (s != VM_OK) { rc = vm_exit(vm, s); break; }
        printf("%s = ", f->name);
        print_value(v, stdout);
        fputc('\n', stdout);
        vm_reset(vm);
    }
    vm_free(vm);
    bc_free(&bc);
    return rc;
}

static int eval_repl(const RunOptions *o)
{
    bool tty = isatty(fileno(stdin));
    char line[4096];
    int rc = EXIT_OK;
    for (;;) {
        if (tty) { fputs("> ", stdout); fflush(stdout); }
        if (!fgets(line, sizeof line, stdin)) break;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) continue;
        rc = eval_expression(NULL, line, o);
    }
    if (tty) fputc('\n', stdout);
    return tty ? EXIT_OK : rc;
}

static int cmd_eval(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_eval, stdout); return EXIT_OK; }
    RunOptions o = { 0 };
    argc = run_options("eval", argc, argv, &o);
    if (argc < 0) return EXIT_USAGE;
    const char *rules = NULL, *expr = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) rules = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "pledge eval: unknown option `%s`\n", argv[i]);
            return EXIT_USAGE;
        } else if (!expr) expr = argv[i];
        else { fputs("pledge eval: give one expression (quote it)\n", stderr); return EXIT_USAGE; }
    }
    if (expr && rules && is_bytecode(rules)) {
        fputs("pledge eval: an expression is evaluated against a .pledge source, not a .plb\n", stderr);
        return EXIT_USAGE;
    }
    if (expr) return eval_expression(rules, expr, &o);
    if (rules) return eval_lets(rules, &o);
    return eval_repl(&o);
}

/* ---- feeds: data, assess, explain ------------------------------------------- */

typedef struct FeedArgs {
    Binding     b[64];
    size_t      n;
    FeedOptions fo;
} FeedArgs;

/* Takes `--feed NAME=PATH` and `--on-bad-row=skip` at argv[*i]: 1 if it was
 * one, 0 if not, -1 after a usage error. */
static int feed_arg(const char *cmd, int argc, char **argv, int *i, FeedArgs *fa)
{
    if (strcmp(argv[*i], "--on-bad-row=skip") == 0) { fa->fo.skip_bad_rows = true; return 1; }
    if (strcmp(argv[*i], "--feed") != 0) return 0;
    const char *eq = *i + 1 < argc ? strchr(argv[*i + 1], '=') : NULL;
    if (!eq || eq == argv[*i + 1] || !eq[1]) {
        fprintf(stderr, "pledge %s: --feed needs NAME=PATH\n", cmd);
        return -1;
    }
    if (fa->n == sizeof fa->b / sizeof fa->b[0]) { fprintf(stderr, "pledge %s: too many --feed\n", cmd); return -1; }
    const char *arg = argv[++*i];
    fa->b[fa->n++] = (Binding){ arg, (size_t)(eq - arg), DATA_PATH(eq + 1) };
    return 1;
}

static int assess_exit(AssessStatus st)
{
    static const int code[] = { [ASSESS_OK] = EXIT_OK, [ASSESS_USAGE] = EXIT_USAGE,
                                [ASSESS_BAD_INPUT] = EXIT_BAD_INPUT, [ASSESS_LIMIT] = EXIT_LIMIT };
    return code[st];
}

/* A progress bar on standard error while a large file loads (on a terminal only). */
enum { PROGRESS_MIN_BYTES = 16 << 20 };

static void draw_progress(void *ud, const char *source, uint64_t done, uint64_t total)
{
    bool *drawn = ud;
    if (total < PROGRESS_MIN_BYTES) return;
    enum { WIDTH = 30 };
    int filled = (int)(done * WIDTH / total), pct = (int)(done * 100 / total);
    const char *name = strrchr(source, '/') ? strrchr(source, '/') + 1 : source;
    fprintf(stderr, "\rloading %.30s [%.*s%*s] %3d%% of %llu MB", name, filled, "##############################",
            WIDTH - filled, "", pct, (unsigned long long)(total >> 20));
    fflush(stderr);
    *drawn = true;
}

/* Loads the rules and every bound input; prints why not and returns the exit code. */
static int load_inputs(const char *cmd, const char *rules, const FeedArgs *fa, bool require_all, BcProgram *bc,
                       Inputs *in)
{
    int rc = load_rules(rules, bc);
    if (rc != EXIT_OK) return rc;
    char why[1024];
    Vm *vm = vm_new(bc, (VmLimits){ VM_DEFAULT_STEPS, VM_DEFAULT_MEMORY, VM_DEFAULT_DEPTH }, NULL, 0);
    FeedOptions fo = fa->fo;
    bool drawn = false;
    if (isatty(fileno(stderr))) { fo.progress = draw_progress; fo.progress_ud = &drawn; }
    AssessStatus st = inputs_load(in, bc, rules, fa->b, fa->n, require_all, &fo, vm, why, sizeof why);
    if (drawn) fputs("\r\033[K", stderr);        /* the bar goes once loading is done */
    vm_free(vm);
    /* a bad input's message names its file, line and column already */
    if (st == ASSESS_BAD_INPUT) fprintf(stderr, "pledge: %s\n", why);
    else if (st != ASSESS_OK) fprintf(stderr, "pledge %s: %s\n", cmd, why);
    return assess_exit(st);
}

static void print_period_range(const FeedStats *st)
{
    char a[32], b[32];
    if (!st->periods) { printf("  periods    0\n"); return; }
    period_format(st->first, a, sizeof a);
    period_format(st->last, b, sizeof b);
    printf("  periods    %u (%s .. %s)\n", st->periods, a, b);
}

/* "RM2 (36 rows), RQQ (12 rows)": the unmapped organisations by code. */
static void print_unmapped(const Inputs *in, uint16_t feed)
{
    uint64_t rows;
    uint32_t n;
    UnmappedOrg *list = inputs_unmapped(in, feed, &rows, &n);
    printf("  unmapped   %u organisations, %llu rows (no system in `%s`)", n, (unsigned long long)rows,
           in->p->hiers[in->p->round.assess].name);
    for (uint32_t i = 0; i < n; i++)
        printf("%s%s (%u row%s)", i ? ", " : ": ", orgs_code(in->orgs, list[i].org), list[i].rows,
               list[i].rows == 1 ? "" : "s");
    putchar('\n');
    mem_free(list);
}

static int cmd_data(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_data, stdout); return EXIT_OK; }
    const char *rules = NULL;
    FeedArgs fa = { .fo = { .report = stderr } };
    for (int i = 0; i < argc; i++) {
        int k = feed_arg("data", argc, argv, &i, &fa);
        if (k < 0) return EXIT_USAGE;
        if (k) continue;
        if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) rules = argv[++i];
        else {
            fprintf(stderr, "pledge data: unexpected `%s`\n\n%s", argv[i], usage_data);
            return EXIT_USAGE;
        }
    }
    if (!rules || !fa.n) { fputs(usage_data, stderr); return EXIT_USAGE; }
    BcProgram bc = { 0 };
    Inputs in = { 0 };
    int rc = load_inputs("data", rules, &fa, false, &bc, &in);
    for (uint16_t k = 0; k < bc.nhiers && rc == EXIT_OK; k++) {
        if (!in.hiers[k]) continue;
        printf("hierarchy %s\n  links      %u\n  parents    %u\n", bc.hiers[k].name, hier_link_count(in.hiers[k]),
               hier_parent_count(in.hiers[k]));
    }
    for (uint16_t k = 0; k < bc.nfeeds && rc == EXIT_OK; k++) {
        if (!in.feeds[k]) continue;
        const FeedStats *st = feed_stats(in.feeds[k]);
        printf("feed %s\n  rows       %llu\n", bc.feeds[k].name, (unsigned long long)st->rows);
        if (st->skipped)
            printf("  skipped    %llu bad row%s\n", (unsigned long long)st->skipped, st->skipped == 1 ? "" : "s");
        printf("  orgs       %u\n", st->orgs);
        print_period_range(st);
        if (bc.feeds[k].vintage_col) printf("  vintages   %u\n", st->vintages);
        else printf("  lag        %d days\n", bc.feeds[k].lag_days);
        if (in.assess) print_unmapped(&in, k);
    }
    inputs_free(&in);
    bc_free(&bc);
    return rc;
}

/* ---- assess and explain ------------------------------------------------------ */

static const char usage_assess[] =
    "usage: pledge assess RULES --feed NAME=PATH... [--as-of DATE] [--system CODE]...\n"
    "                     [--format text|json|csv|html] [-o OUT] [--fail-on STATUS,...]\n"
    "\n"
    "Evaluates every commitment, check and rating of the round for each system of\n"
    "its `assess` hierarchy (or those named with --system), as of DATE (default\n"
    "today): only data known on that day counts. RULES is a .pledge or a .plb.\n"
    "Every feed and hierarchy the round declares must be bound with --feed.\n"
    "\n"
    "options:\n"
    "  --as-of YYYY-MM-DD      judge as on that day (default today)\n"
    "  --system CODE           only this system (repeatable)\n"
    "  --format FMT            text (default), json, csv or html; without it, -o's\n"
    "                          extension (.json, .csv, .html) chooses\n"
    "  -o OUT                  write there, whole or not at all (default standard output)\n"
    "  --fail-on S1,S2         exit 1 if any result has one of these statuses\n"
    "  --on-bad-row=skip       count, report and leave out rows that do not parse\n"
    "  --threads N             systems evaluated on N threads (default: every core)\n"
    "  --max-steps N, --max-memory N, --max-depth N, --allow-native LIB  as for eval\n"
    "  --manifest M.json       record what was run and found, for pledge replay\n"
    "  --archive DB            append the run and its results to an SQLite archive\n"
    "                          (pledge history); see docs/provenance.md\n"
    "\n"
    "exit status: 0 ran (whatever the statuses, unless --fail-on); 1 a status named\n"
    "by --fail-on; 2 usage; 3 bad input; 4 a runtime limit.\n";

static const char usage_explain[] =
    "usage: pledge explain RULES --feed NAME=PATH... --system CODE --item ID [--as-of DATE]\n"
    "\n"
    "Says why item ID (a commitment or a check) has its status for system CODE as\n"
    "of DATE: the window judged, the threshold and tolerance, the member\n"
    "organisations and their totals, the rows not yet known on that day, the\n"
    "organisations that map to no system, and for a check the value of each part\n"
    "of its condition.\n";

static bool parse_as_of(const char *cmd, const char *s, Day *out)
{
    char why[128];
    if (cal_parse_day(s, strlen(s), out, why, sizeof why)) return true;
    fprintf(stderr, "pledge %s: --as-of `%s`: %s\n", cmd, s, why);
    return false;
}

Day today(void)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return cal_day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static bool parse_format(const char *s, pledge_format *f)
{
    return pledge_format_by_name(s, f);
}

/* --fail-on met,missed: a bit per status */
static bool parse_statuses(const char *s, unsigned *set)
{
    *set = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        int found = -1;
        for (int k = 0; k < ST__COUNT && found < 0; k++)
            if (strlen(status_name[k]) == n && strncmp(s, status_name[k], n) == 0) found = k;
        if (found < 0) return false;
        *set |= 1u << found;
        s += n + (s[n] == ',');
    }
    return *set != 0;
}

static int terminal_width(FILE *f)
{
    struct winsize ws;
    if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
    const char *c = getenv("COLUMNS");
    int n = c ? atoi(c) : 0;
    return n >= 40 ? n : 80;
}

typedef struct AssessArgs {
    const char *rules, *out, *systems[256], *item;
    const char *manifest, *archive;     /* --manifest, --archive (cli/cmd_provenance.c) */
    size_t      nsystems;
    bool        have_format;
    pledge_format format;
    unsigned    fail_on;
    FeedArgs    fa;
    AssessOptions ao;
    RunOptions  ro;
} AssessArgs;

static int assess_args(const char *cmd, int argc, char **argv, AssessArgs *a)
{
    a->fa.fo = (FeedOptions){ .report = stderr };
    argc = run_options(cmd, argc, argv, &a->ro);
    if (argc < 0) return EXIT_USAGE;
    a->ao.as_of = today();
    for (int i = 0; i < argc; i++) {
        int k = feed_arg(cmd, argc, argv, &i, &a->fa);
        if (k < 0) return EXIT_USAGE;
        if (k) continue;
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(o, "--as-of") == 0 || strcmp(o, "--system") == 0 || strcmp(o, "--format") == 0
                  || strcmp(o, "-o") == 0 || strcmp(o, "--fail-on") == 0 || strcmp(o, "--threads") == 0
                  || strcmp(o, "--item") == 0 || strcmp(o, "--manifest") == 0 || strcmp(o, "--archive") == 0;
        if (takes && !v) { fprintf(stderr, "pledge %s: %s needs a value\n", cmd, o); return EXIT_USAGE; }
        if (takes) i++;
        if (strcmp(o, "--as-of") == 0) { if (!parse_as_of(cmd, v, &a->ao.as_of)) return EXIT_USAGE; }
        else if (strcmp(o, "--system") == 0) {
            if (a->nsystems == sizeof a->systems / sizeof a->systems[0]) { fprintf(stderr, "pledge %s: too many --system\n", cmd); return EXIT_USAGE; }
            a->systems[a->nsystems++] = v;
        } else if (strcmp(o, "--format") == 0) {
            if (!parse_format(v, &a->format)) { fprintf(stderr, "pledge %s: --format is text, json, csv or html, not `%s`\n", cmd, v); return EXIT_USAGE; }
            a->have_format = true;
        } else if (strcmp(o, "-o") == 0) a->out = v;
        else if (strcmp(o, "--item") == 0) a->item = v;
        else if (strcmp(o, "--manifest") == 0) a->manifest = v;
        else if (strcmp(o, "--archive") == 0) a->archive = v;
        else if (strcmp(o, "--fail-on") == 0) {
            if (!parse_statuses(v, &a->fail_on)) { fprintf(stderr, "pledge %s: --fail-on takes statuses such as missed,off_track, not `%s`\n", cmd, v); return EXIT_USAGE; }
        } else if (strcmp(o, "--threads") == 0) {
            uint64_t n;
            if (!parse_size(v, &n) || n > 64) { fprintf(stderr, "pledge %s: --threads takes 1 to 64, not `%s`\n", cmd, v); return EXIT_USAGE; }
            a->ao.threads = (unsigned)n;
        } else if (o[0] == '-' && o[1]) { fprintf(stderr, "pledge %s: unknown option `%s`\n", cmd, o); return EXIT_USAGE; }
        else if (!a->rules) a->rules = o;
        else { fprintf(stderr, "pledge %s: one rule file at a time (`%s`?)\n", cmd, o); return EXIT_USAGE; }
    }
    if (!a->rules) { fprintf(stderr, "pledge %s: which rule file?\n", cmd); return EXIT_USAGE; }
    a->ao.systems = a->systems;
    a->ao.nsystems = a->nsystems;
    a->ao.limits = a->ro.limits;
    a->ao.allowed = a->ro.allowed;
    a->ao.nallowed = a->ro.nallowed;
    a->ao.rules = a->rules;
    a->ao.engine = "pledge " PACKAGE_VERSION;
    return EXIT_OK;
}

/* The format named, else the one -o's extension says, else text. */
static pledge_format output_format(const AssessArgs *a)
{
    if (a->have_format || !a->out) return a->format;
    const char *dot = strrchr(a->out, '.');
    pledge_format f = PLEDGE_FORMAT_TEXT;
    if (dot && !strchr(dot, '/')) parse_format(dot + 1, &f);
    return f;
}

/* Whether a result has a status --fail-on names (ratings' labels are not statuses). */
static bool fails_on(const pledge_report *rep, unsigned set)
{
    pledge_result r;
    for (size_t i = 0; set && pledge_report_result(rep, i, &r); i++)
        for (int k = 0; k < ST__COUNT && strcmp(r.kind, "rating") != 0; k++)
            if ((set >> k & 1) && strcmp(r.status, status_name[k]) == 0) return true;
    return false;
}

/* Loads the rules and binds the feeds of --feed; prints why not. */
static pledge_status load_round(pledge_state *S, const AssessArgs *a, const CliDiags *dg, pledge_round **R)
{
    pledge_status st = pledge_load(S, a->rules, R);
    if (st != PLEDGE_OK) return cli_load_failed(S, st, dg);
    for (size_t i = 0; i < a->fa.n && st == PLEDGE_OK; i++) {
        char *name = strndup(a->fa.b[i].name, a->fa.b[i].namelen);
        st = pledge_bind(*R, name, a->fa.b[i].source.name);
        free(name);
    }
    if (st != PLEDGE_OK) fprintf(stderr, "pledge assess: %s\n", pledge_error(S));
    return st;
}

static int cmd_assess(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_assess, stdout); return EXIT_OK; }
    AssessArgs a = { 0 };
    int rc = assess_args("assess", argc, argv, &a);
    if (rc != EXIT_OK) { if (rc == EXIT_USAGE) fputs("(pledge assess --help shows the usage)\n", stderr); return rc; }
    if (a.item) { fputs("pledge assess: --item belongs to pledge explain\n", stderr); return EXIT_USAGE; }
    pledge_format format = output_format(&a);
    pledge_config c;
    pledge_config_init(&c);
    c.max_steps = a.ro.limits.max_steps;
    c.max_memory = a.ro.limits.max_memory;
    c.max_depth = a.ro.limits.max_depth;
    c.allow_native = a.ro.allowed;
    c.nallow_native = a.ro.nallowed;
    c.threads = a.ao.threads;
    c.skip_bad_rows = a.fa.fo.skip_bad_rows;
    c.bad_rows = stderr;
    bool drawn = false;
    if (isatty(fileno(stderr))) { c.progress = draw_progress; c.progress_ud = &drawn; }
    CliDiags dg = { 0 };
    pledge_state *S = cli_state(&c, use_color(stderr), &dg);
    if (!S) return EXIT_LIMIT;
    pledge_round *R = NULL;
    pledge_status st = load_round(S, &a, &dg, &R);
    if (st == PLEDGE_OK) {
        st = pledge_load_inputs(R, true);
        if (drawn) fputs("\r\033[K", stderr);        /* the bar goes once loading is done */
        /* a bad input's message names its file, line and column already */
        if (st != PLEDGE_OK) fprintf(stderr, "pledge%s: %s\n", st == PLEDGE_ERR_INPUT ? "" : " assess", pledge_error(S));
    }
    char day[16];
    period_format((Period){ GRAIN_DAY, a.ao.as_of }, day, sizeof day);
    /* what only the JSON and HTML reports show: charts' series, the inputs' hashes */
    bool more = format == PLEDGE_FORMAT_HTML || format == PLEDGE_FORMAT_JSON;
    pledge_assess_options o = { day, a.systems, a.nsystems, more, more };
    pledge_report *rep = NULL;
    if (st == PLEDGE_OK && (st = pledge_assess(R, &o, &rep)) != PLEDGE_OK)
        fprintf(stderr, "pledge assess: %s\n", pledge_error(S));
    if (st == PLEDGE_OK) {
        char why[1024];
        OutFile of = { 0 };
        FILE *out = a.out ? outfile_open(&of, a.out, why, sizeof why) : stdout;
        pledge_style style = { !a.out && use_color(stdout), a.out ? 80 : terminal_width(stdout) };
        if (!out) { fprintf(stderr, "pledge assess: %s\n", why); st = PLEDGE_ERR_INPUT; }
        else if (pledge_report_write(rep, format, out, &style) != PLEDGE_OK
                 || (a.out && !outfile_commit(&of, why, sizeof why))) {
            if (a.out && of.f) outfile_abort(&of);
            fprintf(stderr, "pledge assess: %s\n", a.out ? why : "cannot write the report");
            st = PLEDGE_ERR_INPUT;
        } else if (!a.out && fflush(stdout) != 0) st = PLEDGE_ERR_INPUT;
        if (st == PLEDGE_OK && (st = pledge_report_record(rep, a.manifest, a.archive)) != PLEDGE_OK)
            fprintf(stderr, "pledge assess: %s\n", pledge_error(S));
        if (st == PLEDGE_OK && fails_on(rep, a.fail_on)) st = PLEDGE_FAILED;
    }
    pledge_free(S);
    return (int)st;
}

static int cmd_explain(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(usage_explain, stdout); return EXIT_OK; }
    AssessArgs a = { 0 };
    int rc = assess_args("explain", argc, argv, &a);
    if (rc != EXIT_OK) return rc;
    if (a.nsystems != 1 || !a.item) { fputs(usage_explain, stderr); return EXIT_USAGE; }
    if (a.manifest || a.archive) { fputs("pledge explain: --manifest and --archive belong to pledge assess\n", stderr); return EXIT_USAGE; }
    BcProgram bc = { 0 };
    Inputs in = { 0 };
    rc = load_inputs("explain", a.rules, &a.fa, true, &bc, &in);
    char why[1024];
    if (rc == EXIT_OK) {
        AssessStatus st = assess_explain(&in, &a.ao, a.systems[0], a.item, stdout, why, sizeof why);
        if (st != ASSESS_OK) { fprintf(stderr, "pledge explain: %s\n", why); rc = assess_exit(st); }
    }
    inputs_free(&in);
    bc_free(&bc);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("pledge %s\n", PACKAGE_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "check") == 0) return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "compile") == 0) return cmd_compile(argc - 2, argv + 2);
    if (strcmp(cmd, "disasm") == 0) return cmd_disasm(argc - 2, argv + 2);
    if (strcmp(cmd, "eval") == 0) return cmd_eval(argc - 2, argv + 2);
    if (strcmp(cmd, "data") == 0) return cmd_data(argc - 2, argv + 2);
    if (strcmp(cmd, "assess") == 0) return cmd_assess(argc - 2, argv + 2);
    if (strcmp(cmd, "explain") == 0) return cmd_explain(argc - 2, argv + 2);
    if (strcmp(cmd, "test") == 0) return cmd_test(argc - 2, argv + 2);
    if (strcmp(cmd, "diff") == 0) return cmd_diff(argc - 2, argv + 2);
    if (strcmp(cmd, "replay") == 0) return cmd_replay(argc - 2, argv + 2);
    if (strcmp(cmd, "history") == 0) return cmd_history(argc - 2, argv + 2);
    if (strcmp(cmd, "doc") == 0) return cmd_doc(argc - 2, argv + 2);
    if (strcmp(cmd, "fmt") == 0) return cmd_fmt(argc - 2, argv + 2);
    fprintf(stderr, "pledge: unknown command `%s`\n\n", cmd);
    fputs(usage_main, stderr);
    return EXIT_USAGE;
}
