#!/usr/bin/env bash
# Builds the LD_PRELOAD library that passes build options to Aparapi's OpenCL program (see cl_build_options.c) and
# lets its arena pass 2 GiB (cl_large_buffers.c);
# needs gcc and the OpenCL headers (Debian: gcc ocl-icd-opencl-dev). bin/vil preloads it when it exists.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/target}
mkdir -p "$out"
gcc -O2 -Wall -shared -fPIC -o "$out/libclbuildoptions.so" "$here/cl_build_options.c" "$here/cl_large_buffers.c" \
  "$here/cl_shared_arena.c" "$here/cl_staged_writes.c" -ldl -lpthread -lOpenCL
gcc -O2 -Wall -o "$out/cl_build_probe" "$here/cl_build_probe.c" -lOpenCL
echo "$out/libclbuildoptions.so"
