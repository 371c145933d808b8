// Buffers beyond 2 GiB for Aparapi's float arena, through LD_PRELOAD (linked into libclbuildoptions.so).
//
// Why: aparapi 3.0.2 keeps a buffer's size in bytes in a jint (KernelArgJNI.sizeInBytes, ArrayBuffer::lengthInBytes),
// so a float[] of 2^29 elements or more reaches clCreateBuffer, clEnqueueWriteBuffer and clEnqueueReadBuffer with
// its size wrapped to 32 bits and sign-extended (a 3 GiB array asks for 0xffffffffc0000000 bytes, a 4 GiB one for 0).
// The array itself is whole on the host, and the generated kernel indexes it with an int (2^31 floats: 8 GiB), so
// only the three sizes are wrong. The Java side (org.vil4j.opencl.LargeBuffers) announces an arena's real size before
// Aparapi first sees the array; a size equal to an announced size wrapped the same way is replaced by the real one,
// and the buffer is remembered so that its whole-buffer reads and writes are too. Only sizes Aparapi cannot produce
// for a real array are touched: the Java side announces only sizes whose wrap is negative as a jint, or 0.
#define _GNU_SOURCE
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANNOUNCED 8
#define TRACKED 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t announced[ANNOUNCED];
static int next_announced = 0;
static struct { cl_mem mem; size_t wrapped; size_t bytes; } tracked[TRACKED];
static long corrected = 0;

// What aparapi-native passes for a buffer of this many bytes: (size_t) of the jint (int) bytes.
static size_t wrap(uint64_t bytes) { return (size_t) (int64_t) (int32_t) (uint32_t) bytes; }

// The real size of an announced buffer whose size arrived wrapped, else 0.
static size_t unwrap(size_t size) {
  if ((int64_t) size > 0) return 0; // a size Aparapi can pass for a real array: left alone
  size_t bytes = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < ANNOUNCED; i++) {
    if (announced[i] != 0 && wrap(announced[i]) == size) bytes = (size_t) announced[i];
  }
  pthread_mutex_unlock(&lock);
  return bytes;
}

// The size a transfer of this buffer should move: the real size for a whole-buffer transfer of a buffer made with a
// corrected size (counted), else the size asked for.
static size_t transfer_size(cl_mem mem, size_t offset, size_t size) {
  if (offset != 0) return size;
  size_t bytes = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < TRACKED; i++) {
    if (tracked[i].mem == mem && tracked[i].wrapped == size) bytes = tracked[i].bytes;
  }
  pthread_mutex_unlock(&lock);
  if (bytes == 0) return size;
  __atomic_add_fetch(&corrected, 1, __ATOMIC_RELAXED);
  return bytes;
}

// Called from Java (below) and by any copy of this library through the global symbol, so that a second copy loaded
// under another path still announces to the preloaded one, the one whose OpenCL entry points are interposed.
__attribute__((visibility("default"))) int vil4j_announce_buffer(int64_t bytes) {
  if (bytes <= INT32_MAX || (int64_t) wrap((uint64_t) bytes) > 0) return 0; // not a size Aparapi wraps to <= 0
  pthread_mutex_lock(&lock);
  announced[next_announced] = (uint64_t) bytes;
  next_announced = (next_announced + 1) % ANNOUNCED;
  pthread_mutex_unlock(&lock);
  return 1;
}

__attribute__((visibility("default"))) long vil4j_corrected_sizes(void) { return corrected; }

typedef int (*announce_fn)(int64_t);
typedef long (*corrected_fn)(void);

// JNI: org.vil4j.opencl.LargeBuffers.nativeAnnounce(long bytes) -> 1 when taken. jlong is int64_t; the JNIEnv and class
// are not used, so jni.h is not needed.
__attribute__((visibility("default"))) int32_t Java_org_vil4j_opencl_LargeBuffers_nativeAnnounce(void *env, void *cls,
                                                                                            int64_t bytes) {
  (void) env;
  (void) cls;
  announce_fn global = (announce_fn) dlsym(RTLD_DEFAULT, "vil4j_announce_buffer");
  return (global != NULL ? global : vil4j_announce_buffer)(bytes);
}

// JNI: org.vil4j.opencl.LargeBuffers.nativeCorrected() -> how many sizes were put right so far.
__attribute__((visibility("default"))) int64_t Java_org_vil4j_opencl_LargeBuffers_nativeCorrected(void *env, void *cls) {
  (void) env;
  (void) cls;
  corrected_fn global = (corrected_fn) dlsym(RTLD_DEFAULT, "vil4j_corrected_sizes");
  return (global != NULL ? global : vil4j_corrected_sizes)();
}

// cl_shared_arena.c: one buffer for the same array in every Kernel of a device
cl_mem vil4j_shared_buffer(cl_context context, cl_mem_flags flags, size_t bytes, void *host);
void vil4j_remember_buffer(cl_context context, cl_mem_flags flags, size_t bytes, void *host, cl_mem mem);
void vil4j_forget_buffer(cl_mem mem);

typedef cl_mem (*create_fn)(cl_context, cl_mem_flags, size_t, void *, cl_int *);
typedef cl_int (*transfer_fn)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint, const cl_event *,
                              cl_event *);
typedef cl_int (*write_fn)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *, cl_uint,
                           const cl_event *, cl_event *);
typedef cl_int (*release_fn)(cl_mem);
cl_int vil4j_write(write_fn real, cl_command_queue queue, cl_mem mem, cl_bool blocking, size_t offset, size_t size,
                   const void *ptr, cl_uint waits, const cl_event *wait_list, cl_event *event);

CL_API_ENTRY cl_mem CL_API_CALL clCreateBuffer(cl_context context, cl_mem_flags flags, size_t size, void *host,
                                               cl_int *status) {
  static create_fn real = NULL;
  if (real == NULL) real = (create_fn) dlsym(RTLD_NEXT, "clCreateBuffer");
  if (real == NULL) {
    if (status != NULL) *status = CL_INVALID_OPERATION;
    return NULL;
  }
  size_t bytes = host != NULL ? unwrap(size) : 0;
  cl_mem shared = vil4j_shared_buffer(context, flags, bytes != 0 ? bytes : size, host);
  if (shared != NULL) { // already made (and tracked) for another Kernel: the same buffer, not a new copy
    if (status != NULL) *status = CL_SUCCESS;
    return shared;
  }
  if (bytes == 0) {
    cl_mem mem = real(context, flags, size, host, status);
    vil4j_remember_buffer(context, flags, size, host, mem);
    return mem;
  }
  cl_mem mem = real(context, flags, bytes, host, status);
  vil4j_remember_buffer(context, flags, bytes, host, mem);
  if (mem != NULL) {
    pthread_mutex_lock(&lock);
    int slot = -1;
    for (int i = 0; i < TRACKED && slot < 0; i++) {
      if (tracked[i].mem == NULL) slot = i;
    }
    if (slot >= 0) {
      tracked[slot].mem = mem;
      tracked[slot].wrapped = size;
      tracked[slot].bytes = bytes;
      __atomic_add_fetch(&corrected, 1, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&lock);
    if (slot < 0) { // cannot keep its size: refuse rather than let a later transfer fail half-way
      clReleaseMemObject(mem);
      if (status != NULL) *status = CL_OUT_OF_HOST_MEMORY;
      return NULL;
    }
  }
  return mem;
}

CL_API_ENTRY cl_int CL_API_CALL clEnqueueWriteBuffer(cl_command_queue queue, cl_mem mem, cl_bool blocking,
                                                     size_t offset, size_t size, const void *ptr, cl_uint waits,
                                                     const cl_event *wait_list, cl_event *event) {
  static write_fn real = NULL;
  if (real == NULL) real = (write_fn) dlsym(RTLD_NEXT, "clEnqueueWriteBuffer");
  if (real == NULL) return CL_INVALID_OPERATION;
  // staged where the main program's execute may then end without its wait (cl_staged_writes.c)
  return vil4j_write(real, queue, mem, blocking, offset, transfer_size(mem, offset, size), ptr, waits, wait_list,
                     event);
}

CL_API_ENTRY cl_int CL_API_CALL clEnqueueReadBuffer(cl_command_queue queue, cl_mem mem, cl_bool blocking,
                                                    size_t offset, size_t size, void *ptr, cl_uint waits,
                                                    const cl_event *wait_list, cl_event *event) {
  static transfer_fn real = NULL;
  if (real == NULL) real = (transfer_fn) dlsym(RTLD_NEXT, "clEnqueueReadBuffer");
  if (real == NULL) return CL_INVALID_OPERATION;
  return real(queue, mem, blocking, offset, transfer_size(mem, offset, size), ptr, waits, wait_list, event);
}

CL_API_ENTRY cl_int CL_API_CALL clReleaseMemObject(cl_mem mem) {
  static release_fn real = NULL;
  if (real == NULL) real = (release_fn) dlsym(RTLD_NEXT, "clReleaseMemObject");
  if (real == NULL) return CL_INVALID_OPERATION;
  vil4j_forget_buffer(mem);
  cl_uint references = 0;
  // forget it when this release is its last (a size is kept only for a buffer that still exists)
  if (clGetMemObjectInfo(mem, CL_MEM_REFERENCE_COUNT, sizeof references, &references, NULL) == CL_SUCCESS
      && references <= 1) {
    pthread_mutex_lock(&lock);
    for (int i = 0; i < TRACKED; i++) {
      if (tracked[i].mem == mem) tracked[i].mem = NULL;
    }
    pthread_mutex_unlock(&lock);
  }
  return real(mem);
}
