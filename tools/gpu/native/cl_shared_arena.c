// One context, one queue and one arena buffer for every Aparapi Kernel of a device, through LD_PRELOAD (linked into
// libclbuildoptions.so; on with VIL4J_CL_SHARE_ARENA=1).
//
// Why: aparapi-native gives each Kernel its own context (JNIContext: clCreateContext), its own queue and its own
// buffer for each array, created from the host array (CL_MEM_COPY_HOST_PTR on a GPU). A second program that reads and
// writes the first one's tensors (org.vil4j.opencl.WideGemmProgram: the large GEMMs, built at their own register
// count) would see a stale copy. Here a second clCreateContext for the same single device returns the first context
// (retained), a second queue of that context, device and properties the first queue, and a clCreateBuffer of the same
// context, host pointer, size and flags (access aside) as a live buffer of at least 16 MiB (the arena: the same Java array, which
// G1 never moves) that buffer, retained and not copied again. One in-order queue keeps the two programs' launches in
// order; the device keeps one copy of the arena. Small arrays (each Kernel's own arguments) are never shared.
#define _GNU_SOURCE
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 32
#define SHARED_MIN_BYTES (16u << 20)
// a Kernel that only reads an array asks for a read-only buffer; the read-write one of the Kernel that writes it serves
#define ACCESS (CL_MEM_READ_WRITE | CL_MEM_READ_ONLY | CL_MEM_WRITE_ONLY)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

// A live OpenCL object another Kernel may be handed, under up to four keys.
typedef struct { uintptr_t keys[4]; void *handle; } shared_t;
static shared_t contexts[SLOTS], queues[SLOTS], buffers[SLOTS];

// The handle under these keys, or NULL (call with the lock held).
static void *find(shared_t *table, uintptr_t k0, uintptr_t k1, uintptr_t k2, uintptr_t k3) {
  for (int i = 0; i < SLOTS; i++) {
    if (table[i].handle != NULL && table[i].keys[0] == k0 && table[i].keys[1] == k1 && table[i].keys[2] == k2
        && table[i].keys[3] == k3) {
      return table[i].handle;
    }
  }
  return NULL;
}

// Keeps a handle under these keys where a slot is free (call with the lock held; a full table only shares less).
static void keep(shared_t *table, uintptr_t k0, uintptr_t k1, uintptr_t k2, uintptr_t k3, void *handle) {
  for (int i = 0; i < SLOTS && handle != NULL; i++) {
    if (table[i].handle == NULL) {
      table[i] = (shared_t) {{k0, k1, k2, k3}, handle};
      return;
    }
  }
}

// Forgets a handle whose last reference is being released (references: its count before the release).
static void forget(shared_t *table, void *handle, cl_uint references) {
  if (references > 1) return;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < SLOTS; i++) {
    if (table[i].handle == handle) table[i].handle = NULL;
  }
  pthread_mutex_unlock(&lock);
}

int vil4j_sharing(void) {
  static int on = -1;
  if (on < 0) {
    const char *value = getenv("VIL4J_CL_SHARE_ARENA");
    on = value != NULL && strcmp(value, "1") == 0;
  }
  return on;
}

// JNI: org.vil4j.opencl.WideGemm.nativeSharesArena() -> 1 when on.
__attribute__((visibility("default"))) int32_t Java_org_vil4j_opencl_WideGemm_nativeSharesArena(void *env, void *cls) {
  (void) env;
  (void) cls;
  return vil4j_sharing();
}

// The live shared buffer for this context, host array, size and flags (retained), or NULL.
cl_mem vil4j_shared_buffer(cl_context context, cl_mem_flags flags, size_t bytes, void *host) {
  if (!vil4j_sharing() || host == NULL || bytes < SHARED_MIN_BYTES) return NULL;
  pthread_mutex_lock(&lock);
  cl_mem found = find(buffers, (uintptr_t) context, (uintptr_t) host, bytes, flags & ~ACCESS);
  if (found != NULL && clRetainMemObject(found) != CL_SUCCESS) found = NULL;
  pthread_mutex_unlock(&lock);
  return found;
}

// Remembers a newly created buffer that may be shared.
void vil4j_remember_buffer(cl_context context, cl_mem_flags flags, size_t bytes, void *host, cl_mem mem) {
  if (!vil4j_sharing() || host == NULL || bytes < SHARED_MIN_BYTES || mem == NULL) return;
  pthread_mutex_lock(&lock);
  keep(buffers, (uintptr_t) context, (uintptr_t) host, bytes, flags & ~ACCESS, mem);
  pthread_mutex_unlock(&lock);
}

// Called before each clReleaseMemObject: the last release forgets the buffer.
void vil4j_forget_buffer(cl_mem mem) {
  cl_uint count = 0;
  if (vil4j_sharing() && clGetMemObjectInfo(mem, CL_MEM_REFERENCE_COUNT, sizeof count, &count, NULL) == CL_SUCCESS) {
    forget(buffers, mem, count);
  }
}

typedef cl_context (*context_fn)(const cl_context_properties *, cl_uint, const cl_device_id *,
                                 void (CL_CALLBACK *)(const char *, const void *, size_t, void *), void *, cl_int *);
typedef cl_command_queue (*queue_fn)(cl_context, cl_device_id, cl_command_queue_properties, cl_int *);
typedef cl_int (*release_context_fn)(cl_context);
typedef cl_int (*release_queue_fn)(cl_command_queue);

CL_API_ENTRY cl_context CL_API_CALL clCreateContext(const cl_context_properties *props, cl_uint count,
                                                    const cl_device_id *devices,
                                                    void (CL_CALLBACK *notify)(const char *, const void *, size_t,
                                                                               void *),
                                                    void *user, cl_int *status) {
  static context_fn real = NULL;
  if (real == NULL) real = (context_fn) dlsym(RTLD_NEXT, "clCreateContext");
  if (real == NULL) {
    if (status != NULL) *status = CL_INVALID_OPERATION;
    return NULL;
  }
  if (!vil4j_sharing() || count != 1 || devices == NULL || notify != NULL) {
    return real(props, count, devices, notify, user, status);
  }
  pthread_mutex_lock(&lock);
  cl_context context = find(contexts, (uintptr_t) devices[0], 0, 0, 0);
  if (context != NULL && clRetainContext(context) == CL_SUCCESS) {
    if (status != NULL) *status = CL_SUCCESS;
  } else {
    context = real(props, count, devices, notify, user, status);
    keep(contexts, (uintptr_t) devices[0], 0, 0, 0, context);
  }
  pthread_mutex_unlock(&lock);
  return context;
}

CL_API_ENTRY cl_int CL_API_CALL clReleaseContext(cl_context context) {
  static release_context_fn real = NULL;
  if (real == NULL) real = (release_context_fn) dlsym(RTLD_NEXT, "clReleaseContext");
  if (real == NULL) return CL_INVALID_OPERATION;
  cl_uint count = 0;
  if (vil4j_sharing() && clGetContextInfo(context, CL_CONTEXT_REFERENCE_COUNT, sizeof count, &count, NULL) == CL_SUCCESS) {
    forget(contexts, context, count);
  }
  return real(context);
}

CL_API_ENTRY cl_command_queue CL_API_CALL clCreateCommandQueue(cl_context context, cl_device_id device,
                                                               cl_command_queue_properties props, cl_int *status) {
  static queue_fn real = NULL;
  if (real == NULL) real = (queue_fn) dlsym(RTLD_NEXT, "clCreateCommandQueue");
  if (real == NULL) {
    if (status != NULL) *status = CL_INVALID_OPERATION;
    return NULL;
  }
  if (!vil4j_sharing()) return real(context, device, props, status);
  pthread_mutex_lock(&lock);
  cl_command_queue queue = find(queues, (uintptr_t) context, (uintptr_t) device, props, 0);
  if (queue != NULL && clRetainCommandQueue(queue) == CL_SUCCESS) {
    if (status != NULL) *status = CL_SUCCESS;
  } else {
    queue = real(context, device, props, status);
    keep(queues, (uintptr_t) context, (uintptr_t) device, props, 0, queue);
  }
  pthread_mutex_unlock(&lock);
  return queue;
}

CL_API_ENTRY cl_int CL_API_CALL clReleaseCommandQueue(cl_command_queue queue) {
  static release_queue_fn real = NULL;
  if (real == NULL) real = (release_queue_fn) dlsym(RTLD_NEXT, "clReleaseCommandQueue");
  if (real == NULL) return CL_INVALID_OPERATION;
  cl_uint count = 0;
  if (vil4j_sharing()
      && clGetCommandQueueInfo(queue, CL_QUEUE_REFERENCE_COUNT, sizeof count, &count, NULL) == CL_SUCCESS) {
    forget(queues, queue, count);
  }
  return real(queue);
}
