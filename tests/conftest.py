"""What every test shares: a cache folder of its own, and child processes that are always waited for.

`make test` must pass the same on a fresh machine and on one with a warm `~/.cache/score-nb`, so the whole session
writes teachers and pools into a temporary `$SCORE_NB_CACHE` (what CI sees on a clean machine). Processes the tests
start (Chromium, http.server, torchrun) go through `child_process`: their own process group, stopped and waited for on
every path — a test never leaves a child behind that writes into a folder being removed."""
import contextlib, os, signal, subprocess, tempfile
import pytest


@pytest.fixture(scope="session", autouse=True)
def private_cache():
    "A temporary $SCORE_NB_CACHE for the whole session, so a warm ~/.cache/score-nb cannot change what is tested."
    before = os.environ.get("SCORE_NB_CACHE")
    with tempfile.TemporaryDirectory(prefix="score-nb-test-cache-", ignore_cleanup_errors=True) as d:
        os.environ["SCORE_NB_CACHE"] = d
        try: yield d
        finally:
            if before is None: os.environ.pop("SCORE_NB_CACHE", None)
            else: os.environ["SCORE_NB_CACHE"] = before


def stop_group(proc:subprocess.Popen, grace:float=10.0):
    "SIGTERM `proc`'s process group, wait up to `grace` s, then SIGKILL it and wait: afterwards no process of the group runs."
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 30.0)):
        with contextlib.suppress(ProcessLookupError): os.killpg(proc.pid, sig)
        try: proc.wait(wait)
        except subprocess.TimeoutExpired: continue
        # the leader is gone; children that outlive it (Chromium's crashpad, torchrun's workers) share its group
        with contextlib.suppress(ProcessLookupError): os.killpg(proc.pid, signal.SIGKILL)
        return


@contextlib.contextmanager
def child_process(cmd:list, **kwargs):
    "Popen `cmd` in a process group of its own; on leaving (normally or not) the whole group is stopped and reaped."
    proc = subprocess.Popen(cmd, start_new_session=True, **kwargs)
    try: yield proc
    finally: stop_group(proc)


def run_process(cmd:list, timeout:float, **kwargs) -> subprocess.CompletedProcess:
    "subprocess.run for a process that starts others (torchrun): on timeout or error the whole group goes, not only the leader."
    with child_process(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs) as proc:
        out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
