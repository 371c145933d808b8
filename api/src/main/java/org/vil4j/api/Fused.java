package org.vil4j.api;

import java.util.List;

/** What the fused ops' default forms in {@link Ops} share: their argument check and the final concatenation. */
final class Fused {
    private Fused() {
    }

    /** One weight and one bias (which may be null) a part, and one input a part where {@code inputs >= 0}. */
    static void requireParts(String op, int inputs, int weights, int biases) {
        if (weights == 0 || weights != biases || (inputs >= 0 && inputs != weights)) {
            throw new ShapeMismatchException(op + ": " + (inputs >= 0 ? inputs + " inputs, " : "") + weights
                    + " weights and " + biases + " biases (one each per part, biases may be null)");
        }
    }

    /** The parts side by side: three in one concatenation (a backend may do that in one pass), else pairwise. */
    static Tensor concat(Ops ops, List<Tensor> parts) {
        if (parts.size() == 3) {
            return ops.concatColumns(parts.get(0), parts.get(1), parts.get(2));
        }
        Tensor out = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            out = ops.concatColumns(out, parts.get(i));
        }
        return out;
    }
}
