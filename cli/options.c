/* options.c: what every command does the same way: reading the command
 * line with getopt_long, making the pledge_state (diagnostics, colours,
 * limits, the progress bar), saying what went wrong, and the output. */
#include "cli.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* ---- the command line --------------------------------------------------------- */

/* "1000", "64M", "2G", "1e9": false if it is not a positive size. */
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

/* How the option with value val is written: "--feed", or "-o". */
static void option_name(const struct option *table, int val, char *buf, size_t cap)
{
    for (const struct option *t = table; t->name; t++)
        if (t->val == val) { snprintf(buf, cap, "--%s", t->name); return; }
    snprintf(buf, cap, "-%c", val);
}

/* Why getopt_long refused argv[optind - 1] (it returned '?'). */
static void refused(const struct option *table, char **argv, char *error, size_t cap)
{
    const char *arg = argv[optind - 1];
    if (optopt >= 256 || (optopt == 'h' && strncmp(arg, "--", 2) == 0)) {   /* --trace=yes */
        char name[64];
        option_name(table, optopt, name, sizeof name);
        snprintf(error, cap, "%s takes no value", name);
        return;
    }
    if (optopt) { snprintf(error, cap, "unknown option `-%c`", optopt); return; }
    size_t n = strcspn(arg + 2, "=");
    char matches[256] = "";
    int nmatches = 0;
    for (const struct option *t = table; t->name; t++)
        if (strncmp(t->name, arg + 2, n) == 0 && strlen(matches) + strlen(t->name) + 5 < sizeof matches) {
            strcat(matches, nmatches++ ? ", --" : "--");
            strcat(matches, t->name);
        }
    if (nmatches > 1) snprintf(error, cap, "`%.*s` is short for more than one option: %s", (int)n + 2, arg, matches);
    else snprintf(error, cap, "unknown option `%.*s`", (int)n + 2, arg);
}

static void set_error(char *error, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_error(char *error, size_t cap, const char *fmt, ...)
{
    if (error[0]) return;       /* the first one is said */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error, cap, fmt, ap);
    va_end(ap);
}

/* One option's value into o; a bad value is put in error. */
static void take(CliOptions *o, const struct option *table, int opt, const char *v, char *error, size_t cap)
{
    uint64_t n = 0;
    if (opt >= OPT_MAX_STEPS && opt < OPT_MAX_END) {
        char name[64];
        option_name(table, opt, name, sizeof name);
        if (!parse_size(v, &n)) set_error(error, cap, "%s needs a positive number, not `%s`", name, v);
        else o->limits[opt - OPT_MAX_STEPS] = n;
        return;
    }
    switch (opt) {
    case 'o': o->out = v; break;
    case OPT_RULES: o->rules = v; break;
    case OPT_AS_OF: o->as_of = v; break;
    case OPT_ITEM: o->item = v; break;
    case OPT_FORMAT: o->format = v; break;
    case OPT_FAIL_ON: o->fail_on = v; break;
    case OPT_MANIFEST: o->manifest = v; break;
    case OPT_ARCHIVE: o->archive = v; break;
    case OPT_FILTER: o->filter = v; break;
    case OPT_INPUTS: o->inputs = v; break;
    case OPT_VARIATIONS: o->variations = v; break;
    case OPT_DIALECT: o->dialect = v; break;
    case OPT_TABLE: o->tables[o->ntables++] = v; break;
    case OPT_SYSTEM: o->systems[o->nsystems++] = v; break;
    case OPT_ALLOW_NATIVE: o->natives[o->nnatives++] = v; break;
    case OPT_TRACE: o->trace = true; break;
    case OPT_COVERAGE: o->coverage = true; break;
    case OPT_CHECK: o->check = true; break;
    case OPT_STDOUT: o->to_stdout = true; break;
    case OPT_FEED: {
        const char *eq = strchr(v, '=');
        if (!eq || eq == v || !eq[1]) set_error(error, cap, "--feed needs NAME=PATH, not `%s`", v);
        else o->feeds[o->nfeeds++] = v;
        break;
    }
    case OPT_ON_BAD_ROW:
        if (strcmp(v, "skip") == 0) o->skip_bad_rows = true;
        else set_error(error, cap, "--on-bad-row takes skip, not `%s`", v);
        break;
    case OPT_THREADS:
        if (!parse_size(v, &n) || n > 64) set_error(error, cap, "--threads takes 1 to 64, not `%s`", v);
        o->threads = n;
        break;
    }
}

/* The option an inputs file's key stands for in the command's table (its
 * long name; `output` is -o), or 0 if the command takes none such. */
static int option_of(const char *shortopts, const struct option *table, const char *key)
{
    if (strcmp(key, "output") == 0) return strstr(shortopts, "o:") ? 'o' : 0;
    for (const struct option *t = table; t->name; t++)
        if (strcmp(t->name, key) == 0) return t->val;
    return 0;
}

/* Whether the command line gave option opt (systems: given_systems). */
static bool given(const CliOptions *o, int opt, bool given_systems)
{
    switch (opt) {
    case 'o': return o->out;
    case OPT_AS_OF: return o->as_of;
    case OPT_FORMAT: return o->format;
    case OPT_FAIL_ON: return o->fail_on;
    case OPT_MANIFEST: return o->manifest;
    case OPT_ARCHIVE: return o->archive;
    case OPT_VARIATIONS: return o->variations;
    case OPT_SYSTEM: return given_systems;
    case OPT_THREADS: return o->threads;
    case OPT_ON_BAD_ROW: return o->skip_bad_rows;
    default: return true;
    }
}

/* Whether the command line binds feed name (NAME=PATH). */
static bool bound(const CliOptions *o, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < o->nfeeds; i++)
        if (strncmp(o->feeds[i], name, n) == 0 && o->feeds[i][n] == '=') return true;
    return false;
}

static int out_of_memory(void)
{
    fputs("pledge: out of memory\n", stderr);
    return PLEDGE_ERR_LIMIT;
}

/* --inputs FILE into o, under what the command line says (the library
 * reads the file, resolves its paths and checks its values). */
static int read_inputs(Cli *c, const char *shortopts, const struct option *table, CliOptions *o)
{
    pledge_config cfg;
    pledge_config_init(&cfg);
    o->inputs_S = pledge_new(&cfg);
    if (!o->inputs_S) return out_of_memory();
    pledge_inputs *in;
    pledge_status st = pledge_inputs_load(o->inputs_S, o->inputs, &in);
    if (st != PLEDGE_OK) {
        fprintf(stderr, "pledge %s: %s\n", c->name, pledge_error(o->inputs_S));
        return st;
    }
    const char *key, *value;
    size_t nfeeds = 0, noptions = 0;
    while (pledge_inputs_feed(in, nfeeds, &key, &value)) nfeeds++;
    while (pledge_inputs_option(in, noptions, &key, &value)) noptions++;
    const char **feeds = realloc(o->feeds, (o->nfeeds + nfeeds + 1) * sizeof *feeds);
    if (feeds) o->feeds = feeds;
    const char **systems = realloc(o->systems, (o->nsystems + noptions + 1) * sizeof *systems);
    if (systems) o->systems = systems;
    o->owned = calloc(nfeeds + 1, sizeof *o->owned);
    if (!feeds || !systems || !o->owned) return out_of_memory();
    for (size_t i = 0; pledge_inputs_feed(in, i, &key, &value); i++) {
        if (bound(o, key)) continue;
        size_t n = strlen(key) + strlen(value) + 2;
        char *binding = malloc(n);
        if (!binding) return out_of_memory();
        snprintf(binding, n, "%s=%s", key, value);
        o->feeds[o->nfeeds++] = o->owned[o->nowned++] = binding;
    }
    bool given_systems = o->nsystems > 0;
    char error[512] = "";
    for (size_t i = 0; pledge_inputs_option(in, i, &key, &value); i++) {
        /* the format is the report's: diff's --format is of another output */
        if (strcmp(key, "format") == 0 && strcmp(c->name, "assess") != 0) continue;
        int opt = option_of(shortopts, table, key);
        if (opt && !given(o, opt, given_systems)) take(o, table, opt, value, error, sizeof error);
    }
    /* the library checked every value: this is the command's word on one it takes otherwise */
    if (error[0]) return cli_usage(c, "%s: %s", o->inputs, error);
    return -1;
}

int cli_parse(Cli *c, int argc, char **argv, const char *shortopts, const struct option *table, CliOptions *o)
{
    memset(o, 0, sizeof *o);
    size_t cap = (size_t)argc + 1;
    o->args = calloc(cap, sizeof *o->args);
    o->feeds = calloc(cap, sizeof *o->feeds);
    o->systems = calloc(cap, sizeof *o->systems);
    o->natives = calloc(cap, sizeof *o->natives);
    o->tables = calloc(cap, sizeof *o->tables);
    if (!o->args || !o->feeds || !o->systems || !o->natives || !o->tables) {
        fputs("pledge: out of memory\n", stderr);
        return PLEDGE_ERR_LIMIT;
    }
    /* "-": arguments come back in order as option 1, so options may follow
     * them whatever POSIXLY_CORRECT says; ":": a missing value is ':' */
    char spec[32];
    snprintf(spec, sizeof spec, "-:%s", shortopts);
    char error[512] = "";
    int info = 0;               /* --help or --version, the first given */
    opterr = 0;
    optind = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, spec, table, NULL)) != -1) {
        if (opt == 1) o->args[o->nargs++] = optarg;
        else if (opt == 'h' || opt == OPT_VERSION) { if (!info) info = opt; }
        else if (opt == '?') { if (!error[0]) refused(table, argv, error, sizeof error); }
        else if (opt == ':') {
            char name[64];
            option_name(table, optopt, name, sizeof name);
            set_error(error, sizeof error, "%s needs a value", name);
        } else take(o, table, opt, optarg, error, sizeof error);
    }
    while (optind < argc) o->args[o->nargs++] = argv[optind++];     /* after -- */
    if (info == 'h') { fputs(c->usage, stdout); return PLEDGE_OK; }
    if (info == OPT_VERSION) { printf("pledge %s\n", pledge_version()); return PLEDGE_OK; }
    if (error[0]) return cli_usage(c, "%s", error);
    return o->inputs ? read_inputs(c, shortopts, table, o) : -1;
}

void cli_options_free(CliOptions *o)
{
    free(o->args);
    free(o->feeds);
    free(o->tables);
    free(o->systems);
    free(o->natives);
    for (size_t i = 0; i < o->nowned; i++) free(o->owned[i]);
    free(o->owned);
    pledge_free(o->inputs_S);
}

int cli_usage(Cli *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pledge %s: ", c->name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(pledge %s --help shows the usage)\n", c->name);
    return PLEDGE_ERR_USAGE;
}

/* ---- the state ------------------------------------------------------------------- */

bool cli_color(FILE *f)
{
    const char *no = getenv("NO_COLOR");
    return isatty(fileno(f)) && !(no && no[0]);
}

int cli_width(FILE *f)
{
    struct winsize ws;
    if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
    const char *c = getenv("COLUMNS");
    int n = c ? atoi(c) : 0;
    return n >= 40 ? n : 80;
}

static void print_diagnostic(void *ud, const pledge_diagnostic *d)
{
    Cli *c = ud;
    fputs(d->rendered, stderr);
    if (d->severity == PLEDGE_SEVERITY_ERROR) c->diagnosed = true;
}

/* A progress bar on standard error while a large file loads (only on a
 * terminal: the state gets this callback only then). */
enum { PROGRESS_MIN_BYTES = 16 << 20 };

static void draw_progress(void *ud, const char *source, uint64_t done, uint64_t total)
{
    Cli *c = ud;
    if (total < PROGRESS_MIN_BYTES) return;
    enum { WIDTH = 30 };
    int filled = (int)(done * WIDTH / total), pct = (int)(done * 100 / total);
    const char *name = strrchr(source, '/') ? strrchr(source, '/') + 1 : source;
    fprintf(stderr, "\rloading %.30s [%.*s%*s] %3d%% of %llu MB", name, filled, "##############################",
            WIDTH - filled, "", pct, (unsigned long long)(total >> 20));
    fflush(stderr);
    c->bar = true;
}

void cli_progress_done(Cli *c)
{
    if (c->bar) fputs("\r\033[K", stderr);      /* the bar goes once loading is done */
    c->bar = false;
}

/* --format, else -o's extension, else text; *named gets the extension's (if *has) */
static pledge_format format_of(const CliOptions *o, bool *has, pledge_format *named)
{
    pledge_format f = PLEDGE_FORMAT_TEXT;
    const char *dot = o->out ? strrchr(o->out, '.') : NULL;
    *has = dot && !strchr(dot, '/') && pledge_format_by_name(dot + 1, named);
    if (o->format) pledge_format_by_name(o->format, &f);
    else if (*has) f = *named;
    return f;
}

int cli_state(Cli *c, const CliOptions *o)
{
    pledge_config cfg;
    pledge_config_init(&cfg);
    cfg.diagnostic = print_diagnostic;
    cfg.diagnostic_ud = c;
    cfg.color = cli_color(stderr);
    if (isatty(fileno(stderr))) {
        cfg.progress = draw_progress;
        cfg.progress_ud = c;
    }
#define LIMIT(opt) o->limits[(opt) - OPT_MAX_STEPS]
    if (LIMIT(OPT_MAX_STEPS)) cfg.max_steps = LIMIT(OPT_MAX_STEPS);
    if (LIMIT(OPT_MAX_MEMORY)) cfg.max_memory = LIMIT(OPT_MAX_MEMORY) > SIZE_MAX ? SIZE_MAX : (size_t)LIMIT(OPT_MAX_MEMORY);
    if (LIMIT(OPT_MAX_DEPTH)) cfg.max_depth = LIMIT(OPT_MAX_DEPTH) > UINT32_MAX ? UINT32_MAX : (uint32_t)LIMIT(OPT_MAX_DEPTH);
    /* 0 (not given) leaves the default */
    cfg.max_rows = LIMIT(OPT_MAX_ROWS);
    cfg.max_columns = LIMIT(OPT_MAX_COLUMNS);
    cfg.max_cell = LIMIT(OPT_MAX_CELL);
    cfg.max_orgs = LIMIT(OPT_MAX_ORGS);
    cfg.max_periods = LIMIT(OPT_MAX_PERIODS);
#undef LIMIT
    cfg.threads = (unsigned)o->threads;
    cfg.allow_native = o->natives;
    cfg.nallow_native = o->nnatives;
    cfg.skip_bad_rows = o->skip_bad_rows;
    cfg.bad_rows = stderr;
    cfg.trace = o->trace ? stderr : NULL;
    /* a text or CSV report of `assess` shows no series (run_assess): its
     * feeds need the figures of the periods its windows read only */
    pledge_format named;
    bool has;
    pledge_format f = format_of(o, &has, &named);
    bool assess = strcmp(c->name, "assess") == 0;
    CliAssessWants wants = cli_assess_wants(o, f);
    cfg.windows_only = assess && !wants.series;
    /* the inputs' digests are taken while the inputs load */
    cfg.hash_inputs = assess && wants.digests;
    c->S = pledge_new(&cfg);
    if (!c->S) {
        fputs("pledge: out of memory\n", stderr);
        return PLEDGE_ERR_LIMIT;
    }
    return PLEDGE_OK;
}

void cli_done(Cli *c)
{
    pledge_free(c->S);
    c->S = NULL;
}

/* ---- statuses -------------------------------------------------------------------- */

int cli_status(Cli *c, pledge_status st, bool named, const char *what)
{
    bool diagnosed = c->diagnosed;
    c->diagnosed = false;
    if (st == PLEDGE_OK || st == PLEDGE_FAILED) return st;
    if (st == PLEDGE_ERR_INPUT && diagnosed) return st;         /* the diagnostics say why */
    const char *why = pledge_error(c->S);
    if (!why[0]) why = st == PLEDGE_ERR_INTERNAL ? "internal error" : "failed";
    fprintf(stderr, "pledge%s%s: %s%s%s\n", named ? " " : "", named ? c->name : "", what ? what : "",
            what ? ": " : "", why);
    return st;
}

int cli_worst(int a, int b) { return a > b ? a : b; }

/* ---- rounds and inputs ------------------------------------------------------------- */

int cli_one_stdin(Cli *c, const CliOptions *o, const char *const *rules, size_t nrules)
{
    size_t n = 0;
    for (size_t i = 0; i < nrules; i++) n += rules[i] && strcmp(rules[i], "-") == 0;
    for (size_t i = 0; i < o->nfeeds; i++) n += strcmp(strchr(o->feeds[i], '=') + 1, "-") == 0;
    return n > 1 ? cli_usage(c, "standard input (`-`) can be read only once") : PLEDGE_OK;
}

int cli_load(Cli *c, const char *path, pledge_round **R)
{
    *R = NULL;
    return cli_status(c, pledge_load(c->S, path, R), false, NULL);
}

int cli_bind(Cli *c, pledge_round *R, const CliOptions *o)
{
    for (size_t i = 0; i < o->nfeeds; i++) {
        const char *eq = strchr(o->feeds[i], '=');
        char *name = strndup(o->feeds[i], (size_t)(eq - o->feeds[i]));
        if (!name) {
            fputs("pledge: out of memory\n", stderr);
            return PLEDGE_ERR_LIMIT;
        }
        pledge_status st = pledge_bind(R, name, eq + 1);
        free(name);
        if (st != PLEDGE_OK) return cli_status(c, st, true, NULL);
    }
    return PLEDGE_OK;
}

int cli_load_inputs(Cli *c, pledge_round *R, bool require_all)
{
    pledge_status st = pledge_load_inputs(R, require_all);
    cli_progress_done(c);
    /* a bad input's message names its file, line and column already */
    return cli_status(c, st, st != PLEDGE_ERR_INPUT, NULL);
}

/* ---- output ------------------------------------------------------------------------ */

int cli_open(Cli *c, const char *path, pledge_output **o, FILE **out)
{
    return cli_status(c, pledge_output_open(c->S, path, o, out), true, NULL);
}

int cli_close(Cli *c, pledge_output *o, int rc)
{
    if (rc != PLEDGE_OK && rc != PLEDGE_FAILED) {
        pledge_output_abort(o);
        return rc;
    }
    return cli_worst(rc, cli_status(c, pledge_output_commit(o), true, NULL));
}

CliAssessWants cli_assess_wants(const CliOptions *o, pledge_format f)
{
    bool rich = f == PLEDGE_FORMAT_JSON || f == PLEDGE_FORMAT_HTML;
    return (CliAssessWants){ .series = rich, .digests = rich || o->manifest || o->archive };
}

/* --format, else -o's extension, else text. An extension that names
 * another format than --format is most likely a slip (`-o r.html` with
 * text): said, but done as asked. */
pledge_format cli_output_format(Cli *c, const CliOptions *o)
{
    pledge_format named;
    bool has;
    pledge_format f = format_of(o, &has, &named);
    if (o->format) {
        if (has && named != f)
            fprintf(stderr, "pledge %s: warning: %s is named as %s, but --format %s writes %s\n", c->name, o->out,
                    pledge_format_name(named), o->format, pledge_format_name(f));
    }
    return f;
}

int cli_write_round(Cli *c, const CliOptions *o, const char *what, pledge_format format,
                    pledge_status (*write)(pledge_round *R, pledge_format format, FILE *out))
{
    if (o->nargs != 1) return cli_usage(c, "give one %s", what);
    pledge_round *R;
    pledge_output *po;
    FILE *out;
    int rc = cli_load(c, o->args[0], &R);
    if (rc == PLEDGE_OK && o->variations) rc = cli_status(c, pledge_vary(R, o->variations), true, NULL);
    if (rc == PLEDGE_OK) rc = cli_open(c, o->out ? o->out : "-", &po, &out);
    if (rc != PLEDGE_OK) return rc;
    return cli_close(c, po, cli_status(c, write(R, format, out), true, NULL));
}
