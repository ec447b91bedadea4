/* fuzz_inputs.c: an inputs file's bytes through pledge_inputs_load (what
 * --inputs reads), then every binding and option it gives walked. It reads
 * a path: the input is written to a temporary file of this process first,
 * in a folder of its own that holds m.csv, so a binding may name a file
 * that is there. */
#include "fuzz.h"
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[4096], path[4200], csv[4200];

static void remove_files(void)
{
    unlink(path);
    unlink(csv);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/fuzz-inputs.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) abort();
        snprintf(path, sizeof path, "%s/t.inputs", dir);
        snprintf(csv, sizeof csv, "%s/m.csv", dir);
        FILE *c = fopen(csv, "w");
        if (!c || fputs("org,month,num\nP1,2019-04,1\n", c) < 0 || fclose(c) != 0) abort();
        atexit(remove_files);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) abort();

    pledge_state *S = fuzz_state(false);
    pledge_inputs *in = NULL;
    if (pledge_inputs_load(S, path, &in) == PLEDGE_OK) {
        const char *a, *b;
        size_t n = 0;
        for (size_t i = 0; pledge_inputs_feed(in, i, &a, &b); i++) n += strlen(a) + strlen(b);
        for (size_t i = 0; pledge_inputs_option(in, i, &a, &b); i++) n += strlen(a) + strlen(b);
        if (n == 0 && (pledge_inputs_feed(in, 0, &a, &b) || pledge_inputs_option(in, 0, &a, &b))) abort();
        pledge_inputs_free(in);
    } else if (!pledge_error(S)[0]) {
        abort();            /* a refusal always says why */
    }
    pledge_free(S);
    return 0;
}
