/*
 * strata-agent: the process that runs inside every Strata sandbox.
 *
 * It speaks the framed, multiplexed protocol of docs/sandbox-agent-protocol.md
 * with the host: it starts commands (several at once), streams their stdin,
 * stdout and stderr, forwards signals, reports exit statuses and copies files
 * in and out. The same binary serves every runtime:
 *
 *   strata-agent [--keep-caps] [--lo-up]
 *                                protocol on fds 0 (in) and 1 (out); the
 *                                runtime (bwrap, runc, runsc) already built
 *                                the namespaces. --keep-caps is for the
 *                                `process` runtime, whose jobs are trusted;
 *                                --lo-up brings loopback up (runc leaves a new
 *                                network namespace's lo down).
 *   strata-agent --vm PORT       inside a QEMU guest (pid 1, started by
 *                                /init): protocol on the virtio-serial PORT;
 *                                waits for SETUP, mounts the shared root and
 *                                volumes, then serves from a fresh PID, mount,
 *                                UTS and IPC namespace so that the workload
 *                                sees only its own processes (as in Kata).
 *
 * Build: gcc -static -O2 -o strata-agent strata-agent.c (Debian gcc,
 * libc6-dev). Logs go to stderr, never to the protocol stream.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define PROTOCOL_VERSION 1
#define HEADER_SIZE 9               /* u32 length, u8 type, u32 channel */
#define MAX_PAYLOAD (1024 * 1024)   /* larger frames are a protocol error */
#define CHUNK 32768                 /* output and copy-out data per frame */
#define MAX_EXECS 256
#define MAX_COPIES 32
/* Output a command may send before the host grants more (WINDOW frames):
   a reader that falls behind stalls its command, as a full pipe would. */
#define INITIAL_WINDOW (1024 * 1024)

/* Frame types: host -> agent */
enum {
  T_SETUP = 0x01,
  T_EXEC = 0x02,
  T_STDIN = 0x03,
  T_SIGNAL = 0x04,
  T_COPY_IN = 0x05,
  T_ENTRY = 0x06,
  T_DATA = 0x07,
  T_END = 0x08,
  T_COPY_OUT = 0x09,
  T_SHUTDOWN = 0x0a,
  T_RESIZE = 0x0b,
  T_WINDOW = 0x0c,
};
/* Frame types: agent -> host (ENTRY, DATA and END are shared with copy-in) */
enum {
  T_HELLO = 0x81,
  T_READY = 0x82,
  T_STARTED = 0x83,
  T_STDOUT = 0x84,
  T_STDERR = 0x85,
  T_EXIT = 0x86,
  T_ERROR = 0x87,
  T_OK = 0x88,
};

struct exec {
  int used;
  uint32_t chan;
  pid_t pid;
  int in_fd, out_fd, err_fd; /* -1 once closed; with a tty out_fd is the master */
  int tty;
  char *inbuf;
  size_t inlen, incap;
  int in_eof;
  int exited, status;
  long long credit; /* output bytes the host will still accept */
};

struct copy {
  int used;
  uint32_t chan;
  char root[PATH_MAX];
  int fd;           /* file being written, or -1 */
  int err;          /* first errno; the copy fails at END */
  char errmsg[256];
};

static int chan_in = 0, chan_out = 1;
static int vm_mode = 0, keep_caps = 0, lo_up = 0;
static int cgroup_fd = -1; /* VM: the workload cgroup's cgroup.procs */
static struct exec execs[MAX_EXECS];
static struct copy copies[MAX_COPIES];
static unsigned char *inbuf;
static size_t inlen, incap;

static void logmsg(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "strata-agent[%d]: ", (int)getpid());
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void die(const char *what) {
  logmsg("fatal: %s: %s", what, strerror(errno));
  if (vm_mode) {
    sync();
    reboot(RB_POWER_OFF);
  }
  _exit(1);
}

/* ---- output --------------------------------------------------------- */

static void write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        poll(&pfd, 1, -1);
        continue;
      }
      die("write to host");
    }
    p += n;
    len -= (size_t)n;
  }
}

static void send_frame(uint8_t type, uint32_t chan, const void *payload, size_t len) {
  unsigned char h[HEADER_SIZE];
  uint32_t l = (uint32_t)(len + 5);
  h[0] = l >> 24; h[1] = l >> 16; h[2] = l >> 8; h[3] = l;
  h[4] = type;
  h[5] = chan >> 24; h[6] = chan >> 16; h[7] = chan >> 8; h[8] = chan;
  if (len == 0) {
    write_all(chan_out, h, HEADER_SIZE);
    return;
  }
  /* One write per frame keeps frames whole on message-oriented ports. */
  unsigned char stackbuf[HEADER_SIZE + CHUNK];
  unsigned char *buf = len <= CHUNK ? stackbuf : malloc(HEADER_SIZE + len);
  if (!buf) die("malloc");
  memcpy(buf, h, HEADER_SIZE);
  memcpy(buf + HEADER_SIZE, payload, len);
  write_all(chan_out, buf, HEADER_SIZE + len);
  if (buf != stackbuf) free(buf);
}

/* Key/value payloads: a sequence of NUL-terminated "key=value" strings. */
struct kvbuf {
  char data[8192];
  size_t len;
};

static void kv_add(struct kvbuf *kv, const char *key, const char *fmt, ...) {
  size_t room = sizeof kv->data - kv->len;
  int n = snprintf(kv->data + kv->len, room, "%s=", key);
  if (n < 0 || (size_t)n >= room) return;
  kv->len += (size_t)n;
  room -= (size_t)n;
  va_list ap;
  va_start(ap, fmt);
  n = vsnprintf(kv->data + kv->len, room, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= room) n = (int)room - 1;
  kv->len += (size_t)n + 1; /* keep the NUL */
}

static void send_error(uint32_t chan, const char *stage, int err, const char *fmt, ...) {
  struct kvbuf kv = {.len = 0};
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  kv_add(&kv, "stage", "%s", stage);
  kv_add(&kv, "errno", "%d", err);
  kv_add(&kv, "code", "%s", err ? (strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN") : "EPROTO");
  kv_add(&kv, "message", "%s", msg);
  send_frame(T_ERROR, chan, kv.data, kv.len);
}

/* Iterates the "key=value" strings of a payload. */
static const char *kv_next(const unsigned char *p, size_t len, size_t *off, const char **value) {
  while (*off < len) {
    const char *s = (const char *)p + *off;
    size_t rest = len - *off;
    size_t n = strnlen(s, rest);
    if (n == rest) return NULL; /* unterminated */
    *off += n + 1;
    const char *eq = memchr(s, '=', n);
    if (!eq) continue;
    *value = eq + 1;
    return s;
  }
  return NULL;
}

static int key_is(const char *k, const char *name) {
  size_t n = strlen(name);
  return strncmp(k, name, n) == 0 && k[n] == '=';
}

/* ---- execs ---------------------------------------------------------- */

static void maybe_finish(struct exec *e);
static void finish_tty(struct exec *e);

static struct exec *find_exec(uint32_t chan) {
  for (int i = 0; i < MAX_EXECS; i++)
    if (execs[i].used && execs[i].chan == chan) return &execs[i];
  return NULL;
}

static void set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void drop_capabilities(void) {
  for (int c = 0; c <= CAP_LAST_CAP; c++) prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  syscall(SYS_capset, &hdr, data);
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

struct child_error {
  int stage; /* 1 cwd, 2 exec, 3 tty */
  int err;
};

/* Runs in the forked child: never returns. */
static void child_exec(char **argv, char **envp, const char *cwd, int in_fd, int out_fd, int err_fd,
                       const char *tty_name, int errpipe) {
  struct child_error ce = {0, 0};
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  setsid();
  if (tty_name) {
    int t = open(tty_name, O_RDWR);
    /* Opening it as a session leader may already have made it the controlling
       terminal, and gVisor then refuses TIOCSCTTY: a failure there is not fatal. */
    if (t >= 0) ioctl(t, TIOCSCTTY, 0);
    if (t < 0) {
      ce.stage = 3;
      ce.err = errno;
      write(errpipe, &ce, sizeof ce);
      _exit(127);
    }
    in_fd = out_fd = err_fd = t;
  }
  if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(127);
  if (vm_mode) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      write(fd, "0", 1);
      close(fd);
    }
    if (cgroup_fd >= 0 && write(cgroup_fd, "0", 1) < 0) logmsg("joining the workload cgroup: %s", strerror(errno));
  }
  /* Close everything else except the error pipe (close-on-exec). */
  if (errpipe > 3) close_range(3, (unsigned)errpipe - 1, 0);
  close_range((unsigned)errpipe + 1, ~0U, 0);
  if (cwd && *cwd && chdir(cwd) < 0) {
    ce.stage = 1;
    ce.err = errno;
    write(errpipe, &ce, sizeof ce);
    _exit(127);
  }
  if (!keep_caps) drop_capabilities();
  environ = envp;
  execvp(argv[0], argv);
  ce.stage = 2;
  ce.err = errno;
  write(errpipe, &ce, sizeof ce);
  _exit(127);
}

static void handle_exec(uint32_t chan, const unsigned char *p, size_t len) {
  if (find_exec(chan)) {
    send_error(chan, "protocol", 0, "channel %u already has a running command", chan);
    return;
  }
  struct exec *e = NULL;
  for (int i = 0; i < MAX_EXECS; i++)
    if (!execs[i].used) {
      e = &execs[i];
      break;
    }
  if (!e) {
    send_error(chan, "exec", EAGAIN, "too many concurrent commands (limit %d)", MAX_EXECS);
    return;
  }
  size_t argc = 0, envc = 0, off = 0;
  const char *k, *v, *cwd = NULL;
  int tty = 0, rows = 0, cols = 0;
  while ((k = kv_next(p, len, &off, &v))) {
    if (key_is(k, "arg")) argc++;
    else if (key_is(k, "env")) envc++;
  }
  if (argc == 0) {
    send_error(chan, "exec", EINVAL, "no command given");
    return;
  }
  char **argv = calloc(argc + 1, sizeof *argv), **envp = calloc(envc + 1, sizeof *envp);
  if (!argv || !envp) die("calloc");
  argc = envc = off = 0;
  while ((k = kv_next(p, len, &off, &v))) {
    if (key_is(k, "arg")) argv[argc++] = (char *)v;
    else if (key_is(k, "env")) envp[envc++] = (char *)v;
    else if (key_is(k, "cwd")) cwd = v;
    else if (key_is(k, "tty")) tty = atoi(v);
    else if (key_is(k, "rows")) rows = atoi(v);
    else if (key_is(k, "cols")) cols = atoi(v);
  }
  int inp[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1}, ep[2];
  int master = -1;
  char *tty_name = NULL;
  if (pipe2(ep, O_CLOEXEC) < 0) die("pipe");
  if (tty) {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || !(tty_name = ptsname(master))) {
      send_error(chan, "tty", errno, "cannot allocate a terminal: %s", strerror(errno));
      if (master >= 0) close(master);
      close(ep[0]);
      close(ep[1]);
      free(argv);
      free(envp);
      return;
    }
    tty_name = strdup(tty_name);
    if (rows > 0 && cols > 0) {
      struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
      ioctl(master, TIOCSWINSZ, &ws);
    }
  } else if (pipe2(inp, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
    die("pipe");
  }
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    send_error(chan, "exec", err, "fork: %s", strerror(err));
    close(ep[0]);
    close(ep[1]);
    if (master >= 0) close(master);
    for (int i = 0; i < 2; i++) {
      if (inp[i] >= 0) close(inp[i]);
      if (outp[i] >= 0) close(outp[i]);
      if (errp[i] >= 0) close(errp[i]);
    }
    free(tty_name);
    free(argv);
    free(envp);
    return;
  }
  if (pid == 0) child_exec(argv, envp, cwd, inp[0], outp[1], errp[1], tty_name, ep[1]);
  close(ep[1]);
  if (!tty) {
    close(inp[0]);
    close(outp[1]);
    close(errp[1]);
  }
  struct child_error ce;
  ssize_t n;
  do n = read(ep[0], &ce, sizeof ce);
  while (n < 0 && errno == EINTR);
  close(ep[0]);
  free(tty_name);
  if (n == (ssize_t)sizeof ce) {
    /* The command never started: reap the child now (it exits at once). */
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    const char *stage = ce.stage == 1 ? "cwd" : ce.stage == 3 ? "tty" : "exec";
    if (ce.stage == 1)
      send_error(chan, stage, ce.err, "working directory %s: %s", cwd, strerror(ce.err));
    else if (ce.stage == 3)
      send_error(chan, stage, ce.err, "terminal for %s: %s", argv[0], strerror(ce.err));
    else
      send_error(chan, stage, ce.err, "%s: %s", argv[0], strerror(ce.err));
    if (master >= 0) close(master);
    if (!tty) {
      close(inp[1]);
      close(outp[0]);
      close(errp[0]);
    }
    free(argv);
    free(envp);
    return;
  }
  memset(e, 0, sizeof *e);
  e->used = 1;
  e->chan = chan;
  e->pid = pid;
  e->tty = tty;
  e->credit = INITIAL_WINDOW;
  if (tty) {
    e->in_fd = master;
    e->out_fd = master;
    e->err_fd = -1;
  } else {
    e->in_fd = inp[1];
    e->out_fd = outp[0];
    e->err_fd = errp[0];
  }
  set_nonblock(e->in_fd);
  set_nonblock(e->out_fd);
  if (e->err_fd >= 0) set_nonblock(e->err_fd);
  free(argv);
  free(envp);
  struct kvbuf kv = {.len = 0};
  kv_add(&kv, "pid", "%d", (int)pid);
  send_frame(T_STARTED, chan, kv.data, kv.len);
}

static void close_exec_input(struct exec *e) {
  if (e->tty) {
    /* The master also carries output: send EOF (^D) instead of closing it. */
    if (e->in_fd >= 0) {
      char eof = 4;
      write(e->in_fd, &eof, 1);
    }
    e->in_fd = -1;
  } else {
    close_fd(&e->in_fd);
  }
  free(e->inbuf);
  e->inbuf = NULL;
  e->inlen = e->incap = 0;
}

static void flush_stdin(struct exec *e) {
  while (e->in_fd >= 0 && e->inlen > 0) {
    ssize_t n = write(e->in_fd, e->inbuf, e->inlen);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      close_exec_input(e); /* EPIPE: the command closed its stdin */
      return;
    }
    memmove(e->inbuf, e->inbuf + n, e->inlen - (size_t)n);
    e->inlen -= (size_t)n;
  }
  if (e->in_fd >= 0 && e->in_eof && e->inlen == 0) close_exec_input(e);
}

static void handle_stdin(uint32_t chan, const unsigned char *p, size_t len) {
  struct exec *e = find_exec(chan);
  if (!e || e->in_fd < 0) return; /* the command is gone or closed its input */
  if (len == 0) {
    e->in_eof = 1;
  } else {
    if (e->inlen + len > e->incap) {
      size_t cap = e->incap ? e->incap : 65536;
      while (cap < e->inlen + len) cap *= 2;
      char *nb = realloc(e->inbuf, cap);
      if (!nb) die("realloc");
      e->inbuf = nb;
      e->incap = cap;
    }
    memcpy(e->inbuf + e->inlen, p, len);
    e->inlen += len;
  }
  flush_stdin(e);
}

static void handle_signal(uint32_t chan, const unsigned char *p, size_t len) {
  struct exec *e = find_exec(chan);
  if (!e || e->exited || len < 5) return; /* never signal a reaped (reusable) pid */
  int sig = (int)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
  int group = p[4];
  if (kill(group ? -e->pid : e->pid, sig) < 0 && group) kill(e->pid, sig);
}

static void handle_window(uint32_t chan, const unsigned char *p, size_t len) {
  struct exec *e = find_exec(chan);
  if (!e || len < 4) return;
  e->credit += (long long)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
  if (e->tty && e->exited && e->out_fd >= 0) {
    finish_tty(e);
    if (e->used) maybe_finish(e);
  }
}

static void handle_resize(uint32_t chan, const unsigned char *p, size_t len) {
  struct exec *e = find_exec(chan);
  if (!e || !e->tty || e->out_fd < 0 || len < 4) return;
  struct winsize ws = {.ws_row = (unsigned short)(p[0] << 8 | p[1]), .ws_col = (unsigned short)(p[2] << 8 | p[3])};
  ioctl(e->out_fd, TIOCSWINSZ, &ws);
}

static void maybe_finish(struct exec *e) {
  if (!e->exited || e->out_fd >= 0 || e->err_fd >= 0) return;
  struct kvbuf kv = {.len = 0};
  if (WIFSIGNALED(e->status)) kv_add(&kv, "signal", "%d", WTERMSIG(e->status));
  else kv_add(&kv, "code", "%d", WEXITSTATUS(e->status));
  if (!e->tty) close_fd(&e->in_fd);
  free(e->inbuf);
  uint32_t chan = e->chan;
  memset(e, 0, sizeof *e);
  send_frame(T_EXIT, chan, kv.data, kv.len);
}

static void pump_output(struct exec *e, int *fd, uint8_t type) {
  char buf[CHUNK];
  for (;;) {
    size_t want = e->credit < (long long)sizeof buf ? (size_t)e->credit : sizeof buf;
    if (want == 0) return; /* wait for a WINDOW frame */
    ssize_t n = read(*fd, buf, want);
    if (n > 0) {
      e->credit -= n;
      send_frame(type, e->chan, buf, (size_t)n);
      if ((size_t)n < want) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    /* EOF, or EIO from a tty master once the last slave closed */
    if (e->tty) e->in_fd = -1;
    close_fd(fd);
    maybe_finish(e);
    return;
  }
}

/* The tty session is over: send what the master still holds (as far as the
   window allows; the rest when WINDOW comes), then close it. */
static void finish_tty(struct exec *e) {
  pump_output(e, &e->out_fd, T_STDOUT);
  if (e->used && e->out_fd >= 0 && e->credit > 0) {
    e->in_fd = -1;
    close_fd(&e->out_fd);
  }
}

static void reap_children(void) {
  for (;;) {
    int st;
    pid_t pid = waitpid(-1, &st, WNOHANG);
    if (pid <= 0) return;
    for (int i = 0; i < MAX_EXECS; i++) {
      if (execs[i].used && execs[i].pid == pid) {
        execs[i].exited = 1;
        execs[i].status = st;
        /* A tty master does not reliably end with EOF (Linux gives EIO once
           the last slave closes, gVisor keeps answering EAGAIN): once the
           session leader is gone, drain what is there and close it. */
        if (execs[i].tty && execs[i].out_fd >= 0) finish_tty(&execs[i]);
        if (execs[i].used) maybe_finish(&execs[i]);
        break;
      }
    }
  }
}

static void kill_all(void) {
  for (int i = 0; i < MAX_EXECS; i++)
    if (execs[i].used && !execs[i].exited) kill(-execs[i].pid, SIGKILL);
}

/* ---- copies --------------------------------------------------------- */

static struct copy *find_copy(uint32_t chan) {
  for (int i = 0; i < MAX_COPIES; i++)
    if (copies[i].used && copies[i].chan == chan) return &copies[i];
  return NULL;
}

static void copy_fail(struct copy *c, int err, const char *fmt, ...) {
  if (c->err) return;
  c->err = err ? err : EINVAL;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->errmsg, sizeof c->errmsg, fmt, ap);
  va_end(ap);
}

/* A relative entry path may not be absolute nor climb out with "..". */
static int safe_relative(const char *rel) {
  if (rel[0] == '/') return 0;
  const char *s = rel;
  while (*s) {
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 2 && s[0] == '.' && s[1] == '.') return 0;
    if (!slash) break;
    s = slash + 1;
  }
  return 1;
}

static int mkdir_parents(const char *path) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) return -1;
  for (char *s = tmp + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST) return -1;
    *s = '/';
  }
  return 0;
}

static void handle_copy_in(uint32_t chan, const unsigned char *p, size_t len) {
  if (find_copy(chan)) {
    send_error(chan, "protocol", 0, "channel %u already has a copy in progress", chan);
    return;
  }
  struct copy *c = NULL;
  for (int i = 0; i < MAX_COPIES; i++)
    if (!copies[i].used) {
      c = &copies[i];
      break;
    }
  if (!c) {
    send_error(chan, "copy", EAGAIN, "too many concurrent copies (limit %d)", MAX_COPIES);
    return;
  }
  memset(c, 0, sizeof *c);
  c->used = 1;
  c->chan = chan;
  c->fd = -1;
  size_t off = 0;
  const char *k, *v;
  while ((k = kv_next(p, len, &off, &v)))
    if (key_is(k, "path")) snprintf(c->root, sizeof c->root, "%s", v);
  if (c->root[0] != '/') copy_fail(c, EINVAL, "copy destination must be an absolute path, got '%s'", c->root);
  else if (mkdir_parents(c->root) < 0) copy_fail(c, errno, "creating the parents of %s: %s", c->root, strerror(errno));
}

static void handle_entry(uint32_t chan, const unsigned char *p, size_t len) {
  struct copy *c = find_copy(chan);
  if (!c) return;
  if (c->fd >= 0) close_fd(&c->fd);
  if (c->err) return;
  size_t off = 0;
  const char *k, *v, *type = "", *rel = "", *target = NULL;
  mode_t mode = 0644;
  while ((k = kv_next(p, len, &off, &v))) {
    if (key_is(k, "type")) type = v;
    else if (key_is(k, "path")) rel = v;
    else if (key_is(k, "mode")) mode = (mode_t)strtoul(v, NULL, 8) & 07777;
    else if (key_is(k, "target")) target = v;
  }
  if (!safe_relative(rel)) {
    copy_fail(c, EINVAL, "entry path '%s' leaves the copy destination", rel);
    return;
  }
  char path[PATH_MAX];
  int n = *rel ? snprintf(path, sizeof path, "%s/%s", c->root, rel) : snprintf(path, sizeof path, "%s", c->root);
  if (n >= (int)sizeof path) {
    copy_fail(c, ENAMETOOLONG, "path too long: %s/%s", c->root, rel);
    return;
  }
  if (strcmp(type, "d") == 0) {
    if (mkdir(path, mode) < 0) {
      struct stat st;
      if (errno != EEXIST || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        copy_fail(c, errno == EEXIST ? ENOTDIR : errno, "mkdir %s: %s", path, strerror(errno == EEXIST ? ENOTDIR : errno));
        return;
      }
    }
    chmod(path, mode);
  } else if (strcmp(type, "f") == 0) {
    c->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (c->fd < 0) copy_fail(c, errno, "open %s: %s", path, strerror(errno));
    else fchmod(c->fd, mode);
  } else if (strcmp(type, "l") == 0 && target) {
    unlink(path);
    if (symlink(target, path) < 0) copy_fail(c, errno, "symlink %s: %s", path, strerror(errno));
  } else {
    copy_fail(c, EINVAL, "unknown entry type '%s' for %s", type, path);
  }
}

static void handle_data(uint32_t chan, const unsigned char *p, size_t len) {
  struct copy *c = find_copy(chan);
  if (!c || c->err) return;
  if (c->fd < 0) {
    copy_fail(c, EINVAL, "file data without a file entry");
    return;
  }
  while (len > 0) {
    ssize_t n = write(c->fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      copy_fail(c, errno, "write under %s: %s", c->root, strerror(errno));
      close_fd(&c->fd);
      return;
    }
    p += n;
    len -= (size_t)n;
  }
}

static void handle_end(uint32_t chan) {
  struct copy *c = find_copy(chan);
  if (!c) return;
  if (c->fd >= 0 && close(c->fd) < 0) copy_fail(c, errno, "close under %s: %s", c->root, strerror(errno));
  c->fd = -1;
  if (c->err) send_error(chan, "copy", c->err, "%s", c->errmsg);
  else send_frame(T_OK, chan, NULL, 0);
  c->used = 0;
}

/* Sends one tree (or file) as ENTRY/DATA frames. Returns 0 or an errno. */
static int send_tree(uint32_t chan, const char *path, const char *rel, char *errmsg, size_t errlen) {
  struct stat st;
  if (lstat(path, &st) < 0) {
    snprintf(errmsg, errlen, "%s: %s", path, strerror(errno));
    return errno;
  }
  struct kvbuf kv = {.len = 0};
  kv_add(&kv, "path", "%s", rel);
  kv_add(&kv, "mode", "%o", (unsigned)(st.st_mode & 07777));
  if (S_ISREG(st.st_mode)) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      snprintf(errmsg, errlen, "open %s: %s", path, strerror(errno));
      return errno;
    }
    kv_add(&kv, "type", "f");
    send_frame(T_ENTRY, chan, kv.data, kv.len);
    char buf[CHUNK];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        close(fd);
        snprintf(errmsg, errlen, "read %s: %s", path, strerror(err));
        return err;
      }
      if (n == 0) break;
      send_frame(T_DATA, chan, buf, (size_t)n);
    }
    close(fd);
    return 0;
  }
  if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0) {
      snprintf(errmsg, errlen, "readlink %s: %s", path, strerror(errno));
      return errno;
    }
    target[n] = 0;
    kv_add(&kv, "type", "l");
    kv_add(&kv, "target", "%s", target);
    send_frame(T_ENTRY, chan, kv.data, kv.len);
    return 0;
  }
  if (S_ISDIR(st.st_mode)) {
    kv_add(&kv, "type", "d");
    send_frame(T_ENTRY, chan, kv.data, kv.len);
    DIR *d = opendir(path);
    if (!d) {
      snprintf(errmsg, errlen, "opendir %s: %s", path, strerror(errno));
      return errno;
    }
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
      char cpath[PATH_MAX], crel[PATH_MAX];
      if (snprintf(cpath, sizeof cpath, "%s/%s", path, de->d_name) >= (int)sizeof cpath ||
          snprintf(crel, sizeof crel, "%s%s%s", rel, *rel ? "/" : "", de->d_name) >= (int)sizeof crel) {
        snprintf(errmsg, errlen, "path too long under %s", path);
        rc = ENAMETOOLONG;
        break;
      }
      rc = send_tree(chan, cpath, crel, errmsg, errlen);
    }
    closedir(d);
    return rc;
  }
  return 0; /* devices, fifos and sockets are not copied */
}

static void handle_copy_out(uint32_t chan, const unsigned char *p, size_t len) {
  size_t off = 0;
  const char *k, *v, *path = NULL;
  while ((k = kv_next(p, len, &off, &v)))
    if (key_is(k, "path")) path = v;
  if (!path || path[0] != '/') {
    send_error(chan, "copy", EINVAL, "copy source must be an absolute path");
    return;
  }
  char errmsg[512] = "";
  int rc = send_tree(chan, path, "", errmsg, sizeof errmsg);
  if (rc) send_error(chan, "copy", rc, "%s", errmsg);
  else send_frame(T_END, chan, NULL, 0);
}

/* ---- VM setup ------------------------------------------------------- */

static int mount_9p(const char *tag, const char *target, int readonly) {
  /* msize: larger messages cut the round trips of file I/O over virtio. */
  const char *opts = "trans=virtio,version=9p2000.L,msize=262144,access=client";
  return mount(tag, target, "9p", readonly ? MS_RDONLY : 0, opts);
}

static int write_file(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, value, strlen(value));
  int err = errno;
  close(fd);
  errno = err;
  return n < 0 ? -1 : 0;
}

static int make_dev(void) {
  static const struct {
    const char *name;
    int major, minor;
  } nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=1m") < 0) return -1;
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
    char p[64];
    snprintf(p, sizeof p, "/dev/%s", nodes[i].name);
    if (mknod(p, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) < 0) return -1;
    chmod(p, 0666);
  }
  mkdir("/dev/pts", 0755);
  mkdir("/dev/shm", 01777);
  if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0) return -1;
  symlink("pts/ptmx", "/dev/ptmx");
  symlink("/proc/self/fd", "/dev/fd");
  symlink("/proc/self/fd/0", "/dev/stdin");
  symlink("/proc/self/fd/1", "/dev/stdout");
  symlink("/proc/self/fd/2", "/dev/stderr");
  return 0;
}

/* Fails the sandbox's setup: tell the host, then power off. */
static void setup_fail(const char *what) {
  int err = errno;
  send_error(0, "setup", err, "%s: %s", what, strerror(err));
  logmsg("setup failed: %s: %s", what, strerror(err));
  sync();
  reboot(RB_POWER_OFF);
  _exit(1);
}

static void handle_setup(const unsigned char *p, size_t len) {
  size_t off = 0;
  const char *k, *v, *hostname = "sandbox";
  if (mkdir("/sysroot", 0755) < 0 && errno != EEXIST) setup_fail("mkdir /sysroot");
  /* The root first, then volumes in the order given (parents before children). */
  while ((k = kv_next(p, len, &off, &v)))
    if (key_is(k, "rootfs") && mount_9p(v, "/sysroot", 1) < 0) setup_fail("mounting the root filesystem");
  off = 0;
  while ((k = kv_next(p, len, &off, &v))) {
    if (key_is(k, "mount")) {
      /* TAG:ro|rw:/target (the target may itself contain ':') */
      char tag[64], mode[3], target[PATH_MAX];
      const char *c1 = strchr(v, ':');
      const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
      if (!c1 || !c2 || c1 - v >= (long)sizeof tag || c2 - c1 - 1 != 2) {
        errno = EINVAL;
        setup_fail("malformed mount entry");
      }
      memcpy(tag, v, (size_t)(c1 - v));
      tag[c1 - v] = 0;
      memcpy(mode, c1 + 1, 2);
      mode[2] = 0;
      snprintf(target, sizeof target, "/sysroot%s", c2 + 1);
      if (mount_9p(tag, target, strcmp(mode, "ro") == 0) < 0) setup_fail(target);
    } else if (key_is(k, "hostname")) {
      hostname = v;
    } else if (key_is(k, "memory")) {
      /* The workload's own cgroup, so the guest OOM killer spares the agent. */
      mkdir("/sys/fs/cgroup", 0755);
      if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0) setup_fail("mounting cgroup2");
      if (write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory") < 0) setup_fail("enabling the memory controller");
      if (mkdir("/sys/fs/cgroup/workload", 0755) < 0 && errno != EEXIST) setup_fail("creating the workload cgroup");
      if (write_file("/sys/fs/cgroup/workload/memory.max", v) < 0) setup_fail("setting memory.max");
      write_file("/sys/fs/cgroup/workload/memory.swap.max", "0");
      write_file("/sys/fs/cgroup/workload/memory.oom.group", "0");
      cgroup_fd = open("/sys/fs/cgroup/workload/cgroup.procs", O_WRONLY | O_CLOEXEC);
      if (cgroup_fd < 0) setup_fail("opening the workload cgroup");
    }
  }
  if (mount("tmpfs", "/sysroot/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0) setup_fail("mounting /tmp");
  if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC) < 0) setup_fail("unshare");
  pid_t child = fork();
  if (child < 0) setup_fail("fork");
  if (child > 0) {
    /* The outer agent only waits: when the inner one ends, the VM ends. */
    close(chan_in);
    int st;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
    logmsg("workload agent ended (status %d); powering off", st);
    sync();
    reboot(RB_POWER_OFF);
    _exit(0);
  }
  /* pid 1 of the workload's PID namespace */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) setup_fail("making mounts private");
  if (chdir("/sysroot") < 0) setup_fail("chdir /sysroot");
  /* The initramfs cannot be pivoted away from: move the new root over it. */
  if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) setup_fail("moving the root");
  if (chroot(".") < 0 || chdir("/") < 0) setup_fail("chroot");
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) setup_fail("mounting /proc");
  /* As runc's readonlyPaths: the guest kernel's knobs are not the workload's. */
  static const char *const ro_paths[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"};
  for (size_t i = 0; i < sizeof ro_paths / sizeof ro_paths[0]; i++) {
    if (mount(ro_paths[i], ro_paths[i], NULL, MS_BIND | MS_REC, NULL) < 0) continue;
    if (mount(NULL, ro_paths[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
      setup_fail(ro_paths[i]);
  }
  if (make_dev() < 0) setup_fail("populating /dev");
  if (sethostname(hostname, strlen(hostname)) < 0) setup_fail("sethostname");
  send_frame(T_READY, 0, NULL, 0);
}

static void loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
    logmsg("loopback: %s", strerror(errno));
  } else {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) logmsg("loopback up: %s", strerror(errno));
  }
  if (s >= 0) close(s);
}

/* ---- main loop ------------------------------------------------------ */

static int running = 1;
static int setup_done = 0;

static void dispatch(uint8_t type, uint32_t chan, const unsigned char *p, size_t len) {
  if (vm_mode && !setup_done && type != T_SETUP && type != T_SHUTDOWN) {
    send_error(chan, "protocol", 0, "SETUP must come first");
    return;
  }
  switch (type) {
    case T_SETUP:
      if (!vm_mode || setup_done) {
        send_error(chan, "protocol", 0, "SETUP is only accepted once, in VM mode");
        return;
      }
      handle_setup(p, len);
      setup_done = 1;
      break;
    case T_EXEC: handle_exec(chan, p, len); break;
    case T_STDIN: handle_stdin(chan, p, len); break;
    case T_SIGNAL: handle_signal(chan, p, len); break;
    case T_RESIZE: handle_resize(chan, p, len); break;
    case T_WINDOW: handle_window(chan, p, len); break;
    case T_COPY_IN: handle_copy_in(chan, p, len); break;
    case T_ENTRY: handle_entry(chan, p, len); break;
    case T_DATA: handle_data(chan, p, len); break;
    case T_END: handle_end(chan); break;
    case T_COPY_OUT: handle_copy_out(chan, p, len); break;
    case T_SHUTDOWN: running = 0; break;
    default: send_error(chan, "protocol", 0, "unknown frame type 0x%02x", type);
  }
}

/* Returns 0 at EOF. */
static int read_frames(void) {
  if (incap - inlen < 65536) {
    incap = incap ? incap * 2 : 262144;
    inbuf = realloc(inbuf, incap);
    if (!inbuf) die("realloc");
  }
  ssize_t n = read(chan_in, inbuf + inlen, incap - inlen);
  if (n < 0) return (errno == EINTR || errno == EAGAIN) ? 1 : 0;
  if (n == 0) return 0;
  inlen += (size_t)n;
  size_t off = 0;
  while (inlen - off >= HEADER_SIZE) {
    unsigned char *h = inbuf + off;
    uint32_t l = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    if (l < 5 || l - 5 > MAX_PAYLOAD) {
      logmsg("protocol error: frame length %u", l);
      send_error(0, "protocol", 0, "frame length %u out of range", l);
      return 0;
    }
    if (inlen - off < 4 + (size_t)l) break;
    uint32_t chan = (uint32_t)h[5] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8];
    dispatch(h[4], chan, h + HEADER_SIZE, l - 5);
    off += 4 + (size_t)l;
    if (!running) break;
  }
  memmove(inbuf, inbuf + off, inlen - off);
  inlen -= off;
  return 1;
}

int main(int argc, char **argv) {
  const char *port = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--vm") == 0 && i + 1 < argc) {
      vm_mode = 1;
      port = argv[++i];
    } else if (strcmp(argv[i], "--keep-caps") == 0) {
      keep_caps = 1;
    } else if (strcmp(argv[i], "--lo-up") == 0) {
      lo_up = 1;
    } else {
      fprintf(stderr, "usage: strata-agent [--keep-caps] [--lo-up] | --vm PORT\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  if (lo_up) loopback_up();
  if (vm_mode) {
    int fd = open(port, O_RDWR | O_CLOEXEC);
    if (fd < 0) die(port);
    chan_in = chan_out = fd;
    write_file("/proc/self/oom_score_adj", "-1000");
  } else {
    /* Keep the protocol fds away from 0-2 of the commands we start. */
    chan_in = fcntl(0, F_DUPFD_CLOEXEC, 3);
    chan_out = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (chan_in < 0 || chan_out < 0) die("dup");
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      if (devnull > 2) close(devnull);
    }
    /* Orphans of our commands come back to us to be reaped. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");

  struct kvbuf hello = {.len = 0};
  kv_add(&hello, "version", "%d", PROTOCOL_VERSION);
  kv_add(&hello, "pid", "%d", (int)getpid());
  kv_add(&hello, "mode", "%s", vm_mode ? "vm" : "plain");
  send_frame(T_HELLO, 0, hello.data, hello.len);

  struct pollfd pfds[2 + 3 * MAX_EXECS];
  struct {
    struct exec *e;
    int which; /* 0 in, 1 out, 2 err */
  } owners[2 + 3 * MAX_EXECS];
  while (running) {
    int n = 0;
    pfds[n].fd = chan_in;
    pfds[n].events = POLLIN;
    owners[n++].e = NULL;
    pfds[n].fd = sfd;
    pfds[n].events = POLLIN;
    owners[n++].e = NULL;
    for (int i = 0; i < MAX_EXECS; i++) {
      struct exec *e = &execs[i];
      if (!e->used) continue;
      if (e->out_fd >= 0 && e->credit > 0) {
        pfds[n].fd = e->out_fd;
        pfds[n].events = POLLIN;
        owners[n].e = e;
        owners[n++].which = 1;
      }
      if (e->err_fd >= 0 && e->credit > 0) {
        pfds[n].fd = e->err_fd;
        pfds[n].events = POLLIN;
        owners[n].e = e;
        owners[n++].which = 2;
      }
      if (e->in_fd >= 0 && e->inlen > 0 && !e->tty) {
        pfds[n].fd = e->in_fd;
        pfds[n].events = POLLOUT;
        owners[n].e = e;
        owners[n++].which = 0;
      }
    }
    /* A tty's pending input is retried on a short tick (its fd is polled for output). */
    int tick = -1;
    for (int i = 0; i < MAX_EXECS; i++)
      if (execs[i].used && execs[i].tty && execs[i].inlen > 0) tick = 10;
    if (poll(pfds, (nfds_t)n, tick) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    for (int i = 0; i < MAX_EXECS; i++)
      if (execs[i].used && execs[i].tty && execs[i].inlen > 0) flush_stdin(&execs[i]);
    if (pfds[1].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {}
      reap_children();
    }
    for (int i = 2; i < n; i++) {
      struct exec *e = owners[i].e;
      if (!pfds[i].revents || !e->used) continue;
      if (owners[i].which == 0) flush_stdin(e);
      else if (owners[i].which == 1 && e->out_fd == pfds[i].fd) pump_output(e, &e->out_fd, T_STDOUT);
      else if (owners[i].which == 2 && e->err_fd == pfds[i].fd) pump_output(e, &e->err_fd, T_STDERR);
    }
    if (pfds[0].revents && !read_frames()) break; /* the host went away */
  }
  kill_all();
  return 0;
}
