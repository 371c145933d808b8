package org.vil4j.api;

/**
 * A device a backend can run on.
 *
 * @param id          stable selector accepted by {@link Backend#open(String)} (e.g. "opencl:0:1")
 * @param kind        "gpu", "cpu" or "accelerator"
 * @param name        the device's own name
 * @param platform    the platform or runtime that exposes it
 * @param computeUnits compute units (cores)
 * @param memoryBytes global memory in bytes (0 when unknown)
 */
public record DeviceInfo(String id, String kind, String name, String platform, int computeUnits, long memoryBytes) {
    @Override
    public String toString() {
        return id + "  " + kind + "  " + name + " [" + platform + "], " + computeUnits + " compute units"
                + (memoryBytes > 0 ? ", " + (memoryBytes >> 20) + " MiB" : "");
    }
}
