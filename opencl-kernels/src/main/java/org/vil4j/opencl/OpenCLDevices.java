package org.vil4j.opencl;

import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLPlatform;
import org.vil4j.api.DeviceInfo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Finds the OpenCL devices Aparapi can see and picks one, GPU first. */
final class OpenCLDevices {
    /** A device with its stable id ("opencl:PLATFORM:DEVICE"). */
    record Found(String id, OpenCLDevice device, OpenCLPlatform platform) {
        DeviceInfo info() {
            return new DeviceInfo(id, kind(device), device.getName().trim(),
                    platform.getName().trim() + " " + platform.getVersion().trim(), device.getMaxComputeUnits(),
                    device.getGlobalMemSize());
        }
    }

    static {
        // DeviceProgram.run() loads each pass's command into its scalar fields: Aparapi refuses field writes in
        // kernels unless this is set before its Config class initialises (the first Aparapi class touched here).
        if (System.getProperty("com.aparapi.enable.PUTFIELD") == null) {
            System.setProperty("com.aparapi.enable.PUTFIELD", "true");
        }
        // Without this, CPU devices use host pointers and hide missing put/get (APARAPI.md): behave like a GPU.
        OpenCLDevice.setConfigurator(d -> d.setSharedMemory(false));
    }

    private OpenCLDevices() {
    }

    private static List<Found> cached;

    /**
     * All devices, best first: GPUs, then accelerators, then CPUs; more compute units first. Enumerated once per JVM:
     * Aparapi makes new device objects on every enumeration, and a second set crashed the JVM at exit on NVIDIA's
     * driver (seen on the H100).
     */
    static synchronized List<Found> list() {
        if (cached == null) {
            cached = List.copyOf(enumerate());
        }
        return cached;
    }

    private static List<Found> enumerate() {
        List<Found> found = new ArrayList<>();
        List<OpenCLPlatform> platforms;
        try {
            platforms = OpenCLPlatform.getUncachedOpenCLPlatforms();
        } catch (Throwable e) { // no libOpenCL, or the JNI library cannot load
            return found;
        }
        for (int p = 0; p < platforms.size(); p++) {
            List<OpenCLDevice> devices = platforms.get(p).getOpenCLDevices();
            for (int d = 0; d < devices.size(); d++) {
                found.add(new Found("opencl:" + p + ":" + d, devices.get(d), platforms.get(p)));
            }
        }
        found.sort(Comparator.comparingInt((Found f) -> rank(f.device()))
                .thenComparing(f -> -f.device().getMaxComputeUnits()));
        return found;
    }

    /** Picks a device by id, by kind ("gpu", "cpu", "accelerator"), or the best one for null/"auto". */
    static Found select(String selector) {
        List<Found> all = list();
        if (all.isEmpty()) {
            throw new org.vil4j.api.BackendUnavailableException(
                    "OpenCL backend: no OpenCL platform or device found (is an ICD installed? on Debian/Ubuntu: "
                            + "apt-get install ocl-icd-libopencl1 pocl-opencl-icd, or the GPU vendor's driver)");
        }
        String s = selector == null ? "auto" : selector.trim().toLowerCase(Locale.ROOT);
        for (Found f : all) {
            if (s.equals("auto") || s.equals(f.id()) || s.equals(kind(f.device()))) {
                return f;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Found f : all) {
            known.append("\n  ").append(f.info());
        }
        throw new org.vil4j.api.BackendUnavailableException(
                "OpenCL backend: no device matches '" + selector + "'; devices here:" + known);
    }

    static String kind(OpenCLDevice device) {
        Device.TYPE type = device.getType();
        if (type == Device.TYPE.GPU) {
            return "gpu";
        }
        if (type == Device.TYPE.CPU) {
            return "cpu";
        }
        return "accelerator";
    }

    private static int rank(OpenCLDevice device) {
        Device.TYPE type = device.getType();
        return type == Device.TYPE.GPU ? 0 : type == Device.TYPE.CPU ? 2 : 1;
    }
}
