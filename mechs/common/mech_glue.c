/*
 * Mechglue plumbing shared by the Digest and CredSSP modules
 * (mech_glue.h).  No state; errors are ENOMEM in *minor.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mech_glue.h"

static OM_uint32 set_minor(OM_uint32 *minor, OM_uint32 major, OM_uint32 code)
{
    if (minor)
        *minor = code;
    return major;
}

OM_uint32 mg_oid_set_of(OM_uint32 *minor, const gss_OID_desc *const *oids, size_t n,
                        gss_OID_set *out)
{
    gss_OID_set s = calloc(1, sizeof(*s));
    if (!s || !(s->elements = calloc(n ? n : 1, sizeof(gss_OID_desc)))) {
        free(s);
        return set_minor(minor, GSS_S_FAILURE, ENOMEM);
    }
    for (size_t i = 0; i < n; i++) {
#ifdef SSPI_SHIM_MIT
        s->elements[i].elements = malloc(oids[i]->length);
        if (!s->elements[i].elements) {
            s->count = i;
            mg_oid_set_free(&s);
            return set_minor(minor, GSS_S_FAILURE, ENOMEM);
        }
        memcpy(s->elements[i].elements, oids[i]->elements, oids[i]->length);
        s->elements[i].length = oids[i]->length;
#else
        s->elements[i] = *oids[i];
#endif
    }
    s->count = n;
    *out = s;
    return set_minor(minor, GSS_S_COMPLETE, 0);
}

void mg_oid_set_free(gss_OID_set *set)
{
    if (set == NULL || *set == GSS_C_NO_OID_SET)
        return;
#ifdef SSPI_SHIM_MIT
    for (size_t i = 0; i < (*set)->count; i++)
        free((*set)->elements[i].elements);
#endif
    free((*set)->elements);
    free(*set);
    *set = GSS_C_NO_OID_SET;
}

int mg_is_mech(const gss_OID_desc *oid, const gss_OID_desc *mech)
{
    return oid == GSS_C_NO_OID ||
           (oid->length == mech->length &&
            memcmp(oid->elements, mech->elements, mech->length) == 0);
}

int mg_set_has_mech(const gss_OID_set_desc *set, const gss_OID_desc *mech)
{
    if (set == GSS_C_NO_OID_SET)
        return 1;
    for (size_t i = 0; i < set->count; i++)
        if (mg_is_mech(&set->elements[i], mech))
            return 1;
    return 0;
}

OM_uint32 mg_inquire_attrs(OM_uint32 *minor, const gss_OID_desc *ma, size_t n,
                           gss_OID_set *attrs, gss_OID_set *known)
{
    const gss_OID_desc *list[32] = {NULL};
    if (attrs)
        *attrs = GSS_C_NO_OID_SET;
    if (known)
        *known = GSS_C_NO_OID_SET;
    if (n > sizeof(list) / sizeof(list[0]))
        return set_minor(minor, GSS_S_FAILURE, EINVAL);
    for (size_t i = 0; i < n; i++)
        list[i] = &ma[i];
    if (attrs && mg_oid_set_of(minor, list, n, attrs) != GSS_S_COMPLETE)
        return GSS_S_FAILURE;
    if (known && mg_oid_set_of(minor, list, n, known) != GSS_S_COMPLETE) {
        mg_oid_set_free(attrs);
        return GSS_S_FAILURE;
    }
    return set_minor(minor, GSS_S_COMPLETE, 0);
}

OM_uint32 mg_name_type(OM_uint32 *minor, const gss_OID_desc *type, gss_OID *out)
{
#ifdef SSPI_SHIM_MIT
    gss_OID o = malloc(sizeof(*o));
    if (!o || !(o->elements = malloc(type->length))) {
        free(o);
        return set_minor(minor, GSS_S_FAILURE, ENOMEM);
    }
    memcpy(o->elements, type->elements, type->length);
    o->length = type->length;
    *out = o;
#else
    *out = (gss_OID)type;
#endif
    return set_minor(minor, GSS_S_COMPLETE, 0);
}
