#!/usr/bin/env bash
# GPU throughput at ImageNet-1K shapes (one H100/H200, < 8 minutes): selector, codecs, relabel and student throughput.
# Writes results/gpu.json. Not run where there is no GPU; `python bench/gpu.py --scale tiny` checks the same code on a CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'bench/gpu.sh needs a CUDA GPU')"
timeout 480 python bench/gpu.py --scale full --out results/gpu.json
