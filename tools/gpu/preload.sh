# Sourced by the GPU-machine scripts: `preload` is the env prefix that puts the build-options library
# (tools/gpu/native) in front of the JVM where it was packed: the program's register cap on NVIDIA (VIL_NV_REGCAP=0:
# none) and passes run back to back (VIL_PIPELINE=0: Aparapi's host wait between passes); arenas past 2 GiB, and the
# arena shared with the wide GEMM's program (VIL_SHARE=0: one program), whose launches the host does not wait for
# (VIL_ASYNC=0: it waits); VIL_ASYNC_MAIN=1: nor for the main program's where their writes could be staged
# (tools/gpu/native/cl_staged_writes.c; off by default since round 12's segmentation runs hung with it on, see bin/vil).
# The JVM's signal chaining (libjsig) is preloaded too: an LLVM-based OpenCL (PoCL, also installed on the GPU machine)
# replaces the JVM's SIGSEGV handler, which can kill the JVM at its next safepoint (docs/DESIGN.md).
preload=()
# jsig: the library, or empty where the runtime has none (side_by_side.sh's runs without the build options use it too)
jsig=""
[ -n "${JAVA_HOME:-}" ] && [ -f "$JAVA_HOME/lib/libjsig.so" ] && jsig="$JAVA_HOME/lib/libjsig.so"
if [ -f .gpu/native/libclbuildoptions.so ]; then
  preload=(env "LD_PRELOAD=$PWD/.gpu/native/libclbuildoptions.so${jsig:+:$jsig}"
    "VIL4J_NV_MAXRREGCOUNT=${VIL_NV_REGCAP:-64}" "VIL4J_CL_PIPELINE_PASSES=${VIL_PIPELINE:-1}"
    "VIL4J_CL_SHARE_ARENA=${VIL_SHARE:-1}" "VIL4J_CL_ASYNC_WIDE=${VIL_ASYNC:-1}"
    "VIL4J_CL_ASYNC_MAIN=${VIL_ASYNC_MAIN:-0}")
elif [ -n "$jsig" ]; then
  preload=(env "LD_PRELOAD=$jsig")
fi
