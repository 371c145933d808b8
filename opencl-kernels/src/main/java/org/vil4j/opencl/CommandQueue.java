package org.vil4j.opencl;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.OpProfile;

import java.util.List;

import static org.vil4j.opencl.DeviceProgram.CMD_FLOATS;
import static org.vil4j.opencl.DeviceProgram.CMD_INTS;

/**
 * Ops recorded as commands and run as the passes of one Aparapi execute. Each execute costs 50-120 us of host work
 * (H200, measured with {@code vil bench --profile}); a pass only an enqueue and a wait in Aparapi's native code. The
 * owner flushes where the host needs the device done (a download, a reused staging array, arena growth).
 */
final class CommandQueue {
    /** Commands held before they run anyway. */
    static final int CAPACITY = 1024;

    private final DeviceProgram program;
    private final OpenCLDevice device;
    private final String deviceName;
    /** The one range every command runs over (see DeviceProgram.WORK_GROUP). */
    private final Range range;
    private int pending;
    private long launches;
    private long executes;
    /** Null unless profiling; the next command's counted work (set by the op, cleared by enqueue). */
    private LaunchProfiler profiler;
    private long flops;
    private long bytes;

    CommandQueue(DeviceProgram program, OpenCLDevice device, String deviceName, Range range) {
        this.program = program;
        this.device = device;
        this.deviceName = deviceName;
        this.range = range;
    }

    /** Floating-point operations of the next command, for profiles. */
    void flops(long n) {
        flops = n;
    }

    /** The fewest bytes the next command moves through device memory, for profiles. */
    void bytes(long n) {
        bytes = n;
    }

    long launches() {
        return launches;
    }

    long executes() {
        return executes;
    }

    void setProfiling(boolean on) {
        profiler = on ? new LaunchProfiler() : null;
    }

    List<OpProfile> profile() {
        return profiler == null ? List.of() : profiler.snapshot();
    }

    /** Records the op with the arguments now in the program's fields; it runs at the next flush. */
    void enqueue(int op) {
        DeviceProgram p = program;
        p.op = op;
        int c = pending * CMD_INTS;
        int[] cmd = p.commands;
        cmd[c] = op;
        cmd[c + 1] = p.a0; cmd[c + 2] = p.a1; cmd[c + 3] = p.a2; cmd[c + 4] = p.a3; cmd[c + 5] = p.a4;
        cmd[c + 6] = p.a5; cmd[c + 7] = p.a6; cmd[c + 8] = p.a7; cmd[c + 9] = p.a8; cmd[c + 10] = p.a9;
        cmd[c + 11] = p.a10; cmd[c + 12] = p.a11; cmd[c + 13] = p.a12; cmd[c + 14] = p.a13; cmd[c + 15] = p.a14;
        cmd[c + 16] = p.a15; cmd[c + 17] = p.a16; cmd[c + 18] = p.a17; cmd[c + 19] = p.a18; cmd[c + 20] = p.a19;
        cmd[c + 21] = p.a20; cmd[c + 22] = p.a21; cmd[c + 23] = p.a22; cmd[c + 24] = p.a23; cmd[c + 25] = p.a24;
        cmd[c + 26] = p.a25; cmd[c + 27] = p.a26; cmd[c + 28] = p.a27;
        int cf = pending * CMD_FLOATS;
        float[] fl = p.commandFloats;
        fl[cf] = p.f0; fl[cf + 1] = p.f1; fl[cf + 2] = p.f2; fl[cf + 3] = p.f3; fl[cf + 4] = p.f4; fl[cf + 5] = p.f5;
        fl[cf + 6] = p.f6;
        pending++;
        launches++;
        if (profiler != null) {
            // one op per execute, so that each is timed alone
            String name = OpNames.of(p);
            long t0 = System.nanoTime();
            flush();
            profiler.record(name, System.nanoTime() - t0, p, flops, bytes);
        } else if (pending == CAPACITY || LaunchProfiler.DEVICE_EVENTS) {
            // with Aparapi's event profiling on, an execute of several passes crashed the JVM in
            // clGetEventProfilingInfo (NVIDIA OpenCL, H200): one op per execute then
            flush();
        }
        flops = 0;
        bytes = 0;
    }

    /**
     * Runs another program's launch in order with this queue's commands (those recorded run first), counted and
     * profiled as one of them.
     */
    void runBetween(String name, com.aparapi.Kernel kernel, Runnable launch) {
        flush();
        long t0 = System.nanoTime();
        launch.run();
        launches++;
        executes++;
        if (profiler != null) {
            profiler.record(name, System.nanoTime() - t0, kernel, flops, bytes);
        }
        flops = 0;
        bytes = 0;
    }

    /** Runs every recorded command, in order, as the passes of one execute (which waits for the device). */
    void flush() {
        if (pending == 0) {
            return;
        }
        int passes = pending;
        pending = 0;
        program.put(program.commands);
        program.put(program.commandFloats);
        program.execute(range, passes);
        executes++;
        requireOpenCL("a launch of " + passes + " commands");
    }

    /** Aparapi falls back to Java threads silently on any failure; never let that pass as OpenCL. */
    void requireOpenCL(String what) {
        if (!program.isRunningCL() || !device.equals(program.getTargetDevice())) {
            throw new BackendUnavailableException("OpenCL backend: " + what + " did not run on " + deviceName
                    + " (Aparapi fell back to " + program.getTargetDevice() + "); see the log above for the OpenCL "
                    + "error");
        }
    }
}
