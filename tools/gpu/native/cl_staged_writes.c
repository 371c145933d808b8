// Writes staged in the library's own memory, so that the main program's execute can end without its host wait
// (VIL4J_CL_ASYNC_MAIN=1; linked into libclbuildoptions.so).
//
// Why: every switch between our programs (main, wide GEMM, fused mLSTM) ends one Aparapi execute, and the main
// program's execute ends with a host wait on its last pass: the GPU drains, then idles while the host prepares the
// next launch. The wide and fused programs move no arrays, so their waits are skipped already (cl_build_options.c).
// The main program's wait guards its writes: aparapi-native enqueues them non-blocking from the pinned Java array
// (the command arrays, the small staging array), unpins the arrays after that wait, and the host rewrites the command
// arrays for the next execute; on an in-order queue behind other work, a write may not have read the array yet.
// Here a non-blocking write of at most STAGE_LIMIT bytes, on a queue whose executes may end so (a GPU's; with =2
// every queue), to a buffer the device holds a copy of (CL_MEM_COPY_HOST_PTR, as Aparapi makes them on NVIDIA and on
// PoCL; never a CL_MEM_USE_HOST_PTR buffer, which is the Java array itself) is copied first into malloc'd memory,
// which the write reads and an event callback frees. An execute whose writes were all staged may skip its final wait
// (cl_build_options.c asks vil4j_take_unstaged_writes); any other write (the whole arena, a large batch) keeps it.
#define _GNU_SOURCE
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#define STAGE_LIMIT (4u << 20)

typedef cl_int (*write_fn)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *, cl_uint,
                           const cl_event *, cl_event *);

static int async_main = -1;
// writes of this thread since its last execute's final wait that were not staged
static __thread int unstaged_writes = 0;
static long staged = 0;

// 1: on GPU queues; 2: on every queue (a test on PoCL, whose buffers Aparapi also creates as copies: a buffer that is
// the Java array itself is never staged, so its execute keeps its wait)
int vil4j_async_main_requested(void) {
  if (async_main < 0) {
    const char *on = getenv("VIL4J_CL_ASYNC_MAIN");
    async_main = on == NULL ? 0 : strcmp(on, "1") == 0 ? 1 : strcmp(on, "2") == 0 ? 2 : 0;
  }
  return async_main;
}

// 1 when a write of this thread since the last call was not staged (its execute must wait); clears the count.
int vil4j_take_unstaged_writes(void) {
  int any = unstaged_writes > 0;
  unstaged_writes = 0;
  return any;
}

long vil4j_staged_writes(void) { return staged; }

// A GPU's queue: its buffers hold copies (a CPU device's may be the Java arrays, which the host rewrites at once).
static int gpu_queue(cl_command_queue queue) {
  static __thread cl_command_queue last = NULL;
  static __thread int last_gpu = 0;
  if (queue != last) {
    cl_device_id device = NULL;
    cl_device_type type = 0;
    last_gpu = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof device, &device, NULL) == CL_SUCCESS
               && clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, NULL) == CL_SUCCESS
               && (type & CL_DEVICE_TYPE_GPU) != 0;
    last = queue;
  }
  return last_gpu;
}

// Whether executes on this queue may end without their final wait: the one place the mode and the device decide
// it, for the writes (staged only there) and for the wait itself (cl_build_options.c).
int vil4j_async_main_on(cl_command_queue queue) {
  int mode = vil4j_async_main_requested();
  return mode == 2 || (mode == 1 && gpu_queue(queue));
}

static void CL_CALLBACK free_staged(cl_event event, cl_int status, void *copy) {
  (void) event;
  (void) status;
  free(copy);
}

static int device_keeps_copy(cl_mem mem) {
  cl_mem_flags flags = 0;
  return clGetMemObjectInfo(mem, CL_MEM_FLAGS, sizeof flags, &flags, NULL) == CL_SUCCESS
         && (flags & CL_MEM_COPY_HOST_PTR) != 0 && (flags & CL_MEM_USE_HOST_PTR) == 0;
}

// The write as asked, from a copy of ptr where it may be staged; otherwise as it is, noted as unstaged.
cl_int vil4j_write(write_fn real, cl_command_queue queue, cl_mem mem, cl_bool blocking, size_t offset, size_t size,
                   const void *ptr, cl_uint waits, const cl_event *wait_list, cl_event *event) {
  if (blocking || !vil4j_async_main_on(queue)) {
    return real(queue, mem, blocking, offset, size, ptr, waits, wait_list, event);
  }
  void *copy = size <= STAGE_LIMIT && device_keeps_copy(mem) ? malloc(size == 0 ? 1 : size) : NULL;
  if (copy == NULL) {
    unstaged_writes++;
    return real(queue, mem, blocking, offset, size, ptr, waits, wait_list, event);
  }
  memcpy(copy, ptr, size);
  cl_event done = NULL;
  cl_int rc = real(queue, mem, CL_FALSE, offset, size, copy, waits, wait_list, &done);
  if (rc != CL_SUCCESS) {
    free(copy);
    return rc;
  }
  if (clSetEventCallback(done, CL_COMPLETE, free_staged, copy) != CL_SUCCESS) {
    // no callback: wait for the write here (the copy is then free to go), and let the execute wait as before
    static cl_int (*wait)(cl_uint, const cl_event *) = NULL;
    if (wait == NULL) wait = (cl_int (*)(cl_uint, const cl_event *)) dlsym(RTLD_NEXT, "clWaitForEvents");
    if (wait != NULL) wait(1, &done); // the driver's own wait: ours would count it as an execute's end
    free(copy);
    unstaged_writes++;
  } else {
    __atomic_add_fetch(&staged, 1, __ATOMIC_RELAXED);
  }
  if (event != NULL) {
    *event = done;
  } else {
    clReleaseEvent(done);
  }
  return CL_SUCCESS;
}
