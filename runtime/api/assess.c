/* assess.c: assessing a round into a report, walking and writing the
 * report, explaining a result, and output files. */
#include "config.h"
#include "api/api.h"
#include "base/outfile.h"
#include "report/manifest.h"
#include <string.h>

pledge_status api_assess_options(pledge_round *R, const pledge_assess_options *o, AssessOptions *ao)
{
    static const pledge_assess_options none = { 0 };
    if (!o) o = &none;
    pledge_state *S = R->S;
    *ao = (AssessOptions){ .systems = o->systems, .nsystems = o->nsystems, .limits = S->limits,
                           .allowed = S->allowed, .nallowed = S->cfg.nallow_native, .threads = S->cfg.threads,
                           .series = o->series, .hashes = o->hashes, .rules = R->path,
                           .engine = "pledge " PACKAGE_VERSION, .variations = R->vary.list.items,
                           .nvariations = R->vary.list.len };
    pledge_status st = api_parse_day(S, o->as_of, &ao->as_of);
    if (st != PLEDGE_OK) {
        snprintf(S->error, sizeof S->error, "the as-of date `%s` is not a date", o->as_of);
        return st;
    }
    Day today = api_today();
    if (ao->as_of > today) {
        char day[16];
        period_format((Period){ GRAIN_DAY, today }, day, sizeof day);
        api_warn(S, "the as-of date %s is after today (%s): nothing published after today is known yet, so "
                 "these results can still change", o->as_of, day);
    }
    return PLEDGE_OK;
}

static void destroy_report(ApiObject *o)
{
    pledge_report *rep = (pledge_report *)o;
    if (rep->manifest) manifest_free(rep->manifest);
    mem_free(rep->manifest);
    report_free(&rep->r);
    mem_free(rep);
}

static pledge_status assess(pledge_round *R, const pledge_assess_options *o, pledge_report **out)
{
    AssessOptions ao;
    pledge_status st = api_assess_options(R, o, &ao);
    /* only the windows' periods, unless a series (from the data's first
     * period) or a variation (a window not in the program) may read others */
    if (st == PLEDGE_OK)
        st = api_load_inputs_for(R, true, R->S->cfg.windows_only && !ao.series && !R->vary.list.len, ao.hashes);
    if (st != PLEDGE_OK) return st;
    /* loaded before (the command loads first, for its progress bar):
     * hashed while the systems are evaluated */
    if (ao.hashes) inputs_hash_start(&R->in, ao.threads);
    Report r = { 0 };
    char why[1024];
    AssessStatus as = assess_run(&R->in, &ao, &r, why, sizeof why);
    if (as != ASSESS_OK) {
        report_free(&r);
        return api_fail(R->S, api_status(as), "%s", why);
    }
    pledge_report *rep = mem_calloc(1, sizeof *rep);
    rep->S = R->S;
    rep->R = R;
    rep->r = r;
    rep->as_of = ao.as_of;
    period_format((Period){ GRAIN_DAY, ao.as_of }, rep->as_of_text, sizeof rep->as_of_text);
    rep->systems = arena_alloc(&rep->r.arena, (ao.nsystems + 1) * sizeof *rep->systems);
    for (size_t i = 0; i < ao.nsystems; i++)
        rep->systems[i] = arena_strndup(&rep->r.arena, ao.systems[i], strlen(ao.systems[i]));
    rep->nsystems = ao.nsystems;
    rep->nrows = results_rows(&rep->r, &rep->r.arena, &rep->rows);
    api_track(R->S, &rep->obj, destroy_report);
    *out = rep;
    return PLEDGE_OK;
}

pledge_status pledge_assess(pledge_round *R, const pledge_assess_options *o, pledge_report **out)
{
    API_ENTER(R->S);
    *out = NULL;
    API_RETURN(R->S, assess(R, o, out));
}

void pledge_report_free(pledge_report *rep)
{
    if (rep) api_free(rep->S, &rep->obj);
}

size_t pledge_report_count(const pledge_report *rep) { return rep->nrows; }

bool pledge_report_result(const pledge_report *rep, size_t i, pledge_result *out)
{
    if (i >= rep->nrows) return false;
    const ResultRow *row = &rep->rows[i];
    *out = (pledge_result){ row->system, row->system_name, row->item, row->kind, row->cls, row->status,
                            row->value, row->threshold, row->shown, row->window, row->coverage, row->members,
                            row->complete, row->cells_expected, row->cells_present };
    return true;
}

const char *pledge_report_as_of(const pledge_report *rep) { return rep->as_of_text; }

static const char *const format_names[] = { [PLEDGE_FORMAT_TEXT] = "text", [PLEDGE_FORMAT_JSON] = "json",
                                            [PLEDGE_FORMAT_CSV] = "csv", [PLEDGE_FORMAT_HTML] = "html" };

bool pledge_format_by_name(const char *name, pledge_format *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, format_names[i]) == 0) { *out = (pledge_format)i; return true; }
    return false;
}

const char *pledge_format_name(pledge_format f)
{
    return (unsigned)f < 4 ? format_names[f] : f == PLEDGE_FORMAT_JUNIT ? "junit" : "?";
}

static pledge_status report_write_to(const pledge_report *rep, pledge_format f, FILE *out, const pledge_style *style)
{
    static const ReportFormat formats[] = { [PLEDGE_FORMAT_TEXT] = FORMAT_TEXT, [PLEDGE_FORMAT_JSON] = FORMAT_JSON,
                                            [PLEDGE_FORMAT_CSV] = FORMAT_CSV, [PLEDGE_FORMAT_HTML] = FORMAT_HTML };
    if ((unsigned)f >= 4) return api_fail(rep->S, PLEDGE_ERR_USAGE, "a report is text, json, csv or html");
    ReportStyle rs = { style && style->color, style && style->width >= 40 ? style->width : 80 };
    if (!report_write(&rep->r, formats[f], out, rs)) return api_fail(rep->S, PLEDGE_ERR_INPUT, "cannot write the report");
    return PLEDGE_OK;
}

pledge_status pledge_report_write(const pledge_report *rep, pledge_format f, FILE *out, const pledge_style *style)
{
    API_ENTER(rep->S);
    API_RETURN(rep->S, report_write_to(rep, f, out, style));
}

static pledge_status explain(pledge_round *R, const pledge_assess_options *o, const char *system, const char *item,
                             FILE *out)
{
    AssessOptions ao;
    pledge_status st = api_assess_options(R, o, &ao);
    if (st == PLEDGE_OK) st = api_load_inputs_for(R, true, false, false);
    if (st != PLEDGE_OK) return st;
    char why[1024];
    AssessStatus as = assess_explain(&R->in, &ao, system, item, out, why, sizeof why);
    return as == ASSESS_OK ? PLEDGE_OK : api_fail(R->S, api_status(as), "%s", why);
}

pledge_status pledge_explain(pledge_round *R, const pledge_assess_options *o, const char *system, const char *item,
                             FILE *out)
{
    API_ENTER(R->S);
    API_RETURN(R->S, explain(R, o, system, item, out));
}

/* ---- output files ------------------------------------------------------------------ */

struct pledge_output {
    ApiObject     obj;
    pledge_state *S;
    OutFile       file;
    bool          standard;         /* "-": standard output */
};

static void destroy_output(ApiObject *o)
{
    pledge_output *out = (pledge_output *)o;
    if (out->file.f) outfile_abort(&out->file);
    mem_free(out);
}

static pledge_status output_open(pledge_state *S, const char *path, pledge_output **o, FILE **f)
{
    pledge_output *out = mem_calloc(1, sizeof *out);
    out->S = S;
    out->standard = strcmp(path, "-") == 0;
    char why[512];
    *f = out->standard ? stdout : outfile_open(&out->file, path, why, sizeof why);
    if (!*f) {
        mem_free(out);
        return api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
    }
    api_track(S, &out->obj, destroy_output);
    *o = out;
    return PLEDGE_OK;
}

pledge_status pledge_output_open(pledge_state *S, const char *path, pledge_output **o, FILE **f)
{
    API_ENTER(S);
    *o = NULL;
    *f = NULL;
    API_RETURN(S, output_open(S, path, o, f));
}

static pledge_status output_commit(pledge_output *o)
{
    pledge_state *S = o->S;
    bool standard = o->standard;
    char why[512] = "";
    bool ok = standard ? fflush(stdout) == 0 && !ferror(stdout) : outfile_commit(&o->file, why, sizeof why);
    o->file.f = NULL;
    api_untrack(&o->obj);
    destroy_output(&o->obj);
    if (ok) return PLEDGE_OK;
    return standard ? api_fail(S, PLEDGE_ERR_INPUT, "cannot write to standard output")
                       : api_fail(S, PLEDGE_ERR_INPUT, "%s", why);
}

pledge_status pledge_output_commit(pledge_output *o)
{
    pledge_state *S = o->S;
    API_ENTER(S);
    API_RETURN(S, output_commit(o));
}

void pledge_output_abort(pledge_output *o)
{
    if (o) api_free(o->S, &o->obj);
}
