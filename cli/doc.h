/* doc.h: `pledge doc` (cli/doc.c). */
#ifndef PLEDGE_CLI_DOC_H
#define PLEDGE_CLI_DOC_H

int cmd_doc(int argc, char **argv);

#endif
