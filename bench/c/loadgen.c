/*
 * loadgen.c: the one load generator used against every echo server.
 *
 *   loadgen stream   <target> [-s chunk] [-o outstanding] [-d secs] [-W warmup]
 *   loadgen pingpong <target> [-s size] [-c conns] [-d secs] [-W warmup]
 *   loadgen udp      <target> [-s size] [-w window] [-t timeout_ms] [-d secs] [-W warmup]
 *
 * target: tcp:HOST:PORT (IPv4), unix:PATH, udp:HOST:PORT.
 *
 * stream:   one connection; write chunks of `chunk` bytes (one write() per
 *           chunk) while fewer than `outstanding` bytes are unechoed, and read
 *           the echo back. Counts bytes echoed.
 * pingpong: `conns` connections, each sends `size` bytes and waits for the
 *           whole echo before sending again. Counts round trips, latency
 *           histogram (p50/p99/max in microseconds).
 * udp:      `window` datagrams in flight on one connected socket; every echo
 *           sends the next datagram (batched with recvmmsg/sendmmsg so the
 *           generator is not the bottleneck). A datagram not echoed within
 *           `timeout_ms` is counted lost and re-sent, so the loop never stalls.
 *
 * Timeline on stdout, one line each, flushed:
 *   START                 after the warmup: the measured window begins
 *   STOP                  the measured window ends
 *   {...json...}          results for the measured window only
 * The driver samples the server's CPU time when it sees START and STOP.
 * Every mode exits by itself after warmup + duration seconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define UDP_BATCH 64

static void die(const char *what) {
    /* Errors are reported as JSON too, so the driver always parses a line. */
    printf("{\"error\":\"%s: %s\"}\n", what, strerror(errno));
    fflush(stdout);
    exit(1);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- options ------------------------------------------------------------ */

static struct {
    const char *mode, *target;
    long size, conns, outstanding, window, timeout_ms;
    double duration, warmup;
} opt = {.size = 64, .conns = 1, .outstanding = 256 * 1024, .window = 32,
         .timeout_ms = 20, .duration = 5, .warmup = 0.5};

static void usage(void) {
    fprintf(stderr,
            "usage: loadgen stream|pingpong|udp tcp:HOST:PORT|unix:PATH|udp:HOST:PORT\n"
            "       [-s size] [-c conns] [-o outstanding] [-w window] [-t timeout_ms]\n"
            "       [-d seconds] [-W warmup_seconds]\n");
    exit(2);
}

static void parse_args(int argc, char **argv) {
    if (argc < 3) usage();
    opt.mode = argv[1];
    opt.target = argv[2];
    for (int i = 3; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == 0 || argv[i][2] != 0 || i + 1 >= argc) usage();
        const char *v = argv[++i];
        switch (argv[i - 1][1]) {
        case 's': opt.size = atol(v); break;
        case 'c': opt.conns = atol(v); break;
        case 'o': opt.outstanding = atol(v); break;
        case 'w': opt.window = atol(v); break;
        case 't': opt.timeout_ms = atol(v); break;
        case 'd': opt.duration = atof(v); break;
        case 'W': opt.warmup = atof(v); break;
        default: usage();
        }
    }
    if (opt.size <= 0 || opt.conns <= 0 || opt.window <= 0 || opt.duration <= 0 ||
        opt.outstanding < opt.size)
        usage();
}

/* ---- connecting --------------------------------------------------------- */

/* Connects a socket to the target (blocking connect on loopback is instant),
 * then makes it non-blocking. */
static int open_target(void) {
    const char *t = opt.target;
    int fd;
    if (!strncmp(t, "unix:", 5)) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        if (strlen(t + 5) >= sizeof sun.sun_path) { errno = ENAMETOOLONG; die("unix path"); }
        strcpy(sun.sun_path, t + 5);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) die("connect");
    } else {
        int udp = !strncmp(t, "udp:", 4);
        if (!udp && strncmp(t, "tcp:", 4)) { errno = EINVAL; die("target"); }
        char host[64];
        const char *colon = strrchr(t + 4, ':');
        if (!colon || (size_t)(colon - (t + 4)) >= sizeof host) { errno = EINVAL; die("target"); }
        memcpy(host, t + 4, (size_t)(colon - (t + 4)));
        host[colon - (t + 4)] = 0;
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
        if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) { errno = EINVAL; die("host"); }
        fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        if (!udp) {
            int one = 1; /* every chunk leaves at once: no Nagle in the generator */
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) die("connect");
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* ---- latency histogram: log-linear, 64 sub-buckets per power of two ------ */

#define SUB 64
#define NBUCKETS (SUB + 58 * SUB)
static uint64_t hist[NBUCKETS];

static int bucket_of(uint64_t ns) {
    if (ns < SUB) return (int)ns;
    int e = 63 - __builtin_clzll(ns); /* e >= 6 */
    return SUB + (e - 6) * SUB + (int)((ns >> (e - 6)) & (SUB - 1));
}

/* Middle of a bucket's range, in ns. */
static double bucket_mid(int b) {
    if (b < SUB) return b;
    int e = (b - SUB) / SUB + 6, m = (b - SUB) % SUB;
    double lo = (double)((uint64_t)(SUB + m) << (e - 6));
    return lo + (double)((uint64_t)1 << (e - 6)) / 2;
}

static double percentile_us(uint64_t count, double p) {
    if (count == 0) return 0;
    uint64_t rank = (uint64_t)(p * (double)count), seen = 0;
    if (rank >= count) rank = count - 1;
    for (int b = 0; b < NBUCKETS; b++) {
        seen += hist[b];
        if (seen > rank) return bucket_mid(b) / 1000.0;
    }
    return 0;
}

/* ---- the measured window ------------------------------------------------ */

/* Phase handling shared by all modes. The event loop calls tick() after every
 * epoll_wait; it returns 0 once the run is over. `measuring` gates counting. */
static int measuring;
static double t_start, t_measure, t_stop;
static uint64_t ops, bytes, lost;

static void reset_counters(void) {
    ops = bytes = lost = 0;
    memset(hist, 0, sizeof hist);
}

static int tick(double now) {
    if (!measuring && now >= t_measure && now < t_stop) {
        reset_counters();
        measuring = 1;
        t_measure = now;
        t_stop = now + opt.duration;
        puts("START");
        fflush(stdout);
    }
    if (now >= t_stop) {
        puts("STOP");
        fflush(stdout);
        t_stop = now;
        return 0;
    }
    return 1;
}

/* epoll_wait timeout: wake at least every `cap_ms`, and at the phase edges. */
static int wait_ms(double now, int cap_ms) {
    double edge = measuring ? t_stop : t_measure;
    int ms = (int)((edge - now) * 1000) + 1;
    return ms < cap_ms ? (ms < 0 ? 0 : ms) : cap_ms;
}

static void report(void) {
    double secs = t_stop - t_measure;
    printf("{\"mode\":\"%s\",\"target\":\"%s\",\"size\":%ld,\"conns\":%ld,\"window\":%ld,"
           "\"seconds\":%.6f,\"ops\":%llu,\"bytes\":%llu,\"lost\":%llu,"
           "\"ops_per_s\":%.1f,\"mb_per_s\":%.3f",
           opt.mode, opt.target, opt.size, opt.conns, opt.window, secs,
           (unsigned long long)ops, (unsigned long long)bytes, (unsigned long long)lost,
           (double)ops / secs, (double)bytes / 1e6 / secs);
    if (!strcmp(opt.mode, "pingpong"))
        printf(",\"p50_us\":%.2f,\"p99_us\":%.2f", percentile_us(ops, 0.50), percentile_us(ops, 0.99));
    puts("}");
    fflush(stdout);
}

static int epfd;

static void watch(int op, int fd, uint32_t events, uint64_t tag) {
    struct epoll_event ev = {.events = events, .data.u64 = tag};
    if (epoll_ctl(epfd, op, fd, &ev) < 0) die("epoll_ctl");
}

/* Runs the event loop until the end of the window, calling on_event(tag,
 * events) for each ready fd and on_timer(now) after every wakeup. */
static void loop(void (*on_event)(uint64_t, uint32_t), void (*on_timer)(double), int cap_ms) {
    struct epoll_event events[MAX_EVENTS];
    for (double now = now_s(); tick(now); now = now_s()) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, wait_ms(now, cap_ms));
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; i++) on_event(events[i].data.u64, events[i].events);
        if (on_timer) on_timer(now_s());
    }
}

/* ---- stream ------------------------------------------------------------- */

static struct {
    int fd;
    char *chunk, *rbuf;
    size_t rbuf_size, chunk_off; /* bytes of the current chunk already written */
    uint64_t in_flight;
    int want_out;
} st;

static void stream_interest(void) {
    int want = st.chunk_off > 0 || st.in_flight + (uint64_t)opt.size <= (uint64_t)opt.outstanding;
    if (want != st.want_out) {
        st.want_out = want;
        watch(EPOLL_CTL_MOD, st.fd, EPOLLIN | (want ? EPOLLOUT : 0), 0);
    }
}

static void stream_event(uint64_t tag, uint32_t ev) {
    (void)tag;
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        for (;;) {
            ssize_t n = recv(st.fd, st.rbuf, st.rbuf_size, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) break;
            if (n < 0) die("recv");
            if (n == 0) { errno = ECONNRESET; die("server closed"); }
            st.in_flight -= (uint64_t)n;
            if (measuring) bytes += (uint64_t)n;
            if ((size_t)n < st.rbuf_size) break;
        }
    }
    if (ev & EPOLLOUT) {
        /* One write() per chunk, while the window allows another chunk. */
        while (st.chunk_off > 0 || st.in_flight + (uint64_t)opt.size <= (uint64_t)opt.outstanding) {
            ssize_t n = send(st.fd, st.chunk + st.chunk_off, (size_t)opt.size - st.chunk_off, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) break;
            if (n < 0) die("send");
            st.in_flight += (uint64_t)n;
            st.chunk_off = (st.chunk_off + (size_t)n) % (size_t)opt.size;
            if (st.chunk_off == 0 && measuring) ops++;
        }
    }
    stream_interest();
}

static void run_stream(void) {
    st.fd = open_target();
    st.chunk = malloc((size_t)opt.size);
    st.rbuf_size = 256 * 1024;
    st.rbuf = malloc(st.rbuf_size);
    if (!st.chunk || !st.rbuf) die("malloc");
    memset(st.chunk, 'x', (size_t)opt.size);
    st.want_out = 1;
    watch(EPOLL_CTL_ADD, st.fd, EPOLLIN | EPOLLOUT, 0);
    loop(stream_event, NULL, 100);
}

/* ---- pingpong ----------------------------------------------------------- */

struct pconn {
    int fd;
    size_t got; /* bytes of the current echo received */
    uint64_t sent_ns;
};
static struct pconn *pc;
static char *pmsg, *prbuf;

static void pp_send(struct pconn *c) {
    c->got = 0;
    c->sent_ns = now_ns();
    /* 64 B into an empty socket buffer: never partial on loopback. */
    for (;;) {
        ssize_t n = send(c->fd, pmsg, (size_t)opt.size, MSG_NOSIGNAL);
        if (n == opt.size) return;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("send");
        errno = EMSGSIZE;
        die("partial send");
    }
}

static void pp_event(uint64_t tag, uint32_t ev) {
    (void)ev;
    struct pconn *c = &pc[tag];
    for (;;) {
        ssize_t n = recv(c->fd, prbuf, (size_t)opt.size - c->got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n < 0) die("recv");
        if (n == 0) { errno = ECONNRESET; die("server closed"); }
        c->got += (size_t)n;
        if (c->got < (size_t)opt.size) continue;
        if (measuring) {
            uint64_t ns = now_ns() - c->sent_ns;
            hist[bucket_of(ns)]++;
            ops++;
            bytes += (uint64_t)opt.size;
        }
        pp_send(c);
        return; /* the echo cannot be there yet */
    }
}

static void run_pingpong(void) {
    pc = calloc((size_t)opt.conns, sizeof *pc);
    pmsg = malloc((size_t)opt.size);
    prbuf = malloc((size_t)opt.size);
    if (!pc || !pmsg || !prbuf) die("malloc");
    memset(pmsg, 'p', (size_t)opt.size);
    for (long i = 0; i < opt.conns; i++) {
        pc[i].fd = open_target();
        watch(EPOLL_CTL_ADD, pc[i].fd, EPOLLIN, (uint64_t)i);
    }
    for (long i = 0; i < opt.conns; i++) pp_send(&pc[i]);
    loop(pp_event, NULL, 100);
}

/* ---- udp ---------------------------------------------------------------- */

/* Every datagram starts with {slot, seq}; an echo counts only if it carries
 * the slot's current seq, so a late echo of a re-sent datagram is ignored. */
struct slot { uint32_t seq; double sent_at; };
struct dhdr { uint32_t slot, seq; };
static struct slot *slots;
static int ufd;
static char (*ubufs)[65536];
static struct mmsghdr umsgs[UDP_BATCH];
static struct iovec uiov[UDP_BATCH];
static char *usend_bufs;  /* window * size: one outgoing datagram per slot */
static uint32_t *pending; /* slots to send in the next sendmmsg */
static int npending;

static void udp_queue(uint32_t s, double now) {
    slots[s].seq++;
    slots[s].sent_at = now;
    struct dhdr h = {s, slots[s].seq};
    memcpy(usend_bufs + (size_t)s * (size_t)opt.size, &h, sizeof h);
    pending[npending++] = s;
}

static void udp_flush(void) {
    struct mmsghdr m[UDP_BATCH];
    struct iovec v[UDP_BATCH];
    int done = 0;
    while (done < npending) {
        int k = npending - done < UDP_BATCH ? npending - done : UDP_BATCH;
        for (int i = 0; i < k; i++) {
            v[i] = (struct iovec){usend_bufs + (size_t)pending[done + i] * (size_t)opt.size, (size_t)opt.size};
            m[i].msg_hdr = (struct msghdr){.msg_iov = &v[i], .msg_iovlen = 1};
        }
        int r = sendmmsg(ufd, m, (unsigned)k, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; /* full or refused: the timeout re-sends them */
        done += r;
    }
    npending = 0;
}

static void udp_event(uint64_t tag, uint32_t ev) {
    (void)tag; (void)ev;
    double now = now_s();
    for (;;) {
        for (int i = 0; i < UDP_BATCH; i++) {
            uiov[i] = (struct iovec){ubufs[i], sizeof ubufs[i]};
            umsgs[i].msg_hdr = (struct msghdr){.msg_iov = &uiov[i], .msg_iovlen = 1};
        }
        int n = recvmmsg(ufd, umsgs, UDP_BATCH, MSG_DONTWAIT, NULL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break; /* EAGAIN, or ECONNREFUSED from an ICMP: keep going */
        for (int i = 0; i < n; i++) {
            struct dhdr h;
            if (umsgs[i].msg_len < sizeof h) continue;
            memcpy(&h, ubufs[i], sizeof h);
            if (h.slot >= (uint32_t)opt.window || h.seq != slots[h.slot].seq) continue;
            if (measuring) { ops++; bytes += umsgs[i].msg_len; }
            udp_queue(h.slot, now);
        }
        if (n < UDP_BATCH) break;
    }
    udp_flush();
}

static void udp_timer(double now) {
    double timeout = (double)opt.timeout_ms / 1000.0;
    for (long s = 0; s < opt.window; s++) {
        if (now - slots[s].sent_at > timeout) {
            if (measuring) lost++;
            udp_queue((uint32_t)s, now);
        }
    }
    udp_flush();
}

static void run_udp(void) {
    if (opt.size < (long)sizeof(struct dhdr) || opt.size > 65507) { errno = EINVAL; die("size"); }
    ufd = open_target();
    slots = calloc((size_t)opt.window, sizeof *slots);
    pending = calloc((size_t)opt.window, sizeof *pending);
    usend_bufs = calloc((size_t)opt.window, (size_t)opt.size);
    ubufs = malloc(UDP_BATCH * sizeof *ubufs);
    if (!slots || !pending || !usend_bufs || !ubufs) die("malloc");
    memset(usend_bufs, 'u', (size_t)opt.window * (size_t)opt.size);
    watch(EPOLL_CTL_ADD, ufd, EPOLLIN, 0);
    double now = now_s();
    for (long s = 0; s < opt.window; s++) udp_queue((uint32_t)s, now);
    udp_flush();
    /* Wake every few ms to re-send datagrams that were lost. */
    int cap = opt.timeout_ms / 4 > 0 ? (int)(opt.timeout_ms / 4) : 1;
    loop(udp_event, udp_timer, cap);
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1");
    t_start = now_s();
    t_measure = t_start + opt.warmup;
    t_stop = t_measure + opt.duration;
    if (!strcmp(opt.mode, "stream")) run_stream();
    else if (!strcmp(opt.mode, "pingpong")) run_pingpong();
    else if (!strcmp(opt.mode, "udp")) run_udp();
    else usage();
    report();
    return 0;
}
