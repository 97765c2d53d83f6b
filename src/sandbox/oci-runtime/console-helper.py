#!/usr/bin/python3
"""strata-runtime's terminal: makes a pty, hands its master to the caller's
--console-socket (SCM_RIGHTS, as runc does), and runs the given command with
the slave as its controlling terminal and stdio. Node cannot pass file
descriptors over a unix socket; Python's standard library can.

Usage: console-helper.py SOCKET COMMAND [ARGS...]
"""
import fcntl, os, socket, sys, termios

def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: console-helper.py SOCKET COMMAND [ARGS...]\n")
        return 2
    path, argv = sys.argv[1], sys.argv[2:]
    master, slave = os.openpty()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        socket.send_fds(s, [b"/dev/ptmx"], [master])
    os.close(master)
    if os.getsid(0) != os.getpid():
        os.setsid()  # a new session, so the pty can become its controlling terminal
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    if slave > 2:
        os.close(slave)
    os.execvp(argv[0], argv)

sys.exit(main())
