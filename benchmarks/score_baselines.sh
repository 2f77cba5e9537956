#!/bin/bash
# SCoRe's comparison on the arith domain (issue 15): the warm M0, M0 after STaR SFT, after
# Pair-SFT and after a short SCoRe run, each measured with `eval --self-correct` on the same
# 100 test problems. Run from an empty folder; takes about 45 minutes on 2 CPU cores.
#   bash /path/to/benchmarks/score_baselines.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export HF_HUB_OFFLINE=1
S=scpo-data
t() { echo "== $(date -u +%H:%M:%S) $*"; }
ev() { t eval "$1"; $S eval --self-correct --data test.jsonl --domain arith --model "$2" --out "eval-$1" | tail -12; }
t splits; python "$HERE/score_splits.py"                     # test.jsonl (100), train.jsonl (200)
ev m0 embedded-arith
t traces; $S correct --problems train.jsonl --domain arith --n 4 --second-n 2 --out correct-train | tail -14
python - <<'PY'                                              # Pair-SFT: as many rows as STaR has
import datasets, json
star = datasets.load_dataset("correct-train/dataset", "star", split="train").num_rows
rows = datasets.load_dataset("correct-train/dataset", "pair_sft", split="train").shuffle(seed=0).select(range(star))
with open("pair-subset.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps({"prompt": r["prompt"], "completion": r["completion"]}) + "\n")
PY
t sft-star; $S train --mode sft --data correct-train --data-config star --model embedded-arith --out m-star --batch-size 8
ev star m-star
t sft-pair; $S train --mode sft --data pair-subset.jsonl --model embedded-arith --out m-pair --batch-size 8
ev pair m-pair
for steps in 3 6; do
  printf 'num_generations: 4\nmax_completion_length: 128\nmax_steps: %s\nlogging_steps: 1\nsave_strategy: "no"\n' \
      "$steps" > "score-$steps.yaml"
done
t score-stage1; $S train --mode score --stage 1 --data train.jsonl --domain arith --model embedded-arith \
    --out m-score1 --batch-size 8 --config score-3.yaml
t score-stage2; $S train --mode score --stage 2 --data train.jsonl --domain arith --model m-score1 \
    --out m-score2 --batch-size 8 --config score-6.yaml
ev score m-score2
t done
