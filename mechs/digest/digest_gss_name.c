/* placeholder: written by the Digest mechanism work (issue 4) */
#include "config.h"
typedef int digest_gss_name_placeholder;
