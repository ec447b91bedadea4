/* test_hash.c: the one hash of bytes for tables (runtime/base/hash.h). */
#include "unit.h"
#include <stdint.h>
#include <string.h>

#include "base/hash.h"

/* 64-bit FNV-1a's published vectors (those of the FNV reference and of
 * Go's hash/fnv tests): a wrong constant changes every one. */
START_TEST(fnv1a_64_vectors)
{
    static const struct { const char *s; uint64_t h; } v[] = {
        { "", 0xcbf29ce484222325u },
        { "a", 0xaf63dc4c8601ec8cu },
        { "ab", 0x089c4407b545986au },
        { "abc", 0xe71fa2190541574bu },
        { "foobar", 0x85944171f73967e8u },
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        ck_assert_msg(hash_bytes(v[i].s, strlen(v[i].s)) == v[i].h, "FNV-1a(\"%s\") = %016llx, not %016llx",
                      v[i].s, (unsigned long long)hash_bytes(v[i].s, strlen(v[i].s)), (unsigned long long)v[i].h);
}
END_TEST

/* A byte past 0x7f is taken unsigned, and a zero byte counts (feed keys
 * hold lengths). */
START_TEST(bytes_unsigned_and_zero)
{
    ck_assert(hash_bytes("\x80", 1) == ((HASH_FNV_OFFSET ^ 0x80u) * HASH_FNV_PRIME));
    ck_assert(hash_bytes("\x80", 1) == 0xaf643d4c8602915fu);
    ck_assert(hash_bytes("a\0b", 3) != hash_bytes("a", 1));
    ck_assert(hash_bytes("a\0b", 3) != hash_bytes("a\0c", 3));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hash");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, fnv1a_64_vectors);
    tcase_add_test(tc, bytes_unsigned_and_zero);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
