#!/usr/bin/env python3
"""Writes corpus/export/: component exports (ADR 0030) as straitd encodes them
(daemon/component_transfer.cc, component_records::encode), for fuzz_export to
mutate. Run it again when the export's format changes."""
import os
import struct


def i64(v):
    return struct.pack('>q', v)


def field(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack('>I', len(b)) + b


def checkpoint(next_source, next_target, reason=0, pending=0, stop_offset=-1, detail=b''):
    return (bytes([1]) + struct.pack('>qq', next_source, next_target) + bytes([reason, pending]) +
            struct.pack('>q', stop_offset) + struct.pack('>I', len(detail)) + detail)


def own(topics, clusters):
    out = i64(len(topics))
    for (link, topic, created, topic_id, partitions) in topics:
        out += field(link) + field(topic) + i64(created) + field(topic_id) + i64(len(partitions))
        for (p, cp, runs, journal) in partitions:
            out += i64(p) + field(cp) + i64(len(runs))
            out += b''.join(i64(x) for r in runs for x in r)
            out += i64(len(journal)) + b''.join(i64(x) for e in journal for x in e)
    out += i64(len(clusters)) + b''.join(field(x) for c in clusters for x in c)
    return out


def export(link, topics, groups, own_bytes, offsets=(), migrations=(), grants=(), staged=()):
    out = field('strait component export') + i64(1) + field(link) + field('0123456789abcdef')
    for names in (topics, groups):
        out += i64(len(names)) + b''.join(field(n) for n in names)
    out += field(own_bytes) + i64(len(offsets))
    for (g, l, t, p, s, tg, w) in offsets:
        out += field(g) + field(l) + field(t) + i64(p) + i64(s) + i64(tg) + i64(w)
    out += i64(len(migrations))
    for (k, n, st, up, op) in migrations:
        out += i64(k) + field(n) + i64(st) + i64(up) + field(op)
    out += i64(len(grants))
    for (t, k, c, binding) in grants:
        out += field(t) + i64(k) + field(c) + b''.join(field(x) for x in binding)
    out += i64(len(staged)) + b''.join(i64(k) + field(n) for (k, n) in staged)
    return out


here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'export')
os.makedirs(here, exist_ok=True)
seeds = {
    'component-with-every-record': export(
        'main', ['orders'], ['billing'],
        own([('main', 'orders', 1, bytes(range(1, 17)),
              [(0, checkpoint(4, 4), [(0, 0, 4)], [(4, 4, 77)])]),
             ('main.reverse', 'mig.orders', 0, b'', [(0, checkpoint(4, 4), [(0, 0, 4)], [])])],
            [('main', 'src', 'dst'), ('main.reverse', 'dst', 'src')]),
        [('billing', 'main', 'orders', 0, 3, 3, 100),
         ('billing', 'main.reverse', 'mig.orders', 0, 2, 2, 90)],
        [(1, 'orders', 3, 10, b''), (2, 'billing', 1, 11, b'')],
        [('orders', 1, 'dst',
          ['TOPIC', 'mig.orders', 'LITERAL', 'User:app', '*', 'WRITE', 'ALLOW'])],
        [(1, 'orders'), (2, 'billing')]),
    'empty-component': export('main', [], [], own([], [])),
    'stopped-partition': export(
        'main', ['t'], [],
        own([('main', 't', 0, b'',
              [(3, checkpoint(10, 12, 4, 1, 10, b'gap \xff'), [(0, 2, 10)], [])])],
            [('main', 'a', 'b')])),
}
for name, data in seeds.items():
    with open(os.path.join(here, name), 'wb') as f:
        f.write(data)
