// Build options for Aparapi's one OpenCL program, through LD_PRELOAD.
//
// Why: Aparapi 3.0.2 builds its program with no options (buildProgramJNI(context, source, key)), and all our ops are
// branches of one kernel, so the kernel's register count is that of its heaviest branch: the GEMM takes 128
// registers on NVIDIA's compiler while every other op needs at most 47, and the whole program runs at a quarter
// occupancy. NVIDIA's `-cl-nv-maxrregcount` caps it (docs/DESIGN.md has the measurements); no source-level hint
// reaches that compiler, so the option is added here, on the way to the driver.
//
//   VIL4J_NV_MAXRREGCOUNT=N   adds -cl-nv-maxrregcount=N when the program's device is NVIDIA's (other vendors
//                             reject the option, so it is never sent to them)
//   VIL4J_NV_MAXRREGCOUNT_WIDE=N  the same for the wide GEMM's own program (none when unset)
//   VIL4J_NV_MAXRREGCOUNT_FUSED=N  the same for the fused mLSTM's own program (none when unset)
//   VIL4J_CL_BUILD_OPTIONS=S  adds S for every device (measurements; e.g. -cl-nv-verbose)
//   VIL4J_CL_BUILD_LOG=1      prints the options and the build log (registers and spills with -cl-nv-verbose)
//   VIL4J_CL_DUMP_BINARY=DIR  writes each built program's binary (PTX on NVIDIA) to DIR/program-KIND.bin, KIND as
//                             below: which loads and stores the compiler made of the kernels (vector or scalar)
//   VIL4J_CL_PIPELINE_PASSES=1  lets the passes of one execute(range, passes) run back to back (below)
//   VIL4J_CL_ASYNC_WIDE=1     lets the host go on after a wide GEMM's or fused mLSTM's launch without waiting for
//                             it (with the shared arena of cl_shared_arena.c; profiles then time only its enqueue)
//
// Passes: aparapi-native's enqueueKernel waits on the host for pass p-1's kernel event before it enqueues pass p
// (clSetKernelArg(passid), clGetKernelWorkGroupInfo, clWaitForEvents, clEnqueueNDRangeKernel), so the device idles
// for a host round trip between passes. Its queue is in order (created with no properties but profiling), so pass p
// cannot start before p-1 has finished anyway, and kernel arguments are captured at enqueue. With the switch on, a
// wait on one kernel event (of an in-order queue) that comes between that loop's clGetKernelWorkGroupInfo and its next
// enqueue returns at once; every other wait (the one after the last pass, reads, markers) still blocks and flushes.
//
// Build: gcc -O2 -shared -fPIC -o libclbuildoptions.so cl_build_options.c -ldl -lOpenCL  (tools/gpu/native/build.sh)
#define _GNU_SOURCE
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef cl_int (*build_fn)(cl_program, cl_uint, const cl_device_id *, const char *,
                           void (CL_CALLBACK *)(cl_program, void *), void *);

static cl_device_id first_device(cl_program program, cl_uint num_devices, const cl_device_id *devices) {
  cl_device_id device = NULL;
  if (num_devices > 0 && devices != NULL) return devices[0];
  if (clGetProgramInfo(program, CL_PROGRAM_DEVICES, sizeof device, &device, NULL) != CL_SUCCESS) return NULL;
  return device;
}

static int is_nvidia(cl_device_id device) {
  char vendor[256] = {0};
  if (device == NULL || clGetDeviceInfo(device, CL_DEVICE_VENDOR, sizeof vendor - 1, vendor, NULL) != CL_SUCCESS) {
    return 0;
  }
  return strstr(vendor, "NVIDIA") != NULL;
}

// The wide GEMM's program (org.vil4j.opencl.WideGemmProgram, its fields named wg...) and the fused mLSTM's
// (org.vil4j.opencl.FusedMlstmProgram, fields fm...) want their own register counts: the cap that lets the one main
// program's light ops run at full occupancy would make them spill. Kind 0: the main program; 1: wide GEMM; 2: fused.
static int program_kind(cl_program program) {
  size_t size = 0;
  if (clGetProgramInfo(program, CL_PROGRAM_SOURCE, 0, NULL, &size) != CL_SUCCESS || size == 0) return 0;
  char *source = malloc(size + 1);
  if (source == NULL) return 0;
  int kind = 0;
  if (clGetProgramInfo(program, CL_PROGRAM_SOURCE, size, source, NULL) == CL_SUCCESS) {
    source[size] = 0;
    kind = strstr(source, "wgAlpha") != NULL ? 1 : strstr(source, "fmNormEps") != NULL ? 2 : 0;
  }
  free(source);
  return kind;
}

// Wide GEMM and fused mLSTM programs built (their kernels' launches need no host wait: see clWaitForEvents below).
static cl_program wide_programs[8];
static int wide_count = 0;

static void remember_wide(cl_program program) {
  if (wide_count < 8) wide_programs[wide_count++] = program;
}

static int in_wide_program(cl_kernel kernel) {
  cl_program program = NULL;
  if (wide_count == 0 || clGetKernelInfo(kernel, CL_KERNEL_PROGRAM, sizeof program, &program, NULL) != CL_SUCCESS) {
    return 0;
  }
  for (int i = 0; i < wide_count; i++) {
    if (wide_programs[i] == program) return 1;
  }
  return 0;
}

static void print_log(cl_program program, cl_device_id device) {
  size_t size = 0;
  if (device == NULL || clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) != CL_SUCCESS
      || size == 0) {
    return;
  }
  char *log = malloc(size + 1);
  if (log == NULL) return;
  if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, size, log, NULL) == CL_SUCCESS) {
    log[size] = 0;
    fprintf(stderr, "[cl_build_options] build log:\n%s\n", log);
  }
  free(log);
}

static void dump_binary(cl_program program, int kind) {
  const char *dir = getenv("VIL4J_CL_DUMP_BINARY");
  size_t size = 0;
  if (dir == NULL || *dir == 0
      || clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) != CL_SUCCESS || size == 0) {
    return;
  }
  unsigned char *binary = malloc(size);
  if (binary == NULL) return;
  char path[1024];
  snprintf(path, sizeof path, "%s/program-%d.bin", dir, kind);
  FILE *file = NULL;
  if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof binary, &binary, NULL) == CL_SUCCESS
      && (file = fopen(path, "wb")) != NULL) {
    fwrite(binary, 1, size, file);
    fclose(file);
  }
  free(binary);
}

CL_API_ENTRY cl_int CL_API_CALL clBuildProgram(cl_program program, cl_uint num_devices, const cl_device_id *devices,
                                               const char *options, void (CL_CALLBACK *notify)(cl_program, void *),
                                               void *user_data) {
  static build_fn real = NULL;
  if (real == NULL) real = (build_fn) dlsym(RTLD_NEXT, "clBuildProgram");
  if (real == NULL) return CL_INVALID_OPERATION;
  cl_device_id device = first_device(program, num_devices, devices);
  int kind = program_kind(program);
  const char *cap = getenv(kind == 1 ? "VIL4J_NV_MAXRREGCOUNT_WIDE" : kind == 2 ? "VIL4J_NV_MAXRREGCOUNT_FUSED"
                           : "VIL4J_NV_MAXRREGCOUNT");
  const char *extra = getenv("VIL4J_CL_BUILD_OPTIONS");
  const char *log = getenv("VIL4J_CL_BUILD_LOG");
  int verbose = log != NULL && strcmp(log, "1") == 0;
  char merged[1024];
  snprintf(merged, sizeof merged, "%s", options ? options : "");
  if (cap != NULL && atoi(cap) > 0 && is_nvidia(device)) {
    size_t used = strlen(merged);
    snprintf(merged + used, sizeof merged - used, " -cl-nv-maxrregcount=%d", atoi(cap));
  }
  if (extra != NULL && *extra != 0) {
    size_t used = strlen(merged);
    snprintf(merged + used, sizeof merged - used, " %s", extra);
  }
  if (verbose) fprintf(stderr, "[cl_build_options] building with options:%s\n", merged);
  cl_int rc = real(program, num_devices, devices, merged, notify, user_data);
  if (rc == CL_SUCCESS && kind != 0) remember_wide(program);
  if (verbose) print_log(program, device);
  if (rc == CL_SUCCESS) dump_binary(program, kind);
  return rc;
}

typedef cl_int (*wg_info_fn)(cl_kernel, cl_device_id, cl_kernel_work_group_info, size_t, void *, size_t *);
typedef cl_int (*enqueue_fn)(cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *, const size_t *,
                             cl_uint, const cl_event *, cl_event *);
typedef cl_int (*wait_fn)(cl_uint, const cl_event *);

static __thread int between_passes = 0;
// the event of the last wide GEMM launch on this thread, whose completion the host need not wait for
static __thread cl_event wide_event = NULL;
// that launch once its wait was skipped: Aparapi then asks its status, which is "complete" as far as it is concerned
static __thread cl_event skipped_event = NULL;
static int async_wide = -1;
static long skipped_wide_waits = 0;

static int hold_wide_waits = 0; // set from Java while profiling: every launch is then timed to its end

// VIL4J_CL_ASYNC_MAIN=1: the main program's execute may end without its final wait too (cl_staged_writes.c)
int vil4j_async_main_requested(void);
int vil4j_async_main_on(cl_command_queue queue);
int vil4j_take_unstaged_writes(void);
long vil4j_staged_writes(void);
// the event of the main program's last pass on this thread, on a queue whose executes need not be waited for
static __thread cl_event main_event = NULL;
static long skipped_main_waits = 0;

static int asynchronous_wide(void) {
  if (async_wide < 0) {
    const char *on = getenv("VIL4J_CL_ASYNC_WIDE");
    async_wide = on != NULL && strcmp(on, "1") == 0;
  }
  return async_wide && !hold_wide_waits;
}

__attribute__((visibility("default"))) void vil4j_hold_wide_waits(int on) { hold_wide_waits = on; }

typedef void (*hold_fn)(int);

// JNI: org.vil4j.opencl.WideGemm.nativeWaitForEachLaunch(int): through the global symbol, so that the preloaded copy
// (whose clWaitForEvents is the interposed one) takes it.
__attribute__((visibility("default"))) void Java_org_vil4j_opencl_WideGemm_nativeWaitForEachLaunch(void *env, void *cls,
                                                                                              int32_t on) {
  (void) env;
  (void) cls;
  hold_fn global = (hold_fn) dlsym(RTLD_DEFAULT, "vil4j_hold_wide_waits");
  (global != NULL ? global : vil4j_hold_wide_waits)(on);
}
static int pipeline = -1;
static long skipped_waits = 0;

static int pipelining(void) {
  if (pipeline < 0) {
    const char *on = getenv("VIL4J_CL_PIPELINE_PASSES");
    pipeline = on != NULL && strcmp(on, "1") == 0;
  }
  return pipeline;
}

CL_API_ENTRY cl_int CL_API_CALL clGetKernelWorkGroupInfo(cl_kernel kernel, cl_device_id device,
                                                         cl_kernel_work_group_info name, size_t size, void *value,
                                                         size_t *size_ret) {
  static wg_info_fn real = NULL;
  if (real == NULL) real = (wg_info_fn) dlsym(RTLD_NEXT, "clGetKernelWorkGroupInfo");
  if (real == NULL) return CL_INVALID_OPERATION;
  // enqueueKernel asks this once per pass, just before its wait on the previous pass
  if (name == CL_KERNEL_WORK_GROUP_SIZE) between_passes = 1;
  return real(kernel, device, name, size, value, size_ret);
}

CL_API_ENTRY cl_int CL_API_CALL clEnqueueNDRangeKernel(cl_command_queue queue, cl_kernel kernel, cl_uint dims,
                                                       const size_t *offset, const size_t *global,
                                                       const size_t *local, cl_uint waits, const cl_event *wait_list,
                                                       cl_event *event) {
  static enqueue_fn real = NULL;
  if (real == NULL) real = (enqueue_fn) dlsym(RTLD_NEXT, "clEnqueueNDRangeKernel");
  if (real == NULL) return CL_INVALID_OPERATION;
  between_passes = 0;
  cl_int rc = real(queue, kernel, dims, offset, global, local, waits, wait_list, event);
  int wide = rc == CL_SUCCESS && event != NULL && in_wide_program(kernel);
  wide_event = wide && asynchronous_wide() ? *event : NULL;
  main_event = rc == CL_SUCCESS && event != NULL && !wide && !hold_wide_waits && vil4j_async_main_on(queue)
               ? *event : NULL;
  return rc;
}

CL_API_ENTRY cl_int CL_API_CALL clWaitForEvents(cl_uint count, const cl_event *events) {
  static wait_fn real = NULL;
  if (real == NULL) real = (wait_fn) dlsym(RTLD_NEXT, "clWaitForEvents");
  if (real == NULL) return CL_INVALID_OPERATION;
  if (between_passes && count == 1 && pipelining()) {
    cl_command_type type = 0;
    cl_command_queue queue = NULL;
    cl_command_queue_properties props = 0;
    if (clGetEventInfo(events[0], CL_EVENT_COMMAND_TYPE, sizeof type, &type, NULL) == CL_SUCCESS
        && type == CL_COMMAND_NDRANGE_KERNEL
        && clGetEventInfo(events[0], CL_EVENT_COMMAND_QUEUE, sizeof queue, &queue, NULL) == CL_SUCCESS
        && clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof props, &props, NULL) == CL_SUCCESS
        && (props & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE) == 0) {
      between_passes = 0;
      skipped_waits++;
      // in order: the next pass waits on the device, not on the host. No clFlush either: the driver submits on its
      // own, and the wait after the last pass flushes (fmnist-anchor step on the H200: 22.0 ms with a flush per
      // pass, 19.6 without)
      return CL_SUCCESS;
    }
  }
  if (count == 1 && events[0] != NULL && events[0] == wide_event) {
    // Aparapi's wait at the end of the wide GEMM's execute: that program moves no arrays (its arena is the main
    // program's shared buffer, its arguments are scalars captured at enqueue) and the queue is in order, so what
    // comes next runs after it anyway; the host goes on instead of draining the device
    skipped_event = wide_event;
    wide_event = NULL;
    skipped_wide_waits++;
    return CL_SUCCESS;
  }
  if (count == 1 && events[0] != NULL && events[0] == main_event && !between_passes) {
    // the main program's final wait: skipped when every write of its execute was staged (the host may rewrite the
    // arrays at once) and nothing is read back (a read waits on its own event); what comes next is queued behind it
    main_event = NULL;
    if (!vil4j_take_unstaged_writes()) {
      skipped_event = events[0];
      skipped_main_waits++;
      return CL_SUCCESS;
    }
  }
  if (!between_passes && vil4j_async_main_requested()) {
    vil4j_take_unstaged_writes(); // an execute's final wait (or a read's): its writes are done once it returns
  }
  return real(count, events);
}


typedef cl_int (*event_info_fn)(cl_event, cl_event_info, size_t, void *, size_t *);

CL_API_ENTRY cl_int CL_API_CALL clGetEventInfo(cl_event event, cl_event_info name, size_t size, void *value,
                                               size_t *size_ret) {
  static event_info_fn real = NULL;
  if (real == NULL) real = (event_info_fn) dlsym(RTLD_NEXT, "clGetEventInfo");
  if (real == NULL) return CL_INVALID_OPERATION;
  cl_int rc = real(event, name, size, value, size_ret);
  if (event != NULL && event == skipped_event && name == CL_EVENT_COMMAND_EXECUTION_STATUS && rc == CL_SUCCESS
      && value != NULL && size >= sizeof(cl_int)) {
    skipped_event = NULL;
    // queued, submitted or running: it will complete before anything after it on the in-order queue; an error
    // (negative) is reported as it is
    if (*(cl_int *) value > 0) *(cl_int *) value = CL_COMPLETE;
  }
  return rc;
}

__attribute__((destructor)) static void report(void) {
  const char *log = getenv("VIL4J_CL_BUILD_LOG");
  if (log != NULL && strcmp(log, "1") == 0 && pipelining()) {
    fprintf(stderr, "[cl_build_options] host waits between passes skipped: %ld\n", skipped_waits);
  }
  if (log != NULL && strcmp(log, "1") == 0 && async_wide == 1) {
    fprintf(stderr, "[cl_build_options] host waits after wide GEMMs skipped: %ld\n", skipped_wide_waits);
  }
  if (log != NULL && strcmp(log, "1") == 0 && vil4j_async_main_requested()) {
    fprintf(stderr, "[cl_build_options] main program's final waits skipped: %ld (writes staged: %ld)\n",
            skipped_main_waits, vil4j_staged_writes());
  }
}
