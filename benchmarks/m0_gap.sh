#!/bin/bash
# Dev-only: M0's greedy and maj@8 accuracy by warm-up length (benchmarks/results/m0-warmup-dev.md).
# Usage: [SEED=S] [WARMUP_ARGS="--batch-size 16 --lr 5e-5"] bash benchmarks/m0_gap.sh DEV.jsonl OUT [STEPS...]
#   DEV: the data/dev.jsonl of an iterate run of the same seed; SEED (default 0) seeds the warm-up
#   and the sampling; WARMUP_ARGS go to `scpo-data warmup` as they are (its other settings).
#   With RECIPE=FILE.yaml the warm-up is that iterate recipe's (its problem options too) and
#   DEV is written from the recipe's dev split for SEED (benchmarks/recipe_m0.py).
# Prints one line per length: steps, dev greedy, dev maj@8, warm-up seconds, eval seconds.
set -euo pipefail
dev=$1; out=$2; shift 2
seed=${SEED:-0}
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1}
for steps in ${@:-15 25 40}; do
  t0=$(date +%s)
  if [ -n "${RECIPE:-}" ]; then
    warm=$(python "$(dirname "$0")/recipe_m0.py" "$RECIPE" --seed "$seed" --steps "$steps" --dev "$dev" | tail -1)
  else  # shellcheck disable=SC2086  # WARMUP_ARGS is a list of flags
    warm=$(scpo-data warmup --steps "$steps" --seed "$seed" ${WARMUP_ARGS:-} | tail -1)
  fi
  t1=$(date +%s)
  scpo-data eval --data "$dev" --domain gsm8k --model "$warm" --k 8 --temperature 0.7 --max-tokens 96 \
    --seed "$seed" --out "$out/s$steps" >/dev/null
  t2=$(date +%s)
  python -c "import json,sys; o=json.load(open(sys.argv[1]))['overall']; print(sys.argv[2], o['greedy_accuracy'], o['maj_accuracy'], *sys.argv[3:])" \
    "$out/s$steps/report.json" "$steps" $((t1 - t0)) $((t2 - t1))
done
