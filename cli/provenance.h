/* provenance.h: the provenance commands (cli/cmd_provenance.c),
 * `pledge replay` and `pledge history`; `pledge assess --manifest/--archive`
 * records with pledge_report_record. docs/provenance.md describes them for
 * auditors. */
#ifndef PLEDGE_PROVENANCE_H
#define PLEDGE_PROVENANCE_H

/* pledge replay M.json, pledge history --archive DB: argv after the command. */
int cmd_replay(int argc, char **argv);
int cmd_history(int argc, char **argv);

#endif
