# Sourced by the GPU-machine scripts: `preload` is the env prefix that puts the build-options library
# (tools/gpu/native) in front of the JVM where it was packed: the program's register cap on NVIDIA (VIL_NV_REGCAP=0:
# none) and passes run back to back (VIL_PIPELINE=0: Aparapi's host wait between passes).
# The JVM's signal chaining (libjsig) is preloaded too: an LLVM-based OpenCL (PoCL, also installed on the GPU machine)
# replaces the JVM's SIGSEGV handler, which can kill the JVM at its next safepoint (docs/DESIGN.md).
preload=()
libs=""
[ -n "${JAVA_HOME:-}" ] && [ -f "$JAVA_HOME/lib/libjsig.so" ] && libs="$JAVA_HOME/lib/libjsig.so"
if [ -f .gpu/native/libclbuildoptions.so ]; then
  preload=(env "LD_PRELOAD=$PWD/.gpu/native/libclbuildoptions.so${libs:+:$libs}"
    "VIL4J_NV_MAXRREGCOUNT=${VIL_NV_REGCAP:-64}" "VIL4J_CL_PIPELINE_PASSES=${VIL_PIPELINE:-1}")
elif [ -n "$libs" ]; then
  preload=(env "LD_PRELOAD=$libs")
fi
