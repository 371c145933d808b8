package org.vil4j.backend.java;

import java.util.List;
import org.vil4j.api.Backend;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.DeviceInfo;
import org.vil4j.api.Ops;

/** The "java" backend: runs every op on the JVM's threads, so it is available wherever Java is. */
public final class JavaBackend implements Backend {
    static final String NAME = "java";
    static final String DEVICE_ID = "java:cpu";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Plain Java on the CPU: the reference for the OpenCL kernels and the path without OpenCL";
    }

    @Override
    public List<DeviceInfo> devices() {
        return List.of(device());
    }

    @Override
    public Ops open(String device) {
        if (device == null || device.equals("auto") || device.equals("cpu") || device.equals(DEVICE_ID)) {
            DeviceInfo info = device();
            return new JavaOps(info.name() + " (" + info.platform() + ")");
        }
        throw new BackendUnavailableException("the java backend has no device '" + device + "'; it runs on "
                + DEVICE_ID + " (also selected by 'cpu', 'auto' or none)");
    }

    private static DeviceInfo device() {
        int threads = Parallel.threads();
        String loops = Simd.AVAILABLE ? ", vector API" : ", scalar loops";
        return new DeviceInfo(DEVICE_ID, "cpu", threads + " Java threads" + loops, "JVM " + Runtime.version(),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory());
    }
}
