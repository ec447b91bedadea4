/* fuzz_manifest.c: a manifest's bytes through the manifest reader
 * (manifest_read, which pledge_replay uses before it runs anything); what
 * it accepts is written back as JSON. pledge.h reads a manifest only to
 * replay it, which would run the rule file it names, so this harness
 * calls the reader itself. It reads a path: the input is written to a
 * temporary file of this process first. */
#include "fuzz.h"
#include "report/manifest.h"
#include "base/mem.h"
#include <string.h>
#include <unistd.h>

static char path[4096];

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof path, "%s/fuzz-manifest.XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(path);
        if (fd < 0) abort();
        close(fd);
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) abort();

    Manifest m;
    char why[512];
    if (manifest_read(&m, path, why, sizeof why)) {
        char *json = manifest_json(&m);
        mem_free(json);
        manifest_free(&m);
    }
    return 0;
}
