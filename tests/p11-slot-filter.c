/*
 * p11-slot-filter.c - a PKCS#11 module for the tests that forwards every
 * call to a real module and lists only the slots holding an initialised
 * token.
 *
 * Why: SoftHSM2 always lists one spare slot whose token is present but not
 * initialised.  Heimdal 7.8's hx509 opens every slot C_GetSlotList returns,
 * fails on that one (C_OpenSession: CKR_TOKEN_NOT_RECOGNIZED 0xE1,
 * HX509_PKCS11_OPEN_SESSION) and gives up on the whole module; it has no
 * way to pick a slot (the ",slot=" parsing in lib/hx509/ks_p11.c is under
 * #if 0).  Measured with softhsm2 2.6.1 on Debian 12, see docs/credssp.md
 * "Smart-card logon: what was measured".  A real reader with one card
 * needs no filter; MIT's PKINIT skips the spare slot by itself.
 *
 * The real module is $P11_SLOT_FILTER_MODULE, default SoftHSM2's.  Only
 * C_GetSlotList (and C_GetFunctionList, so that a caller asking the
 * function list for it gets ours again) differ from the real module.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#define DEFAULT_REAL_MODULE "/usr/lib/softhsm/libsofthsm2.so"

static CK_FUNCTION_LIST_PTR real;      /* the real module's list */
static CK_FUNCTION_LIST filtered;      /* a copy with our two entries */
static CK_RV load_rv = CKR_GENERAL_ERROR;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* 1 if the token in slot has been initialised (C_InitToken). */
static int
slot_has_initialised_token(CK_SLOT_ID slot)
{
    CK_TOKEN_INFO info;
    if (real->C_GetTokenInfo(slot, &info) != CKR_OK)
        return 0;
    return (info.flags & CKF_TOKEN_INITIALIZED) != 0;
}

/* The real module's slots with a token, in *slots (caller frees). */
static CK_RV
real_slots_with_token(CK_SLOT_ID **slots, CK_ULONG *count)
{
    CK_ULONG n = 0;
    CK_RV rv = real->C_GetSlotList(CK_TRUE, NULL, &n);
    if (rv != CKR_OK)
        return rv;
    *slots = calloc(n > 0 ? n : 1, sizeof **slots);
    if (*slots == NULL)
        return CKR_HOST_MEMORY;
    rv = real->C_GetSlotList(CK_TRUE, *slots, &n);
    if (rv != CKR_OK) {
        free(*slots);
        *slots = NULL;
        return rv;
    }
    *count = n;
    return CKR_OK;
}

/* As the real C_GetSlotList, but only slots with an initialised token,
 * whatever token_present asks (a slot without a token has none either). */
static CK_RV
filter_GetSlotList(CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
    CK_SLOT_ID *slots = NULL;
    CK_ULONG n = 0, kept = 0;
    CK_RV rv;

    (void)token_present;
    if (count == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = real_slots_with_token(&slots, &n);
    if (rv != CKR_OK)
        return rv;
    for (CK_ULONG i = 0; i < n; i++) {
        if (slot_has_initialised_token(slots[i]))
            slots[kept++] = slots[i];
    }
    if (list != NULL && *count < kept)
        rv = CKR_BUFFER_TOO_SMALL;
    else if (list != NULL)
        memcpy(list, slots, kept * sizeof *slots);
    *count = kept;
    free(slots);
    return rv;
}

static CK_RV
filter_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    if (list == NULL)
        return CKR_ARGUMENTS_BAD;
    *list = &filtered;
    return CKR_OK;
}

/* Load the real module once; its handle stays open for the process. */
static void
load_real_module(void)
{
    const char *path = getenv("P11_SLOT_FILTER_MODULE");
    CK_C_GetFunctionList get_list;
    void *handle, *sym;

    if (path == NULL || *path == '\0')
        path = DEFAULT_REAL_MODULE;
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL)
        return;
    sym = dlsym(handle, "C_GetFunctionList");
    if (sym == NULL)
        return;
    memcpy(&get_list, &sym, sizeof get_list);
    load_rv = get_list(&real);
    if (load_rv != CKR_OK)
        return;
    filtered = *real;
    filtered.C_GetSlotList = filter_GetSlotList;
    filtered.C_GetFunctionList = filter_GetFunctionList;
}

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    pthread_once(&load_once, load_real_module);
    if (load_rv != CKR_OK)
        return load_rv;
    return filter_GetFunctionList(list);
}
