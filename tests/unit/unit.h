/* unit.h: what every Check program of tests/unit shares: running its suite
 * and turning the result into the exit status automake reads. */
#ifndef PLEDGE_TESTS_UNIT_H
#define PLEDGE_TESTS_UNIT_H
#include <check.h>
#include <stdlib.h>

static inline int unit_run(Suite *s)
{
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
