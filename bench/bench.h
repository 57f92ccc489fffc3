/*
 * bench.h - small helpers shared by the benchmarks in bench/.
 *
 * The rules (DESIGN.md, "Performance is a feature"): every figure is a
 * ratio against raw GSS-API measured in the same run; shim and raw rounds
 * alternate, the order flipping every round, and the median of the rounds
 * is reported so that drift on a noisy machine cancels.  Benchmarks are run
 * by `make bench`, never by `make check`, and nothing here asserts on time.
 *
 * Knobs (environment):
 *   BENCH_SCALE=F    multiply every iteration count by F (e.g. 0.1 for a
 *                    smoke run, 3 for steadier figures); default 1
 *   BENCH_ROUNDS=N   interleaved rounds per measurement (odd is best for
 *                    a median); default 21
 */
#ifndef SSPI_SHIM_BENCH_H
#define SSPI_SHIM_BENCH_H

#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_ROUNDS 64

/* ------------------------------------------------------------ time */

/* Seconds on CLOCK_MONOTONIC: never steps back, not moved by NTP slews of
 * the wall clock, and cheap (vDSO). */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------ knobs */

static inline double bench_scale(void)
{
    const char *s = getenv("BENCH_SCALE");
    double f = s != NULL ? strtod(s, NULL) : 1.0;
    return f > 0 ? f : 1.0;
}

/* base * BENCH_SCALE, at least `floor`. */
static inline long bench_count(long base, long floor)
{
    long n = (long)((double)base * bench_scale() + 0.5);
    return n < floor ? floor : n;
}

static inline int bench_rounds(void)
{
    const char *s = getenv("BENCH_ROUNDS");
    int n = s != NULL ? atoi(s) : 21;
    if (n < 1)
        n = 1;
    if (n > BENCH_MAX_ROUNDS)
        n = BENCH_MAX_ROUNDS;
    return n;
}

/* ------------------------------------------------------------ statistics */

struct bench_samples {
    int n;
    double v[BENCH_MAX_ROUNDS];
};

static inline void bench_add(struct bench_samples *s, double v)
{
    if (s->n < BENCH_MAX_ROUNDS)
        s->v[s->n++] = v;
}

static inline int bench_cmp_double_(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double bench_median(const struct bench_samples *s)
{
    if (s->n == 0)
        return 0;
    double v[BENCH_MAX_ROUNDS];
    memcpy(v, s->v, sizeof(double) * (size_t)s->n);
    qsort(v, (size_t)s->n, sizeof(double), bench_cmp_double_);
    return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

static inline double bench_min(const struct bench_samples *s)
{
    double m = s->n ? s->v[0] : 0;
    for (int i = 1; i < s->n; i++)
        if (s->v[i] < m)
            m = s->v[i];
    return m;
}

static inline double bench_max(const struct bench_samples *s)
{
    double m = s->n ? s->v[0] : 0;
    for (int i = 1; i < s->n; i++)
        if (s->v[i] > m)
            m = s->v[i];
    return m;
}

/* ------------------------------------------------------------ shim vs raw */

/* CPU time of the calling thread (user + system).  Not charged while the
 * thread waits for a core another process holds, so on a shared machine it
 * is the steadier of the two measures; it misses time spent waiting for
 * locks or I/O, which the wall clock sees. */
static inline double bench_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs n operations. */
typedef void (*bench_fn)(void *arg, long n);

struct bench_compare {
    struct bench_samples shim_rate, raw_rate;   /* operations per wall second */
    struct bench_samples ratio;                 /* shim_rate / raw_rate, per round */
    struct bench_samples cpu_ratio;             /* raw CPU per op / shim CPU per op */
};

/*
 * `rounds` rounds of n shim operations and n raw ones, back to back, the
 * order flipped every round; each round gives one ratio, so slow drift (the
 * other tenants of the machine, frequency changes) hits both sides of a
 * ratio alike and the median shrugs off the rounds a burst of load spoilt.
 */
static inline void bench_interleave(bench_fn shim, void *shim_arg, bench_fn raw, void *raw_arg,
                                    long n, int rounds, struct bench_compare *out)
{
    memset(out, 0, sizeof(*out));
    for (int r = 0; r < rounds; r++) {
        double rate[2] = {0, 0}, cpu[2] = {0, 0};
        for (int k = 0; k < 2; k++) {
            int side = (k + r) % 2; /* 0 = shim, 1 = raw */
            double c0 = bench_thread_cpu(), t0 = bench_now();
            if (side == 0)
                shim(shim_arg, n);
            else
                raw(raw_arg, n);
            double t1 = bench_now(), c1 = bench_thread_cpu();
            rate[side] = (double)n / (t1 - t0);
            cpu[side] = (c1 - c0) / (double)n;
        }
        bench_add(&out->shim_rate, rate[0]);
        bench_add(&out->raw_rate, rate[1]);
        bench_add(&out->ratio, rate[0] / rate[1]);
        bench_add(&out->cpu_ratio, cpu[1] / cpu[0]);
    }
}

/* ------------------------------------------------------------ memory */

/* Bytes the allocator has handed out and not yet taken back: in-use
 * chunks of the main arena (with their malloc headers and rounding, which
 * are a real cost) plus mmap'd blocks.  Main arena only: call it, and do
 * the allocations being measured, on the main thread. */
static inline long long bench_heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (long long)mi.uordblks + (long long)mi.hblkhd;
#else
    struct mallinfo mi = mallinfo();
    return (long long)(unsigned)mi.uordblks + (long long)(unsigned)mi.hblkhd;
#endif
}

/* ------------------------------------------------------------ output */

/* "met" / "MISSED" for value against a target; higher_is_better picks
 * the direction. */
static inline const char *bench_verdict(double value, double target, bool higher_is_better)
{
    bool ok = higher_is_better ? value >= target : value <= target;
    return ok ? "met" : "MISSED";
}

static inline void bench_rule(void)
{
    puts("------------------------------------------------------------------------------");
}

#endif
