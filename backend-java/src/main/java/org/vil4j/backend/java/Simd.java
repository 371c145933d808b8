package org.vil4j.backend.java;

/**
 * Whether the JDK's vector API (the incubating module jdk.incubator.vector, Java 17) is there to use. It is when the
 * JVM runs with {@code --add-modules jdk.incubator.vector} (bin/vil and the tests do); a trimmed runtime without it
 * falls back to the scalar loops. This class touches no vector type, so it loads everywhere.
 */
final class Simd {
    /** Resolved once: whether {@link SimdKernels} may be used. */
    static final boolean AVAILABLE = probe();

    private Simd() {
    }

    private static boolean probe() {
        if (Boolean.getBoolean("vil4j.java.scalar")) {
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            return SimdKernels.selfTest();
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }
}
