/* report_data.c: the JSON and CSV reports, for programs and spreadsheets.
 *
 * Both carry values in base units, exactly as val_format(v, true) writes
 * them (a percent as a fraction, money in pounds), never the rounded text
 * people read. Keys, rows and their order come from the Report alone, so
 * the same Report gives the same bytes. docs/reports.md describes both
 * formats; docs/report.schema.json is the JSON's schema. */
#include "report/report.h"
#include "report/escape.h"
#include <inttypes.h>
#include <math.h>
#include <string.h>

static const char *const judged_name[] = { "none", "target", "milestone", "check" };

/* An item's kind as report_item_kind spells it; an item out of range (never
 * made by assess.c) reads as a check, which carries the fewest keys. */
static const char *kind_name(const ReportItem *it)
{
    return report_item_kind(it);
}

static const char *class_of(const ReportItem *it)
{
    return it->kind == ITEM_COMMITMENT ? class_name(it->cls) : NULL;
}

static const ReportSystem *system_of(const Report *r, uint32_t system)
{
    return system < r->nsystems ? &r->systems[system] : NULL;
}

static void format_day(Day d, char buf[16])
{
    period_format((Period){ GRAIN_DAY, d }, buf, 16);
}

/* ---- JSON ----------------------------------------------------------------------- */

enum { JSON_MAX_DEPTH = 8 };

/* Pretty-printing state: two spaces per level, one member or element per
 * line, "[]" and "{}" when empty (as Python's json.dumps(indent=2)). */
typedef struct Json {
    FILE *out;
    int   depth;
    bool  empty[JSON_MAX_DEPTH];   /* nothing written yet at this level */
} Json;

static void json_indent(Json *j)
{
    static const char line[] = "\n                ";      /* a newline and JSON_MAX_DEPTH levels */
    _Static_assert(sizeof line == 2 + 2 * JSON_MAX_DEPTH, "an indent for every level");
    fwrite(line, 1, 1 + 2 * (size_t)j->depth, j->out);
}

/* Before a member or an element: the comma after the previous one. */
static void json_next(Json *j)
{
    if (!j->empty[j->depth]) fputc(',', j->out);
    j->empty[j->depth] = false;
    json_indent(j);
}

static void json_open(Json *j, char bracket)
{
    fputc(bracket, j->out);
    j->depth++;
    j->empty[j->depth] = true;
}

static void json_close(Json *j, char bracket)
{
    bool was_empty = j->empty[j->depth];
    j->depth--;
    if (!was_empty) json_indent(j);
    fputc(bracket, j->out);
}

static void json_string(FILE *out, const char *s)
{
    if (s) esc_json(out, s, strlen(s));
    else fputs("null", out);
}

void report_json_string(FILE *out, const char *s) { json_string(out, s); }

static void json_key(Json *j, const char *key)
{
    json_next(j);
    json_string(j->out, key);
    fputs(": ", j->out);
}

static void json_key_string(Json *j, const char *key, const char *s)
{
    json_key(j, key);
    json_string(j->out, s);
}

static void json_key_uint(Json *j, const char *key, uint64_t n)
{
    json_key(j, key);
    fprintf(j->out, "%" PRIu64, n);
}

static void json_key_bool(Json *j, const char *key, bool b)
{
    json_key(j, key);
    fputs(b ? "true" : "false", j->out);
}

static void json_key_day(Json *j, const char *key, Day d)
{
    char buf[16];
    format_day(d, buf);
    json_key_string(j, key, buf);
}

/* Numbers as JSON numbers in base units, booleans as booleans, missing as
 * null, anything else (a period, a text) as its canonical text. */
static void json_value(FILE *out, Value v)
{
    char buf[256];
    size_t n;
    if (v.kind == V_REAL && !isfinite(v.as.real)) v = val_missing();     /* no JSON number for it */
    switch (v.kind) {
    case V_MISSING: fputs("null", out); return;
    case V_BOOL:    fputs(v.as.boolean ? "true" : "false", out); return;
    case V_NUM: case V_REAL:
        val_format(v, true, buf, sizeof buf);
        fputs(buf, out);
        return;
    case V_TEXT:    esc_json(out, v.as.text.bytes, v.as.text.len); return;
    default:
        n = val_format(v, true, buf, sizeof buf);
        esc_json(out, buf, n < sizeof buf ? n : strlen(buf));
        return;
    }
}

static void json_key_value(Json *j, const char *key, Value v)
{
    json_key(j, key);
    json_value(j->out, v);
}

static void json_key_window(Json *j, const char *key, Value w)
{
    char buf[64];
    json_key(j, key);
    if (val_is_missing(w)) {
        fputs("null", j->out);
        return;
    }
    report_window(w, buf, sizeof buf);
    json_string(j->out, buf);
}

static void json_mark(Json *j, const ReportMark *m)
{
    json_open(j, '{');
    json_key_string(j, "cmp", report_cmp_name(m->cmp));
    json_key_value(j, "threshold", m->threshold);
    json_key_window(j, "window", m->window);
    if (val_is_missing(m->window)) {        /* each system's own, from its plan */
        json_key_string(j, "from", NULL);
        json_key_string(j, "to", NULL);
    } else {
        json_key_day(j, "from", m->from);
        json_key_day(j, "to", m->to);
    }
    json_key_string(j, "plan", m->plan);
    json_close(j, '}');
}

static void json_marks(Json *j, const char *key, const ReportMark *marks, size_t n)
{
    json_key(j, key);
    json_open(j, '[');
    for (size_t i = 0; i < n; i++) {
        json_next(j);
        json_mark(j, &marks[i]);
    }
    json_close(j, ']');
}

static void json_inputs(Json *j, const Report *r)
{
    json_key(j, "inputs");
    json_open(j, '[');
    for (size_t i = 0; i < r->ninputs; i++) {
        const ReportInput *in = &r->inputs[i];
        json_next(j);
        json_open(j, '{');
        json_key_string(j, "name", in->name);
        json_key_string(j, "kind", in->kind);
        json_key_string(j, "path", in->path);
        json_key_string(j, "sha256", in->sha256[0] ? in->sha256 : NULL);
        json_key_uint(j, "rows", in->rows);
        json_key_uint(j, "skipped_rows", in->skipped_rows);
        json_key_uint(j, "unmapped_rows", in->unmapped_rows);
        json_key_uint(j, "unmapped_orgs", in->unmapped_orgs);
        json_close(j, '}');
    }
    json_close(j, ']');
}

/* A commitment's shape for `needed` (results.h), or null for a check. */
static void json_item_needed(Json *j, const ReportItem *it)
{
    json_key(j, "needed");
    if (it->kind != ITEM_COMMITMENT) {
        fputs("null", j->out);
        return;
    }
    json_open(j, '{');
    json_key_string(j, "shape", it->needed_shape);
    json_key_string(j, "of", it->needed_of);
    json_key_string(j, "held", it->needed_held);
    json_key_string(j, "reason", it->needed_reason);
    json_close(j, '}');
}

/* What it would take a result short of its line (ReportNeeded), or null. */
static void json_needed(Json *j, const ReportItem *it, const ReportNeeded *n)
{
    json_key(j, "needed");
    if (val_is_missing(n->change)) {
        fputs("null", j->out);
        return;
    }
    json_open(j, '{');
    json_key_value(j, "change", n->change);
    json_key_string(j, "of", it->needed_of);
    json_key_value(j, "now", n->lever);
    json_key_string(j, "held", it->needed_held);
    json_key_value(j, "held_at", n->held);
    json_key_value(j, "per_period", n->per_period);
    json_key_string(j, "period", grain_name((Grain)n->grain));
    json_key_uint(j, "periods", n->periods);
    json_close(j, '}');
}

/* The round's items once, so a program needs no rule file to show titles,
 * targets and messages. */
static void json_items(Json *j, const Report *r)
{
    json_key(j, "items");
    json_open(j, '[');
    for (size_t i = 0; i < r->nitems; i++) {
        const ReportItem *it = &r->items[i];
        bool commitment = it->kind == ITEM_COMMITMENT;
        json_next(j);
        json_open(j, '{');
        json_key_string(j, "id", it->id);
        json_key_string(j, "title", it->title);
        json_key_string(j, "kind", kind_name(it));
        json_key_string(j, "class", class_of(it));
        json_key_string(j, "measure", commitment ? it->measure : NULL);
        json_key(j, "target");
        if (commitment) json_mark(j, &it->target);
        else fputs("null", j->out);
        json_key_value(j, "tolerance", commitment ? it->tolerance : val_missing());
        json_marks(j, "milestones", it->milestones, it->nmilestones);
        json_key_bool(j, "plan_milestones", it->plan_milestones);
        json_key_string(j, "source", it->source);
        json_key_string(j, "message", it->message);
        json_key_string(j, "doc", it->doc);
        json_item_needed(j, it);
        if (it->by) {                       /* only then: older reports keep their bytes */
            json_key_string(j, "by", it->by);
            json_key(j, "groups");
            json_open(j, '[');
            for (uint32_t g = 0; g < it->ngroups; g++) {
                json_next(j);
                json_string(j->out, it->groups[g]);
            }
            json_close(j, ']');
        }
        json_close(j, '}');
    }
    json_close(j, ']');
}

static void json_series(Json *j, const ReportResult *res)
{
    json_key(j, "series");
    json_open(j, '[');
    for (size_t i = 0; i < res->nseries; i++) {
        const ReportPoint *p = &res->series[i];
        json_next(j);
        json_open(j, '{');
        json_key_window(j, "window", p->window);
        json_key_day(j, "from", p->from);
        json_key_day(j, "to", p->to);
        json_key_value(j, "value", p->value);
        json_close(j, '}');
    }
    json_close(j, ']');
}

/* A check's comparisons, as its condition reads them: {left, op, right}. */
static void json_operands(Json *j, const ReportResult *res)
{
    json_key(j, "operands");
    json_open(j, '[');
    for (size_t i = 0; i < res->noperands; i++) {
        json_next(j);
        json_open(j, '{');
        json_key_value(j, "left", res->operands[i].left);
        json_key_string(j, "op", report_cmp_name(res->operands[i].cmp));
        json_key_value(j, "right", res->operands[i].right);
        json_close(j, '}');
    }
    json_close(j, ']');
}

/* The series' XmR chart (engine/spc.c), or null under SPC_MIN_POINTS values. */
static void json_spc(Json *j, const ReportSpc *spc)
{
    json_key(j, "spc");
    if (val_is_missing(spc->centre)) {
        fputs("null", j->out);
        return;
    }
    json_open(j, '{');
    json_key_uint(j, "points", spc->points);
    json_key_value(j, "centre", spc->centre);
    json_key_value(j, "lower", spc->lower);
    json_key_value(j, "upper", spc->upper);
    json_key_bool(j, "lower_better", spc->lower_better);
    json_key_string(j, "variation", spc->variation);
    json_key_string(j, "assurance", spc->assurance);
    json_close(j, '}');
}

/* A commitment or check judged by group: the system's result in each
 * group, judged as the system's own (results.h), in the order of the item's
 * groups; a check's with the comparisons of its condition. */
static void json_groups(Json *j, const ReportItem *it, const ReportResult *res)
{
    json_key(j, "groups");
    json_open(j, '[');
    for (uint32_t g = 0; g < res->ngroups && g < it->ngroups; g++) {
        const ReportResult *gr = &res->groups[g];
        json_next(j);
        json_open(j, '{');
        json_key_string(j, "group", it->groups[g]);
        json_key_string(j, "status", report_status(gr->status));
        json_key_value(j, "value", gr->value);
        json_key_value(j, "threshold", gr->threshold);
        json_key_value(j, "gap", gr->gap);
        json_key_window(j, "window", gr->window);
        json_key_string(j, "judged", gr->judged < 4 ? judged_name[gr->judged] : "none");
        json_key(j, "milestone");
        if (gr->judged == JUDGED_MILESTONE && gr->milestone >= 0) fprintf(j->out, "%" PRId32, gr->milestone);
        else fputs("null", j->out);
        json_key_bool(j, "complete", result_complete(gr));
        json_needed(j, it, &gr->needed);
        if (it->kind != ITEM_COMMITMENT) json_operands(j, gr);
        json_close(j, '}');
    }
    json_close(j, ']');
}

static void json_result(Json *j, const Report *r, const ReportResult *res)
{
    const ReportSystem *sys = system_of(r, res->system);
    const ReportItem *it = res->item < r->nitems ? &r->items[res->item] : NULL;
    bool commitment = it && it->kind == ITEM_COMMITMENT;
    json_open(j, '{');
    json_key_string(j, "system", sys ? sys->code : NULL);
    json_key_string(j, "system_name", sys ? sys->name : NULL);
    json_key_string(j, "item", it ? it->id : NULL);
    json_key_string(j, "kind", kind_name(it));
    json_key_string(j, "class", it ? class_of(it) : NULL);
    json_key_string(j, "status", report_status(res->status));
    json_key_value(j, "value", res->value);
    json_key_value(j, "threshold", res->threshold);
    json_key_value(j, "gap", res->gap);
    json_key_window(j, "window", res->window);
    json_key_uint(j, "coverage", res->coverage);
    json_key_uint(j, "members", res->members);
    json_key_bool(j, "complete", result_complete(res));
    json_key_uint(j, "cells_expected", res->cells_expected);
    json_key_uint(j, "cells_present", res->cells_present);
    json_key_uint(j, "across_missing", res->across_missing);
    json_key_string(j, "judged", res->judged < 4 ? judged_name[res->judged] : "none");
    if (!commitment) {
        json_operands(j, res);
        if (it && it->by) json_groups(j, it, res);
    } else {
        json_key_bool(j, "no_plan_date", res->no_plan_date);
        json_key(j, "milestone");
        if (res->judged == JUDGED_MILESTONE && res->milestone >= 0) fprintf(j->out, "%" PRId32, res->milestone);
        else fputs("null", j->out);
        json_marks(j, "marks", res->marks, res->nmarks);
        json_series(j, res);
        json_spc(j, &res->spc);
        json_needed(j, it, &res->needed);
        if (it->by) json_groups(j, it, res);
    }
    if (r->nvariations) {                   /* only in a run with variations: older reports keep their keys */
        const ReportVariation *v = report_variation(r, res);
        json_key_string(j, "variation", v ? v->name : NULL);
        json_key_string(j, "unvaried_status", v ? report_status(res->unvaried) : NULL);
    }
    json_close(j, '}');
}

static void json_results(Json *j, const Report *r)
{
    json_key(j, "results");
    json_open(j, '[');
    for (size_t i = 0; i < r->nresults; i++) {
        json_next(j);
        json_result(j, r, &r->results[i]);
    }
    json_close(j, ']');
}

static void json_ratings(Json *j, const Report *r)
{
    json_key(j, "ratings");
    json_open(j, '[');
    for (size_t i = 0; i < r->nratings; i++) {
        const ReportRating *ra = &r->ratings[i];
        const ReportSystem *sys = system_of(r, ra->system);
        json_next(j);
        json_open(j, '{');
        json_key_string(j, "system", sys ? sys->code : NULL);
        json_key_string(j, "rating", ra->rating < r->nrating_decls ? r->rating_decls[ra->rating].id : NULL);
        json_key_string(j, "label", ra->label);
        json_key_string(j, "condition", report_arm_condition(r, ra));
        json_close(j, '}');
    }
    json_close(j, ']');
}

static void json_variations(Json *j, const Report *r)
{
    json_key(j, "variations");
    json_open(j, '[');
    for (size_t i = 0; i < r->nvariations; i++) {
        const ReportVariation *v = &r->variations[i];
        json_next(j);
        json_open(j, '{');
        json_key_string(j, "name", v->name);
        json_key_string(j, "title", v->title);
        json_key(j, "systems");
        json_open(j, '[');
        for (size_t k = 0; k < v->nsystems; k++) {
            json_next(j);
            json_string(j->out, v->systems[k]);
        }
        json_close(j, ']');
        json_key_string(j, "rule", v->rule_name);
        if (v->exempt) {
            json_key(j, "target");
            fputs("null", j->out);
        } else {
            json_key(j, "target");
            json_mark(j, &v->target);
        }
        json_key_string(j, "exempt", v->exempt);
        json_key_string(j, "reason", v->reason);
        json_key_string(j, "agreed_by", v->agreed_by);
        json_key_day(j, "agreed_on", v->agreed_on);
        json_key_day(j, "until", v->until);
        json_key_bool(j, "in_force", v->in_force);
        json_key_string(j, "file", v->file);
        json_key_string(j, "sha256", v->sha256);
        json_close(j, '}');
    }
    json_close(j, ']');
}

bool report_json(const Report *r, FILE *out)
{
    Json j = { .out = out };
    json_open(&j, '{');
    json_key_string(&j, "round", r->round);
    json_key_string(&j, "round_title", r->round_title);
    json_key_day(&j, "as_of", r->as_of);
    json_key_string(&j, "engine", r->engine);
    json_key_string(&j, "rules", r->rules);
    json_inputs(&j, r);
    json_items(&j, r);
    json_results(&j, r);
    json_ratings(&j, r);
    if (r->nvariations) json_variations(&j, r);
    json_close(&j, '}');
    fputc('\n', out);
    return !ferror(out);
}

/* ---- CSV ------------------------------------------------------------------------ */

static void csv_field(FILE *out, const char *s, bool last)
{
    if (s) esc_csv(out, s, strlen(s));
    fputc(last ? '\n' : ',', out);
}

/* A value in base units; missing is an empty cell. */
static void csv_value(FILE *out, Value v, bool last)
{
    char buf[256];
    if (val_is_missing(v) || (v.kind == V_REAL && !isfinite(v.as.real))) {
        fputc(last ? '\n' : ',', out);
        return;
    }
    if (v.kind == V_TEXT) {
        esc_csv(out, v.as.text.bytes, v.as.text.len);
    } else {
        size_t n = val_format(v, true, buf, sizeof buf);
        esc_csv_number(out, buf, n < sizeof buf ? n : strlen(buf));
    }
    fputc(last ? '\n' : ',', out);
}

static void csv_uint(FILE *out, uint64_t n, bool last)
{
    fprintf(out, "%" PRIu64 "%c", n, last ? '\n' : ',');
}

/* A check's comparisons in one cell, for a spreadsheet: "LEFT OP RIGHT"
 * each, in base units exactly as the JSON's operands, "; " between them,
 * "missing" for a side without a value: "-18000000 >= 0; 0.905 <= 0.92".
 * Empty for commitments and ratings. Like any text cell it goes through
 * esc_csv, so one that starts with a minus gets its leading quote (a
 * spreadsheet would run "-18000000 >= 0" as a formula). */
static void csv_operands(FILE *out, const ReportResult *res)
{
    char cell[1024];
    size_t len = 0;
    for (size_t i = 0; i < res->noperands && len < sizeof cell; i++) {
        const ReportOperands *o = &res->operands[i];
        char left[256], right[256];
        if (val_is_missing(o->left)) strcpy(left, "missing");
        else val_format(o->left, true, left, sizeof left);
        if (val_is_missing(o->right)) strcpy(right, "missing");
        else val_format(o->right, true, right, sizeof right);
        int n = snprintf(cell + len, sizeof cell - len, "%s%s %s %s", i ? "; " : "", left,
                         report_cmp_name(o->cmp), right);
        if (n < 0) break;
        len += (size_t)n;
    }
    if (len >= sizeof cell) {                           /* cut at a character: the JSON has them all */
        len = sizeof cell - 1;
        while (len > 0 && ((unsigned char)cell[len] & 0xC0) == 0x80) len--;
    }
    esc_csv(out, cell, len);
}

/* group: NULL for a system's own row; with_group: the round has items by
 * group, so every row ends with a `group` cell (empty for the system's). */
static void csv_result(FILE *out, const Report *r, const ReportResult *res, const char *group, bool with_group)
{
    const ReportSystem *sys = system_of(r, res->system);
    const ReportItem *it = res->item < r->nitems ? &r->items[res->item] : NULL;
    char window[64] = "";
    if (!val_is_missing(res->window)) report_window(res->window, window, sizeof window);
    csv_field(out, sys ? sys->code : NULL, false);
    csv_field(out, sys ? sys->name : NULL, false);
    csv_field(out, it ? it->id : NULL, false);
    csv_field(out, kind_name(it), false);
    csv_field(out, it ? class_of(it) : NULL, false);
    csv_field(out, report_status(res->status), false);
    csv_value(out, res->value, false);
    csv_value(out, res->threshold, false);
    csv_field(out, window, false);
    csv_uint(out, res->coverage, false);
    csv_uint(out, res->members, false);
    csv_field(out, result_complete(res) ? "true" : "false", false);
    csv_uint(out, res->cells_expected, false);
    csv_uint(out, res->cells_present, false);
    csv_value(out, res->gap, false);
    csv_value(out, res->needed.change, false);
    csv_operands(out, res);
    if (with_group) {
        fputc(',', out);
        if (group) esc_csv(out, group, strlen(group));
    }
    if (r->nvariations) {                   /* only in a run with variations: older reports keep their columns */
        const ReportVariation *v = report_variation(r, res);
        fputc(',', out);
        csv_field(out, v ? v->name : NULL, false);
        csv_field(out, v ? report_status(res->unvaried) : NULL, false);
        csv_field(out, v ? v->reason : NULL, false);
        csv_field(out, v ? v->agreed_by : NULL, false);
        char until[16] = "";
        if (v) format_day(v->until, until);
        esc_csv(out, until, strlen(until));
    }
    fputc('\n', out);
    for (uint32_t g = 0; !group && it && g < res->ngroups && g < it->ngroups; g++)
        csv_result(out, r, &res->groups[g], it->groups[g], with_group);
}

/* A rating is a row of its own: its label in the status column, so a pivot
 * of status by system and item shows it beside the statuses it sums up,
 * and the value column stays numeric. */
static void csv_rating(FILE *out, const Report *r, const ReportRating *ra, bool with_group)
{
    const ReportSystem *sys = system_of(r, ra->system);
    csv_field(out, sys ? sys->code : NULL, false);
    csv_field(out, sys ? sys->name : NULL, false);
    csv_field(out, ra->rating < r->nrating_decls ? r->rating_decls[ra->rating].id : NULL, false);
    csv_field(out, "rating", false);
    csv_field(out, NULL, false);
    csv_field(out, ra->label, false);
    fputs(",,,,,,,,,,", out);   /* value, threshold, window, coverage, members, complete, cells_expected, cells_present,
                                 * gap, needed, operands */
    if (with_group) fputc(',', out);                     /* group */
    fputs(r->nvariations ? ",,,,,\n" : "\n", out);   /* variation, unvaried_status, reason, agreed_by, until */
}

bool report_csv(const Report *r, FILE *out)
{
    /* a `group` column at the end, only for a round with items by group:
     * other rounds' CSV keeps its columns */
    bool with_group = false;
    for (size_t i = 0; i < r->nitems; i++) with_group |= r->items[i].by != NULL;
    fputs("system,system_name,item,kind,class,status,value,threshold,window,coverage,members,complete,cells_expected,"
          "cells_present,gap,needed,operands", out);
    if (with_group) fputs(",group", out);
    fputs(r->nvariations ? ",variation,unvaried_status,variation_reason,variation_agreed_by,variation_until\n" : "\n", out);
    /* Results and ratings are both system-major: merge them so each system's
     * ratings follow its results, and national checks (system UINT32_MAX)
     * come last. */
    size_t i = 0, k = 0;
    while (i < r->nresults || k < r->nratings) {
        if (k == r->nratings || (i < r->nresults && r->results[i].system <= r->ratings[k].system))
            csv_result(out, r, &r->results[i++], NULL, with_group);
        else
            csv_rating(out, r, &r->ratings[k++], with_group);
    }
    return !ferror(out);
}
