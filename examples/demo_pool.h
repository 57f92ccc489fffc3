/*
 * demo_pool: serve accepted connections on threads, at most N at once, the
 * way a Windows server ported to Unix usually runs (a thread per client,
 * one shared server credential, a security context per connection).
 *
 *   struct demo_pool *p = demo_pool_new(max_workers, serve, arg);
 *   demo_pool_stop_on_signals(p);          (optional: SIGINT/SIGTERM)
 *   rc = demo_pool_run(p, listen_fd);      (returns after a stop)
 *   demo_pool_free(p);
 *
 * serve(arg, fd) runs on its own thread for each connection; the pool
 * closes fd after it returns.  When all N workers are busy, new clients
 * wait in the listen backlog: the load stays bounded.
 *
 * demo_pool_stop (any thread) and the signals end demo_pool_run: no new
 * connection is accepted, the connections still open are shut down for
 * reading (a request being answered is finished; a worker waiting for the
 * next request sees end of stream), and every worker is joined before
 * demo_pool_run returns, so the caller may then free what they shared.
 */
#ifndef SSPI_SHIM_DEMO_POOL_H
#define SSPI_SHIM_DEMO_POOL_H

struct demo_pool;

typedef void (*demo_serve_fn)(void *arg, int fd);

/* NULL (after a message on stderr) when out of memory or pipes. */
struct demo_pool *demo_pool_new(unsigned max_workers, demo_serve_fn serve, void *arg);

/* SIGINT and SIGTERM stop the pool gracefully (one pool per process). */
int demo_pool_stop_on_signals(struct demo_pool *p);

/* Accept and dispatch until stopped.  0 after a stop, -1 when accept or
 * thread creation failed (the workers are joined either way). */
int demo_pool_run(struct demo_pool *p, int listen_fd);

/* Ask demo_pool_run to stop; safe from a worker. */
void demo_pool_stop(struct demo_pool *p);

void demo_pool_free(struct demo_pool *p);

#endif /* SSPI_SHIM_DEMO_POOL_H */
