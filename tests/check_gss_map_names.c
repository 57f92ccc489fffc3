/*
 * gss_map names: every documented form (the examples in the tables),
 * then the edges of the grammar and malformed input.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gss_map.h"

/* A name of exactly len bytes: "HTTP/" + host labels of 'a' (target), or
 * 'u' repeated (user). */
static char *long_target(size_t len)
{
    char *s = malloc(len + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, "HTTP/", 5);
    for (size_t i = 5; i < len; i++)
        s[i] = (i - 5) % 60 == 59 ? '.' : 'a';
    if (s[len - 1] == '.')
        s[len - 1] = 'a';
    s[len] = '\0';
    return s;
}

static char *repeat(char c, size_t len)
{
    char *s = malloc(len + 1);
    ck_assert_ptr_nonnull(s);
    memset(s, c, len);
    s[len] = '\0';
    return s;
}

static int target(const char *in, enum gssmap_name_kind *kind, char **out)
{
    *out = NULL;
    *kind = 0;
    return gssmap_target_name(in, kind, out);
}

static void expect_target(const char *in, enum gssmap_name_kind kind, const char *want)
{
    enum gssmap_name_kind k;
    char *out;
    int err = target(in, &k, &out);
    ck_assert_msg(err == 0, "'%s' rejected (%d)", in, err);
    ck_assert_msg(k == kind, "'%s' kind %d", in, (int)k);
    ck_assert_str_eq(out, want);
    free(out);
}

static void expect_target_rejected(const char *in)
{
    enum gssmap_name_kind k;
    char *out;
    int err = target(in, &k, &out);
    ck_assert_msg(err == EINVAL, "'%s' gave %d, not EINVAL", in, err);
    ck_assert_ptr_null(out);
}

static void expect_user(const char *user, const char *domain, const char *realm, const char *want)
{
    char *out = NULL;
    int err = gssmap_user_principal(user, domain, realm, &out);
    ck_assert_msg(err == 0, "'%s' / '%s' rejected (%d)", user, domain ? domain : "(null)", err);
    ck_assert_str_eq(out, want);
    free(out);
}

static void expect_user_rejected(const char *user, const char *domain)
{
    char *out = NULL;
    int err = gssmap_user_principal(user, domain, "EXAMPLE.COM", &out);
    ck_assert_msg(err == EINVAL, "'%s' / '%s' gave %d", user ? user : "(null)",
                  domain ? domain : "(null)", err);
    ck_assert_ptr_null(out);
}

/* ------------------------------------------------------ form tables */

START_TEST(test_every_target_form_example_behaves_as_documented)
{
    for (size_t i = 0; i < gssmap_target_name_form_count; i++) {
        const struct gssmap_name_form *f = &gssmap_target_name_forms[i];
        char *in = f->in == NULL ? long_target(GSSMAP_NAME_MAX + 1) : strdup(f->in);
        enum gssmap_name_kind kind;
        char *out;
        int err = target(in, &kind, &out);
        ck_assert_msg(err == f->error, "form '%s' (%s): %d", f->form, f->in, err);
        if (f->error == 0) {
            ck_assert_msg(kind == f->kind, "form '%s': kind %d", f->form, (int)kind);
            ck_assert_str_eq(out, f->out);
        } else {
            ck_assert_ptr_null(out);
            ck_assert_ptr_null(f->out);
        }
        ck_assert_msg(f->note != NULL && f->note[0] != '\0', "form '%s' has no note", f->form);
        free(out);
        free(in);
    }
}
END_TEST

START_TEST(test_every_user_form_example_behaves_as_documented)
{
    for (size_t i = 0; i < gssmap_user_name_form_count; i++) {
        const struct gssmap_name_form *f = &gssmap_user_name_forms[i];
        char *in = f->in == NULL ? repeat('u', GSSMAP_NAME_MAX + 1) : strdup(f->in);
        char *out = NULL;
        int err = gssmap_user_principal(in, f->domain, f->default_realm, &out);
        ck_assert_msg(err == f->error, "form '%s' (%s): %d", f->form, f->in, err);
        if (f->error == 0)
            ck_assert_str_eq(out, f->out);
        else
            ck_assert_ptr_null(out);
        free(out);
        free(in);
    }
}
END_TEST

START_TEST(test_forms_tables_cover_accepted_and_rejected)
{
    size_t ok = 0, bad = 0;
    for (size_t i = 0; i < gssmap_target_name_form_count; i++)
        gssmap_target_name_forms[i].error == 0 ? ok++ : bad++;
    ck_assert_uint_ge(ok, 7);
    ck_assert_uint_ge(bad, 10);
    ok = bad = 0;
    for (size_t i = 0; i < gssmap_user_name_form_count; i++)
        gssmap_user_name_forms[i].error == 0 ? ok++ : bad++;
    ck_assert_uint_ge(ok, 8);
    ck_assert_uint_ge(bad, 8);
}
END_TEST

/* ------------------------------------------------------ target forms */

START_TEST(test_header_target_examples)
{
    expect_target("HTTP/host", GSSMAP_NAME_HOSTBASED, "HTTP@host");
    expect_target("HTTP/host:8080", GSSMAP_NAME_HOSTBASED, "HTTP@host");
    expect_target("HTTP/host@REALM", GSSMAP_NAME_KRB5_PRINCIPAL, "HTTP/host@REALM");
    expect_target("HTTP@host", GSSMAP_NAME_HOSTBASED, "HTTP@host");
}
END_TEST

START_TEST(test_target_port_bounds)
{
    expect_target("HTTP/h:1", GSSMAP_NAME_HOSTBASED, "HTTP@h");
    expect_target("HTTP/h:65535", GSSMAP_NAME_HOSTBASED, "HTTP@h");
    expect_target("HTTP/h:00080", GSSMAP_NAME_HOSTBASED, "HTTP@h");
    expect_target_rejected("HTTP/h:0");
    expect_target_rejected("HTTP/h:65536");
    expect_target_rejected("HTTP/h:123456");
    expect_target_rejected("HTTP/h:-1");
    expect_target_rejected("HTTP/h:+80");
    expect_target_rejected("HTTP/h:80:80");
    expect_target_rejected("HTTP/:80");
}
END_TEST

START_TEST(test_target_with_realm_keeps_port_and_third_part)
{
    expect_target("MSSQLSvc/db:1433@R", GSSMAP_NAME_KRB5_PRINCIPAL, "MSSQLSvc/db:1433@R");
    expect_target("ldap/dc/dom@R", GSSMAP_NAME_KRB5_PRINCIPAL, "ldap/dc/dom@R");
    expect_target("ldap/dc:389/dom@R", GSSMAP_NAME_KRB5_PRINCIPAL, "ldap/dc:389/dom@R");
    expect_target_rejected("MSSQLSvc/db:0@R");
    expect_target_rejected("ldap/dc/@R");
    expect_target_rejected("HTTP/h@bad realm");
    expect_target_rejected("HTTP/h@.R");
}
END_TEST

START_TEST(test_target_empty_parts_rejected)
{
    expect_target_rejected("");
    expect_target_rejected("/");
    expect_target_rejected("HTTP/");
    expect_target_rejected("/host");
    expect_target_rejected("@host");
    expect_target_rejected("HTTP@");
    expect_target_rejected("@");
    expect_target_rejected("HTTP/host@");
    expect_target_rejected("HTTP//host");
}
END_TEST

START_TEST(test_target_garbage_rejected)
{
    expect_target_rejected("HTTP/ho\x01st");
    expect_target_rejected("HTTP/host\x7f");
    expect_target_rejected("HTTP/h\xc3\xa9te");    /* 8-bit: use punycode */
    expect_target_rejected("HTTP/host\r\nX: y");   /* header injection */
    expect_target_rejected("HTTP/host\t");
    expect_target_rejected(" HTTP/host");
    expect_target_rejected("HTTP/host name");
    expect_target_rejected("HTTP/h\\@x");
    expect_target_rejected("HT TP/host");
    expect_target_rejected("HTTP:/host");
    expect_target_rejected("HTTP/ho;st");
    expect_target_rejected("HTTP@ho/st@R");
    expect_target_rejected("HTTP@host:80");
    expect_target_rejected("a/b/c/d");
    expect_target_rejected("HTTP/[::1]");
}
END_TEST

START_TEST(test_target_embedded_nul_ends_the_name)
{
    /* A C string stops at NUL: what follows is never seen. */
    expect_target("HTTP/host\0@EVIL", GSSMAP_NAME_HOSTBASED, "HTTP@host");
    expect_target_rejected("HTTP/\0host");
}
END_TEST

START_TEST(test_target_dns_label_rules)
{
    char buf[600], want[600];
    char *l63 = repeat('a', 63), *l64 = repeat('a', 64), *l62 = repeat('a', 62);
    snprintf(buf, sizeof(buf), "HTTP/%s.example", l63);
    snprintf(want, sizeof(want), "HTTP@%s.example", l63);
    expect_target(buf, GSSMAP_NAME_HOSTBASED, want);
    snprintf(buf, sizeof(buf), "HTTP/%s.example", l64);
    expect_target_rejected(buf);
    /* 255 bytes of host accepted, 256 rejected */
    snprintf(buf, sizeof(buf), "HTTP/%s.%s.%s.%s", l63, l63, l63, l63);
    snprintf(want, sizeof(want), "HTTP@%s", buf + 5);
    ck_assert_uint_eq(strlen(buf + 5), 255);
    expect_target(buf, GSSMAP_NAME_HOSTBASED, want);
    snprintf(buf, sizeof(buf), "HTTP/%s.%s.%s.%s.a", l63, l63, l63, l62);
    ck_assert_uint_eq(strlen(buf + 5), 256);
    expect_target_rejected(buf);
    free(l63);
    free(l64);
    free(l62);

    expect_target("HTTP/my-host_1.example", GSSMAP_NAME_HOSTBASED, "HTTP@my-host_1.example");
    expect_target("HTTP/localhost", GSSMAP_NAME_HOSTBASED, "HTTP@localhost");
    expect_target_rejected("HTTP/.example.com");
    expect_target_rejected("HTTP/example.com.");
    expect_target_rejected("HTTP/example..com");
    expect_target_rejected("HTTP/.");
}
END_TEST

START_TEST(test_target_length_limit)
{
    /* the whole name: 1024 bytes accepted, 1025 rejected */
    char *s = repeat('S', GSSMAP_NAME_MAX);
    memcpy(s + GSSMAP_NAME_MAX - 2, "/h", 2);
    enum gssmap_name_kind k;
    char *out;
    ck_assert_int_eq(target(s, &k, &out), 0);
    ck_assert_uint_eq(strlen(out), GSSMAP_NAME_MAX);
    ck_assert_int_eq(out[GSSMAP_NAME_MAX - 2], '@');
    free(out);
    free(s);
    s = repeat('S', GSSMAP_NAME_MAX + 1);
    memcpy(s + GSSMAP_NAME_MAX - 1, "/h", 2);
    expect_target_rejected(s);
    free(s);
    s = long_target(GSSMAP_NAME_MAX + 1);
    expect_target_rejected(s);
    free(s);
    /* a far longer name is rejected without reading past the limit */
    s = repeat('S', 100000);
    expect_target_rejected(s);
    free(s);
}
END_TEST

START_TEST(test_target_null_arguments)
{
    enum gssmap_name_kind k;
    char *out = NULL;
    ck_assert_int_eq(gssmap_target_name(NULL, &k, &out), EINVAL);
    ck_assert_int_eq(gssmap_target_name("HTTP/h", NULL, &out), EINVAL);
    ck_assert_int_eq(gssmap_target_name("HTTP/h", &k, NULL), EINVAL);
}
END_TEST

START_TEST(test_target_case_is_kept)
{
    expect_target("http/WWW.Example.COM", GSSMAP_NAME_HOSTBASED, "http@WWW.Example.COM");
}
END_TEST

/* -------------------------------------------------------- user forms */

START_TEST(test_header_user_examples)
{
    expect_user("alice@EXAMPLE.COM", NULL, NULL, "alice@EXAMPLE.COM");
    expect_user("EXAMPLE\\alice", NULL, NULL, "alice@EXAMPLE");
    expect_user("alice", "example.com", NULL, "alice@EXAMPLE.COM");
    expect_user("alice", NULL, NULL, "alice");
    expect_user("EXAMPLE\\alice", NULL, "EXAMPLE.COM", "alice@EXAMPLE.COM");
}
END_TEST

START_TEST(test_user_netbios_domain_matches_default_realm_case_insensitively)
{
    expect_user("Example\\alice", NULL, "EXAMPLE.COM", "alice@EXAMPLE.COM");
    expect_user("alice", "eXaMpLe", "EXAMPLE.COM", "alice@EXAMPLE.COM");
    expect_user("alice@example", NULL, "EXAMPLE.COM", "alice@EXAMPLE.COM");
    /* a dotted domain is not a NetBIOS name: only an exact (any-case) match */
    expect_user("alice", "example.org", "EXAMPLE.COM", "alice@EXAMPLE.ORG");
    expect_user("alice", "EXAMPLE.COM", "EXAMPLE.COM", "alice@EXAMPLE.COM");
    /* the first label must match whole */
    expect_user("alice", "EXAMP", "EXAMPLE.COM", "alice@EXAMP");
    expect_user("alice", "EXAMPLE", "EXAMPLE", "alice@EXAMPLE");
    expect_user("alice", "EXAMPLE", "", "alice@EXAMPLE");
}
END_TEST

START_TEST(test_user_embedded_domain_wins)
{
    expect_user("alice@a.example", "b.example", NULL, "alice@A.EXAMPLE");
    expect_user("A\\alice", "b.example", NULL, "alice@A");
}
END_TEST

START_TEST(test_user_utf8_rules)
{
    expect_user("\xf0\x9f\x98\x80", "x", NULL, "\xf0\x9f\x98\x80@X"); /* U+1F600 */
    expect_user("\xe2\x82\xac", NULL, NULL, "\xe2\x82\xac");          /* U+20AC */
    expect_user("John Smith", "x", NULL, "John Smith@X");
    expect_user_rejected("\xc0\xaf", NULL);         /* overlong '/' */
    expect_user_rejected("\xe0\x80\xaf", NULL);     /* overlong */
    expect_user_rejected("\xed\xa0\x80", NULL);     /* surrogate */
    expect_user_rejected("\xf4\x90\x80\x80", NULL); /* > U+10FFFF */
    expect_user_rejected("\xe2\x82", NULL);         /* truncated */
    expect_user_rejected("\xc2\x85", NULL);         /* C1 control */
    expect_user_rejected("\x80", NULL);             /* lone continuation */
    expect_user_rejected("\xff", NULL);
}
END_TEST

START_TEST(test_user_malformed_rejected)
{
    expect_user_rejected(NULL, "x");
    expect_user_rejected("", NULL);
    expect_user_rejected("@", NULL);
    expect_user_rejected("\\", NULL);
    expect_user_rejected("alice@", NULL);
    expect_user_rejected("@x", NULL);
    expect_user_rejected("x\\", NULL);
    expect_user_rejected("\\alice", NULL);
    expect_user_rejected("a\\b\\c", NULL);
    expect_user_rejected("a@b@c", NULL);
    expect_user_rejected("a\\b@c", NULL);
    expect_user_rejected("alice ", NULL);
    expect_user_rejected("ali\nce", NULL);
    expect_user_rejected("alice\x7f", NULL);
    expect_user_rejected("alice", ".");
    expect_user_rejected("alice", "..");
    expect_user_rejected("alice", "a..b");
    expect_user_rejected("alice", "x.");
    expect_user_rejected("alice", "dom/ain");
    expect_user_rejected("alice", "dom@ain");
    expect_user_rejected("alice@exa mple.com", NULL);
    ck_assert_int_eq(gssmap_user_principal("alice", NULL, NULL, NULL), EINVAL);
}
END_TEST

START_TEST(test_user_length_limit)
{
    char *u = repeat('u', GSSMAP_NAME_MAX);
    expect_user(u, NULL, NULL, u);
    free(u);
    u = repeat('u', GSSMAP_NAME_MAX + 1);
    expect_user_rejected(u, NULL);
    free(u);
    char *d = repeat('d', GSSMAP_NAME_MAX + 1);
    expect_user_rejected("alice", d);
    free(d);
}
END_TEST

static Suite *names_suite(void)
{
    Suite *s = suite_create("gss_map_names");
    TCase *forms = tcase_create("forms");
    tcase_add_test(forms, test_every_target_form_example_behaves_as_documented);
    tcase_add_test(forms, test_every_user_form_example_behaves_as_documented);
    tcase_add_test(forms, test_forms_tables_cover_accepted_and_rejected);
    suite_add_tcase(s, forms);

    TCase *t = tcase_create("target");
    tcase_add_test(t, test_header_target_examples);
    tcase_add_test(t, test_target_port_bounds);
    tcase_add_test(t, test_target_with_realm_keeps_port_and_third_part);
    tcase_add_test(t, test_target_empty_parts_rejected);
    tcase_add_test(t, test_target_garbage_rejected);
    tcase_add_test(t, test_target_embedded_nul_ends_the_name);
    tcase_add_test(t, test_target_dns_label_rules);
    tcase_add_test(t, test_target_length_limit);
    tcase_add_test(t, test_target_null_arguments);
    tcase_add_test(t, test_target_case_is_kept);
    suite_add_tcase(s, t);

    TCase *u = tcase_create("user");
    tcase_add_test(u, test_header_user_examples);
    tcase_add_test(u, test_user_netbios_domain_matches_default_realm_case_insensitively);
    tcase_add_test(u, test_user_embedded_domain_wins);
    tcase_add_test(u, test_user_utf8_rules);
    tcase_add_test(u, test_user_malformed_rejected);
    tcase_add_test(u, test_user_length_limit);
    suite_add_tcase(s, u);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(names_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
