/*
 * What every Check suite of the SSPI surface shares: a status assertion
 * that names both codes and the shim's own explanation, and the packages
 * the loop tests run over (_i is Check's loop index).
 */
#ifndef SSPI_SHIM_TESTS_SUITE_H
#define SSPI_SHIM_TESTS_SUITE_H

#include <check.h>

#include "sspi.h"
#include "sspi_shim.h"

#define ASSERT_STATUS(expr, expected)                                                       \
    do {                                                                                    \
        SECURITY_STATUS st_ = (expr);                                                       \
        ck_assert_msg(st_ == (SECURITY_STATUS)(expected),                                   \
                      "%s returned %s (0x%08X), expected %s (0x%08X); last error: %s", #expr, \
                      SspiShimStatusName(st_) ? SspiShimStatusName(st_) : "?", (unsigned)st_, \
                      SspiShimStatusName(expected) ? SspiShimStatusName(expected) : "?",      \
                      (unsigned)(expected), SspiShimLastErrorMessage());                     \
    } while (0)

/* Kerberos and Negotiate: tcase_add_loop_test(tc, test, 0, 2). */
static const char *const suite_packages[] = {"Kerberos", "Negotiate"};
#define PKG suite_packages[_i]

#endif
