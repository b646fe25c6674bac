#!/usr/bin/env python3
"""Mutation check of the VM-entry checker's tests (`make check-rules`).

Every rule of vmx/vmx_check_rules.def is enforced by one statement
`return vchk_fail(c, VCHK_R_..., ...);` in vmx/vmx_check_*.c (its site).
For each site in turn this script writes a copy of that source file with
the statement replaced by `{ }` (the rule is no longer checked and the
checker goes on to the next rule), builds the checker's unit tests
(tests/unit/test_vmx_check*.c) against the copy, and runs them. A site is
caught when a test fails; it survives when all of them pass. Survivors
are listed and make the exit status 1.

Before mutating, it requires every rule id of the table to have exactly
one site, and the unmutated tests to pass (exit status 2 otherwise).

Usage: scripts/check-rules.py [--build DIR] [--jobs N] [-v]
Environment: HOSTCC (gcc), UNIT_FLAGS (the flags `make unit` uses; -Werror
and dependency-file flags are dropped for the copies).
"""
import argparse
import concurrent.futures
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES_DEF = "vmx/vmx_check_rules.def"
CHECKER = ["vmx/vmx_check.c", "vmx/vmx_check_ctl.c", "vmx/vmx_check_guest.c",
           "vmx/vmx_check_host.c"]
FIXTURE = "tests/unit/vchk_fixture.c"
TEST_TIMEOUT = 120   # seconds per test binary; a hang counts as caught


def rule_table():
    """[(id, name)] in table order."""
    text = open(os.path.join(ROOT, RULES_DEF)).read()
    rows = re.findall(r'^VCHK_RULE\((\w+),\s*\w+,\s*\w+,\s*"((?:[^"\\]|\\.)*)"\)',
                      text, re.M)
    return rows


def find_sites(path):
    """Each `return vchk_fail(...);` statement of one file:
    (start, end, line, rule id or None)."""
    text = open(os.path.join(ROOT, path)).read()
    sites = []
    for m in re.finditer(r'\breturn\s+vchk_fail\s*\(', text):
        i, depth, in_str = m.end(), 1, False
        while depth:
            ch = text[i]
            if in_str:
                if ch == '\\':
                    i += 1
                elif ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch == '(':
                depth += 1
            elif ch == ')':
                depth -= 1
            i += 1
        j = text.index(';', i) + 1
        args = text[m.end():i - 1].split(',')
        rid = args[1].strip() if len(args) > 1 else None
        if not (rid and re.fullmatch(r'VCHK_R_\w+', rid)):
            rid = None
        sites.append((m.start(), j, text.count('\n', 0, m.start()) + 1, rid))
    return text, sites


def run(cmd, timeout=None):
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace")


class Build:
    def __init__(self, build, cc, flags):
        self.dir = os.path.join(ROOT, build, "check-rules")
        self.cc = cc
        self.flags = [f for f in flags
                      if f not in ("-Werror", "-MMD", "-MP")]
        self.tests = sorted(
            f"tests/unit/{f}" for f in os.listdir(os.path.join(ROOT, "tests/unit"))
            if re.fullmatch(r"test_vmx_check\w*\.c", f))

    def obj(self, sub, src):
        return os.path.join(self.dir, sub, src[:-2] + ".o")

    def compile(self, src, out, real_src=None):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        rc, log = run([self.cc] + self.flags + ["-c", real_src or src, "-o", out])
        if rc:
            raise RuntimeError(f"compiling {src} failed:\n{log}")

    def base(self):
        """Compile everything once, unmutated (in a fresh directory)."""
        shutil.rmtree(self.dir, ignore_errors=True)
        for src in CHECKER + self.tests + [FIXTURE]:
            self.compile(src, self.obj("base", src))

    def link_and_run(self, sub, checker_objs, first=None):
        """Link each test binary with these checker objects and run it,
        'first' (a source name) first; (True, why) on the first failing
        binary, (False, '') if all pass."""
        order = sorted(self.tests, key=lambda t: t != first)
        for t in order:
            exe = os.path.join(self.dir, sub, os.path.basename(t)[:-2])
            objs = [self.obj("base", t), self.obj("base", FIXTURE)] + checker_objs
            rc, log = run([self.cc] + self.flags + ["-o", exe] + objs + ["-lcmocka"])
            if rc:
                raise RuntimeError(f"linking {exe} failed:\n{log}")
            try:
                rc, log = run([exe], timeout=TEST_TIMEOUT)
            except subprocess.TimeoutExpired:
                return True, f"{os.path.basename(exe)}: timeout"
            if rc:
                failed = re.findall(r"^\[  FAILED  \] (test_\w+)$", log, re.M)
                return True, f"{os.path.basename(exe)}: {failed[0] if failed else f'exit {rc}'}"
        return False, ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every site, caught or not")
    args = ap.parse_args()
    cc = os.environ.get("HOSTCC", "gcc")
    flags = shlex.split(os.environ.get(
        "UNIT_FLAGS", "-std=gnu11 -O1 -g -fsanitize=address,undefined "
        "-fno-sanitize-recover=all -fno-omit-frame-pointer -Wall -Wextra "
        "-Wno-unused-parameter -I. -DEPTLAB_HOST_TEST"))
    t0 = time.monotonic()

    # 1. Sites and the rule table agree one to one.
    rules = rule_table()
    names = dict(rules)
    sites, texts, errors = [], {}, []
    for path in CHECKER:
        texts[path], found = find_sites(path)
        sites += [(path, s, e, line, rid) for s, e, line, rid in found]
    per_id = {}
    for path, _, _, line, rid in sites:
        if rid is None:
            errors.append(f"{path}:{line}: vchk_fail() without a literal VCHK_R_ id")
        elif rid not in names:
            errors.append(f"{path}:{line}: {rid} is not in {RULES_DEF}")
        else:
            per_id.setdefault(rid, []).append(f"{path}:{line}")
    for rid, _ in rules:
        n = len(per_id.get(rid, []))
        if n != 1:
            errors.append(f"{rid}: {n} sites {per_id.get(rid, [])} (want exactly 1)")
    if errors:
        for e in errors:
            print(f"check-rules: {e}")
        return 2
    print(f"check-rules: {len(rules)} rules, {len(sites)} sites in "
          f"{len(CHECKER)} files; {args.jobs} jobs")

    # 2. The unmutated tests pass.
    b = Build(args.build, cc, flags)
    base_objs = {src: b.obj("base", src) for src in CHECKER}
    try:
        b.base()
        caught, why = b.link_and_run("base", list(base_objs.values()))
    except RuntimeError as e:
        print(f"check-rules: {e}")
        return 2
    if caught:
        print(f"check-rules: the unmutated tests fail ({why}); fix them first")
        return 2

    # 3. One mutant per site.
    def mutate(k):
        path, start, end, line, rid = sites[k]
        sub = f"m{k:03d}"
        src = os.path.join(b.dir, sub, path)
        os.makedirs(os.path.dirname(src), exist_ok=True)
        text = texts[path]
        with open(src, "w") as f:
            f.write(text[:start] + "{ /* check-rules: " + rid + " removed */ }"
                    + text[end:])
        obj = b.obj(sub, path)
        b.compile(path, obj, real_src=src)
        objs = [obj if p == path else o for p, o in base_objs.items()]
        # The area's own cases are the likeliest to catch it: run them first.
        first = "tests/unit/test_" + os.path.basename(path)
        caught, why = b.link_and_run(sub, objs, first)
        if caught:      # keep only the survivors' copies, for a look
            shutil.rmtree(os.path.join(b.dir, sub))
        return caught, why

    survivors = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(mutate, range(len(sites))))
    except RuntimeError as e:     # a copy that does not build: a bug here
        print(f"check-rules: {e}")
        return 2
    for k, ((path, _, _, line, rid), (caught, why)) in enumerate(zip(sites, results)):
        if not caught:
            survivors.append((path, line, rid))
            print(f"SURVIVED: {path}:{line} {rid}: {names[rid]} "
                  f"(copy in {os.path.relpath(b.dir, ROOT)}/m{k:03d})")
        elif args.verbose:
            print(f"caught:   {path}:{line} {rid} by {why}")
    dt = time.monotonic() - t0
    print(f"check-rules: {len(sites)} sites, {len(sites) - len(survivors)} caught, "
          f"{len(survivors)} survived ({dt:.0f} s)")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
