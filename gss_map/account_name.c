#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "account_name.h"

/* The unescaped '@' that starts the realm, or NULL. */
static const char *realm_separator(const char *p)
{
    const char *at = NULL;
    for (; *p; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '@')
            at = p;
    }
    return at;
}

int gssmap_account_name(const char *principal, char **out)
{
    *out = NULL;
    if (principal == NULL || principal[0] == '\0')
        return EINVAL;
    const char *at = realm_separator(principal);
    if (at == NULL || at == principal || at[1] == '\0') {
        *out = strdup(principal);
        return *out ? 0 : ENOMEM;
    }
    const char *realm = at + 1;
    size_t domain_len = strcspn(realm, ".");
    size_t user_len = (size_t)(at - principal);
    char *s = malloc(domain_len + 1 + user_len + 1);
    if (s == NULL)
        return ENOMEM;
    for (size_t i = 0; i < domain_len; i++)
        s[i] = (char)toupper((unsigned char)realm[i]);
    s[domain_len] = '\\';
    memcpy(s + domain_len + 1, principal, user_len);
    s[domain_len + 1 + user_len] = '\0';
    *out = s;
    return 0;
}
