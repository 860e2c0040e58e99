#!/usr/bin/env python3
"""Writes a small seed corpus for ichannel-fuzz-frame into the directory given as argv[1].

Seeds follow frame_fuzz.cpp's input format: one mode byte (bit 7: raw MoldUDP64 packet instead
of an Ethernet frame; bit 0: line B), then the bytes. They cover every ITCH 5.0 type at its spec
length, heartbeats, end of session, a gap, VLAN stacks and a fragment.
"""
import os
import struct
import sys

LENGTHS = {'S': 12, 'R': 39, 'H': 25, 'Y': 20, 'L': 26, 'V': 35, 'W': 12, 'K': 28, 'J': 35,
           'h': 21, 'A': 36, 'F': 40, 'E': 31, 'C': 36, 'X': 23, 'D': 19, 'U': 35, 'P': 44,
           'Q': 40, 'B': 19, 'I': 50, 'N': 20, 'O': 48}


def itch(t, locate=1, body=b''):
    head = t.encode() + struct.pack('>HH', locate, 0) + (34200000000230).to_bytes(6, 'big')
    msg = head + body
    return msg + b'\0' * (LENGTHS[t] - len(msg))


def add(locate, ref, sym):
    return itch('A', locate, struct.pack('>Q', ref) + b'B' + struct.pack('>I', 100) +
                sym.ljust(8).encode() + struct.pack('>I', 1500000))


def mold(seq, msgs, count=None, session=b'SESSION001'):
    n = len(msgs) if count is None else count
    return session + struct.pack('>QH', seq, n) + b''.join(struct.pack('>H', len(m)) + m
                                                            for m in msgs)


def frame(payload, vlans=(), frag=0x4000):
    eth = bytes.fromhex('01005e360c01') + bytes.fromhex('020000000001')
    for tpid, vid in vlans:
        eth += struct.pack('>HH', tpid, vid)
    eth += struct.pack('>H', 0x0800)
    total = 20 + 8 + len(payload)
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, total, 1, frag, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([233, 54, 12, 1]))
    s = sum(struct.unpack('>10H', ip))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    ip = ip[:10] + struct.pack('>H', ~s & 0xFFFF) + ip[12:]
    udp = struct.pack('>HHHH', 40000, 26400, 8 + len(payload), 0)
    return eth + ip + udp + payload


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    directory = itch('R', 7, b'AAPL    Q')
    every = [itch(t, 7) for t in LENGTHS]
    seeds = {
        'frame_every_type': b'\x00' + frame(mold(1, [directory] + every)),
        'frame_vlan_stack': b'\x01' + frame(mold(1, [add(7, 1, 'AAPL')]),
                                            vlans=((0x88A8, 10), (0x8100, 20))),
        'frame_fragment': b'\x00' + frame(mold(1, [add(7, 1, 'AAPL')]), frag=0x2000),
        'mold_adds': b'\x80' + mold(1, [add(7, 1, 'AAPL'), add(8, 2, 'MSFT'),
                                        itch('D', 7, struct.pack('>Q', 1))]),
        'mold_gap_line_b': b'\x81' + mold(100, [add(9, 3, 'S1')]),
        'mold_heartbeat': b'\x80' + mold(5, [], count=0),
        'mold_end_of_session': b'\x81' + mold(6, [], count=0xFFFF),
        'mold_truncated': b'\x80' + mold(1, [add(7, 1, 'AAPL')])[:-3],
        'mold_new_session': b'\x80' + mold(1, [add(7, 1, 'AAPL')], session=b'SESSION002'),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
