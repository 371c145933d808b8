package org.vil4j.cli;

import org.vil4j.api.OpProfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A backend's per-op profile as a table for people and as JSON for the bench file, per forward or step. */
final class ProfileReport {
    private final List<OpProfile> rows;
    private final int iterations;
    private final long totalNanos;

    ProfileReport(List<OpProfile> rows, int iterations) {
        this.rows = rows;
        this.iterations = Math.max(1, iterations);
        long total = 0;
        for (OpProfile r : rows) {
            total += r.nanos();
        }
        this.totalNanos = total;
    }

    /** One line per op kind, most costly first, figures per forward (or step). */
    String table(String title) {
        StringBuilder b = new StringBuilder();
        boolean device = !rows.isEmpty() && rows.get(0).deviceNanos() >= 0;
        b.append(title).append(" (").append(device ? "device event times" : "host times around synchronous launches")
                .append(", per iteration)\n");
        b.append(String.format(Locale.ROOT, "%-28s %9s %10s %7s %9s %9s%n", "op", "launches", "ms", "share",
                "TFLOP/s", "GB/s"));
        for (OpProfile r : rows) {
            b.append(String.format(Locale.ROOT, "%-28s %9.1f %10.3f %6.1f%% %9s %9s%n", r.op(),
                    r.launches() / (double) iterations, r.nanos() / 1e6 / iterations, share(r),
                    r.flops() == 0 ? "-" : String.format(Locale.ROOT, "%.2f", r.teraflopsPerSecond()),
                    r.bytes() == 0 ? "-" : String.format(Locale.ROOT, "%.0f", r.gigabytesPerSecond())));
        }
        long launches = rows.stream().mapToLong(OpProfile::launches).sum();
        b.append(String.format(Locale.ROOT, "%-28s %9.1f %10.3f%n", "total", launches / (double) iterations,
                totalNanos / 1e6 / iterations));
        return b.toString();
    }

    String json() {
        List<String> items = new ArrayList<>();
        for (OpProfile r : rows) {
            items.add(String.format(Locale.ROOT, "{\"op\": \"%s\", \"launches\": %.1f, \"host_ms\": %.4f, "
                            + "\"device_ms\": %s, \"share\": %.4f, \"tflops\": %.3f, \"gbps\": %.1f}", r.op(),
                    r.launches() / (double) iterations, r.hostNanos() / 1e6 / iterations,
                    r.deviceNanos() < 0 ? "null" : String.format(Locale.ROOT, "%.4f",
                            r.deviceNanos() / 1e6 / iterations), share(r) / 100, r.teraflopsPerSecond(),
                    r.gigabytesPerSecond()));
        }
        return "[" + String.join(", ", items) + "]";
    }

    private double share(OpProfile r) {
        return totalNanos == 0 ? 0 : 100.0 * r.nanos() / totalNanos;
    }
}
