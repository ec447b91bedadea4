/* provenance.h: the provenance commands (cli/cmd_provenance.c): what
 * `pledge assess --manifest/--archive` records after a successful
 * assessment, `pledge replay` and `pledge history`. docs/provenance.md
 * describes them for auditors. */
#ifndef PLEDGE_PROVENANCE_H
#define PLEDGE_PROVENANCE_H
#include "report/manifest.h"

/* After an assessment that ran (whatever its statuses): writes the
 * manifest to manifest_path and appends the run to the archive at
 * archive_path (either may be NULL). Prints why not; returns 0, or the
 * exit status (3: a file that cannot be read or written). */
int provenance_record(const ManifestRun *run, const char *manifest_path, const char *archive_path);

/* pledge replay M.json, pledge history --archive DB: argv after the command. */
int cmd_replay(int argc, char **argv);
int cmd_history(int argc, char **argv);

#endif
