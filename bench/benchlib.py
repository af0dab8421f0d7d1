"""Helpers shared by bench/mirror_bench and bench/group_sync_bench (stdlib only)."""
import hashlib
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KAFKA = os.path.join(REPO, "scripts", "kafka")


class BenchError(Exception):
    pass


def log(msg):
    print(f"{os.path.basename(sys.argv[0])}: {msg}", file=sys.stderr, flush=True)


def wait4_timeout(pid, timeout):
    """Reap pid within timeout seconds; returns (status, rusage) or None."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            wpid, status, ru = os.wait4(pid, os.WNOHANG)
        except ChildProcessError:
            return (0, None)
        if wpid == pid:
            return (status, ru)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def reap(pid, timeout):
    """wait4_timeout without the rusage: the status, or None."""
    r = wait4_timeout(pid, timeout)
    return None if r is None else r[0]


def exit_desc(status):
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit {os.WEXITSTATUS(status)}"


def run_kafka(env, logs, *argv, check=True):
    """scripts/kafka ARGV with the bench's environment; its stdout, stripped. Raises on
    failure when `check`."""
    with open(os.path.join(logs, "scripts-kafka.log"), "a") as err:
        r = subprocess.run([KAFKA, *argv], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=err, text=True)
    if check and r.returncode != 0:
        raise BenchError(f"scripts/kafka {' '.join(argv)} failed (exit {r.returncode}); "
                         f"see {logs}/scripts-kafka.log")
    return r.stdout.strip()


def compile_cached(src, cache, extra_flags=()):
    """Compiles a single-file librdkafka client into `cache` against the librdkafka that
    scripts/librdkafka builds (the one straitd links, ADR 0011), once per source and library
    version; returns the binary's path."""
    r = subprocess.run([os.path.join(REPO, "scripts", "librdkafka")], capture_output=True,
                       text=True, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise BenchError(f"scripts/librdkafka failed:\n{r.stderr.strip()}")
    prefix = r.stdout.strip()
    with open(src, "rb") as f:
        digest = hashlib.sha256(f.read() + prefix.encode()).hexdigest()[:16]
    os.makedirs(cache, exist_ok=True)
    name = os.path.splitext(os.path.basename(src))[0]
    binary = os.path.join(cache, f"{name}-{digest}")
    if os.access(binary, os.X_OK):
        return binary
    log(f"compiling {src} -> {binary}")
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "rdkafka"],
                           capture_output=True, text=True, env=env)
    if flags.returncode != 0:
        raise BenchError(f"pkg-config rdkafka failed under {prefix}: {flags.stderr.strip()}")
    flags = flags.stdout.split() + [f"-Wl,-rpath,{os.path.join(prefix, 'lib')}"]
    tmp = binary + f".tmp{os.getpid()}"
    r = subprocess.run(["g++", "-O2", "-std=c++20", *extra_flags, src, *flags, "-o", tmp],
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise BenchError(f"compiling {src} failed")
    os.replace(tmp, binary)
    return binary
