package org.vil4j.opencl;

import org.vil4j.api.Backend;
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

    @Override
    public Ops open(String device) {
        return new OpenCLOps(OpenCLDevices.select(device), OpenCLOps.DEFAULT_ARENA_FLOATS);
    }
}
