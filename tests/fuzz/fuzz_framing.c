/*
 * libFuzzer target for the token parsers of gss_map/framing.c,
 * gss_map/bindings.c and gss_map/packed_context.c (the NTLM AUTHENTICATE's
 * channel-binding pair among them): everything they read comes from the
 * network or the caller's buffers.  Each parser must return without reading outside the
 * input, and what it points to must lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "framing.h"
#include "packed_context.h"

static void inside(const uint8_t *data, size_t size, const void *p, size_t len)
{
    const uint8_t *q = p;
    if (len > 0 && (q < data || q + len > data + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gss_OID_desc oid;
    if (gssmap_token_oid(data, size, &oid) == 1)
        inside(data, size, oid.elements, oid.length);
    gss_buffer_desc inner;
    if (gssmap_spnego_mech_token(data, size, &inner) == 1)
        inside(data, size, inner.value, inner.length);
    if (gssmap_spnego_response_token(data, size, &inner) == 1)
        inside(data, size, inner.value, inner.length);
    unsigned id;
    (void)gssmap_krb5_token_id(data, size, &id);
    if (gssmap_krb5_authenticator_cipher(data, size, &inner) == 1)
        inside(data, size, inner.value, inner.length);
    struct gss_channel_bindings_struct cb;
    if (gssmap_channel_bindings(data, size, &cb) == 0) {
        inside(data, size, cb.initiator_address.value, cb.initiator_address.length);
        inside(data, size, cb.acceptor_address.value, cb.acceptor_address.length);
        inside(data, size, cb.application_data.value, cb.application_data.length);
    }
    const unsigned char *hash;
    if (gssmap_ntlm_channel_bindings(data, size, &hash) == 1)
        inside(data, size, hash, 16);
    const unsigned char *target_name;
    size_t target_name_len;
    bool unicode;
    if (gssmap_ntlm_challenge_target_name(data, size, &target_name, &target_name_len, &unicode) ==
            1 &&
        target_name_len > 0)
        inside(data, size, target_name, target_name_len);
    struct gssmap_packed_context pc;
    if (gssmap_unpack_context(data, size, &pc) == 0) {
        inside(data, size, pc.gss_token, pc.gss_token_len);
        /* What unpacks packs back to the same bytes. */
        uint8_t *again = malloc(gssmap_packed_context_size(&pc));
        if (again == NULL || gssmap_pack_context(&pc, again) != 0 ||
            memcmp(again, data, size) != 0)
            abort();
        free(again);
    }
    return 0;
}
