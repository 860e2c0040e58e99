#!/usr/bin/env python3
"""tests/bench/app/snapshot_wire.py: the wire references of the snapshot benchmark (snapshot.sh).

  snapshot_wire.py glimpse HOST PORT USER PASSWORD
      A minimal GLIMPSE 5.0 client over SoupBinTCP 3.0: connect, log in, read sequenced packets
      until End of Snapshot ('G'), log out. Prints one JSON object: connect_us (TCP connect),
      first_byte_us (connect to the first byte after the login: the server's rendering),
      end_us (connect to End of Snapshot), bytes, next_seq. Looks only at the stream's tail
      (no per-message work): the server's rendering and sending plus a raw read.
  snapshot_wire.py serve BIND PORT BYTES
      Accepts one TCP connection, writes BYTES bytes (64 KiB writes), closes; exits.
  snapshot_wire.py recv HOST PORT
      Connects, reads (1 MiB reads) until EOF. Prints {"bytes", "connect_us", "end_us"
      (connect to EOF)}: the same byte count through a plain TCP socket over the same path, the
      physical limit a snapshot's transfer is compared with.
Exit status 0, 1 on a protocol or socket error (message on stderr). Standard library only.
"""
import json
import socket
import struct
import sys
import time


def now_us():
    return time.monotonic_ns() / 1000.0


def connect(host, port):
    t0 = now_us()
    for _ in range(100):
        try:
            s = socket.create_connection((host, int(port)), timeout=30)
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    else:
        sys.exit(f"snapshot_wire: cannot connect to {host}:{port}")
    return s, t0, now_us()


def glimpse(host, port, user, password):
    s, t0, t_conn = connect(host, port)
    login = b"L" + user.encode().ljust(6) + password.encode().ljust(10) + b" " * 10 + b"1".rjust(20)
    s.sendall(struct.pack(">H", len(login)) + login)
    # Login Accepted (33 bytes), then one sequenced packet per message; End of Snapshot is the
    # last: 00 16 'S' 'G' + 20 digits. Only the stream's tail is looked at (no per-message work).
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    tail = b""
    total = 0
    first = None
    while True:
        n = s.recv_into(view)
        if n == 0:
            sys.exit("snapshot_wire: connection closed before End of Snapshot")
        if total == 0 and buf[2] == ord("J"):
            sys.exit(f"snapshot_wire: login rejected ({chr(buf[3])})")
        total += n
        if first is None and total > 33:
            first = now_us()
        tail = (tail + bytes(view[max(0, n - 24) : n]))[-24:]
        if len(tail) == 24 and tail[:4] == b"\x00\x16SG":
            break
    t_end = now_us()
    next_seq = int(tail[4:].decode().strip())
    s.sendall(struct.pack(">H", 1) + b"O")
    s.close()
    print(json.dumps({"connect_us": round(t_conn - t0, 1),
                      "first_byte_us": round((first or t_end) - t_conn, 1),
                      "end_us": round(t_end - t0, 1), "bytes": total, "next_seq": next_seq}))


def serve(bind, port, nbytes):
    nbytes = int(nbytes)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((bind, int(port)))
    ls.listen(1)
    c, _ = ls.accept()
    block = b"\x00" * 65536
    left = nbytes
    while left > 0:
        left -= c.send(block[: min(left, len(block))])
    c.shutdown(socket.SHUT_WR)
    c.recv(1)  # the reader's close
    c.close()
    ls.close()


def recv(host, port):
    s, t0, t_conn = connect(host, port)
    buf = bytearray(1 << 20)
    total = 0
    while True:
        n = s.recv_into(buf)
        if n == 0:
            break
        total += n
    t_end = now_us()
    s.close()
    print(json.dumps({"bytes": total, "connect_us": round(t_conn - t0, 1), "end_us": round(t_end - t0, 1)}))


if __name__ == "__main__":
    cmds = {"glimpse": (glimpse, 4), "serve": (serve, 3), "recv": (recv, 2)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) != 2 + cmds[sys.argv[1]][1]:
        sys.exit(__doc__)
    try:
        cmds[sys.argv[1]][0](*sys.argv[2:])
    except OSError as e:
        sys.exit(f"snapshot_wire: {e}")
