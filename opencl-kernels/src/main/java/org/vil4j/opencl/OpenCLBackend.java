package org.vil4j.opencl;

import org.vil4j.api.Backend;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.DeviceInfo;
import org.vil4j.api.Ops;

import java.util.List;

/** The "opencl" backend: Aparapi-compiled kernels on any OpenCL device (NVIDIA, AMD, Intel GPUs; PoCL on CPUs). */
public final class OpenCLBackend implements Backend {
    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        return "OpenCL kernels compiled by Aparapi; tensors stay resident on the device (GPU first, then CPU OpenCL)";
    }

    @Override
    public List<DeviceInfo> devices() {
        return OpenCLDevices.list().stream().map(OpenCLDevices.Found::info).toList();
    }

    /**
     * System property bounding the tensor arena below Aparapi's 2 GiB, in MiB: to share a device with other work, or
     * to exercise what happens when memory runs out.
     */
    public static final String MAX_ARENA_PROPERTY = "vil4j.opencl.maxArenaMiB";

    @Override
    public Ops open(String device) {
        return new OpenCLOps(OpenCLDevices.select(device), OpenCLOps.DEFAULT_ARENA_FLOATS, maxArenaFloats());
    }

    private static long maxArenaFloats() {
        String value = System.getProperty(MAX_ARENA_PROPERTY);
        if (value == null || value.isBlank()) {
            return OpenCLOps.MAX_ARENA_FLOATS;
        }
        long mib;
        try {
            mib = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            mib = -1;
        }
        if (mib < OpenCLOps.DEFAULT_ARENA_FLOATS >> 18 || mib > OpenCLOps.MAX_ARENA_FLOATS >> 18) {
            throw new BackendUnavailableException("OpenCL backend: -D" + MAX_ARENA_PROPERTY + "=" + value
                    + " is not a number of MiB between " + (OpenCLOps.DEFAULT_ARENA_FLOATS >> 18) + " and "
                    + (OpenCLOps.MAX_ARENA_FLOATS >> 18));
        }
        return mib << 18; // 2^20 bytes / 4 bytes a float
    }
}
