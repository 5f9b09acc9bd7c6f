// churnload: connection churn against an echo server. Each of W threads, until the deadline:
// connect to 127.0.0.1:PORT, send S bytes, read the S bytes echoed, close. Prints the connections
// completed per second, and the failures (connect refused, short echo, reset).
//
//     churnload PORT THREADS SECONDS [SIZE]
//
// Only 127.0.0.1. A normal close (FIN) as a client would; on Linux the loopback reuses TIME_WAIT ports
// (net.ipv4.tcp_tw_reuse = 2, the default), so thousands of connections a second do not run out of them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, size;
static double deadline;
static atomic_long done, failed;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int one(char *buffer) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&to, sizeof to) == 0 && send(fd, buffer, size, 0) == size;
    int got = 0;
    while (ok && got < size) {
        ssize_t n = recv(fd, buffer + got, size - got, 0);
        if (n <= 0) ok = 0; else got += n;
    }
    close(fd);
    return ok ? 0 : -1;
}

static void *worker(void *arg) {
    (void)arg;
    char *buffer = calloc(1, size);
    while (now() < deadline) {
        if (one(buffer) == 0) atomic_fetch_add(&done, 1);
        else atomic_fetch_add(&failed, 1);
    }
    free(buffer);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: churnload PORT THREADS SECONDS [SIZE]\n");
        return 2;
    }
    port = atoi(argv[1]);
    int threads = atoi(argv[2]);
    double seconds = atof(argv[3]);
    size = argc > 4 ? atoi(argv[4]) : 64;
    double start = now();
    deadline = start + seconds;
    pthread_t *t = calloc(threads, sizeof *t);
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double elapsed = now() - start;
    printf("connections %ld failed %ld seconds %.3f conn_s %.0f\n", atomic_load(&done), atomic_load(&failed), elapsed, atomic_load(&done) / elapsed);
    return 0;
}
