/*
 * The shim's own settings, in one place (docs/configuration.md): an
 * environment variable, else a key of the configuration file
 * $(sysconfdir)/sspi-shim/sspi-shim.conf (SSPI_SHIM_CONFIG names another
 * file; ignored in setuid programs), else the built-in default.
 *
 * Compiled into libsspi and into each mechanism module (which link
 * neither libsspi nor each other); every symbol is hidden.
 */
#ifndef SSPI_SHIM_CONFIG_H
#define SSPI_SHIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define SHIM_CONFIG_HIDDEN __attribute__((visibility("hidden")))

/* Longest value kept: a path or a policy list. */
#define SHIM_SETTING_MAX 4096

/* The file read when SSPI_SHIM_CONFIG is not set. */
#ifndef SSPI_SHIM_CONFIG_FILE
#define SSPI_SHIM_CONFIG_FILE "/etc/sspi-shim/sspi-shim.conf"
#endif

/* The setting named by environment variable `env`, else by `key` in
 * `[section]` of the configuration file.  The value (which may be empty:
 * a variable set to "" overrides the file) is copied into buf, which must
 * hold SHIM_SETTING_MAX bytes; returns buf, or NULL when neither source
 * has it.  The file is re-read when it changes, so a long-running server
 * sees an edit at its next credential acquisition. */
const char *shim_setting(const char *env, const char *section, const char *key,
                         char *buf) SHIM_CONFIG_HIDDEN;

/* The parser, apart for tests and the fuzzer: looks `key` up in
 * `[section]` of the configuration text (len bytes, need not end in NUL).
 * Lines are `[section]`, `key = value`, blank, or comments from `#` or `;`
 * at the line's start; names compare case-insensitively; the value is the
 * rest of the line with surrounding blanks removed; the last occurrence
 * wins, as in krb5.conf's later-file rule.  Returns true and copies the
 * value (NUL-terminated, cut to size - 1) when found. */
bool shim_config_find(const char *text, size_t len, const char *section, const char *key,
                      char *out, size_t size) SHIM_CONFIG_HIDDEN;

#endif
