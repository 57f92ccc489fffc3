/*
 * The configuration file parser and the environment-over-file rule
 * (mechs/common/shim_config.h, docs/configuration.md).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim_config.h"

static const char sample[] =
    "# comment\n"
    "; another comment\n"
    "[shim]\n"
    "trace = /var/log/sspi-shim.trace\n"
    "\n"
    "[ Digest ]\r\n"
    "  USERS   =   /etc/sspi-shim/htdigest   \r\n"
    "nonce_key_file=/etc/sspi-shim/nonce.key\n"
    "users = /second/occurrence\n"
    "empty =\n"
    "no equals sign here\n"
    "[credssp\n"
    "min_version = 2\n"
    "[credssp]\n"
    "certificate = /etc/ssl/rdp.pem\n"
    "min_version = 6";   /* no final newline */

static bool find(const char *section, const char *key, char *out, size_t size)
{
    return shim_config_find(sample, strlen(sample), section, key, out, size);
}

START_TEST(sections_keys_blanks_and_case)
{
    char v[128];
    ck_assert(find("shim", "trace", v, sizeof(v)));
    ck_assert_str_eq(v, "/var/log/sspi-shim.trace");
    /* Names compare without case; blanks and CR around names and values go. */
    ck_assert(find("digest", "users", v, sizeof(v)));
    ck_assert_str_eq(v, "/etc/sspi-shim/htdigest");
    ck_assert(find("DIGEST", "Nonce_Key_File", v, sizeof(v)));
    ck_assert_str_eq(v, "/etc/sspi-shim/nonce.key");
    /* A key with an empty value is present and empty. */
    ck_assert(find("digest", "empty", v, sizeof(v)));
    ck_assert_str_eq(v, "");
    /* The last line has no newline. */
    ck_assert(find("credssp", "min_version", v, sizeof(v)));
    ck_assert_str_eq(v, "6");
    ck_assert(find("credssp", "certificate", v, sizeof(v)));
    ck_assert_str_eq(v, "/etc/ssl/rdp.pem");
}
END_TEST

START_TEST(what_is_not_found)
{
    char v[128] = "untouched";
    /* A key of another section. */
    ck_assert(!find("shim", "users", v, sizeof(v)));
    /* A key before any section header. */
    ck_assert(!shim_config_find("users = x\n[digest]\n", 19, "digest", "users", v, sizeof(v)));
    /* Comments and lines without '=' are no keys. */
    ck_assert(!find("digest", "no equals sign here", v, sizeof(v)));
    ck_assert(!find("shim", "# comment", v, sizeof(v)));
    ck_assert(!find("digest", "nonexistent", v, sizeof(v)));
    ck_assert(!find("nosuchsection", "users", v, sizeof(v)));
    ck_assert_str_eq(v, "untouched");
    /* NULL arguments and an empty text. */
    ck_assert(!shim_config_find(NULL, 4, "a", "b", v, sizeof(v)));
    ck_assert(!shim_config_find("", 0, "a", "b", v, sizeof(v)));
    ck_assert(!shim_config_find(sample, strlen(sample), "digest", "users", v, 0));
}
END_TEST

/* "[credssp" without "]" is malformed: its min_version = 2 belongs to no
 * section, neither credssp nor the digest section before it. */
START_TEST(malformed_header_ends_the_section)
{
    char v[128];
    ck_assert(!find("digest", "min_version", v, sizeof(v)));
    ck_assert(find("credssp", "min_version", v, sizeof(v)));
    ck_assert_str_eq(v, "6");
}
END_TEST

START_TEST(first_occurrence_wins)
{
    char v[128];
    ck_assert(find("digest", "users", v, sizeof(v)));
    ck_assert_str_eq(v, "/etc/sspi-shim/htdigest");
}
END_TEST

START_TEST(long_values_are_cut_and_nul_refused)
{
    char v[8];
    ck_assert(find("shim", "trace", v, sizeof(v)));
    ck_assert_str_eq(v, "/var/lo");
    static const char with_nul[] = "[a]\nk = x\0y\nk = good\n";
    ck_assert(shim_config_find(with_nul, sizeof(with_nul) - 1, "a", "k", v, sizeof(v)));
    ck_assert_str_eq(v, "good");
    /* The text is not NUL-terminated where len says it ends. */
    ck_assert(shim_config_find("[a]\nk = abcdef", 11, "a", "k", v, sizeof(v)));
    ck_assert_str_eq(v, "abc");
}
END_TEST

static char dir[] = "/tmp/check_config.XXXXXX";
static char path[300];

static void write_config(const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* The environment variable first (even set to ""), then the file named by
 * SSPI_SHIM_CONFIG, re-read when it changes; nothing when neither. */
START_TEST(environment_over_file_and_reload)
{
    char v[SHIM_SETTING_MAX];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/sspi-shim.conf", dir);
    setenv("SSPI_SHIM_CONFIG", path, 1);
    unsetenv("CHECK_CONFIG_MIN_VERSION");

    /* No file: nothing. */
    ck_assert_ptr_null(shim_setting("CHECK_CONFIG_MIN_VERSION", "credssp", "min_version", v));
    write_config("[credssp]\nmin_version = 4\n");
    ck_assert_ptr_eq(shim_setting("CHECK_CONFIG_MIN_VERSION", "credssp", "min_version", v), v);
    ck_assert_str_eq(v, "4");
    /* Rewritten with another size: seen at the next lookup. */
    write_config("[credssp]\nmin_version = 5\n# longer now\n");
    ck_assert_ptr_nonnull(shim_setting("CHECK_CONFIG_MIN_VERSION", "credssp", "min_version", v));
    ck_assert_str_eq(v, "5");
    /* The environment wins, and "" is a value. */
    setenv("CHECK_CONFIG_MIN_VERSION", "6", 1);
    ck_assert_ptr_nonnull(shim_setting("CHECK_CONFIG_MIN_VERSION", "credssp", "min_version", v));
    ck_assert_str_eq(v, "6");
    setenv("CHECK_CONFIG_MIN_VERSION", "", 1);
    ck_assert_ptr_nonnull(shim_setting("CHECK_CONFIG_MIN_VERSION", "credssp", "min_version", v));
    ck_assert_str_eq(v, "");
    unsetenv("CHECK_CONFIG_MIN_VERSION");
    /* No environment variable for this setting: the file only. */
    ck_assert_ptr_nonnull(shim_setting(NULL, "credssp", "min_version", v));
    ck_assert_str_eq(v, "5");
    /* The file removed: nothing again. */
    unlink(path);
    ck_assert_ptr_null(shim_setting(NULL, "credssp", "min_version", v));
    /* A directory where the file should be is no configuration. */
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_ptr_null(shim_setting(NULL, "credssp", "min_version", v));
    rmdir(path);
    rmdir(dir);
    unsetenv("SSPI_SHIM_CONFIG");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("parser");
    tcase_add_test(tc, sections_keys_blanks_and_case);
    tcase_add_test(tc, what_is_not_found);
    tcase_add_test(tc, malformed_header_ends_the_section);
    tcase_add_test(tc, first_occurrence_wins);
    tcase_add_test(tc, long_values_are_cut_and_nul_refused);
    suite_add_tcase(s, tc);
    TCase *file = tcase_create("file");
    tcase_add_test(file, environment_over_file_and_reload);
    suite_add_tcase(s, file);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
