#!/usr/bin/env bash
# Install the aarch64 cross toolchain, qemu-user and the arm64 -dev packages
# qv builds against (Debian multiarch). A no-op when all is installed.
exec bash "$(dirname "$0")/setup-cross.sh" arm64 "$@"
