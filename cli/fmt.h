/* fmt.h: `pledge fmt` (cli/fmt.c). */
#ifndef PLEDGE_CLI_FMT_H
#define PLEDGE_CLI_FMT_H

int cmd_fmt(int argc, char **argv);

#endif
