/* doc.c: `pledge doc RULES`, a readable summary of a round (spec §8), in
 * Markdown: its dates, what systems are judged on and by when, the checks
 * and ratings, and the data it reads. From a .pledge or a .plb alike. */
#include "config.h"
#include "doc.h"
#include "cli.h"
#include "report/report.h"
#include "vm/vm.h"
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: pledge doc RULES\n"
    "\n"
    "Prints a readable summary of the round in RULES (a .pledge or a .plb), in\n"
    "Markdown: its dates, its commitments with targets, milestones, tolerances,\n"
    "sources and doc comments, its checks and ratings, and the feeds and\n"
    "hierarchies it reads.\n";

static void put_mark(Vm *vm, const BcThreshold *t)
{
    char text[160];
    threshold_text(vm, t, text, sizeof text);
    fputs(text, stdout);
}

/* A doc comment on one line (a list item): its line ends as spaces. */
static void put_flat(const char *s)
{
    for (; *s; s++) putchar(*s == '\n' ? ' ' : *s);
}

static void put_day(Day d)
{
    char buf[16];
    period_format((Period){ GRAIN_DAY, d }, buf, sizeof buf);
    fputs(buf, stdout);
}

int cmd_doc(int argc, char **argv)
{
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) { fputs(usage, stdout); return EXIT_OK; }
    if (argc != 1 || argv[0][0] == '-') { fputs(usage, stderr); return EXIT_USAGE; }
    BcProgram p = { 0 };
    int rc = load_rules(argv[0], &p);
    if (rc != EXIT_OK) return rc;
    Vm *vm = vm_new(&p, (VmLimits){ VM_DEFAULT_STEPS, VM_DEFAULT_MEMORY, VM_DEFAULT_DEPTH }, NULL, 0);
    const BcRound *r = &p.round;
    if (r->name) printf("# %s: %s\n\n", r->name, r->title ? r->title : "");
    else printf("# %s\n\n(no round: a library of definitions)\n\n", argv[0]);
    for (uint16_t i = 0; i < r->ndates; i++) {
        printf("- %s: ", r->dates[i].name);
        put_day(r->dates[i].day);
        putchar('\n');
    }
    if (r->horizon >= 0) {
        char h[64];
        report_window(p.consts[r->horizon], h, sizeof h);
        printf("- horizon: %s\n", h);
    }
    if (r->assess >= 0) printf("- systems: the parents of hierarchy `%s`\n", p.hiers[r->assess].name);

    for (int cls = 1; cls <= 2; cls++) {
        bool any = false;
        for (uint16_t k = 0; k < p.ncommits; k++) {
            const BcCommitment *c = &p.commits[k];
            if (c->cls != cls) continue;
            if (!any) printf("\n## %s commitments\n", cls == 1 ? "Foundational" : "Transformation");
            any = true;
            printf("\n### %s: %s\n\n", c->name, c->title ? c->title : "");
            if (c->doc) printf("%s\n\n", c->doc);
            printf("- measure: `%s`\n- target: ", p.fns[c->measure].name);
            put_mark(vm, &c->target);
            putchar('\n');
            for (uint16_t i = 0; i < c->nmilestones; i++) {
                fputs("- milestone: ", stdout);
                put_mark(vm, &c->milestones[i]);
                putchar('\n');
            }
            if (c->plan_feed >= 0)
                printf("- milestones: each system's own, from `%s.%s`\n", p.feeds[c->plan_feed].name,
                       p.feeds[c->plan_feed].columns[c->plan_column].name);
            if (c->tolerance >= 0) {
                char t[64];
                report_display(p.consts[c->tolerance], t, sizeof t);
                printf("- tolerance (milestones): %s\n", t);
            }
            if (c->source) printf("- source: %s\n", c->source);
            if (c->restates) printf("- restates: %s\n", c->restates);
        }
    }
    for (int national = 0; national < 2; national++) {
        bool any = false;
        for (uint16_t k = 0; k < p.nchecks; k++) {
            const BcCheck *c = &p.checks[k];
            if (c->national != national) continue;
            if (!any) printf("\n## %s\n\n", national ? "National checks (once for the round)" : "Checks (each system)");
            any = true;
            printf("- **%s**: %s", c->name, c->title ? c->title : "");
            if (c->message) printf(". Fails with: \"%s\"", c->message);
            if (c->doc) { fputs(" (", stdout); put_flat(c->doc); putchar(')'); }
            putchar('\n');
        }
    }
    for (uint16_t k = 0; k < p.nratings; k++) {
        const BcRating *g = &p.ratings[k];
        printf("\n## Rating %s: %s\n\nThe first that holds:", g->name, g->title ? g->title : "");
        for (uint16_t a = 0; a < g->narms; a++)
            printf("%s`%s`%s", a ? ", " : " ", g->arms[a].label, g->arms[a].when < 0 ? " (otherwise)" : "");
        puts(".");
    }
    if (p.nfeeds || p.nhiers) puts("\n## Data\n");
    for (uint16_t k = 0; k < p.nfeeds; k++) {
        const BcFeed *f = &p.feeds[k];
        printf("- feed **%s**: %s. Keyed by `%s` and `%s` (%s)", f->name, f->title ? f->title : "", f->org_col,
               f->period_col, grain_name((Grain)f->grain));
        if (f->vintage_col) printf(", revisions by `%s`", f->vintage_col);
        else printf(", known %d days after a period ends", f->lag_days);
        fputs("; columns", stdout);
        for (uint16_t i = 0; i < f->ncolumns; i++) printf("%s`%s`", i ? ", " : " ", f->columns[i].name);
        puts(".");
    }
    for (uint16_t k = 0; k < p.nhiers; k++) {
        const BcHierarchy *h = &p.hiers[k];
        printf("- hierarchy **%s**: %s. `%s` belongs to `%s`", h->name, h->title ? h->title : "", h->member_col,
               h->parent_col);
        if (h->from_col) printf(", from `%s`", h->from_col);
        if (h->to_col) printf(", to `%s`", h->to_col);
        if (h->name_col) printf("; the parents' names in `%s`", h->name_col);
        puts(".");
    }
    vm_free(vm);
    bc_free(&p);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_BAD_INPUT;
}
