/* test.h: `pledge test` (cli/test.c). */
#ifndef PLEDGE_CLI_TEST_H
#define PLEDGE_CLI_TEST_H

int cmd_test(int argc, char **argv);

#endif
