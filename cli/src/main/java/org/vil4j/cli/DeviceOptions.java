package org.vil4j.cli;

import org.vil4j.api.BackendChoice;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import picocli.CommandLine.Option;

/** The options every command that computes shares: where it runs, and stack traces on errors. */
final class DeviceOptions {
    @Option(names = "--backend", defaultValue = "auto", description = "opencl, java or auto: OpenCL when it has a GPU "
            + "or another accelerator, else java (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--device", description = "device id or kind (gpu, cpu); see 'vil devices'")
    String device;

    @Option(names = "--verbose", description = "stack traces on errors")
    boolean verbose;

    /** Opens the chosen backend on the chosen device. */
    Ops open(Plugins plugins) {
        return BackendChoice.open(plugins, backend, device);
    }
}
