#!/bin/bash
# Dev-only: M0's greedy and maj@8 accuracy by warm-up length (benchmarks/results/m0-warmup-dev.md).
# Usage: bash benchmarks/m0_gap.sh DEV.jsonl OUT [STEPS...]   (DEV: an iterate run's data/dev.jsonl)
set -euo pipefail
dev=$1; out=$2; shift 2
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1}
for s in "${@:-15 25 40}"; do
  for steps in $s; do
    warm=$(scpo-data warmup --steps "$steps" --seed 0 | tail -1)
    scpo-data eval --data "$dev" --domain gsm8k --model "$warm" --k 8 --temperature 0.7 --max-tokens 96 \
      --seed 0 --out "$out/s$steps" >/dev/null
    python -c "import json,sys; o=json.load(open(sys.argv[1]))['overall']; print(sys.argv[2], o['greedy_accuracy'], o['maj_accuracy'])" \
      "$out/s$steps/report.json" "$steps"
  done
done
