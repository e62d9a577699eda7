#ifndef ZONECHECK_CWANRELAY_H
#define ZONECHECK_CWANRELAY_H
// The Linux calls wan-relay needs that Swift's Glibc module leaves out (recvmmsg and sendmmsg need
// _GNU_SOURCE; epoll, timerfd and signalfd are not in the module at all), behind plain functions.
#include <stdint.h>
#include <sys/socket.h>

/// The most datagrams one call moves.
#define WANRELAY_BATCH 64

/// One datagram of a batch: the caller's buffer, the peer's address and, on receive, the length and the
/// arrival time (CLOCK_MONOTONIC nanoseconds, from the kernel's receive timestamp when it gave one).
typedef struct {
    void *base;
    uint32_t capacity;
    uint32_t length;
    int32_t truncated;
    uint32_t peer_length;
    int64_t arrival;
    struct sockaddr_storage peer;
} wanrelay_datagram;

/// recvmmsg(2), non-blocking: the number received (0 when none waits), or -1 with errno.
int wanrelay_receive(int fd, wanrelay_datagram *batch, unsigned int count);
/// sendmmsg(2), non-blocking, no SIGPIPE; peer_length 0 sends on a connected socket. The number sent, or -1
/// with errno when the first one failed.
int wanrelay_send(int fd, const wanrelay_datagram *batch, unsigned int count);

/// CLOCK_MONOTONIC now, nanoseconds.
int64_t wanrelay_now(void);

/// The epoll events wan-relay asks for and reads (the values of EPOLLIN, EPOLLOUT, EPOLLERR | EPOLLHUP).
static const uint32_t wanrelay_readable = 1;
static const uint32_t wanrelay_writable = 4;
static const uint32_t wanrelay_failed = 8 | 16;
/// EPOLLONESHOT: reported once, then not again until modified.
static const uint32_t wanrelay_once = 1u << 30;

/// accept4(2), non-blocking and close-on-exec: the new socket, or -1 with errno.
int wanrelay_accept(int listener);

/// epoll_create1(EPOLL_CLOEXEC).
int wanrelay_poller(void);
/// epoll_ctl: op 1 add, 2 remove, 3 modify.
int wanrelay_watch(int poller, int op, int fd, uint32_t events, uint64_t token);
/// epoll_wait: fills tokens and events, returns how many (0 on timeout or EINTR), or -1 with errno.
int wanrelay_wait(int poller, uint64_t *tokens, uint32_t *events, int capacity, int timeout_ms);

/// A non-blocking CLOCK_MONOTONIC timerfd.
int wanrelay_timer(void);
/// Arms the timer for the absolute CLOCK_MONOTONIC time `due` (nanoseconds); 0 disarms it.
int wanrelay_arm(int timer, int64_t due);
/// Reads the timer's expiry count so it stops being readable.
void wanrelay_acknowledge(int fd);

/// SIGTERM and SIGINT as a readable descriptor (blocked, so they arrive only there, whatever mask or
/// disposition the parent passed on), and SIGPIPE ignored. -1 with errno on failure.
int wanrelay_stop_signals(void);

/// SCHED_FIFO at the lowest real-time priority, so the relay's wake-ups do not queue behind builds and
/// servers on the same cores (it sleeps between packets and uses a few microseconds per datagram), and
/// RLIMIT_RTTIME as the guard: 2 s of CPU without sleeping (a bug, never a burst) ends it. 0, or -1 with
/// errno when the kernel refused (not root): the relay then runs as any other process.
int wanrelay_realtime(void);

/// Asks the kernel to stamp each received datagram with its arrival time (SO_TIMESTAMPNS).
int wanrelay_stamp_arrivals(int fd);

#endif
