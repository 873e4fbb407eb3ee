#!/usr/bin/env bash
# Install onehall on a machine with no package index, from a wheelhouse built by `make wheelhouse`,
# then prove it runs: a fresh venv, `pip install --no-index`, `onehall init` on a scratch SQLite
# database and one decision. Usage: scripts/install-from-wheelhouse.sh [WHEELHOUSE] [VENV]
set -euo pipefail
WHEELHOUSE="$(cd "${1:-wheelhouse}" && pwd)"
TARGET="${2:-$(mktemp -d)/venv}"
PYTHON="${PYTHON:-python3}"
cd "$WHEELHOUSE" && sha256sum --quiet -c SHA256SUMS && cd - >/dev/null     # the wheels as built
"$PYTHON" -m venv "$TARGET"
"$TARGET/bin/pip" install --quiet --no-index --find-links "$WHEELHOUSE" 'onehall[hsm]'   # with the PKCS#11 binding
SCRATCH="$(mktemp -d)"
export ONEHALL_INSTANCE="$SCRATCH/instance" ONEHALL_KEY_PASSPHRASE=offline-check
(cd "$SCRATCH" && "$TARGET/bin/onehall" init >/dev/null)
(cd "$SCRATCH" && "$TARGET/bin/onehall" keys check)
echo "onehall installed from $WHEELHOUSE into $TARGET without a package index, and initialised a database"
