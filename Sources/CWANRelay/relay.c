#define _GNU_SOURCE
#include "CWANRelay.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

_Static_assert(EPOLLIN == 1 && EPOLLOUT == 4 && (EPOLLERR | EPOLLHUP) == 24 && EPOLLONESHOT == 1u << 30, "epoll values");

int wanrelay_accept(int listener) { return accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

static int64_t nanoseconds(clockid_t clock) {
    struct timespec now;
    clock_gettime(clock, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int64_t wanrelay_now(void) { return nanoseconds(CLOCK_MONOTONIC); }

int wanrelay_receive(int fd, wanrelay_datagram *batch, unsigned int count) {
    struct mmsghdr messages[WANRELAY_BATCH];
    struct iovec vectors[WANRELAY_BATCH];
    union {
        char bytes[CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } control[WANRELAY_BATCH];
    if (count > WANRELAY_BATCH) count = WANRELAY_BATCH;
    memset(messages, 0, sizeof(messages[0]) * count);
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = batch[i].base;
        vectors[i].iov_len = batch[i].capacity;
        messages[i].msg_hdr.msg_name = &batch[i].peer;
        messages[i].msg_hdr.msg_namelen = sizeof(batch[i].peer);
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_control = control[i].bytes;
        messages[i].msg_hdr.msg_controllen = sizeof(control[i].bytes);
    }
    int received = recvmmsg(fd, messages, count, MSG_DONTWAIT, NULL);
    if (received < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    // The kernel stamps arrivals with CLOCK_REALTIME: moved onto CLOCK_MONOTONIC by the clocks' offset now,
    // and kept within the last second (a clock step must not hold a datagram back or send it early).
    int64_t monotonic = nanoseconds(CLOCK_MONOTONIC);
    int64_t offset = monotonic - nanoseconds(CLOCK_REALTIME);
    for (int i = 0; i < received; i++) {
        batch[i].length = messages[i].msg_len;
        batch[i].truncated = (messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
        batch[i].peer_length = messages[i].msg_hdr.msg_namelen;
        batch[i].arrival = monotonic;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&messages[i].msg_hdr); c; c = CMSG_NXTHDR(&messages[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec stamp;
                memcpy(&stamp, CMSG_DATA(c), sizeof(stamp));
                int64_t arrival = (int64_t)stamp.tv_sec * 1000000000 + stamp.tv_nsec + offset;
                if (arrival <= monotonic && arrival > monotonic - 1000000000) batch[i].arrival = arrival;
            }
        }
    }
    return received;
}

int wanrelay_send(int fd, const wanrelay_datagram *batch, unsigned int count) {
    struct mmsghdr messages[WANRELAY_BATCH];
    struct iovec vectors[WANRELAY_BATCH];
    if (count > WANRELAY_BATCH) count = WANRELAY_BATCH;
    memset(messages, 0, sizeof(messages[0]) * count);
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = batch[i].base;
        vectors[i].iov_len = batch[i].length;
        if (batch[i].peer_length) {
            messages[i].msg_hdr.msg_name = (void *)&batch[i].peer;
            messages[i].msg_hdr.msg_namelen = batch[i].peer_length;
        }
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    return sendmmsg(fd, messages, count, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int wanrelay_poller(void) { return epoll_create1(EPOLL_CLOEXEC); }

int wanrelay_watch(int poller, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event = {.events = events, .data.u64 = token};
    int operation = op == 1 ? EPOLL_CTL_ADD : op == 2 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    return epoll_ctl(poller, operation, fd, &event);
}

int wanrelay_wait(int poller, uint64_t *tokens, uint32_t *events, int capacity, int timeout_ms) {
    struct epoll_event ready[WANRELAY_BATCH];
    if (capacity > WANRELAY_BATCH) capacity = WANRELAY_BATCH;
    int count = epoll_wait(poller, ready, capacity, timeout_ms);
    if (count < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < count; i++) {
        tokens[i] = ready[i].data.u64;
        events[i] = ready[i].events;
    }
    return count;
}

int wanrelay_timer(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }

int wanrelay_arm(int timer, int64_t due) {
    struct itimerspec when;
    memset(&when, 0, sizeof(when));
    when.it_value.tv_sec = due / 1000000000;
    when.it_value.tv_nsec = due % 1000000000;
    return timerfd_settime(timer, TFD_TIMER_ABSTIME, &when, NULL);
}

void wanrelay_acknowledge(int fd) {
    char sink[128];
    while (read(fd, sink, sizeof(sink)) > 0) {}
}

int wanrelay_stop_signals(void) {
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    if (sigprocmask(SIG_BLOCK, &stop, NULL) != 0) return -1;
    return signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
}

int wanrelay_stamp_arrivals(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
}

int wanrelay_realtime(void) {
    struct rlimit guard = {.rlim_cur = 2000000, .rlim_max = 3000000};
    if (setrlimit(RLIMIT_RTTIME, &guard) != 0) return -1;
    struct sched_param priority = {.sched_priority = 1};
    return sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &priority);
}
