/* diff.h: `pledge diff` (cli/diff.c). */
#ifndef PLEDGE_CLI_DIFF_H
#define PLEDGE_CLI_DIFF_H

int cmd_diff(int argc, char **argv);

#endif
