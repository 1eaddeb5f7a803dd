# Sourced by the scripts: environment every build and test needs.
# Debian's emscripten 3.1.6 finds acorn through NODE_PATH.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
export IOTLITE_ROOT
IOTLITE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
