package org.vil4j.opencl;

import com.aparapi.Kernel;
import com.aparapi.ProfileInfo;
import org.vil4j.api.OpProfile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-op-kind launch counts and times. Host time is honest on its own because Aparapi's {@code execute} waits for
 * the device; device time comes from OpenCL event times when Aparapi was started with
 * {@code -Dcom.aparapi.enableProfiling=true} (otherwise it is reported as unknown, -1).
 */
final class LaunchProfiler {
    static final boolean DEVICE_EVENTS = Boolean.getBoolean("com.aparapi.enableProfiling");

    private static final class Totals {
        long launches, hostNanos, deviceNanos, flops, bytes;
    }

    private final Map<String, Totals> totals = new LinkedHashMap<>();

    /** Records one launch that took {@code hostNanos}; the kernel's last execution gives the device time. */
    void record(String op, long hostNanos, Kernel kernel, long flops, long bytes) {
        Totals t = totals.computeIfAbsent(op, k -> new Totals());
        t.launches++;
        t.hostNanos += hostNanos;
        t.flops += flops;
        t.bytes += bytes;
        if (DEVICE_EVENTS) {
            List<ProfileInfo> infos = kernel.getProfileInfo();
            if (infos != null) {
                for (ProfileInfo info : infos) {
                    if ("X".equals(String.valueOf((Object) info.getType()))) { // X: execute (W, R: transfers)
                        t.deviceNanos += info.getEnd() - info.getStart();
                    }
                }
            }
        }
    }

    List<OpProfile> snapshot() {
        List<OpProfile> rows = new ArrayList<>();
        for (var e : totals.entrySet()) {
            Totals t = e.getValue();
            rows.add(new OpProfile(e.getKey(), t.launches, t.hostNanos, DEVICE_EVENTS ? t.deviceNanos : -1, t.flops,
                    t.bytes));
        }
        rows.sort(Comparator.comparingLong(OpProfile::nanos).reversed());
        return rows;
    }
}
