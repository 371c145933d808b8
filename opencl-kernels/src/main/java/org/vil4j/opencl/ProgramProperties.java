package org.vil4j.opencl;

import org.vil4j.api.BackendUnavailableException;

import java.util.List;

/**
 * The {@code -D} switches of the second and third device programs ({@link WideGemm}, {@link FusedMlstm}): one of a
 * few values or a whole number, anything else a one-line error naming the option; and the error for a program asked
 * for where the preloaded library does not share the arena.
 */
final class ProgramProperties {
    private ProgramProperties() {
    }

    /** The property's value, one of {@code values} ({@code otherwise} when unset). */
    static String choice(String property, String otherwise, List<String> values) {
        String value = System.getProperty(property, otherwise).strip();
        if (!values.contains(value)) {
            throw new BackendUnavailableException("OpenCL backend: -D" + property + "=" + value + " is none of "
                    + String.join(", ", values));
        }
        return value;
    }

    /** The property's value as a whole number >= 0 ({@code otherwise} when unset). */
    static long wholeNumber(String property, long otherwise) {
        String value = System.getProperty(property, String.valueOf(otherwise)).strip();
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0) {
            throw new BackendUnavailableException("OpenCL backend: -D" + property + "=" + value
                    + " is not a whole number >= 0");
        }
        return n;
    }

    /** Whether the preloaded library gives a second program the main program's arena. */
    static boolean arenaShared() {
        return LargeBuffers.available() && WideGemm.sharesArena();
    }

    /** The error for {@code -Dproperty=value} where the arena is not shared. */
    static BackendUnavailableException needsSharedArena(String property, String value) {
        return new BackendUnavailableException("OpenCL backend: -D" + property + "=" + value + " needs the preloaded "
                + "library of tools/gpu/native with VIL4J_CL_SHARE_ARENA=1, which shares the arena between programs");
    }
}
