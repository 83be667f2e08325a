#!/usr/bin/env bash
# Debian packages that tests and benchmarks use when present. Run as root
# (CI does); anything missing makes the dependent checks skip loudly.
#   python3-onnx   ONNX checker (onnx.checker.check_model, full_check)
#   python3-scipy  independent reference values (sqrtm for FID, ...)
#   chromium       headless browser for the HTML report test
#   libdnnl-dev, g++, make  oneDNN for the optional native conv kernels
#                  (@semadapt/onednn-kernels builds at npm ci when present)
# Benchmarks also want python3-torch: tools/setup-system.sh --bench
set -u
pkgs=(python3-onnx python3-scipy python3-numpy python3-pil chromium libdnnl-dev g++ make)
[ "${1:-}" = "--bench" ] && pkgs+=(python3-torch)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then echo "setup-system: not root; missing: ${missing[*]}"; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
