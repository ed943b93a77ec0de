"""Hostile clients against a live `vigia serve` (driven by tests/cli/serve_hostile.sh).

    python3 hostile.py PID PORT RSS_BOUND_MIB

Model "h" (binary; features a: numeric, required, and c: categorical; batch_mode reject;
max_body_bytes 1 MiB; max_records_per_batch 10000) must exist. A background client posts good
batches the whole time; meanwhile malformed JSON, wrong types, missing and unknown fields,
oversized bodies (with Content-Length and chunked), wrong media types, thousands of bad requests
and 50 slowloris connections hit the daemon. Checks print "PASS name" / "FAIL name: detail"
(tests/cli/lib.bash conventions). At the end the daemon must be up, its resident memory must
have grown by less than RSS_BOUND_MIB, and every acknowledged good record must be in a window.
Every socket has a timeout: nothing here can hang.
"""
import http.client
import json
import random
import socket
import sys
import threading
import time

import checks  # tests/cli/checks.py: the PASS and FAIL lines
from checks import check

PID, PORT, RSS_BOUND = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
PRED = "/v1/models/h/predictions"
JSON_H = {"Content-Type": "application/json"}
lock = threading.Lock()
accepted_total = 0  # records acknowledged (200) by predictions batches of this script


def rss_kib():
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def request(method, path, body=b"", headers=None, conn=None, timeout=30):
    """(status, parsed JSON or None, raw bytes); counts acknowledged predictions."""
    global accepted_total
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    if isinstance(body, str):
        body = body.encode()
    conn.request(method, path, body, headers or {})
    r = conn.getresponse()
    data = r.read()
    if own:
        conn.close()
    try:
        doc = json.loads(data)
    except ValueError:
        doc = None
    if method == "POST" and path == PRED and r.status == 200 and isinstance(doc, dict):
        with lock:
            accepted_total += doc.get("accepted", 0)
    return r.status, doc, data


def is_error(doc, code=None):
    """An error body: {"error": {"code", "message"}} with a non-empty message."""
    return (isinstance(doc, dict) and isinstance(doc.get("error"), dict)
            and isinstance(doc["error"].get("message"), str) and doc["error"]["message"] != ""
            and (code is None or doc["error"].get("code") == code))


def expect_error(name, status, doc, raw, want_status, code, in_message=()):
    msg = doc["error"]["message"] if is_error(doc) else ""
    check(name, status == want_status and is_error(doc, code)
          and all(s in msg for s in in_message),
          "HTTP %d %r (want %d %s mentioning %r)" % (status, raw[:300], want_status, code,
                                                      in_message))


def expect_rejects(name, status, doc, raw, want):
    """A refused batch (400, accepted 0) listing exactly the (index, field) pairs of want,
    each with a reason."""
    got = None
    if isinstance(doc, dict) and isinstance(doc.get("rejected"), list):
        got = sorted((x.get("index"), x.get("field")) for x in doc["rejected"])
        reasons = all(isinstance(x.get("reason"), str) and x["reason"] for x in doc["rejected"])
    check(name, status == 400 and doc.get("accepted") == 0 and got == sorted(want) and reasons,
          "HTTP %d %r, want rejects %r" % (status, raw[:400], sorted(want)))


def good(rid):
    return {"id": rid, "features": {"a": random.gauss(0, 1), "c": random.choice("xyz")},
            "prediction": random.random()}


# ---- a client posting good batches throughout ----
stop_bg = threading.Event()
bg_errors = []
bg_batches = [0]


def background():
    conn = None
    n = 0
    while not stop_bg.is_set():
        body = json.dumps([good("bg-%d-%d" % (n, i)) for i in range(50)])
        n += 1
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            st, doc, raw = request("POST", PRED, body, JSON_H, conn=conn)
            if st != 200 or doc.get("accepted") != 50:
                bg_errors.append("HTTP %d %r" % (st, raw[:200]))
            bg_batches[0] += 1
        except Exception as e:  # the daemon must keep answering
            bg_errors.append(repr(e))
            conn = None
        time.sleep(0.02)


# warm up (memory baseline after the first allocations of every path)
for i in range(20):
    request("POST", PRED, json.dumps([good("warm-%d-%d" % (i, k)) for k in range(50)]), JSON_H)
    request("POST", PRED, "[{", JSON_H)
rss0 = rss_kib()
bg = threading.Thread(target=background)
bg.start()

# ---- malformed JSON ----
st, doc, raw = request("POST", PRED, '[{"id": "t1", "features": {"a": 1', JSON_H)
expect_error("truncated JSON: 400 bad_json with line and column", st, doc, raw, 400, "bad_json",
             ("line 1, column", "unexpected end"))
rnd = random.Random(3)
garbage = bytes(rnd.randrange(256) for _ in range(4096))
st, doc, raw = request("POST", PRED, garbage, JSON_H)
expect_error("garbage bytes: 400 bad_json", st, doc, raw, 400, "bad_json", ("line",))
st, doc, raw = request("POST", PRED, garbage, {"Content-Type": "application/x-ndjson"})
expect_error("garbage bytes as NDJSON: 400 bad_json", st, doc, raw, 400, "bad_json", ("line",))
st, doc, raw = request("POST", PRED, b"\x00" * 1000, JSON_H)
expect_error("NUL bytes: 400 bad_json", st, doc, raw, 400, "bad_json")
body = ('[' + json.dumps(good("u0")) + ',' + json.dumps(good("u1"))
        + ', {"id": "u2", "features": {"a": 1, "c": "\xff\xfe"}, "prediction": 0.5}]')
st, doc, raw = request("POST", PRED, body.encode("latin-1"), JSON_H)
expect_rejects("invalid UTF-8 in a value: record 2, features.c", st, doc, raw, [(2, "features.c")])
st, doc, raw = request("POST", PRED, b'[{"id": "\xc3\x28", "features": {"a": 1}, "prediction": 0.5}]',
                       JSON_H)
expect_rejects("invalid UTF-8 in the id: record 0, id", st, doc, raw, [(0, "id")])
st, doc, raw = request("POST", PRED, b'[{"\xff": 1, "id": "k", "features": {"a": 1}, "prediction": 0.5}]',
                       JSON_H)
expect_rejects("invalid UTF-8 in a key: record 0 rejected, not silently", st, doc, raw, [(0, "")])
check("invalid UTF-8 in a key: the reason shows it as U+FFFD",
      doc.get("rejected") and "unknown key '\ufffd'" in doc["rejected"][0]["reason"], raw[:300])
long_key = "x" + "\u00e9" * 60  # 121 bytes: the message cuts it at 100, inside a character
st, doc, raw = request("POST", PRED, json.dumps([{"id": "lk", "features": {"a": 1}, "prediction": 0.5,
                                                  long_key: 1}], ensure_ascii=False).encode(), JSON_H)
expect_rejects("a long non-ASCII unknown key: record 0 rejected", st, doc, raw, [(0, "")])
st, doc, raw = request("POST", "/v1/models/h/labels", b'[{"id": "l\xff", "label": 1}]', JSON_H)
expect_rejects("labels: invalid UTF-8 in the id named", st, doc, raw, [(0, "id")])
st, doc, raw = request("GET", "/v1/models/h/rejected?limit=20")
check("dead letters with invalid UTF-8 listed as JSON, none dropped",
      st == 200 and len(doc["rejected"]) == min(20, doc["total"]) and doc["total"] >= 5
      and any("\ufffd" in x["record"] for x in doc["rejected"]),
      "HTTP %d %r" % (st, raw[:300]))
deep = "[" * 100000 + "]" * 100000
st, doc, raw = request("POST", PRED, deep, JSON_H)
expect_error("arrays nested 1e5 deep: 400 bad_json", st, doc, raw, 400, "bad_json", ("nested",))
deep_meta = ('[{"id": "dm", "features": {"a": 1}, "prediction": 0.5, "metadata": '
             + '{"x": ' * 100000 + '1' + '}' * 100000 + '}]')
st, doc, raw = request("POST", PRED, deep_meta, JSON_H)
expect_error("objects nested 1e5 deep in metadata: 400 bad_json", st, doc, raw, 400, "bad_json",
             ("nested",))
st, doc, raw = request("POST", PRED, "[" * 100000, {"Content-Type": "application/x-ndjson"})
expect_error("1e5 unclosed arrays as NDJSON: 400 bad_json", st, doc, raw, 400, "bad_json")
batch = [good("h0"), {"id": "h1", "features": {"a": 1e999}, "prediction": 0.5},
         {"id": "h2", "features": {"a": 1}, "prediction": 1e400},
         {"id": "h3", "features": {"a": -1e999999999}, "prediction": 0.5}]
body = json.dumps(batch).replace("Infinity", "1e999").replace("-1e999", "-1e999999999")
st, doc, raw = request("POST", PRED, body, JSON_H)
expect_rejects("huge numbers: the records and fields named", st, doc, raw,
               [(1, "features.a"), (2, "prediction"), (3, "features.a")])
st, doc, raw = request("POST", PRED, '[{"id": "big", "features": {"a": 1}, "prediction": 0.'
                       + "1" * 100000 + '}]', JSON_H)
check("a 100000-digit number: answered 200 or 400 with JSON",
      (st == 200 and doc.get("accepted") == 1) or (st == 400 and doc.get("rejected")),
      "HTTP %d %r" % (st, raw[:300]))
for lit in ("NaN", "Infinity", "-Infinity", "nan", "undefined"):
    st, doc, raw = request("POST", PRED, '[{"id": "n", "features": {"a": %s}, "prediction": 0.5}]'
                           % lit, JSON_H)
    expect_error("%s literal: 400 bad_json" % lit, st, doc, raw, 400, "bad_json", ("line 1, column 3",))
st, doc, raw = request("POST", PRED, '[{"id": "d1", "id": "d2", "features": {"a": 1}, "prediction": 0.5},'
                       ' {"id": "d3", "features": {"a": 1, "a": 2}, "prediction": 0.5},'
                       ' {"id": "d4", "features": {"a": 1}, "prediction": 0.5, "prediction": 0.1}]', JSON_H)
expect_rejects("duplicate keys: each record and key named", st, doc, raw,
               [(0, "id"), (1, "features.a"), (2, "prediction")])

# ---- wrong types, missing and unknown fields (one batch, the faults at known indexes) ----
batch = [good("w0"),
         {"id": {"x": 1}, "features": {"a": 1}, "prediction": 0.5},
         {"id": "w2", "features": [1], "prediction": 0.5},
         {"id": "w3", "features": {"a": 1}, "prediction": [0.5]},
         {"id": "w4", "features": {"a": 1}, "prediction": 0.5, "timestamp": False},
         {"id": "w5", "features": {"a": 1}},
         {"features": {"a": 1}, "prediction": 0.5},
         {"id": "w7", "features": {"c": "x"}, "prediction": 0.5},
         {"id": "w8", "features": {"a": 1}, "prediction": 0.5, "colour": "red"},
         {"id": "w9", "features": {"a": 1, "zz": 2}, "prediction": 0.5},
         {"id": "w10", "features": {"a": "old"}, "prediction": 0.5},
         7,
         {"id": "w12", "features": {"a": 1}, "prediction": 0.5, "label": {"x": 1}},
         {"id": "", "features": {"a": 1}, "prediction": 0.5},
         {"id": 1.5, "features": {"a": 1}, "prediction": 0.5},
         {"id": "w15", "features": {"a": 1}, "prediction": 0.5, "timestamp": "yesterday"},
         {"id": "w16", "features": {"a": 1, "c": ["x"]}, "prediction": 0.5},
         None, [], "record",
         good("w20")]
st, doc, raw = request("POST", PRED, json.dumps(batch), JSON_H)
expect_rejects("wrong types, missing and unknown fields: each record and field named", st, doc,
               raw, [(1, "id"), (2, "features"), (3, "prediction"), (4, "timestamp"),
                     (5, "prediction"), (6, "id"), (7, "features.a"), (8, ""), (9, "features.zz"),
                     (10, "features.a"), (11, ""), (12, "label"), (13, "id"), (14, "id"),
                     (15, "timestamp"), (16, "features.c"), (17, ""), (18, ""), (19, "")])
if isinstance(doc, dict) and doc.get("rejected"):
    r8 = [x for x in doc["rejected"] if x["index"] == 8]
    check("an unknown key is named in the reason", r8 and "colour" in r8[0]["reason"], r8)
st, doc, raw = request("POST", PRED, '{"records": [1]}\n{"id": 3}', {"Content-Type": "application/x-ndjson"})
expect_rejects("NDJSON: each line's fault named by its index", st, doc, raw, [(0, ""), (1, "prediction")])
st, doc, raw = request("POST", "/v1/models/h/labels",
                       json.dumps([{"label": 1}, {"id": "x"}, {"id": "y", "label": [1]},
                                   {"id": "z", "label": 1, "extra": 1}]), JSON_H)
expect_rejects("labels: each record and field named", st, doc, raw,
               [(0, "id"), (1, "label"), (2, "label"), (3, "")])

# ---- hostile specs and references (parsed by jansson and the readers, not the record scanner) ----
st, doc, raw = request("POST", "/v1/models", deep, JSON_H)
expect_error("a spec nested 1e5 deep: 400 bad_json", st, doc, raw, 400, "bad_json", ("depth",))
st, doc, raw = request("PUT", "/v1/models/h", '{"name": "h", "task": "binary", "features": [{"name": "a", '
                       '"type": "numeric", "type": "categorical"}]}', JSON_H)
check("a spec with a duplicate key: 400 naming it", st == 400 and is_error(doc)
      and "type" in doc["error"]["message"], "HTTP %d %r" % (st, raw[:300]))
st, doc, raw = request("PUT", "/v1/models/h/reference", '{"a": ' + deep + '}\n',
                       {"Content-Type": "application/x-ndjson"})
expect_error("a reference nested 1e5 deep: 400 bad_json with its line", st, doc, raw, 400,
             "bad_json", (":1:",))
st, doc, raw = request("PUT", "/v1/models/h/reference", 'a,c\n1,"x\n', {"Content-Type": "text/csv"})
expect_error("a reference CSV with an unterminated quote: 400 with its line", st, doc, raw, 400,
             "bad_json", (":2:", "unterminated"))
st, doc, raw = request("PUT", "/v1/models/h/reference", garbage, {"Content-Type": "application/octet-stream"})
expect_error("application/octet-stream that is not a .vgp: 400 invalid", st, doc, raw, 400,
             "invalid", (".vgp",))
st, doc, raw = request("PUT", "/v1/models/h/reference", b"\x89VGP\r\n\x1a\n" + garbage,
                       {"Content-Type": "application/octet-stream"})
expect_error("a .vgp magic followed by garbage: 400 invalid", st, doc, raw, 400, "invalid")
st, doc, raw = request("GET", "/v1/models/h/reference")
expect_error("after the refused references, still none", st, doc, raw, 404, "no_reference")

# ---- routing, sizes, media types ----
st, doc, raw = request("POST", "/v1/models/nosuch/predictions", json.dumps([good("x")]), JSON_H)
expect_error("unknown model: 404 model_not_found naming it", st, doc, raw, 404, "model_not_found",
             ("nosuch",))
st, doc, raw = request("POST", "/v1/models/" + "m" * 20000 + "/predictions", "[]", JSON_H)
check("a 20 kB path: a 4xx answer", 400 <= st < 500, "HTTP %d %r" % (st, raw[:200]))
st, doc, raw = request("GET", "/v1/models/h%00/windows")
expect_error("an encoded NUL in the path does not cut it: 404", st, doc, raw, 404, "model_not_found")
st, doc, raw = request("GET", "/v1/models/h/windows?limit=5%00000")
expect_error("an encoded NUL in a query argument does not cut it: 400", st, doc, raw, 400, "invalid")
st, doc, raw = request("POST", "/v1/models/%ff%fe/predictions", "[]", JSON_H)
expect_error("invalid UTF-8 in the model name: 404 model_not_found", st, doc, raw, 404,
             "model_not_found", ("\ufffd",))
for q, want, code in (("windows?limit=-1", 400, "invalid"),
                      ("windows?limit=99999999999999999999999", 400, "invalid"),
                      ("windows?from=notatime", 400, "invalid"),
                      ("windows?from=2026-13-45T99:99:99Z", 400, "invalid"),
                      ("rejected?before=abc", 400, "invalid"),
                      ("windows/99999999999999999999999", 400, "invalid"),
                      ("windows/%ff", 400, "invalid"),
                      ("windows/-5", 404, "window_not_found")):
    st, doc, raw = request("GET", "/v1/models/h/" + q)
    expect_error("GET %s: %d %s" % (q, want, code), st, doc, raw, want, code)
for q in ("series?metric=%ff%fe", "series?metric=x&labels=%ff", "series?metric=" + "m" * 5000):
    st, doc, raw = request("GET", "/v1/models/h/" + q)
    check("GET %s: 200 JSON, the argument echoed as valid UTF-8" % q[:40],
          st == 200 and isinstance(doc, dict) and doc.get("metric", "").startswith(("\ufffd", "x", "m")),
          "HTTP %d %r" % (st, raw[:200]))
st, doc, raw = request("GET", PRED)
expect_error("GET on predictions: 405", st, doc, raw, 405, "method_not_allowed")
for ct in ("text/plain", "application/xml", "text/csv", "multipart/form-data; boundary=x",
           "application/x-www-form-urlencoded"):
    st, doc, raw = request("POST", PRED, json.dumps([good("ct")]), {"Content-Type": ct})
    expect_error("Content-Type %s: 415 naming it" % ct, st, doc, raw, 415,
                 "unsupported_media_type", (ct.split(";")[0],))
st, doc, raw = request("POST", PRED, json.dumps([good("gz")]),
                       {"Content-Type": "application/json", "Content-Encoding": "br"})
expect_error("Content-Encoding br: 415", st, doc, raw, 415, "unsupported_media_type")
for body, what in ((b"", "empty body"), (b"  \n\n ", "blank body"), (b"[]", "empty array")):
    st, doc, raw = request("POST", PRED, body, JSON_H)
    check("%s: an empty batch, 200 with nothing accepted" % what,
          st == 200 and doc.get("accepted") == 0 and doc.get("rejected") == [],
          "HTTP %d %r" % (st, raw[:200]))
many = json.dumps([{"id": i, "features": {"a": 1}, "prediction": 0} for i in range(10001)])
st, doc, raw = request("POST", PRED, many, JSON_H)
expect_error("10001 records (max 10000): 413 too_many_records", st, doc, raw, 413,
             "too_many_records")


def raw_exchange(payload_iter, timeout=15):
    """Sends the pieces on a fresh socket (stopping quietly when the server closes), returns
    the answer's status and body."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    try:
        for piece in payload_iter:
            try:
                s.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data:
                    head, _, rest = data.partition(b"\r\n\r\n")
                    cl = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                    if cl and len(rest) >= int(cl[0].split(b":")[1]):
                        break
        except (ConnectionResetError, socket.timeout):
            pass
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ")[1])
    except (IndexError, ValueError):
        status = 0
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    return status, doc, data


t0 = time.time()
st, doc, raw = raw_exchange([b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 100000000\r\n\r\n" % PRED.encode()])
expect_error("Content-Length 100 MB: 413 too_large", st, doc, raw, 413, "too_large")
check("Content-Length 100 MB: answered before the body is sent", time.time() - t0 < 10,
      "%.1f s" % (time.time() - t0))


def chunked(total, piece=65536):
    yield (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n" % PRED.encode())
    sent = 0
    blob = b"[" + b" " * (piece - 1)
    while sent < total:
        yield b"%x\r\n%s\r\n" % (len(blob), blob)
        sent += len(blob)
        blob = b" " * piece
    yield b"0\r\n\r\n"


st, doc, raw = raw_exchange(chunked(4 << 20))
expect_error("chunked body of 4 MiB (cap 1 MiB): 413 too_large", st, doc, raw, 413, "too_large")
st, doc, raw = raw_exchange([b"GARBAGE / NONSENSE\r\n\r\n"])
check("a garbage request line: 400 or the connection closed", st in (0, 400),
      "HTTP %d %r" % (st, raw[:200]))
st, doc, raw = raw_exchange([b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n" % PRED.encode()])
check("a negative Content-Length: 400 or the connection closed", st in (0, 400),
      "HTTP %d %r" % (st, raw[:200]))
st, doc, raw = raw_exchange([b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-A: " + b"a" * 200000
                             + b"\r\n\r\n"])
check("a 200 kB header: refused (4xx) or the connection closed", st == 0 or 400 <= st < 500,
      "HTTP %d %r" % (st, raw[:200]))

# clients that leave mid-body, or mid-head: nothing is applied, the daemon carries on
for i in range(20):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    if i % 2:
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 5000\r\n\r\n" % PRED.encode() + json.dumps([good("gone-%d" % i)]).encode())
    else:
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Le" % PRED.encode())
    s.close()
st, doc, raw = request("GET", "/healthz", timeout=5)
check("20 clients that left mid-request: /healthz 200", st == 200, st)

# ---- thousands of small bad requests on one keep-alive connection, and on fresh ones ----
conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
kinds = [('[{"id": ', "bad_json"), ('[{"id": "q", "features": {"a": "x"}, "prediction": 0.5}]', None),
         ('{"id": 1}', None), ("\x01", "bad_json")]
t0 = time.time()
wrong = []
for i in range(3000):
    body, code = kinds[i % len(kinds)]
    st, doc, raw = request("POST", PRED, body, JSON_H, conn=conn)
    if st != 400 or (code and not is_error(doc, code)) or (not code and not doc.get("rejected")):
        wrong.append("request %d: HTTP %d %r" % (i, st, raw[:200]))
conn.close()
check("3000 bad requests on one connection: each 400 with its JSON error", not wrong,
      "%d wrong, first %s" % (len(wrong), wrong[:1]))
print("# 3000 bad requests in %.1f s" % (time.time() - t0), flush=True)
wrong = []
for i in range(500):
    st, doc, raw = request("POST", "/v1/models/nosuch%d/labels" % i, "[]", JSON_H)
    if st != 404 or not is_error(doc, "model_not_found"):
        wrong.append("HTTP %d %r" % (st, raw[:200]))
check("500 requests for unknown models, fresh connections: each 404", not wrong, wrong[:1])

# ---- slowloris: 50 connections trickling bytes while normal clients post ----
slow = []
for i in range(50):
    try:
        s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    except OSError as e:
        bad("slowloris: connection %d opened" % i, e)
        break
    if i % 2:
        msg = (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: 100000\r\n\r\n[" % PRED.encode())
    else:
        msg = b"POST %s HTTP/1.1\r\nHost: x\r\nX-Slow: " % PRED.encode() + b"a" * 1000
    slow.append([s, msg, 0])


def trickle(rounds):
    for _ in range(rounds):
        for e in slow:
            s, msg, pos = e
            if s is None:
                continue
            piece = msg[pos:pos + 1] if pos < len(msg) else b" "
            try:
                s.send(piece)
                e[2] = pos + 1
            except OSError:
                e[0] = None
        time.sleep(0.5)


# the header-slow half sends a whole head of 1 kB first line part at once, then a byte per tick
for e in slow:
    e[0].send(e[1][:len(e[1]) - 1000 if b"X-Slow" in e[1] else len(e[1])])
    e[2] = len(e[1]) - 1000 if b"X-Slow" in e[1] else len(e[1])
tr = threading.Thread(target=trickle, args=(14,))
tr.start()
lat = []
errs = []


def normal_client(c):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    for b in range(15):
        t1 = time.time()
        try:
            st, doc, raw = request("POST", PRED,
                                   json.dumps([good("slow-%d-%d-%d" % (c, b, i)) for i in range(200)]),
                                   JSON_H, conn=conn)
            if st != 200:
                errs.append("HTTP %d %r" % (st, raw[:200]))
        except Exception as e:
            errs.append(repr(e))
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        lat.append(time.time() - t1)
        time.sleep(0.1)


clients = [threading.Thread(target=normal_client, args=(c,)) for c in range(3)]
for t in clients:
    t.start()
for t in clients:
    t.join(60)
st, doc, raw = request("GET", "/healthz", timeout=5)
check("slowloris: /healthz 200 while 50 connections trickle", st == 200, st)
tr.join(30)
alive = sum(1 for e in slow if e[0] is not None)
for e in slow:
    if e[0] is not None:
        e[0].close()
check("slowloris: normal clients served, 45 batches acknowledged", not errs and len(lat) == 45,
      "%d answered, errors %s" % (len(lat), errs[:2]))
lat.sort()
check("slowloris: normal clients served promptly (slowest batch < 2 s)", lat and lat[-1] < 2.0,
      "latencies %s" % ["%.2f" % x for x in lat[-5:]])
print("# slowloris: %d of 50 slow connections still open after 7 s; normal batch latency median "
      "%.3f s, max %.3f s" % (alive, lat[len(lat) // 2] if lat else -1, lat[-1] if lat else -1),
      flush=True)

# ---- after all that ----
stop_bg.set()
bg.join(60)
check("background client: every good batch acknowledged throughout (%d batches)" % bg_batches[0],
      not bg_errors and bg_batches[0] > 0, bg_errors[:2])
st, doc, raw = request("GET", "/healthz", timeout=5)
check("/healthz 200 after everything", st == 200, st)
rss1 = rss_kib()
check("resident memory grew by less than %d MiB (%d -> %d KiB)" % (RSS_BOUND, rss0, rss1),
      rss1 - rss0 < RSS_BOUND * 1024, "%d -> %d KiB" % (rss0, rss1))
st, doc, raw = request("POST", "/v1/models/h/flush")
check("flush", st == 200, raw[:200])
st, doc, raw = request("GET", "/v1/models/h/windows?limit=100000")
rows = sum(w["rows"] for w in doc["windows"]) if st == 200 else -1
check("every acknowledged good record is in a window (%d)" % accepted_total,
      rows == accepted_total, "%d rows in the windows, %d acknowledged" % (rows, accepted_total))
st, doc, raw = request("GET", "/v1/models/h")
check("nothing rejected is silent: dead letters kept",
      st == 200 and doc["dead_letters"] >= 1500,
      raw[:300])
sys.exit(1 if checks.nfail else 0)
