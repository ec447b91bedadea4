/* cmd_round.c: the commands on a rule file alone: check, compile, disasm
 * and eval. */
#include "cli.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- pledge check ------------------------------------------------------------ */

static const char usage_check[] =
    "usage: pledge check FILE...\n"
    "\n"
    "Reads each rule file and the modules it imports, and reports every problem\n"
    "found as FILE:LINE:COL: error: MESSAGE (or warning:), with the source line.\n"
    "Lists on standard output the native libraries a file's `extern` functions\n"
    "need. Exits 0 when no file has errors (warnings allowed), 3 otherwise.\n"
    "Colours are used on a terminal unless NO_COLOR is set.\n";

static const struct option check_options[] = { CLI_COMMON_OPTIONS, { 0 } };

static int run_check(Cli *c, const CliOptions *o)
{
    if (!o->nargs) return cli_usage(c, "no rule file given");
    int rc = cli_one_stdin(c, o, o->args, o->nargs);
    pledge_output *po;
    FILE *out;
    if (rc == PLEDGE_OK) rc = cli_open(c, "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    for (size_t i = 0; i < o->nargs; i++) {
        pledge_status st;
        if (strcmp(o->args[i], "-") == 0) {     /* standard input: checked by loading it */
            pledge_round *R = NULL;
            st = pledge_load(c->S, "-", &R);
            pledge_round_free(R);
        } else st = pledge_check(c->S, o->args[i], out);
        rc = cli_worst(rc, cli_status(c, st, false, NULL));
    }
    return cli_close(c, po, rc);
}

const CliCommand cli_check = { "check", usage_check, "h", check_options, run_check };

/* ---- pledge compile ---------------------------------------------------------- */

static const char usage_compile[] =
    "usage: pledge compile FILE.pledge -o OUT.plb\n"
    "\n"
    "Checks the rule file and writes its bytecode: a self-contained file with the\n"
    "round, its feeds' schemas, one function per metric, commitment, check,\n"
    "rating and fn, and the sources with their SHA-256. The same source always\n"
    "gives the same bytes. The output is written whole or not at all\n"
    "(-o - writes it to standard output).\n";

static const struct option compile_options[] = { CLI_COMMON_OPTIONS, { 0 } };

static int run_compile(Cli *c, const CliOptions *o)
{
    if (o->nargs > 1) return cli_usage(c, "one rule file at a time");
    if (!o->nargs) return cli_usage(c, "no rule file given");
    if (!o->out) return cli_usage(c, "where to? (-o OUT.plb)");
    pledge_round *R;
    int rc = cli_load(c, o->args[0], &R);
    if (rc != PLEDGE_OK) return rc;
    if (pledge_is_bytecode(R)) return cli_usage(c, "%s is compiled already", o->args[0]);
    void *bytes;
    size_t len;
    rc = cli_status(c, pledge_bytecode(R, &bytes, &len), true, NULL);
    pledge_output *po;
    FILE *out;
    if (rc == PLEDGE_OK && (rc = cli_open(c, o->out, &po, &out)) == PLEDGE_OK) {
        fwrite(bytes, 1, len, out);     /* a short write fails the commit */
        rc = cli_close(c, po, rc);
    }
    pledge_release(c->S, bytes);
    return rc;
}

const CliCommand cli_compile = { "compile", usage_compile, "ho:", compile_options, run_compile };

/* ---- pledge disasm ------------------------------------------------------------- */

static const char usage_disasm[] =
    "usage: pledge disasm FILE.plb|FILE.pledge\n"
    "\n"
    "Prints the bytecode readably, with the source line of each instruction.\n"
    "A .plb is verified completely first.\n";

static const struct option disasm_options[] = { CLI_COMMON_OPTIONS, { 0 } };

static pledge_status disasm(pledge_round *R, pledge_format format, FILE *out)
{
    (void)format;                       /* one format: the listing */
    return pledge_disasm(R, out);
}

static int run_disasm(Cli *c, const CliOptions *o) { return cli_write_round(c, o, "file", PLEDGE_FORMAT_TEXT, disasm); }

const CliCommand cli_disasm = { "disasm", usage_disasm, "h", disasm_options, run_disasm };

/* ---- pledge eval ----------------------------------------------------------------- */

static const char usage_eval[] =
    "usage: pledge eval [--rules FILE] [OPTIONS] [EXPR]\n"
    "\n"
    "With EXPR: evaluates it (with --rules, in the rule file's scope) and prints\n"
    "the value. With only --rules (a .pledge or a .plb): prints each `let` of the\n"
    "file as NAME = VALUE. With neither: reads expressions line by line.\n"
    "An EXPR that starts with - goes after --: pledge eval -- '-1 + 43'.\n"
    "\n"
    "options:\n"
    "  --max-steps N           stop an evaluation after N instructions (default 1e9)\n"
    "  --max-memory N[k|M|G]   stop it past N bytes of values (default 1G)\n"
    "  --max-depth N           stop it past N nested calls (default 10000)\n"
    "  --allow-native LIB      let extern functions of library LIB run (repeatable)\n"
    "  --trace                 print each instruction executed to standard error\n"
    "\n"
    "A limit hit exits 4; a native library not allowed exits 3.\n";

static const struct option eval_options[] = {
    CLI_COMMON_OPTIONS, CLI_RUN_OPTIONS, { "rules", required_argument, NULL, OPT_RULES }, { 0 }
};

/* One expression; an expression that does not check is a usage error only
 * when it was asked of a .plb. */
static int eval_one(Cli *c, const char *rules, const char *expr, FILE *out)
{
    pledge_status st = pledge_eval(c->S, rules, expr, out);
    return cli_status(c, st, st == PLEDGE_ERR_USAGE, NULL);
}

/* Expressions line by line from standard input (a `> ` prompt on a
 * terminal); the status of the last line, or 0 on a terminal. */
static int repl(Cli *c, FILE *out)
{
    bool tty = isatty(fileno(stdin));
    char *line = NULL;
    size_t cap = 0;
    int rc = PLEDGE_OK;
    for (;;) {
        if (tty) { fputs("> ", out); fflush(out); }
        if (getline(&line, &cap, stdin) < 0) break;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0]) rc = eval_one(c, NULL, line, out);
    }
    free(line);
    if (tty) fputc('\n', out);
    return tty ? PLEDGE_OK : rc;
}

static int run_eval(Cli *c, const CliOptions *o)
{
    if (o->nargs > 1) return cli_usage(c, "give one expression (quote it)");
    const char *expr = o->nargs ? o->args[0] : NULL;
    pledge_round *R;
    pledge_output *po;
    FILE *out;
    int rc = cli_open(c, "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    if (expr) rc = eval_one(c, o->rules, expr, out);
    else if (o->rules) {
        if ((rc = cli_load(c, o->rules, &R)) == PLEDGE_OK)
            rc = cli_status(c, pledge_eval_lets(R, out), false, NULL);
    } else rc = repl(c, out);
    return cli_close(c, po, rc);
}

const CliCommand cli_eval = { "eval", usage_eval, "h", eval_options, run_eval };
