/* diff.c: pledge_diff, what a round changed against an earlier one.
 *
 * Commitments are matched by id, or by a new one's `restates =
 * "OLDROUND.id"`; for each pair the class, measure, target, milestones,
 * tolerance and deadline are compared. Checks are matched by id. With
 * feeds, both rounds are assessed as of the same day and the systems whose
 * status a matched commitment changed are listed. */
#include "config.h"
#include "api/api.h"
#include "report/escape.h"
#include <string.h>

static Value constant(Vm *vm, int32_t fn)
{
    Value v = val_missing();
    if (fn >= 0 && vm_call_window(vm, (uint32_t)fn, NULL, val_missing(), &v) != VM_OK) v = val_missing();
    return v;
}

Day api_threshold_text(Vm *vm, const BcThreshold *t, char *buf, size_t cap)
{
    char thr[64], win[64];
    Value w = constant(vm, t->window_fn);
    report_display(constant(vm, t->value_fn), thr, sizeof thr);
    report_window(w, win, sizeof win);
    snprintf(buf, cap, "%s %s in %s", cmp_text[t->cmp < 6 ? t->cmp : 0], thr, win);
    Day from, to;
    return val_window_days(w, &from, &to) ? to : 0;
}

/* Everything compared about a commitment, as text. */
typedef struct Facts {
    char cls[16], measure[128], tolerance[32], milestones[1024], deadline[16], target[160];
} Facts;

static void facts_of(const BcProgram *p, Vm *vm, const BcCommitment *c, Facts *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->cls, sizeof f->cls, "%s", c->cls == 2 ? "transformation" : "foundational");
    snprintf(f->measure, sizeof f->measure, "%s", p->fns[c->measure].name);
    if (c->tolerance >= 0) report_display(p->consts[c->tolerance], f->tolerance, sizeof f->tolerance);
    else snprintf(f->tolerance, sizeof f->tolerance, "none");
    Day deadline = api_threshold_text(vm, &c->target, f->target, sizeof f->target);
    period_format((Period){ GRAIN_DAY, deadline }, f->deadline, sizeof f->deadline);
    size_t k = 0;
    for (uint16_t i = 0; i < c->nmilestones; i++) {
        char ms[160];
        api_threshold_text(vm, &c->milestones[i], ms, sizeof ms);
        k += (size_t)snprintf(f->milestones + k, k < sizeof f->milestones ? sizeof f->milestones - k : 0, "%s%s",
                              i ? "; " : "", ms);
        if (k >= sizeof f->milestones) break;
    }
    if (c->plan_feed >= 0 && k < sizeof f->milestones)
        snprintf(f->milestones + k, sizeof f->milestones - k, "%sfrom each system's plan (%s.%s)", k ? "; " : "",
                 p->feeds[c->plan_feed].name, p->feeds[c->plan_feed].columns[c->plan_column].name);
    if (!f->milestones[0]) snprintf(f->milestones, sizeof f->milestones, "none");
}

/* The old commitment a new one continues: the same id, or what it restates. */
static int32_t match(const BcProgram *old, const BcCommitment *c)
{
    if (c->restates) {
        const char *dot = strrchr(c->restates, '.');
        const char *id = dot ? dot + 1 : c->restates;
        bool round_ok = !dot || (old->round.name && strlen(old->round.name) == (size_t)(dot - c->restates)
                                 && strncmp(old->round.name, c->restates, (size_t)(dot - c->restates)) == 0);
        for (uint16_t k = 0; round_ok && k < old->ncommits; k++)
            if (strcmp(old->commits[k].name, id) == 0) return k;
    }
    for (uint16_t k = 0; k < old->ncommits; k++)
        if (strcmp(old->commits[k].name, c->name) == 0) return k;
    return -1;
}

/* ---- output ------------------------------------------------------------------ */

typedef struct Out { FILE *f; bool json; bool first; } Out;


static void change(Out *o, const char *field, const char *was, const char *now)
{
    if (strcmp(was, now) == 0) return;
    if (o->json) {
        fprintf(o->f, "%s{\"field\": ", o->first ? "" : ", ");
        report_json_string(o->f, field);
        fputs(", \"old\": ", o->f);
        report_json_string(o->f, was);
        fputs(", \"new\": ", o->f);
        report_json_string(o->f, now);
        fputc('}', o->f);
    } else {
        fprintf(o->f, "      %-11s %s -> %s\n", field, was, now);
    }
    o->first = false;
}

static bool differs(const Facts *a, const Facts *b)
{
    return strcmp(a->cls, b->cls) || strcmp(a->measure, b->measure) || strcmp(a->target, b->target)
        || strcmp(a->milestones, b->milestones) || strcmp(a->tolerance, b->tolerance);
}

static void item_line(Out *o, char sign, const char *id, const char *title, const char *extra)
{
    fprintf(o->f, "  %c %s", sign, id);
    if (title) {
        fputs(" \"", o->f);
        esc_text(o->f, title, strlen(title));     /* a rule file's text, on a terminal */
        fputc('"', o->f);
    }
    if (extra && extra[0]) fprintf(o->f, " (%s)", extra);
    fputc('\n', o->f);
}

/* ---- status flips --------------------------------------------------------- */

/* Drops R's bindings that name none of its feeds and hierarchies: the same
 * feeds are bound to both rounds, and each reads its own. */
static void keep_declared(pledge_round *R)
{
    const BcProgram *p = &R->bc;
    size_t k = 0;
    for (size_t i = 0; i < R->bindings.len; i++) {
        Binding *b = &R->bindings.items[i];
        bool declared = false;
        for (uint16_t f = 0; f < p->nfeeds && !declared; f++) declared = strcmp(p->feeds[f].name, b->name) == 0;
        for (uint16_t h = 0; h < p->nhiers && !declared; h++) declared = strcmp(p->hiers[h].name, b->name) == 0;
        if (declared) { R->bindings.items[k++] = *b; continue; }
        mem_free((void *)b->name);
        mem_free((void *)b->source.name);
        mem_free((void *)b->source.bytes);
    }
    R->bindings.len = k;
}

/* Loads R's inputs and assesses it as of the day; the error names R. */
static pledge_status assess_round(pledge_round *R, const char *as_of, Report *r)
{
    pledge_state *S = R->S;
    AssessOptions ao;
    pledge_status st = api_assess_options(R, &(pledge_assess_options){ .as_of = as_of }, &ao);
    if (st != PLEDGE_OK) return st;
    if (!R->loaded) keep_declared(R);
    st = api_load_inputs(R, true);
    char why[sizeof S->error];
    if (st == PLEDGE_OK) {
        AssessStatus as = assess_run(&R->in, &ao, r, why, sizeof why);
        if (as != ASSESS_OK) return api_fail(S, api_status(as), "%s: %s", R->path, why);
        return PLEDGE_OK;
    }
    memcpy(why, S->error, sizeof why);
    return api_fail(S, st, "%s: %s", R->path, why);
}

static const ReportResult *result_for(const Report *r, const char *system, const char *item)
{
    for (size_t i = 0; i < r->nresults; i++) {
        const ReportResult *x = &r->results[i];
        if (x->system != REPORT_NATIONAL && strcmp(r->systems[x->system].code, system) == 0
            && strcmp(r->items[x->item].id, item) == 0)
            return x;
    }
    return NULL;
}

static void flips(Out *o, const BcProgram *old, const BcProgram *neu, const Report *ro, const Report *rn)
{
    size_t nflips = 0;
    if (o->json) fputs(",\n  \"flips\": [", o->f);
    else fputs("\nstatuses changed (the same systems, as of the same day)\n", o->f);
    for (uint16_t k = 0; k < neu->ncommits; k++) {
        int32_t m = match(old, &neu->commits[k]);
        if (m < 0) continue;
        for (size_t s = 0; s < rn->nsystems; s++) {
            const ReportResult *a = result_for(ro, rn->systems[s].code, old->commits[m].name);
            const ReportResult *b = result_for(rn, rn->systems[s].code, neu->commits[k].name);
            if (!a || !b || a->status == b->status) continue;
            if (o->json) {
                fprintf(o->f, "%s\n    {\"system\": ", nflips ? "," : "");
                report_json_string(o->f, rn->systems[s].code);
                fputs(", \"old_item\": ", o->f);
                report_json_string(o->f, old->commits[m].name);
                fputs(", \"item\": ", o->f);
                report_json_string(o->f, neu->commits[k].name);
                fprintf(o->f, ", \"old\": \"%s\", \"new\": \"%s\"}", report_status(a->status), report_status(b->status));
            } else {
                fprintf(o->f, "  %s %s: %s -> %s\n", rn->systems[s].code, neu->commits[k].name,
                        report_status(a->status), report_status(b->status));
            }
            nflips++;
        }
    }
    if (o->json) fputs(nflips ? "\n  ]" : "]", o->f);
    else if (!nflips) fputs("  none\n", o->f);
}

/* ---- the diff ------------------------------------------------------------------ */

static void write_diff(Out *o, pledge_round *ro, pledge_round *rn)
{
    const char *oldpath = ro->path, *newpath = rn->path;
    const BcProgram *old = &ro->bc, *neu = &rn->bc;
    Vm *vo = api_vm(ro);
    Vm *vn = api_vm(rn);
    FILE *f = o->f;
    if (o->json) {
        fputs("{\n  \"old\": {\"path\": ", f);
        report_json_string(f, oldpath);
        fputs(", \"round\": ", f);
        report_json_string(f, old->round.name);
        fputs("},\n  \"new\": {\"path\": ", f);
        report_json_string(f, newpath);
        fputs(", \"round\": ", f);
        report_json_string(f, neu->round.name);
        fputs("},\n  \"commitments\": [", f);
    } else {
        fprintf(f, "round %s -> %s\n\ncommitments\n", old->round.name ? old->round.name : "(none)",
                neu->round.name ? neu->round.name : "(none)");
    }
    bool any = false;
    uint8_t *kept = mem_calloc(old->ncommits + 1u, 1);
    for (uint16_t k = 0; k < neu->ncommits; k++) {
        const BcCommitment *c = &neu->commits[k];
        int32_t m = match(old, c);
        Facts fn, fo;
        facts_of(neu, vn, c, &fn);
        if (m >= 0) kept[m] = 1;
        if (m >= 0) {
            facts_of(old, vo, &old->commits[m], &fo);
            if (!differs(&fo, &fn) && strcmp(old->commits[m].name, c->name) == 0) continue;
        }
        const char *kind = m < 0 ? "added" : strcmp(old->commits[m].name, c->name) ? "restated" : "changed";
        if (o->json) {
            fprintf(f, "%s\n    {\"change\": \"%s\", \"id\": ", any ? "," : "", kind);
            report_json_string(f, c->name);
            fputs(", \"old_id\": ", f);
            report_json_string(f, m >= 0 ? old->commits[m].name : NULL);
            fputs(", \"title\": ", f);
            report_json_string(f, c->title);
            fputs(", \"changes\": [", f);
        } else {
            char extra[256];
            if (m < 0) snprintf(extra, sizeof extra, "%s; target %s", fn.cls, fn.target);
            else if (strcmp(kind, "restated") == 0) snprintf(extra, sizeof extra, "restates %s", old->commits[m].name);
            else extra[0] = '\0';
            item_line(o, m < 0 ? '+' : '~', c->name, c->title, extra);
        }
        o->first = true;
        if (m >= 0) {
            change(o, "class", fo.cls, fn.cls);
            change(o, "measure", fo.measure, fn.measure);
            change(o, "target", fo.target, fn.target);
            change(o, "deadline", fo.deadline, fn.deadline);
            change(o, "milestones", fo.milestones, fn.milestones);
            change(o, "tolerance", fo.tolerance, fn.tolerance);
        }
        if (o->json) fputs("]}", f);
        any = true;
    }
    for (uint16_t k = 0; k < old->ncommits; k++) {
        if (kept[k]) continue;
        if (o->json) {
            fprintf(f, "%s\n    {\"change\": \"dropped\", \"id\": ", any ? "," : "");
            report_json_string(f, old->commits[k].name);
            fputs(", \"old_id\": ", f);
            report_json_string(f, old->commits[k].name);
            fputs(", \"title\": ", f);
            report_json_string(f, old->commits[k].title);
            fputs(", \"changes\": []}", f);
        } else {
            item_line(o, '-', old->commits[k].name, old->commits[k].title, NULL);
        }
        any = true;
    }
    mem_free(kept);
    if (o->json) fputs(any ? "\n  ],\n  \"checks\": [" : "],\n  \"checks\": [", f);
    else fputs(any ? "\nchecks\n" : "  none\n\nchecks\n", f);
    bool anycheck = false;
    for (int side = 0; side < 2; side++) {
        const BcProgram *a = side ? old : neu, *b = side ? neu : old;
        for (uint16_t k = 0; k < a->nchecks; k++) {
            bool found = false;
            for (uint16_t j = 0; j < b->nchecks && !found; j++) found = strcmp(a->checks[k].name, b->checks[j].name) == 0;
            if (found) continue;
            const char *kind = side ? "removed" : "added";
            if (o->json) {
                fprintf(f, "%s\n    {\"change\": \"%s\", \"id\": ", anycheck ? "," : "", kind);
                report_json_string(f, a->checks[k].name);
                fputs(", \"title\": ", f);
                report_json_string(f, a->checks[k].title);
                fprintf(f, ", \"national\": %s}", a->checks[k].national ? "true" : "false");
            } else {
                item_line(o, side ? '-' : '+', a->checks[k].name, a->checks[k].title,
                          a->checks[k].national ? "national" : NULL);
            }
            anycheck = true;
        }
    }
    if (o->json) fputs(anycheck ? "\n  ]" : "]", f);
    else if (!anycheck) fputs("  none\n", f);
    vm_free(vo);
    vm_free(vn);
}

static pledge_status diff(pledge_round *old, pledge_round *neu, const pledge_diff_options *o, FILE *out)
{
    static const pledge_diff_options defaults = { 0 };
    if (!o) o = &defaults;
    pledge_state *S = old->S;
    S->error[0] = '\0';
    if (neu->S != S) return api_fail(S, PLEDGE_ERR_USAGE, "the two rounds belong to different states");
    if (o->format != PLEDGE_FORMAT_TEXT && o->format != PLEDGE_FORMAT_JSON)
        return api_fail(S, PLEDGE_ERR_USAGE, "a diff is text or json");
    if (o->as_of && !o->with_data) return api_fail(S, PLEDGE_ERR_USAGE, "an as-of date needs the feeds bound (with_data)");
    Report ro = { 0 }, rn = { 0 };
    pledge_status st = PLEDGE_OK;
    if (o->with_data) {
        st = assess_round(old, o->as_of, &ro);
        if (st == PLEDGE_OK) st = assess_round(neu, o->as_of, &rn);
    }
    if (st == PLEDGE_OK) {
        Out w = { out, o->format == PLEDGE_FORMAT_JSON, true };
        write_diff(&w, old, neu);
        if (o->with_data) flips(&w, &old->bc, &neu->bc, &ro, &rn);
        if (w.json) fputs("\n}\n", out);
        if (ferror(out)) st = api_fail(S, PLEDGE_ERR_INPUT, "cannot write the diff");
    }
    report_free(&ro);
    report_free(&rn);
    return st;
}

pledge_status pledge_diff(pledge_round *old, pledge_round *new_, const pledge_diff_options *o, FILE *out)
{
    API_ENTER(old->S);
    API_RETURN(old->S, diff(old, new_, o, out));
}
