/*
 * with-gss-mechs COMMAND [ARG...]: runs COMMAND with this build's GSS
 * mechanisms registered for it alone (tests/mechenv.h).  Shell tests and
 * the demo use it to run programs we did not write against our mechanisms.
 * Exits 77 when registration is impossible here (automake's skip).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mechenv.h"

int main(int argc, char **argv)
{
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: with-gss-mechs COMMAND [ARG...]\n");
        return 2;
    }
    rc = test_mechenv_enter();
    if (rc != 0)
        return rc;
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
}
