/* doc.c: pledge_doc, a readable summary of a round (spec §8), in
 * Markdown: its dates, what systems are judged on and by when, the checks
 * and ratings, and the data it reads. From a .pledge or a .plb alike. */
#include "api/api.h"
#include <string.h>

static void put_mark(Vm *vm, const BcThreshold *t, FILE *out)
{
    char text[160];
    api_threshold_text(vm, t, text, sizeof text);
    fputs(text, out);
}

/* A doc comment on one line (a list item): its line ends as spaces. */
static void put_flat(const char *s, FILE *out)
{
    for (; *s; s++) fputc(*s == '\n' ? ' ' : *s, out);
}

static void put_day(Day d, FILE *out)
{
    char buf[16];
    period_format((Period){ GRAIN_DAY, d }, buf, sizeof buf);
    fputs(buf, out);
}

static pledge_status doc(pledge_round *R, FILE *out)
{
    const BcProgram *p = &R->bc;
    Vm *vm = api_vm(R);
    const BcRound *r = &p->round;
    if (r->name) fprintf(out, "# %s: %s\n\n", r->name, r->title ? r->title : "");
    else fprintf(out, "# %s\n\n(no round: a library of definitions)\n\n", R->path);
    for (uint16_t i = 0; i < r->ndates; i++) {
        fprintf(out, "- %s: ", r->dates[i].name);
        put_day(r->dates[i].day, out);
        fputc('\n', out);
    }
    if (r->horizon >= 0) {
        char h[64];
        report_window(p->consts[r->horizon], h, sizeof h);
        fprintf(out, "- horizon: %s\n", h);
    }
    if (r->assess >= 0) fprintf(out, "- systems: the parents of hierarchy `%s`\n", p->hiers[r->assess].name);

    for (int cls = 1; cls <= 2; cls++) {
        bool any = false;
        for (uint16_t k = 0; k < p->ncommits; k++) {
            const BcCommitment *c = &p->commits[k];
            if (c->cls != cls) continue;
            if (!any) fprintf(out, "\n## %s commitments\n", cls == 1 ? "Foundational" : "Transformation");
            any = true;
            fprintf(out, "\n### %s: %s\n\n", c->name, c->title ? c->title : "");
            if (c->doc) fprintf(out, "%s\n\n", c->doc);
            fprintf(out, "- measure: `%s`\n- target: ", p->fns[c->measure].name);
            put_mark(vm, &c->target, out);
            fputc('\n', out);
            for (uint16_t i = 0; i < c->nmilestones; i++) {
                fputs("- milestone: ", out);
                put_mark(vm, &c->milestones[i], out);
                fputc('\n', out);
            }
            if (c->plan_feed >= 0)
                fprintf(out, "- milestones: each system's own, from `%s.%s`\n", p->feeds[c->plan_feed].name,
                        p->feeds[c->plan_feed].columns[c->plan_column].name);
            if (c->tolerance >= 0) {
                char t[64];
                report_display(p->consts[c->tolerance], t, sizeof t);
                fprintf(out, "- tolerance (milestones): %s\n", t);
            }
            if (c->source) fprintf(out, "- source: %s\n", c->source);
            if (c->restates) fprintf(out, "- restates: %s\n", c->restates);
        }
    }
    for (int national = 0; national < 2; national++) {
        bool any = false;
        for (uint16_t k = 0; k < p->nchecks; k++) {
            const BcCheck *c = &p->checks[k];
            if (c->national != national) continue;
            if (!any) fprintf(out, "\n## %s\n\n", national ? "National checks (once for the round)" : "Checks (each system)");
            any = true;
            fprintf(out, "- **%s**: %s", c->name, c->title ? c->title : "");
            if (c->message) fprintf(out, ". Fails with: \"%s\"", c->message);
            if (c->doc) { fputs(" (", out); put_flat(c->doc, out); fputc(')', out); }
            fputc('\n', out);
        }
    }
    for (uint16_t k = 0; k < p->nratings; k++) {
        const BcRating *g = &p->ratings[k];
        fprintf(out, "\n## Rating %s: %s\n\nThe first that holds:", g->name, g->title ? g->title : "");
        for (uint16_t a = 0; a < g->narms; a++)
            fprintf(out, "%s`%s`%s", a ? ", " : " ", g->arms[a].label, g->arms[a].when < 0 ? " (otherwise)" : "");
        fputs(".\n", out);
    }
    if (p->nfeeds || p->nhiers) fputs("\n## Data\n\n", out);
    for (uint16_t k = 0; k < p->nfeeds; k++) {
        const BcFeed *f = &p->feeds[k];
        fprintf(out, "- feed **%s**: %s. Keyed by `%s` and `%s` (%s)", f->name, f->title ? f->title : "",
                f->org_col, f->period_col, grain_name((Grain)f->grain));
        if (f->vintage_col) fprintf(out, ", revisions by `%s`", f->vintage_col);
        else fprintf(out, ", known %d days after a period ends", f->lag_days);
        fputs("; columns", out);
        for (uint16_t i = 0; i < f->ncolumns; i++) fprintf(out, "%s`%s`", i ? ", " : " ", f->columns[i].name);
        fputs(".\n", out);
    }
    for (uint16_t k = 0; k < p->nhiers; k++) {
        const BcHierarchy *h = &p->hiers[k];
        fprintf(out, "- hierarchy **%s**: %s. `%s` belongs to `%s`", h->name, h->title ? h->title : "",
                h->member_col, h->parent_col);
        if (h->from_col) fprintf(out, ", from `%s`", h->from_col);
        if (h->to_col) fprintf(out, ", to `%s`", h->to_col);
        if (h->name_col) fprintf(out, "; the parents' names in `%s`", h->name_col);
        fputs(".\n", out);
    }
    vm_free(vm);
    return ferror(out) ? api_fail(R->S, PLEDGE_ERR_INPUT, "cannot write the summary") : PLEDGE_OK;
}

pledge_status pledge_doc(pledge_round *R, FILE *out)
{
    API_ENTER(R->S);
    API_RETURN(R->S, doc(R, out));
}

