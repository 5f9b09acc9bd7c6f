/* LD_PRELOAD=extra-thread.so CMD: runs CMD with one more thread, asleep for the whole run.
 * A process with more than one thread shares its descriptor table between them, and then Linux takes
 * a reference on every descriptor that poll() and other calls look up (fdget without the single-thread
 * shortcut). Every .NET process has several threads, so this is the C baseline a .NET library
 * can be held to. */
#include <pthread.h>
#include <unistd.h>

static void *sleeper(void *arg) { (void)arg; for (;;) pause(); return 0; }

__attribute__((constructor)) static void start_extra_thread(void) {
    pthread_t t;
    if (pthread_create(&t, 0, sleeper, 0) == 0) pthread_detach(t);
}
