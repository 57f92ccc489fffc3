/* placeholder: written by the Digest mechanism work (issue 4) */
#include "config.h"
typedef int digest_userstore_placeholder;
