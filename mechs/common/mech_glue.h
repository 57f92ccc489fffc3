/*
 * What every mechanism module of ours hands mechglue the same way: OID
 * sets in the form each library frees, the RFC 5587 attribute sets, and a
 * name type MIT's mechglue may release.  Compiled into each module (the
 * modules link neither libsspi nor each other); every symbol is hidden.
 */
#ifndef SSPI_SHIM_MECH_GLUE_H
#define SSPI_SHIM_MECH_GLUE_H

#include <stddef.h>

#include <gssapi/gssapi.h>

#define MG_HIDDEN __attribute__((visibility("hidden")))

/* A new OID set of `oids`, as the GSS library's gss_release_oid_set frees
 * it: Heimdal frees the array only (members may point at static OIDs),
 * MIT frees each member's bytes too (so they are copies). */
OM_uint32 mg_oid_set_of(OM_uint32 *minor, const gss_OID_desc *const *oids, size_t n,
                        gss_OID_set *out) MG_HIDDEN;
/* Frees a set made by mg_oid_set_of (an error path's undo). */
void mg_oid_set_free(gss_OID_set *set) MG_HIDDEN;

/* 1 if `oid` is `mech` or GSS_C_NO_OID (the default mechanism). */
int mg_is_mech(const gss_OID_desc *oid, const gss_OID_desc *mech) MG_HIDDEN;
/* 1 if `set` holds `mech`, or is GSS_C_NO_OID_SET. */
int mg_set_has_mech(const gss_OID_set_desc *set, const gss_OID_desc *mech) MG_HIDDEN;

/* gss_inquire_attrs_for_mech for a mechanism whose attributes (RFC 5587
 * 3.4.1) are `ma`: both *attrs and *known get the same set. */
OM_uint32 mg_inquire_attrs(OM_uint32 *minor, const gss_OID_desc *ma, size_t n,
                           gss_OID_set *attrs, gss_OID_set *known) MG_HIDDEN;

/* The name type gss_display_name returns: MIT's mechglue keeps a
 * mechanism name's type and releases it with generic_gss_release_oid,
 * which frees every OID that is not the library's own, so MIT gets a
 * malloc'd copy; Heimdal never frees it, so it gets `type` itself. */
OM_uint32 mg_name_type(OM_uint32 *minor, const gss_OID_desc *type, gss_OID *out) MG_HIDDEN;

#endif
