/*
 * The Digest mechanism's parameter token (include/gssapi_sspi_shim_digest.h):
 * a version byte and typed records, optionally framed as an RFC 2743 token
 * with the mechanism OID.  Pure and bounds-checked: the acceptor parses it
 * from untrusted input.  The shim builds these tokens; the mechanism parses
 * them.
 */
#ifndef SSPI_SHIM_GSS_MAP_DIGEST_PARAMS_H
#define SSPI_SHIM_GSS_MAP_DIGEST_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "gssapi_sspi_shim_digest.h"

#define GSSMAP_DIGEST_P_MAX_TYPE GSS_SSPI_SHIM_DIGEST_P_URI

/* One parsed parameter list; values point into the parsed token (no copy). */
struct gssmap_digest_params {
    unsigned present;  /* bit (1u << type) for each record given */
    struct {
        const uint8_t *data;
        size_t length;
    } value[GSSMAP_DIGEST_P_MAX_TYPE + 1];
};

/* 1 if type was given. */
static inline int gssmap_digest_param_has(const struct gssmap_digest_params *p, unsigned type)
{
    return type <= GSSMAP_DIGEST_P_MAX_TYPE && (p->present & (1u << type)) != 0;
}

/*
 * Parses a record list (version byte + records, no RFC 2743 header).
 * Returns 0, or -1 for a wrong version, an unknown or repeated type, a
 * record that overruns, or more than GSS_SSPI_SHIM_DIGEST_PARAMS_MAX bytes.
 */
int gssmap_digest_params_parse_list(const void *data, size_t length,
                                    struct gssmap_digest_params *out);

/*
 * Parses a token given to the mechanism.  Returns 1 when the token is
 * framed with the Digest OID (records parsed into *out), 0 when it is a
 * bare wire message (*out then holds only P_WIRE = the whole token), -1
 * when it is framed with the Digest OID but malformed, or framed with
 * another OID.
 */
int gssmap_digest_params_parse_token(const void *token, size_t length,
                                     struct gssmap_digest_params *out);

/* A record to write; records with data == NULL are skipped. */
struct gssmap_digest_record {
    unsigned type;
    const void *data;
    size_t length;
};

/*
 * Bytes needed for a record list (framed: with the RFC 2743 header and
 * OID), or 0 when it would exceed GSS_SSPI_SHIM_DIGEST_PARAMS_MAX.
 */
size_t gssmap_digest_params_size(const struct gssmap_digest_record *records, size_t count,
                                 int framed);
/*
 * Writes the list (framed or not) into out, which has room for
 * gssmap_digest_params_size() bytes; returns the bytes written, 0 on error
 * (too big, bad type, repeated type).
 */
size_t gssmap_digest_params_write(const struct gssmap_digest_record *records, size_t count,
                                  int framed, void *out, size_t out_size);

#endif
