/* The C baseline for TimerSource's lateness: a periodic timerfd (CLOCK_MONOTONIC) in an epoll loop.
 * lateness = wake-up time - the deadline of the last expiration read (us); prints p50 p99 max.
 * usage: lateness [EXPIRIES [PERIOD_US]] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
    long expiries = argc > 1 ? atol(argv[1]) : 10000, period_us = argc > 2 ? atol(argv[2]) : 1000;
    int64_t period = period_us * 1000;
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK), ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out[4];
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    double *late = malloc(sizeof(double) * (size_t)expiries);
    long n = 0, consumed = 0, events = 0;
    struct itimerspec spec = { { period / 1000000000, period % 1000000000 }, { period / 1000000000, period % 1000000000 } };
    int64_t start = now_ns();
    timerfd_settime(tfd, 0, &spec, NULL);
    while (consumed < expiries) {
        if (epoll_wait(ep, out, 4, 1000) <= 0) continue;
        int64_t t = now_ns();
        uint64_t count;
        if (read(tfd, &count, sizeof count) != sizeof count) continue;
        consumed += (long)count; events++;
        late[n++] = (double)(t - start - consumed * period) / 1000.0;
    }
    qsort(late, (size_t)n, sizeof(double), cmp);
    long p99 = (long)(0.99 * n + 0.999999) - 1;
    printf("%-28s %8.1f %8.1f %8.1f %7ld %9ld\n", "C timerfd + epoll", late[(n + 1) / 2 - 1], late[p99 < 0 ? 0 : p99], late[n - 1], events, consumed);
    return 0;
}
