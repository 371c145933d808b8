package org.vil4j.api;

/** Argument checks shared by the fused ops' default forms in {@link Ops}. */
final class Fused {
    private Fused() {
    }

    static void sameCount(String op, int inputs, int weights, int biases) {
        if (inputs == 0 || inputs != weights || weights != biases) {
            throw new ShapeMismatchException(op + ": " + inputs + " inputs, " + weights + " weights and " + biases
                    + " biases (one each per part, biases may be null)");
        }
    }
}
