package org.vil4j.api;

import java.util.List;

/**
 * A compute backend plugin ("java", "opencl"): it lists the devices it can drive and opens an {@link Ops} on one.
 * Found with {@link java.util.ServiceLoader}; registered under {@link #name()}.
 */
public interface Backend {
    /** Stable lower-case name recorded in configurations. */
    String name();

    /** One line for {@code vil plugins}. */
    String description();

    /** Devices this backend can run on here, best first; empty when it cannot run at all. */
    List<DeviceInfo> devices();

    /**
     * Opens the backend on a device.
     *
     * @param device a device id from {@link #devices()}, a kind ("gpu", "cpu"), or null/"auto" for the best one
     * @throws BackendUnavailableException when the backend or that device cannot run here
     */
    Ops open(String device);
}
