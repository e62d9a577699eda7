#!/usr/bin/env python3
"""Captures real answers from a running lab (Scripts/lab) as fuzz seeds.

A relay on LISTEN_HOST:LISTEN_PORT forwards one request at a time to UPSTREAM (UDP and TCP) and keeps what
the name server answered: each UDP answer and each TCP message as a message seed, each TCP answer stream
(0x00 then the length-prefixed messages, the fuzz-axfr input format) as an AXFR seed. dig sends the
signed requests. Loopback only; the lab's key files are test keys made by tsig-keygen for that lab.

usage: capture-seeds.py LAB_DIR SERVER ZONE OUT_DIR [LISTEN_HOST LISTEN_PORT]
"""
import os, socket, subprocess, sys, threading, time

lab, server, zone, out = sys.argv[1:5]
listen_host = sys.argv[5] if len(sys.argv) > 5 else "127.53.24.1"
listen_port = int(sys.argv[6]) if len(sys.argv) > 6 else 5324
env = dict(line.split("=", 1) for line in open(os.path.join(lab, "lab.env")).read().split())
upstream = (env["prefix"] + "." + server[2:], int(env["port"]))
os.makedirs(os.path.join(out, "message"), exist_ok=True)
os.makedirs(os.path.join(out, "axfr"), exist_ok=True)
count = [0]


def save(kind, data):
    count[0] += 1
    with open(os.path.join(out, kind, f"{server}-{zone}-{count[0]:03d}"), "wb") as f:
        f.write(data)


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def udp_relay(sock):
    while True:
        request, client = sock.recvfrom(65535)
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        up.settimeout(3)
        up.sendto(request, upstream)
        try:
            answer, _ = up.recvfrom(65535)
        except socket.timeout:
            continue
        save("message", answer)
        sock.sendto(answer, client)


def tcp_relay(listener):
    while True:
        client, _ = listener.accept()
        length = read_exactly(client, 2)
        request = read_exactly(client, int.from_bytes(length, "big"))
        up = socket.create_connection(upstream, timeout=2)
        up.sendall(length + request)
        stream = b"\x00"
        while True:
            try:
                head = read_exactly(up, 2)
            except socket.timeout:
                break
            if head is None:
                break
            body = read_exactly(up, int.from_bytes(head, "big"))
            save("message", body)
            stream += head + body
            client.sendall(head + body)
        save("axfr", stream)
        up.close()
        client.close()


udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind((listen_host, listen_port))
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((listen_host, listen_port))
tcp.listen(4)
threading.Thread(target=udp_relay, args=(udp,), daemon=True).start()
threading.Thread(target=tcp_relay, args=(tcp,), daemon=True).start()
key = os.path.join(lab, "keys", f"{server}.key")
dig = ["dig", "-k", key, "@" + listen_host, "-p", str(listen_port), "+norec", "+time=5", "+tries=1"]
for args in ([zone, "SOA"], [zone, "SOA", "+tcp"], [zone, "AXFR"], ["nonexistent." + zone, "A"],
             ["not-served.invalid", "SOA"]):
    subprocess.run(dig + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    if "+tcp" in args or "AXFR" in args:
        time.sleep(2.5)  # the relay saves a TCP stream once the server has been silent for 2 s
print(f"{server} {zone}: {count[0]} seeds")
