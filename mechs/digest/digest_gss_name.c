/*
 * Digest names: a user name (the Digest username as sent, "DOMAIN\user"
 * included) or a target (HTTP request-URI, SASL digest-uri).  Hostbased
 * service names "svc@host" become the digest-uri "svc/host" (RFC 2831
 * 2.1.2 digest-uri = serv-type "/" host).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "digest_gss.h"
#include "mech_glue.h"

gss_OID_desc dg_mech_oid = {GSS_SSPI_SHIM_DIGEST_MECH_OID_LENGTH,
                            (void *)GSS_SSPI_SHIM_DIGEST_MECH_OID_BYTES};
gss_OID_desc dg_nt_uri_oid = {GSS_SSPI_SHIM_DIGEST_OID_LENGTH,
                              (void *)GSS_SSPI_SHIM_DIGEST_NT_URI_BYTES};
/* RFC 2744 4: 1.2.840.113554.1.2.1.1 */
gss_OID_desc dg_nt_user_name_oid = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01"};
/* RFC 2743 4.1: 1.3.6.1.5.6.2 */
gss_OID_desc dg_nt_hostbased_oid = {6, (void *)"\x2b\x06\x01\x05\x06\x02"};

#define DG_MAX_NAME 4096 /* DIGEST_MAX_URI */

int dg_oid_equal(const gss_OID_desc *a, const void *bytes, size_t len)
{
    return a && a->length == len && memcmp(a->elements, bytes, len) == 0;
}

/* RFC 2744 4: GSS_C_NT_HOSTBASED_SERVICE's older alias 1.2.840.113554.1.2.1.4 */
#define NT_HOSTBASED_X "\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"
/* RFC 2743 4.4 anonymous / export are not Digest names. */

OM_uint32 dg_name_new(OM_uint32 *minor, enum dg_name_kind kind, const char *value,
                      struct dg_name **out)
{
    struct dg_name *n = calloc(1, sizeof(*n));
    if (!n || !(n->value = strdup(value))) {
        free(n);
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    n->kind = kind;
    *out = n;
    *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 dg_name_import(OM_uint32 *minor, const gss_buffer_desc *buf, const gss_OID_desc *type,
                         struct dg_name **out)
{
    char *v;
    enum dg_name_kind kind;
    OM_uint32 major;

    *out = NULL;
    if (!buf || buf->length == 0 || !buf->value)
        return dg_minor(minor, GSS_S_BAD_NAME, GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS);
    if (buf->length > DG_MAX_NAME)
        return dg_minor(minor, GSS_S_BAD_NAME, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    if (memchr(buf->value, '\0', buf->length))
        return dg_minor(minor, GSS_S_BAD_NAME, GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS);
    v = dg_strndup(buf->value, buf->length);
    if (!v) {
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    if (type == GSS_C_NO_OID || type->length == 0 || DG_OID_IS(type, GSS_SSPI_SHIM_DIGEST_NT_URI_BYTES)) {
        kind = DG_NAME_TARGET;
    } else if (dg_oid_equal(type, dg_nt_user_name_oid.elements, dg_nt_user_name_oid.length)) {
        kind = DG_NAME_USER;
    } else if (dg_oid_equal(type, dg_nt_hostbased_oid.elements, dg_nt_hostbased_oid.length) ||
               DG_OID_IS(type, NT_HOSTBASED_X)) {
        /* "service@host" -> "service/host" (RFC 2831 digest-uri) */
        char *at = strchr(v, '@');
        kind = DG_NAME_TARGET;
        if (at)
            *at = '/';
    } else {
        free(v);
        return dg_minor(minor, GSS_S_BAD_NAMETYPE, 0);
    }
    major = dg_name_new(minor, kind, v, out);
    free(v);
    return major;
}

void dg_name_free(struct dg_name *n)
{
    if (!n)
        return;
    free(n->value);
    free(n);
}

OM_uint32 dg_name_display(OM_uint32 *minor, const struct dg_name *n, gss_buffer_t out,
                          gss_OID *type)
{
    OM_uint32 major = dg_set_token(minor, out, n->value, strlen(n->value));
    const gss_OID_desc *t = n->kind == DG_NAME_USER ? &dg_nt_user_name_oid : &dg_nt_uri_oid;
    if (major != GSS_S_COMPLETE || !type)
        return major;
    /* MIT's mechglue releases a mechanism name's type (mg_name_type). */
    major = mg_name_type(minor, t, type);
    if (major != GSS_S_COMPLETE) {
        free(out->value);
        out->value = NULL;
        out->length = 0;
    }
    return major;
}

/* RFC 2743 3.2: 04 01, OID length (2 bytes), DER OID, name length (4), name */
OM_uint32 dg_name_export(OM_uint32 *minor, const struct dg_name *n, gss_buffer_t out)
{
    size_t nl = strlen(n->value), ol = dg_mech_oid.length + 2;
    size_t total = 4 + ol + 4 + nl;
    unsigned char *p = malloc(total);
    if (!p) {
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    p[0] = 0x04;
    p[1] = 0x01;
    p[2] = (unsigned char)(ol >> 8);
    p[3] = (unsigned char)ol;
    p[4] = 0x06;
    p[5] = (unsigned char)dg_mech_oid.length;
    memcpy(p + 6, dg_mech_oid.elements, dg_mech_oid.length);
    p[4 + ol] = (unsigned char)(nl >> 24);
    p[5 + ol] = (unsigned char)(nl >> 16);
    p[6 + ol] = (unsigned char)(nl >> 8);
    p[7 + ol] = (unsigned char)nl;
    memcpy(p + 8 + ol, n->value, nl);
    out->value = p;
    out->length = total;
    *minor = 0;
    return GSS_S_COMPLETE;
}

int dg_name_equal(const struct dg_name *a, const struct dg_name *b)
{
    return a && b && a->kind == b->kind && strcmp(a->value, b->value) == 0;
}
