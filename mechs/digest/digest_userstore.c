/*
 * Acceptor user stores (digest_userstore.h).  The whole file is kept in
 * memory as parsed lines and replaced when stat(2) says it changed.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "digest_crypto.h"
#include "digest_userstore.h"

#define DG_STORE_MAX_BYTES (16u * 1024u * 1024u) /* refuse absurd files */

struct dg_user_line {
    char *user;
    char *realm;  /* htdigest only */
    char *secret; /* HA1 hex (htdigest) or password */
};

struct dg_userstore {
    pthread_mutex_t lock;
    enum dg_store_kind kind;
    char *path;
    int loaded;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct dg_user_line *lines;
    size_t count;
};

static void lines_free(struct dg_user_line *l, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (l[i].secret) {
            OPENSSL_cleanse(l[i].secret, strlen(l[i].secret));
            free(l[i].secret);
        }
        free(l[i].user);
        free(l[i].realm);
    }
    free(l);
}

struct dg_userstore *dg_userstore_new(enum dg_store_kind kind, const char *path)
{
    struct dg_userstore *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->path = strdup(path);
    if (!s->path) {
        free(s);
        return NULL;
    }
    s->kind = kind;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

void dg_userstore_free(struct dg_userstore *s)
{
    if (!s)
        return;
    lines_free(s->lines, s->count);
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
}

enum dg_store_kind dg_userstore_kind(const struct dg_userstore *s)
{
    return s->kind;
}

static int is_hex32(const char *s)
{
    size_t i;
    for (i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return s[32] == '\0';
}

/* One line without its newline.  Empty lines and '#' comments are skipped
 * (return 1); 0 = parsed; -1 = malformed. */
static int parse_line(enum dg_store_kind kind, char *line, struct dg_user_line *out)
{
    char *c1, *c2;
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r')
        line[--n] = '\0';
    if (n == 0 || line[0] == '#')
        return 1;
    c1 = strchr(line, ':');
    if (!c1 || c1 == line)
        return -1;
    *c1 = '\0';
    if (kind == DG_STORE_HTDIGEST) {
        /* htdigest: user:realm:hex(MD5(user:realm:password)) */
        c2 = strchr(c1 + 1, ':');
        if (!c2 || !is_hex32(c2 + 1))
            return -1;
        *c2 = '\0';
        out->realm = strdup(c1 + 1);
        out->secret = strdup(c2 + 1);
    } else {
        out->realm = NULL;
        out->secret = strdup(c1 + 1); /* the password may hold ':' */
    }
    out->user = strdup(line);
    if (!out->user || !out->secret || (kind == DG_STORE_HTDIGEST && !out->realm))
        return -1;
    return 0;
}

static int load(struct dg_userstore *s, const struct stat *st)
{
    FILE *f;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t got;
    struct dg_user_line *lines = NULL;
    size_t count = 0, room = 0;
    int rc = 0;

    if ((unsigned long long)st->st_size > DG_STORE_MAX_BYTES)
        return -1;
    f = fopen(s->path, "re");
    if (!f)
        return -1;
    while ((got = getline(&buf, &cap, f)) >= 0) {
        struct dg_user_line l = {0};
        int r;
        if (got > 0 && buf[got - 1] == '\n')
            buf[got - 1] = '\0';
        r = parse_line(s->kind, buf, &l);
        if (r == 1)
            continue;
        if (r < 0) {
            free(l.user);
            free(l.realm);
            if (l.secret) {
                OPENSSL_cleanse(l.secret, strlen(l.secret));
                free(l.secret);
            }
            rc = -1;
            break;
        }
        if (count == room) {
            size_t nr = room ? room * 2 : 16;
            struct dg_user_line *nl = realloc(lines, nr * sizeof(*nl));
            if (!nl) {
                free(l.user);
                free(l.realm);
                OPENSSL_cleanse(l.secret, strlen(l.secret));
                free(l.secret);
                rc = -1;
                break;
            }
            lines = nl;
            room = nr;
        }
        lines[count++] = l;
    }
    if (buf) {
        OPENSSL_cleanse(buf, cap);
        free(buf);
    }
    if (ferror(f))
        rc = -1;
    fclose(f);
    if (rc < 0) {
        lines_free(lines, count);
        return -1;
    }
    lines_free(s->lines, s->count);
    s->lines = lines;
    s->count = count;
    s->loaded = 1;
    s->dev = st->st_dev;
    s->ino = st->st_ino;
    s->size = st->st_size;
    s->mtime = st->st_mtim;
    return 0;
}

/* Called with the lock held: reload when the file changed. */
static int refresh(struct dg_userstore *s)
{
    struct stat st;
    if (stat(s->path, &st) != 0)
        return -1;
    if (s->loaded && st.st_dev == s->dev && st.st_ino == s->ino && st.st_size == s->size &&
        st.st_mtim.tv_sec == s->mtime.tv_sec && st.st_mtim.tv_nsec == s->mtime.tv_nsec)
        return 0;
    return load(s, &st);
}

int dg_userstore_lookup(struct dg_userstore *s, const char *username, const char *realm,
                        struct dg_user_secret *sec)
{
    size_t i;
    int rc = 0;
    memset(sec, 0, sizeof(*sec));
    pthread_mutex_lock(&s->lock);
    if (refresh(s) != 0) {
        rc = -1;
        goto out;
    }
    for (i = 0; i < s->count; i++) {
        const struct dg_user_line *l = &s->lines[i];
        if (strcmp(l->user, username) != 0)
            continue;
        if (s->kind == DG_STORE_HTDIGEST) {
            if (strcmp(l->realm, realm ? realm : "") != 0)
                continue;
            memcpy(sec->ha1_md5, l->secret, 33);
        } else {
            sec->password_len = strlen(l->secret);
            sec->password = strdup(l->secret);
            if (!sec->password) {
                rc = -1;
                goto out;
            }
        }
        sec->found = 1;
        break;
    }
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int dg_userstore_find_userhash(struct dg_userstore *s, digest_alg alg, const char *realm,
                               const char *hash_hex, char **username)
{
    size_t i;
    int rc = 1;
    *username = NULL;
    pthread_mutex_lock(&s->lock);
    if (refresh(s) != 0) {
        rc = -1;
        goto out;
    }
    for (i = 0; i < s->count; i++) {
        char h[DIGEST_HEX_BUFSIZE];
        const struct dg_user_line *l = &s->lines[i];
        if (s->kind == DG_STORE_HTDIGEST && strcmp(l->realm, realm) != 0)
            continue;
        /* RFC 7616 3.4.4: username = H(unq(username) ":" unq(realm)) */
        if (digest_http_userhash(alg, l->user, realm, h) != DIGEST_OK) {
            rc = -1;
            goto out;
        }
        if (digest_hex_equal(h, hash_hex)) {
            *username = strdup(l->user);
            rc = *username ? 0 : -1;
            goto out;
        }
    }
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void dg_user_secret_clear(struct dg_user_secret *sec)
{
    if (sec->password) {
        OPENSSL_cleanse(sec->password, sec->password_len);
        free(sec->password);
    }
    OPENSSL_cleanse(sec, sizeof(*sec));
}
