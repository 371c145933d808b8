package org.vil4j.cli;

import org.vil4j.api.Backend;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;

/** Resolves --backend/--device: "auto" takes OpenCL when it has a device, else the Java backend. */
final class BackendChoice {
    private BackendChoice() {
    }

    static Ops open(Plugins plugins, String backend, String device) {
        if (backend == null || backend.equals("auto")) {
            Backend chosen = auto(plugins);
            if (!chosen.name().equals("opencl") && device != null && !device.equals("auto")) {
                throw new BackendUnavailableException("no OpenCL device here, so --device " + device
                        + " cannot be honoured");
            }
            return chosen.open(chosen.name().equals("opencl") ? device : null);
        }
        return plugins.backend(backend).open(device);
    }

    /** OpenCL when it has a device, else the Java backend. */
    static Backend auto(Plugins plugins) {
        Backend opencl = plugins.backends().get("opencl");
        return opencl != null && !opencl.devices().isEmpty() ? opencl : plugins.backend("java");
    }
}
