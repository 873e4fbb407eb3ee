"""bench.log's SM2 figures (docs/design.md §12.8): `sm2_sign_per_s` beside `openssl_sm2_sign_per_s`, and
`append_per_s` with SM2 body keys against Ed25519 body keys, measured in the same run.

`openssl speed` divides by user CPU time unless given -elapsed; our rate is taken the same way
(time.process_time), so that both count the work and not the other processes of a shared machine.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable

from signing import sm2
from signing.keys import ALG_ED25519


def sm2_sign_rate(seconds: float = 1.0) -> float:
    """SM2 signatures per CPU second through signing.sm2 (what a body key signs with)."""
    key = sm2.generate()
    data = bytes(20)  # openssl speed signs a 20-byte buffer; SM3 of a leaf adds little to it
    count, c0 = 0, time.process_time()
    while True:
        for _ in range(50):
            key.sign(data)
        count += 50
        elapsed = time.process_time() - c0
        if elapsed >= seconds:
            return count / elapsed


_SPEED_SM2 = re.compile(r"SM2 \(CurveSM2\)\s+\S+s\s+\S+s\s+([0-9.]+)\s+([0-9.]+)")


def openssl_sm2_sign_rate(seconds: int = 1) -> float | None:
    """Signatures per second of `openssl speed sm2` (user CPU time, its default); None without it."""
    exe = shutil.which("openssl")
    if exe is None:
        return None
    out = subprocess.run(
        [exe, "speed", "-seconds", str(seconds), "sm2"], capture_output=True, text=True, timeout=120 + 10 * seconds
    )
    found = _SPEED_SM2.search(out.stdout)
    return float(found.group(1)) if found else None


def section_sm2(append_run: Callable[[str], float], appends: int, runs: int) -> dict:
    """SM2 signing against OpenSSL's own rate, and appends with an SM2 against an Ed25519 body key.

    ``append_run(alg)`` is bench.log's append run (seconds for ``appends`` appends with receipts)
    with the body key of that algorithm.
    """
    ours, theirs, ed_s, sm2_s = [], [], [], []
    for _ in range(runs):  # interleaved, so that load from elsewhere falls on both alike
        ours.append(sm2_sign_rate())
        rate = openssl_sm2_sign_rate()
        if rate is not None:
            theirs.append(rate)
        ed_s.append(append_run(ALG_ED25519))
        sm2_s.append(append_run(sm2.ALG_SM2))
    sign = statistics.median(ours)
    openssl = statistics.median(theirs) if theirs else None
    ed_rate, sm2_rate = appends / statistics.median(ed_s), appends / statistics.median(sm2_s)
    return {
        "sm2_sign_per_s": round(sign, 1),
        "openssl_sm2_sign_per_s": None if openssl is None else round(openssl, 1),
        "sm2_sign_vs_openssl": None if openssl is None else round(sign / openssl, 3),
        "sm2_sign_per_s_all": [round(x) for x in ours],
        "openssl_sm2_sign_per_s_all": [round(x) for x in theirs],
        "sm2_binding": "tongsuopy (Tongsuo)",
        "sm2_append_per_s": round(sm2_rate, 1),
        "ed25519_append_per_s": round(ed_rate, 1),
        "sm2_append_vs_ed25519": round(sm2_rate / ed_rate, 3),
    }
