# Sourced by the GPU-machine scripts: `preload` is the env prefix that puts the build-options library
# (tools/gpu/native) in front of the JVM where it was packed: the program's register cap on NVIDIA (VIL_NV_REGCAP=0:
# none) and passes run back to back (VIL_PIPELINE=0: Aparapi's host wait between passes).
preload=()
if [ -f .gpu/native/libclbuildoptions.so ]; then
  preload=(env "LD_PRELOAD=$PWD/.gpu/native/libclbuildoptions.so" "VIL4J_NV_MAXRREGCOUNT=${VIL_NV_REGCAP:-64}"
    "VIL4J_CL_PIPELINE_PASSES=${VIL_PIPELINE:-1}")
fi
