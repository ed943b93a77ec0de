"""PASS and FAIL lines for the Python halves of the CLI suites (tests/run.sh counts the lines;
a script exits 1 when `checks.nfail` is not 0)."""

nfail = 0


def ok(name):
    print("PASS " + name, flush=True)


def bad(name, detail):
    global nfail
    nfail += 1
    print("FAIL %s: %s" % (name, str(detail)[:400]), flush=True)


def check(name, cond, detail=""):
    if cond:
        ok(name)
    else:
        bad(name, detail)
    return cond
