// Builds an OpenCL source file on the first GPU (else any device) with the given options and prints the build log and the kernel's
// resource use: how the register count of Aparapi's one program was traced to its branches (docs/DESIGN.md).
// Build: gcc -O2 -o cl_build_probe cl_build_probe.c -lOpenCL
// Run:   cl_build_probe FILE.cl "-cl-nv-verbose"
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: cl_build_probe FILE.cl [OPTIONS]\n"); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) { fprintf(stderr, "cl_build_probe: cannot read %s\n", argv[1]); return 2; }
  fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
  char *src = malloc(n + 1);
  if (fread(src, 1, n, f) != (size_t) n) { fprintf(stderr, "cl_build_probe: short read\n"); return 2; }
  src[n] = 0; fclose(f);
  cl_platform_id platforms[8]; cl_uint np = 0; cl_device_id device = NULL;
  clGetPlatformIDs(8, platforms, &np);
  for (cl_uint i = 0; i < np && device == NULL; i++) {
    if (clGetDeviceIDs(platforms[i], CL_DEVICE_TYPE_GPU, 1, &device, NULL) != CL_SUCCESS) device = NULL;
  }
  for (cl_uint i = 0; i < np && device == NULL; i++) {  // no GPU: any device, to check that a variant builds
    if (clGetDeviceIDs(platforms[i], CL_DEVICE_TYPE_ALL, 1, &device, NULL) != CL_SUCCESS) device = NULL;
  }
  if (device == NULL) { fprintf(stderr, "cl_build_probe: no OpenCL device\n"); return 3; }
  cl_int err;
  cl_context ctx = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
  cl_program prog = clCreateProgramWithSource(ctx, 1, (const char **) &src, NULL, &err);
  err = clBuildProgram(prog, 1, &device, argc > 2 ? argv[2] : "", NULL, NULL);
  size_t size = 0;
  clGetProgramBuildInfo(prog, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size);
  char *log = malloc(size + 1);
  clGetProgramBuildInfo(prog, device, CL_PROGRAM_BUILD_LOG, size, log, NULL);
  log[size] = 0;
  printf("%s\n", log);
  if (err != CL_SUCCESS) { printf("build failed: %d\n", err); return 1; }
  cl_kernel k = clCreateKernel(prog, "run", &err);
  cl_ulong priv = 0, local = 0; size_t wg = 0;
  clGetKernelWorkGroupInfo(k, device, CL_KERNEL_PRIVATE_MEM_SIZE, sizeof priv, &priv, NULL);
  clGetKernelWorkGroupInfo(k, device, CL_KERNEL_LOCAL_MEM_SIZE, sizeof local, &local, NULL);
  clGetKernelWorkGroupInfo(k, device, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
  printf("private %llu bytes, local %llu bytes, max work-group %zu\n", (unsigned long long) priv,
         (unsigned long long) local, wg);
  return 0;
}
