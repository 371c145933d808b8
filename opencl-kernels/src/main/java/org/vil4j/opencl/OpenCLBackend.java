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
     * System property bounding the tensor arena, in MiB (at most 2 GiB, one Aparapi buffer, unless the preloaded
     * library's large buffers are there): to share a device with other work, or to exercise what happens when memory
     * runs out.
     */
    public static final String MAX_ARENA_PROPERTY = "vil4j.opencl.maxArenaMiB";

    @Override
    public Ops open(String device) {
        OpenCLDevices.Found found = OpenCLDevices.select(device);
        return new OpenCLOps(found, OpenCLOps.DEFAULT_ARENA_FLOATS, maxArenaFloats(OpenCLOps.arenaLimitFloats(found)));
    }

    private static long maxArenaFloats(long limit) {
        String value = System.getProperty(MAX_ARENA_PROPERTY);
        if (value == null || value.isBlank()) {
            return limit;
        }
        long mib;
        try {
            mib = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            mib = -1;
        }
        if (mib < OpenCLOps.DEFAULT_ARENA_FLOATS >> 18 || mib > limit >> 18) {
            throw new BackendUnavailableException("OpenCL backend: -D" + MAX_ARENA_PROPERTY + "=" + value
                    + " is not a number of MiB between " + (OpenCLOps.DEFAULT_ARENA_FLOATS >> 18) + " and "
                    + (limit >> 18));
        }
        return mib << 18; // 2^20 bytes / 4 bytes a float
    }
}
