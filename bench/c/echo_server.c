/*
 * echo_server.c: the C ceiling for the bsdsock benchmarks.
 *
 * One thread, one epoll instance, level-triggered, every fd non-blocking.
 *
 *   echo_server tcp  <port>   TCP on 127.0.0.1 (port 0 = ephemeral)
 *   echo_server unix <path>   AF_UNIX stream socket at <path>
 *   echo_server udp  <port>   UDP, one datagram per recvfrom/sendto call
 *   echo_server mmsg <port>   UDP, batched with recvmmsg/sendmmsg
 *
 * Prints "READY <port-or-path>" on stdout once listening, then serves until
 * killed (SIGTERM/SIGINT unlink the AF_UNIX path and exit).
 *
 * Stream reads stop on a short read (fewer bytes than the buffer): the socket
 * is then almost surely drained, and level-triggered epoll reports it again
 * if not, so the extra read() that would only return EAGAIN is saved.
 * Accepted sockets get TCP_NODELAY, as every server in the benchmark does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BUF_SIZE (64 * 1024) /* per read, as Node's net reads */
#define MAX_EVENTS 256
#define BATCH 64 /* datagrams per recvmmsg/sendmmsg */
#define DGRAM_MAX 65536

static const char *unix_path; /* unlinked on exit */

static void die(const char *what) {
    perror(what);
    if (unix_path) unlink(unix_path);
    exit(1);
}

static void on_signal(int sig) {
    (void)sig;
    if (unix_path) unlink(unix_path);
    _exit(0);
}

/* A stream connection. When the peer does not read fast enough, the unsent
 * tail of the last read waits in buf and the connection watches EPOLLOUT
 * instead of EPOLLIN until it is flushed (so memory stays bounded). */
struct conn {
    int fd;
    size_t off, len; /* pending bytes: buf[off .. off+len) */
    char buf[BUF_SIZE];
};

static int epfd;

static void watch(int op, int fd, uint32_t events, void *ptr) {
    struct epoll_event ev = {.events = events, .data.ptr = ptr};
    if (epoll_ctl(epfd, op, fd, &ev) < 0) die("epoll_ctl");
}

static void conn_close(struct conn *c) {
    close(c->fd); /* closing removes it from the epoll set */
    free(c);
}

/* Write buf[off..off+len). Returns 0 when all written, 1 when the socket is
 * full (caller waits for EPOLLOUT), -1 on error. */
static int flush(struct conn *c) {
    while (c->len > 0) {
        ssize_t n = send(c->fd, c->buf + c->off, c->len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return 1;
            return -1;
        }
        c->off += (size_t)n;
        c->len -= (size_t)n;
    }
    c->off = 0;
    return 0;
}

static void on_readable(struct conn *c) {
    for (;;) {
        ssize_t n = recv(c->fd, c->buf, BUF_SIZE, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) { conn_close(c); return; } /* EOF or error */
        c->off = 0;
        c->len = (size_t)n;
        int r = flush(c);
        if (r < 0) { conn_close(c); return; }
        if (r > 0) { watch(EPOLL_CTL_MOD, c->fd, EPOLLOUT, c); return; }
        if (n < BUF_SIZE) return; /* short read: drained */
    }
}

static void on_writable(struct conn *c) {
    int r = flush(c);
    if (r < 0) conn_close(c);
    else if (r == 0) watch(EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
}

static void on_accept(int lfd, int tcp) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EAGAIN) return;
            die("accept4");
        }
        if (tcp) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        struct conn *c = malloc(sizeof *c);
        if (!c) die("malloc");
        c->fd = fd;
        c->off = c->len = 0;
        watch(EPOLL_CTL_ADD, fd, EPOLLIN, c);
    }
}

/* UDP, one datagram per call: recvfrom/sendto until EAGAIN. */
static void udp_single(int fd) {
    static char buf[DGRAM_MAX];
    for (;;) {
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;
            die("recvfrom");
        }
        /* A full send buffer drops the echo, as UDP may. */
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
    }
}

/* UDP, batched: recvmmsg up to BATCH, sendmmsg them back, until a short batch. */
static void udp_mmsg(int fd) {
    static char bufs[BATCH][DGRAM_MAX];
    static struct sockaddr_storage addrs[BATCH];
    static struct iovec iov[BATCH];
    static struct mmsghdr msgs[BATCH];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = DGRAM_MAX};
            msgs[i].msg_hdr = (struct msghdr){
                .msg_name = &addrs[i], .msg_namelen = sizeof addrs[i],
                .msg_iov = &iov[i], .msg_iovlen = 1};
        }
        int n = recvmmsg(fd, msgs, BATCH, 0, NULL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;
            die("recvmmsg");
        }
        for (int i = 0; i < n; i++) iov[i].iov_len = msgs[i].msg_len;
        for (int sent = 0; sent < n;) {
            int k = sendmmsg(fd, msgs + sent, (unsigned)(n - sent), 0);
            if (k <= 0) break; /* full send buffer: drop the rest */
            sent += k;
        }
        if (n < BATCH) return; /* short batch: drained */
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s tcp|unix|udp|mmsg <port-or-path>\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1], *arg = argv[2];
    int is_tcp = !strcmp(mode, "tcp"), is_unix = !strcmp(mode, "unix");
    int is_udp = !strcmp(mode, "udp"), is_mmsg = !strcmp(mode, "mmsg");
    if (!(is_tcp || is_unix || is_udp || is_mmsg)) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);

    int type = (is_udp || is_mmsg) ? SOCK_DGRAM : SOCK_STREAM;
    int fd = socket(is_unix ? AF_UNIX : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");

    char ready[256];
    if (is_unix) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        if (strlen(arg) >= sizeof sun.sun_path) { fprintf(stderr, "path too long\n"); return 2; }
        strcpy(sun.sun_path, arg);
        unlink(arg);
        if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0) die("bind");
        unix_path = arg;
        snprintf(ready, sizeof ready, "%s", arg);
    } else {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons((uint16_t)atoi(arg)),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) die("bind");
        socklen_t len = sizeof sin;
        if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0) die("getsockname");
        snprintf(ready, sizeof ready, "%d", ntohs(sin.sin_port));
    }
    if (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0) die("listen");

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    /* The listening/UDP socket is tagged with a NULL pointer. */
    watch(EPOLL_CTL_ADD, fd, EPOLLIN, NULL);

    printf("READY %s\n", ready);
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                if (is_udp) udp_single(fd);
                else if (is_mmsg) udp_mmsg(fd);
                else on_accept(fd, is_tcp);
            } else if (c->len > 0) {
                on_writable(c); /* waiting for EPOLLOUT (or an error) */
            } else {
                on_readable(c);
            }
        }
    }
}
