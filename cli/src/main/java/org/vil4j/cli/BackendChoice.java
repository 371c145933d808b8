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
            Backend opencl = plugins.backends().get("opencl");
            if (opencl != null && !opencl.devices().isEmpty()) {
                return opencl.open(device);
            }
            if (device != null && !device.equals("auto")) {
                throw new BackendUnavailableException("no OpenCL device here, so --device " + device
                        + " cannot be honoured");
            }
            return plugins.backend("java").open(null);
        }
        return plugins.backend(backend).open(device);
    }
}
