/*
 * The shim's configuration file and its environment overrides
 * (shim_config.h, docs/configuration.md).
 */
#include "config.h"

#include "shim_config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* A configuration file is a few lines; anything larger is not one. */
#define CONFIG_FILE_MAX (64 * 1024)

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* [start, end) with the blanks at both ends removed. */
static void trim(const char **start, const char **end)
{
    while (*start < *end && is_blank(**start))
        (*start)++;
    while (*end > *start && is_blank((*end)[-1]))
        (*end)--;
}

static bool name_is(const char *start, const char *end, const char *name)
{
    size_t n = strlen(name);
    return (size_t)(end - start) == n && strncasecmp(start, name, n) == 0;
}

bool shim_config_find(const char *text, size_t len, const char *section, const char *key,
                      char *out, size_t size)
{
    const char *p = text, *limit = text + len;
    bool in_section = false;

    if (text == NULL || section == NULL || key == NULL || out == NULL || size == 0)
        return false;
    while (p < limit) {
        const char *eol = memchr(p, '\n', (size_t)(limit - p));
        const char *start = p, *end = eol != NULL ? eol : limit;
        p = eol != NULL ? eol + 1 : limit;
        trim(&start, &end);
        if (start == end || *start == '#' || *start == ';')
            continue;
        if (*start == '[') {
            const char *close = memchr(start, ']', (size_t)(end - start));
            const char *name = start + 1, *name_end = close != NULL ? close : start + 1;
            trim(&name, &name_end);
            /* A malformed header ends the section: its keys must not be
             * taken for the previous section's. */
            in_section = close != NULL && name_is(name, name_end, section);
            continue;
        }
        if (!in_section)
            continue;
        const char *eq = memchr(start, '=', (size_t)(end - start));
        if (eq == NULL)
            continue;
        const char *k = start, *k_end = eq, *v = eq + 1, *v_end = end;
        trim(&k, &k_end);
        trim(&v, &v_end);
        if (!name_is(k, k_end, key))
            continue;
        size_t n = (size_t)(v_end - v);
        if (n >= size)
            n = size - 1;
        /* A NUL inside the value would cut it silently; refuse the line. */
        if (memchr(v, '\0', n) != NULL)
            continue;
        memcpy(out, v, n);
        out[n] = '\0';
        return true; /* the first occurrence wins, as in krb5.conf */
    }
    return false;
}

/* ------------------------------------------------------- the file, cached */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    char *text; /* NULL: no readable file at path */
    size_t len;
} cache;

static bool cache_is_current(const char *path, const struct stat *st)
{
    if (cache.path == NULL || strcmp(cache.path, path) != 0)
        return false;
    if (st == NULL)
        return cache.text == NULL;
    return cache.text != NULL && cache.dev == st->st_dev && cache.ino == st->st_ino &&
           cache.size == st->st_size && cache.mtime.tv_sec == st->st_mtim.tv_sec &&
           cache.mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* The whole file, or NULL when it is missing, unreadable or too large. */
static char *read_file(const char *path, struct stat *st, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *text = NULL;
    size_t got = 0;

    if (fd < 0)
        return NULL;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_size > CONFIG_FILE_MAX)
        goto out;
    text = malloc((size_t)st->st_size + 1);
    if (text == NULL)
        goto out;
    while (got < (size_t)st->st_size) {
        ssize_t n = read(fd, text + got, (size_t)st->st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    text[got] = '\0';
    *len = got;
out:
    close(fd);
    return text;
}

static void cache_reload(const char *path)
{
    struct stat st;
    size_t len = 0;
    char *text = read_file(path, &st, &len);
    char *copy = strdup(path);

    free(cache.text);
    free(cache.path);
    cache.path = copy;
    cache.text = copy != NULL ? text : NULL;
    if (copy == NULL)
        free(text);
    cache.len = len;
    if (cache.text != NULL) {
        cache.dev = st.st_dev;
        cache.ino = st.st_ino;
        cache.size = st.st_size;
        cache.mtime = st.st_mtim;
    }
}

const char *shim_setting(const char *env, const char *section, const char *key, char *buf)
{
    const char *value = env != NULL ? getenv(env) : NULL;
    const char *path;
    struct stat st;
    bool found;

    if (buf == NULL)
        return NULL;
    if (value != NULL) {
        size_t n = strnlen(value, SHIM_SETTING_MAX - 1);
        memcpy(buf, value, n);
        buf[n] = '\0';
        return buf;
    }
    /* Like KRB5_CONFIG: a setuid program must not read a file its caller
     * names. */
    path = secure_getenv("SSPI_SHIM_CONFIG");
    if (path == NULL || path[0] == '\0')
        path = SSPI_SHIM_CONFIG_FILE;
    pthread_mutex_lock(&cache_lock);
    if (!cache_is_current(path, stat(path, &st) == 0 ? &st : NULL))
        cache_reload(path);
    found = cache.text != NULL &&
            shim_config_find(cache.text, cache.len, section, key, buf, SHIM_SETTING_MAX);
    pthread_mutex_unlock(&cache_lock);
    return found ? buf : NULL;
}
