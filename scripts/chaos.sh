#!/usr/bin/env bash
# The fault harness: RUNS seeded, randomized runs against the real kassa
# binary (release build) and the Klarna simulator over loopback, each
# checked against the simulator's record. Exits non-zero if any run broke a
# promise, printing its seed, its trace and how to replay it.
#
#   scripts/chaos.sh [RUNS] [SEED]        defaults: 200 runs, a random seed
#   KASSA_CHAOS_ONLY=N scripts/chaos.sh 1 SEED    replays run N of SEED
#   KASSA_CHAOS_TRACE=1 ...                        prints every run's trace
#   KASSA_CHAOS_LANES=K ...                        Kassa processes side by side (default 4)
#   KASSA_CHAOS_DATABASE=postgres ...              Kassa on a throwaway PostgreSQL instead of SQLite
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KASSA_ROOT"
if [ "${KASSA_CHAOS_DATABASE:-}" = postgres ]; then
  source scripts/postgres.sh
  start_test_postgres
fi

runs="${1:-200}"
seed="${2:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
say "Fault harness: $runs runs from seed $seed"
KASSA_CHAOS_RUNS="$runs" KASSA_CHAOS_SEED="$seed" KASSA_CHAOS_LANES="${KASSA_CHAOS_LANES:-4}" \
  cargo test --release -p server --test chaos -- --nocapture chaos
