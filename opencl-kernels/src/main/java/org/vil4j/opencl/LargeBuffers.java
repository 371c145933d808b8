package org.vil4j.opencl;

import java.util.Map;
import java.util.Optional;

/**
 * A float arena beyond Aparapi's 2 GiB, where the preloaded library ({@code tools/gpu/native/cl_large_buffers.c}, in
 * {@code libclbuildoptions.so}) is there to put Aparapi's sizes right. Aparapi 3.0.2 keeps a buffer's size in bytes
 * in an int, so a larger array reaches OpenCL with its size wrapped to 32 bits; the array and the kernel's int index
 * (2^31 floats) are fine. Before the program first sees a larger arena its real size is announced to the library,
 * which replaces the wrapped size by it. Only sizes whose wrap is at most 0 as an int are used above 2 GiB (2-4 and
 * 6-8 GiB): Aparapi never passes such a size for a real array, so the library cannot take another buffer for the
 * arena.
 */
final class LargeBuffers {
    /** The most floats an arena holds without the library: Aparapi's int of bytes. */
    static final long WITHOUT_LIBRARY_FLOATS = (Integer.MAX_VALUE / 4) & ~1023;
    /** The most floats with it: the kernel indexes the arena with an int (and a Java array stops there too). */
    static final long WITH_LIBRARY_FLOATS = (1L << 31) - 1024;
    private static final long FOUR_GIB_FLOATS = 1L << 30;
    private static final long SIX_GIB_FLOATS = 3L << 29;

    private static final boolean AVAILABLE = load(System.getenv()).isPresent();

    private LargeBuffers() {
    }

    /** Whether arenas may pass 2 GiB in this JVM (the library is preloaded and answers). */
    static boolean available() {
        return AVAILABLE;
    }

    /**
     * The largest arena, in floats, a device whose largest allocation is {@code maxAllocBytes} can have here: past
     * 2 GiB only with the library, and always one of the sizes the library may correct.
     */
    static long limitFloats(long maxAllocBytes) {
        if (!AVAILABLE) {
            return WITHOUT_LIBRARY_FLOATS;
        }
        long device = maxAllocBytes > 0 ? maxAllocBytes / 4 : WITH_LIBRARY_FLOATS;
        return Math.max(WITHOUT_LIBRARY_FLOATS, allowedAtMost(Math.min(device, WITH_LIBRARY_FLOATS)));
    }

    /** Whether an arena of this many floats can be made: under 2 GiB, or a size the library may correct. */
    static boolean allowed(long floats) {
        long bytes = floats * 4;
        return bytes <= Integer.MAX_VALUE || floats <= WITH_LIBRARY_FLOATS && (int) bytes <= 0;
    }

    /** The largest allowed size at most {@code floats} (whole KiB). */
    static long allowedAtMost(long floats) {
        long rounded = floats & ~1023L;
        if (allowed(rounded)) {
            return rounded;
        }
        // between 2 GiB - 4 KiB and 2 GiB, or between 4 and 6 GiB
        return rounded < FOUR_GIB_FLOATS ? WITHOUT_LIBRARY_FLOATS : FOUR_GIB_FLOATS;
    }

    /** The smallest allowed size of at least {@code floats}, which must be at most {@link #WITH_LIBRARY_FLOATS}. */
    static long allowedAtLeast(long floats) {
        return allowed(floats) ? floats : SIX_GIB_FLOATS; // only sizes between 4 and 6 GiB are not
    }

    /**
     * Tells the library the real size of an arena of {@code floats} before Aparapi makes its buffer; nothing to do
     * under 2 GiB.
     */
    static void announce(long floats) {
        long bytes = floats * 4;
        if (bytes <= Integer.MAX_VALUE) {
            return;
        }
        if (!AVAILABLE || !allowed(floats) || nativeAnnounce(bytes) != 1) {
            throw new IllegalStateException("an arena of " + bytes + " bytes needs the preloaded library's large "
                    + "buffers (tools/gpu/native), which did not take it");
        }
    }

    /** How many buffer sizes the library has put right in this JVM (0 without it). */
    static long corrected() {
        return AVAILABLE ? nativeCorrected() : 0;
    }

    /**
     * Loads the preloaded library under the path it was preloaded from (the same copy, so it shares the sizes with
     * the interposed calls) and checks that it has the large-buffer entry points.
     */
    static Optional<String> load(Map<String, String> env) {
        for (String entry : env.getOrDefault("LD_PRELOAD", "").split("[: ]")) {
            if (!entry.contains(NativeBuildOptions.LIBRARY) || !entry.startsWith("/")) {
                continue;
            }
            try {
                System.load(entry);
                nativeCorrected();
                return Optional.of(entry);
            } catch (UnsatisfiedLinkError | SecurityException e) {
                return Optional.empty(); // an older library without large buffers, or none there
            }
        }
        return Optional.empty();
    }

    private static native int nativeAnnounce(long bytes);

    private static native long nativeCorrected();
}
