/*
 * realm_private.h - helpers tests/realm.c shares with the other fixtures
 * of tests/libtestrealm.la (tests/smartcard.c).  Not installed and not
 * part of realm.h's API: the suites do not use these.
 *
 * A fixture names itself by a message prefix ("test_realm",
 * "test_smartcard") and its scratch directories by a base-name prefix
 * ("sspi-realm.", "sspi-card.").
 */
#ifndef SSPI_SHIM_TESTS_REALM_PRIVATE_H
#define SSPI_SHIM_TESTS_REALM_PRIVATE_H

#include <stddef.h>
#include <sys/types.h>

/* "<prefix>: <message>\n" on stderr. */
void trp_msg(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* vsnprintf into dst[n].  0 if it fits; else -1 with
 * "<prefix>: <too_long>" on stderr - followed by ": " and the first 60
 * characters of what did fit, then "...", when quote is set - and errno
 * set to err unless err is 0. */
int trp_fmt(const char *prefix, const char *too_long, int quote, int err,
            char *dst, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* TEST_REALM_KEEP set and neither empty nor "0": keep the directories. */
int trp_keep_dir(void);

/* dir is absolute and its last component begins with base ("sspi-realm."). */
int trp_dir_is_ours(const char *dir, const char *base);

/* Removes the tree dir (0 if it is gone already) if trp_dir_is_ours(dir,
 * base); else -1, with "<prefix>: refusing to remove '<dir>'" on stderr
 * unless prefix is NULL. */
int trp_remove_tree(const char *prefix, const char *dir, const char *base);

/* The executable name (a path when it holds a '/', else looked up in PATH)
 * into out[n]: 0, or -1 if there is none. */
int trp_find_in_path(const char *name, char *out, size_t n);

/* fork and exec argv: with envp by argv[0]'s path (execve), or with NULL
 * envp looked up in PATH in this environment (execvp).  stdin from in_fd
 * (-1: /dev/null), stdout and stderr to out_fd, no other descriptor
 * inherited; a failed exec says so on out_fd and exits 127.  The child's
 * pid, or -1 if fork failed. */
pid_t trp_spawn(const char *const argv[], char **envp, int in_fd, int out_fd);

/* waitpid(pid) through EINTR: 0 with *status, or -1. */
int trp_wait(pid_t pid, int *status);

/* Saves the variables names[0..n-1] of this process: set[i] whether it is
 * set, saved[i] a copy of its value (free with trp_restore_env).  0, or -1
 * if a copy could not be made (that saved[i] is NULL). */
int trp_save_env(const char *const names[], size_t n, char *saved[], int set[]);

/* Puts them back as trp_save_env found them - one without a copy is unset
 * - and frees the copies. */
void trp_restore_env(const char *const names[], size_t n, char *saved[], const int set[]);

/* A watchdog for dir: /bin/sh in its own session, named name in ps, that
 * removes dir (unless trp_keep_dir()) when every process holding *fd -
 * this one and its fork()ed children - is gone without
 * trp_watchdog_stop().  "pid N\n" lines written to it name a KDC to kill
 * first (if its command line still names a file in dir).  0, or -1. */
int trp_watchdog_start(const char *dir, const char *name, int *fd, pid_t *pid);

/* Writes line to the watchdog (nothing if there is none or it is gone). */
void trp_watchdog_write(int fd, pid_t pid, const char *line);

/* Tells the watchdog the directory is taken care of and reaps it; *fd = -1,
 * *pid = 0. */
void trp_watchdog_stop(int *fd, pid_t *pid);

#endif
