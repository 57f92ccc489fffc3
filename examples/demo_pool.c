/*
 * demo_pool: a bounded thread-per-connection server loop (demo_pool.h).
 *
 * The main thread waits in poll() on the listening socket and on a wake
 * pipe.  Workers write to the pipe when they finish (a slot is free again),
 * demo_pool_stop and the signal handler write to it to stop: poll() is the
 * only place the main thread blocks, so a stop is never missed while all
 * workers are busy.
 */
#include "demo_pool.h"
#include "demo_net.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum slot_state { SLOT_FREE, SLOT_RUNNING, SLOT_DONE };

struct demo_slot {
    struct demo_pool *pool;
    pthread_t thread;
    enum slot_state state; /* under pool->lock */
    int fd;                /* the connection while RUNNING, else -1 */
    int joinable;          /* thread started, not joined: main thread only */
};

struct demo_pool {
    pthread_mutex_t lock;
    unsigned max, active;
    int stopping;
    int wake[2]; /* non-blocking pipe: read end polled by demo_pool_run */
    demo_serve_fn serve;
    void *arg;
    struct demo_slot *slots;
};

/* The pipe the signal handler writes to (write(2) is async-signal-safe). */
static volatile sig_atomic_t signal_wake_fd = -1;
static volatile sig_atomic_t signal_stop;

static void wake(struct demo_pool *p)
{
    char b = 1;
    /* A full pipe already holds a wake-up: nothing is lost. */
    (void)!write(p->wake[1], &b, 1);
}

static void on_stop_signal(int sig)
{
    int saved = errno;
    char b = 1;

    (void)sig;
    signal_stop = 1;
    if (signal_wake_fd >= 0)
        (void)!write(signal_wake_fd, &b, 1);
    errno = saved;
}

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

struct demo_pool *demo_pool_new(unsigned max_workers, demo_serve_fn serve, void *arg)
{
    struct demo_pool *p = calloc(1, sizeof *p);
    unsigned i;

    if (p == NULL || max_workers == 0 || (p->slots = calloc(max_workers, sizeof *p->slots)) == NULL) {
        fprintf(stderr, "%s: out of memory for %u workers\n", demo_progname(), max_workers);
        free(p);
        return NULL;
    }
    p->wake[0] = p->wake[1] = -1;
    if (pipe(p->wake) < 0 || set_nonblocking(p->wake[0]) < 0 || set_nonblocking(p->wake[1]) < 0) {
        fprintf(stderr, "%s: pipe: %s\n", demo_progname(), strerror(errno));
        demo_close(p->wake[0]);
        demo_close(p->wake[1]);
        free(p->slots);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    p->max = max_workers;
    p->serve = serve;
    p->arg = arg;
    for (i = 0; i < max_workers; i++) {
        p->slots[i].pool = p;
        p->slots[i].fd = -1;
    }
    return p;
}

int demo_pool_stop_on_signals(struct demo_pool *p)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    signal_wake_fd = p->wake[1];
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
        fprintf(stderr, "%s: sigaction: %s\n", demo_progname(), strerror(errno));
        return -1;
    }
    return 0;
}

void demo_pool_stop(struct demo_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_mutex_unlock(&p->lock);
    wake(p);
}

static void *worker_main(void *v)
{
    struct demo_slot *slot = v;
    struct demo_pool *p = slot->pool;
    int fd = slot->fd;

    p->serve(p->arg, fd);

    /* fd leaves the slot before it is closed, so that a stop never shuts
     * down a descriptor number that was closed and reused meanwhile. */
    pthread_mutex_lock(&p->lock);
    slot->fd = -1;
    slot->state = SLOT_DONE;
    p->active--;
    pthread_mutex_unlock(&p->lock);
    demo_close(fd);
    wake(p);
    return NULL;
}

/* A slot for a new connection (joining the thread that last used it), or
 * NULL when every worker is busy. */
static struct demo_slot *take_slot(struct demo_pool *p)
{
    struct demo_slot *slot = NULL;
    unsigned i;

    pthread_mutex_lock(&p->lock);
    for (i = 0; i < p->max && slot == NULL; i++)
        if (p->slots[i].state != SLOT_RUNNING)
            slot = &p->slots[i];
    pthread_mutex_unlock(&p->lock);
    if (slot != NULL && slot->joinable) {
        pthread_join(slot->thread, NULL);
        slot->joinable = 0;
    }
    return slot;
}

static int start_worker(struct demo_pool *p, struct demo_slot *slot, int fd)
{
    int err;

    pthread_mutex_lock(&p->lock);
    slot->fd = fd;
    slot->state = SLOT_RUNNING;
    p->active++;
    pthread_mutex_unlock(&p->lock);
    err = pthread_create(&slot->thread, NULL, worker_main, slot);
    if (err != 0) {
        fprintf(stderr, "%s: pthread_create: %s\n", demo_progname(), strerror(err));
        pthread_mutex_lock(&p->lock);
        slot->fd = -1;
        slot->state = SLOT_FREE;
        p->active--;
        pthread_mutex_unlock(&p->lock);
        demo_close(fd);
        return -1;
    }
    slot->joinable = 1;
    return 0;
}

static int stop_requested(struct demo_pool *p)
{
    int stop;

    pthread_mutex_lock(&p->lock);
    stop = p->stopping || signal_stop;
    pthread_mutex_unlock(&p->lock);
    return stop;
}

int demo_pool_run(struct demo_pool *p, int listen_fd)
{
    int rc = 0;
    unsigned i;

    while (!stop_requested(p)) {
        struct pollfd fds[2] = {{p->wake[0], POLLIN, 0}, {listen_fd, POLLIN, 0}};
        unsigned active;
        char drain[64];

        pthread_mutex_lock(&p->lock);
        active = p->active;
        pthread_mutex_unlock(&p->lock);
        /* All workers busy: leave new clients in the backlog until one
         * finishes (its wake-up ends the poll). */
        if (poll(fds, active < p->max ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: poll: %s\n", demo_progname(), strerror(errno));
            rc = -1;
            break;
        }
        if (fds[0].revents != 0)
            while (read(p->wake[0], drain, sizeof drain) > 0)
                ;
        if (active < p->max && (fds[1].revents & POLLIN) && !stop_requested(p)) {
            struct demo_slot *slot = take_slot(p);
            int fd;

            if (slot == NULL)
                continue; /* cannot happen: only this thread takes slots */
            fd = demo_accept(listen_fd);
            if (fd < 0 || start_worker(p, slot, fd) < 0) {
                rc = -1;
                break;
            }
        }
    }

    /* Stop: wake the workers that wait for a next request, then join all. */
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    for (i = 0; i < p->max; i++)
        if (p->slots[i].state == SLOT_RUNNING && p->slots[i].fd >= 0)
            shutdown(p->slots[i].fd, SHUT_RD);
    pthread_mutex_unlock(&p->lock);
    for (i = 0; i < p->max; i++) {
        if (p->slots[i].joinable) {
            pthread_join(p->slots[i].thread, NULL);
            p->slots[i].joinable = 0;
        }
    }
    return rc;
}

void demo_pool_free(struct demo_pool *p)
{
    if (p == NULL)
        return;
    if (signal_wake_fd == p->wake[1])
        signal_wake_fd = -1;
    close(p->wake[0]);
    close(p->wake[1]);
    pthread_mutex_destroy(&p->lock);
    free(p->slots);
    free(p);
}
