#!/usr/bin/env bash
# The main job. Until the demo site lands, it builds the host CLI and prints a presigned
# AWS IoT WebSocket URL for example credentials (AWS's documentation example key pair).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/install.sh
cmake --preset host >/dev/null
cmake --build --preset host --target iotlite
AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  build/host/firmware/cli/iotlite sign-url --endpoint example-ats.iot.us-east-1.amazonaws.com \
  --time 2026-01-01T00:00:00Z "$@"
