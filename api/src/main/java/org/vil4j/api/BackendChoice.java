package org.vil4j.api;

/**
 * Which backend and device to open for a backend name ("auto", "java", "opencl") and a device (an id, a kind,
 * or null), as the CLI's --backend/--device. "auto" takes OpenCL when it has a GPU or another accelerator, else the
 * Java backend: on a CPU the Java backend is faster than CPU OpenCL (PoCL) for these kernels (ViL-T forward 367 ms
 * against 949 ms; a fmnist-tiny training step 166 ms against ~1.6 s, {@code vil bench --train}), so CPU OpenCL is
 * used only when asked for (--backend opencl or --device).
 */
public final class BackendChoice {
    private BackendChoice() {
    }

    /** Opens {@code backend} ("auto" or null: see {@link #auto}) on {@code device} (null: its default). */
    public static Ops open(Plugins plugins, String backend, String device) {
        if (backend == null || backend.equals("auto")) {
            Backend opencl = plugins.backends().get("opencl");
            if (device != null && !device.equals("auto") && opencl != null && !opencl.devices().isEmpty()) {
                return opencl.open(device);
            }
            Backend chosen = auto(plugins);
            if (!chosen.name().equals("opencl") && device != null && !device.equals("auto")) {
                throw new BackendUnavailableException("no OpenCL device here, so --device " + device
                        + " cannot be honoured");
            }
            return chosen.open(chosen.name().equals("opencl") ? device : null);
        }
        return plugins.backend(backend).open(device);
    }

    /** OpenCL when it has a device that is not a CPU, else the Java backend. */
    public static Backend auto(Plugins plugins) {
        Backend opencl = plugins.backends().get("opencl");
        boolean accelerator = opencl != null
                && opencl.devices().stream().anyMatch(d -> !d.kind().equalsIgnoreCase("cpu"));
        return accelerator ? opencl : plugins.backend("java");
    }
}
