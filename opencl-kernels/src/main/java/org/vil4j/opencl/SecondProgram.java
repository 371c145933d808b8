package org.vil4j.opencl;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.kernel.KernelManager;
import org.vil4j.api.BackendUnavailableException;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * A device program beside the main one, on the arena the preloaded library shares ({@link WideGemm}'s GEMM,
 * {@link FusedMlstm}'s cell): its Kernel on one fixed range of the device, launched with the arguments its caller
 * has set, each launch checked to have run there (Aparapi silently falls back to Java threads) and counted, and
 * disposed only if it ever ran.
 */
final class SecondProgram<K extends Kernel> {
    private final K kernel;
    private final OpenCLDevice device;
    private final Range range;
    private final String what;
    private long launches;

    /** {@code groupsPerUnit} work-groups of {@code workGroup} work-items for each compute unit. */
    SecondProgram(K kernel, OpenCLDevice device, int groupsPerUnit, int workGroup, String what) {
        this.kernel = kernel;
        this.device = device;
        this.what = what;
        int units = Math.max(1, device.getMaxComputeUnits());
        this.range = Range.create(device, groupsPerUnit * units * workGroup, workGroup);
        kernel.setExplicit(true); // the arena is never put from here: it is the main program's buffer
        KernelManager.instance().setPreferredDevices(kernel, new LinkedHashSet<>(List.of(device)));
    }

    /** The Kernel, whose fields the caller sets before {@link #launch}; also for the profiler's device events. */
    K kernel() {
        return kernel;
    }

    /** Work-groups of a launch. */
    int groups() {
        return range.getNumGroups(0);
    }

    /** One launch over the range, on the device or a one-line error. */
    void launch() {
        kernel.execute(range);
        launches++;
        if (!kernel.isRunningCL() || !device.equals(kernel.getTargetDevice())) {
            throw new BackendUnavailableException("OpenCL backend: " + what + " did not run on " + device.getName()
                    + " (Aparapi fell back to " + kernel.getTargetDevice() + ")");
        }
    }

    /** Its launches so far. */
    long launches() {
        return launches;
    }

    void close() {
        if (launches > 0) {
            kernel.dispose(); // only after an execute: disposing a program that never ran crashes (DESIGN.md)
        }
    }
}
