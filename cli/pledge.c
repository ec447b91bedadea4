/* pledge.c: the `pledge` command. Each subcommand is one function; they
 * share the exit codes of spec §8. */
#include "config.h"
#include "front.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_BAD_INPUT = 3, EXIT_LIMIT = 4, EXIT_INTERNAL = 5 };

static const char usage_main[] =
    "usage: pledge COMMAND [ARGS]\n"
    "\n"
    "Pledge evaluates NHS planning rounds written as rule files.\n"
    "\n"
    "commands:\n"
    "  check FILE...   check rule files; diagnostics as FILE:LINE:COL: error: MESSAGE\n"
    "\n"
    "options:\n"
    "  --help          show this help (pledge COMMAND --help for one command)\n"
    "  --version       show the version\n"
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

static bool use_color(FILE *f)
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
    fprintf(stderr, "pledge: unknown command `%s`\n\n", cmd);
    fputs(usage_main, stderr);
    return EXIT_USAGE;
}
