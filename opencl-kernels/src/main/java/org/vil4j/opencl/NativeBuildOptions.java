package org.vil4j.opencl;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the optional LD_PRELOAD library {@code tools/gpu/native/cl_build_options.c} adds to the build of the device
 * program. Aparapi builds with no options, and the program's register count is its GEMM's (128 on NVIDIA), which
 * halves the occupancy of every lighter op; the library caps it with {@code -cl-nv-maxrregcount} on NVIDIA devices
 * only; it can also let the passes of one Aparapi execute run without a host wait between them. Reported with the
 * device so that every benchmark says what it timed.
 */
final class NativeBuildOptions {
    static final String LIBRARY = "libclbuildoptions";

    private NativeBuildOptions() {
    }

    /** The options the library adds for a device of this vendor, if it is preloaded and asked to add any. */
    static Optional<String> added(String vendor, Map<String, String> env) {
        String preload = env.getOrDefault("LD_PRELOAD", "");
        if (!preload.contains(LIBRARY)) {
            return Optional.empty();
        }
        StringBuilder options = new StringBuilder();
        int cap = parsePositive(env.get("VIL4J_NV_MAXRREGCOUNT"));
        if (cap > 0 && vendor.toUpperCase(Locale.ROOT).contains("NVIDIA")) {
            options.append("-cl-nv-maxrregcount=").append(cap);
        }
        String extra = env.getOrDefault("VIL4J_CL_BUILD_OPTIONS", "").trim();
        if (!extra.isEmpty()) {
            options.append(options.length() > 0 ? " " : "").append(extra);
        }
        return options.length() == 0 ? Optional.empty() : Optional.of(options.toString());
    }

    /** Whether the library lets the passes of one execute run without a host wait between them. */
    static boolean pipelinesPasses(Map<String, String> env) {
        return env.getOrDefault("LD_PRELOAD", "").contains(LIBRARY)
                && "1".equals(env.get("VIL4J_CL_PIPELINE_PASSES"));
    }

    /**
     * Whether the library lets the main program's executes end without their host wait on a device of this kind
     * (VIL4J_CL_ASYNC_MAIN: 1 on GPUs, 2 on every device; cl_staged_writes.c).
     */
    static boolean skipsExecuteWaits(String kind, Map<String, String> env) {
        String mode = env.getOrDefault("VIL4J_CL_ASYNC_MAIN", "0");
        return env.getOrDefault("LD_PRELOAD", "").contains(LIBRARY)
                && ("2".equals(mode) || "1".equals(mode) && "gpu".equals(kind));
    }

    /** What the library changes for a device of this vendor and kind, for the device's name; empty when nothing. */
    static String describe(String vendor, String kind, Map<String, String> env) {
        StringBuilder changes = new StringBuilder();
        added(vendor, env).ifPresent(o -> changes.append("build options ").append(o));
        for (String change : new String[]{pipelinesPasses(env) ? "passes pipelined" : "",
                skipsExecuteWaits(kind, env) ? "executes not waited for" : ""}) {
            if (!change.isEmpty()) {
                changes.append(changes.length() > 0 ? ", " : "").append(change);
            }
        }
        return changes.length() == 0 ? "" : ", " + changes + " (preloaded)";
    }

    /** As the C library reads it ({@code atoi}): a positive leading number, else 0. */
    private static int parsePositive(String value) {
        if (value == null) {
            return 0;
        }
        String digits = value.trim().replaceFirst("^([0-9]{1,6}).*$", "$1");
        try {
            return Math.max(0, Integer.parseInt(digits));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
