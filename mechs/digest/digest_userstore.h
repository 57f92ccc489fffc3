/*
 * Acceptor user stores: an Apache htdigest file (user:realm:MD5-HA1, RFC
 * 2617 3.2.2.2 H(A1) of the plain MD5 algorithm) or a file of
 * "user:password" lines.  The file is re-read when its inode, size or mtime
 * changes, so a server picks up new users without a restart.  Lookups copy
 * what they return; the caller wipes it.
 */
#ifndef SSPI_SHIM_DIGEST_USERSTORE_H
#define SSPI_SHIM_DIGEST_USERSTORE_H

#include <stddef.h>

#include "digest_codec.h"

enum dg_store_kind { DG_STORE_HTDIGEST = 1, DG_STORE_PASSWORD = 2 };

struct dg_userstore;

/* NULL on allocation failure; the file is read on first use. */
struct dg_userstore *dg_userstore_new(enum dg_store_kind kind, const char *path)
    __attribute__((visibility("hidden")));
void dg_userstore_free(struct dg_userstore *s) __attribute__((visibility("hidden")));
enum dg_store_kind dg_userstore_kind(const struct dg_userstore *s)
    __attribute__((visibility("hidden")));

/* Result of a lookup. */
struct dg_user_secret {
    int found;
    char *password;          /* password store: malloc'ed, wipe */
    size_t password_len;
    char ha1_md5[33];        /* htdigest store: H(user:realm:password) MD5 hex */
};
/* Looks up (username, realm); realm matters for htdigest only.  Returns 0
 * (found or not, see sec->found) or -1 when the file cannot be read or is
 * malformed. */
int dg_userstore_lookup(struct dg_userstore *s, const char *username, const char *realm,
                        struct dg_user_secret *sec) __attribute__((visibility("hidden")));
/* RFC 7616 3.4.4 userhash: the user whose H(user ":" realm) is hash_hex.
 * *username gets a malloc'ed copy.  0 found, 1 not found, -1 error. */
int dg_userstore_find_userhash(struct dg_userstore *s, digest_alg alg, const char *realm,
                               const char *hash_hex, char **username)
    __attribute__((visibility("hidden")));
void dg_user_secret_clear(struct dg_user_secret *sec) __attribute__((visibility("hidden")));

#endif
