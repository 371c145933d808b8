package org.vil4j.api;

import java.util.Arrays;

/**
 * The shape preconditions of the op set, stated once for every backend (the java oracle, OpenCL, a third party's):
 * a failed check throws a {@link ShapeMismatchException} whose message starts with the op and names the tensors and
 * their shapes, so a bad call reads the same whichever backend ran it.
 */
public final class ShapeRequirements {
    private ShapeRequirements() {
    }

    public static ShapeMismatchException mismatch(String op, String detail) {
        return new ShapeMismatchException(op + ": " + detail);
    }

    /** Paired lists (targets and sources of a batched op) must be as long as each other. */
    public static void requirePairs(String op, java.util.List<?> targets, java.util.List<?> sources) {
        if (targets.size() != sources.size()) {
            throw new IllegalArgumentException(op + ": " + targets.size() + " targets and " + sources.size()
                    + " sources");
        }
    }

    /** The tensor in {@code role} has one of these ranks. */
    public static void requireRank(String op, String role, Shape shape, int... ranks) {
        for (int rank : ranks) {
            if (shape.rank() == rank) {
                return;
            }
        }
        String allowed = ranks.length == 1 ? String.valueOf(ranks[0])
                : Arrays.toString(ranks).replace("[", "").replace("]", "").replace(", ", " or ");
        throw mismatch(op, role + " " + shape + " must have rank " + allowed);
    }

    public static void requireMinRank(String op, String role, Shape shape, int minRank) {
        if (shape.rank() < minRank) {
            throw mismatch(op, role + " " + shape + " must have rank " + minRank + " or more");
        }
    }

    /** A per-feature vector (weight, bias, skip): any shape with exactly {@code size} elements. */
    public static void requireVector(String op, String role, Shape shape, int size, String why) {
        if (shape.sizeLong() != size) {
            throw mismatch(op, role + " " + shape + " must have " + size + " elements (" + why + ")");
        }
    }

    /** x's rows are target's and its columns lie at {@code [start, start + x.last)} inside target's (addIntoColumns). */
    public static void requireColumnsInside(String op, Shape target, Shape x, int start) {
        requireMinRank(op, "x", x, 1);
        if (target.rows() != x.rows() || start < 0 || (long) start + x.last() > target.last()) {
            throw mismatch(op, "x " + x + " at column " + start + " does not fit target " + target);
        }
    }

    public static void requireSameShape(String op, String roleA, Shape a, String roleB, Shape b) {
        if (!a.equals(b)) {
            throw mismatch(op, roleA + " " + a + " and " + roleB + " " + b + " must have the same shape");
        }
    }

    /**
     * The operands of the mLSTM cell and of its backward: q, k, v (and dh) of one [B, S, F] shape, F split into
     * {@code numHeads} heads, gates of [B, S, NH] ({@code dh} may be null: the forward has none).
     *
     * @return the gates' shape
     */
    public static Shape requireMlstmOperands(String op, Shape q, Shape k, Shape v, Shape dh, Shape igate, Shape fgate,
                                             int numHeads) {
        requireRank(op, "q", q, 3);
        requireSameShape(op, "q", q, "k", k);
        requireSameShape(op, "q", q, "v", v);
        if (dh != null) {
            requireSameShape(op, "q", q, "dh", dh);
        }
        if (numHeads < 1 || q.last() % numHeads != 0) {
            throw mismatch(op, numHeads + " heads do not divide the " + q.last() + " features of q " + q);
        }
        Shape gates = Shape.of(q.dim(0), q.dim(1), numHeads);
        requireSameShape(op, "igate", igate, "[B, S, NH]", gates);
        requireSameShape(op, "fgate", fgate, "[B, S, NH]", gates);
        return gates;
    }

    /** Whether all but the last dimension agree (same rank included): the rows line up. */
    public static boolean sameLeading(Shape a, Shape b) {
        if (a.rank() != b.rank()) {
            return false;
        }
        for (int axis = 0; axis < a.rank() - 1; axis++) {
            if (a.dim(axis) != b.dim(axis)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code trailing} is {@code shape} or the shape of its trailing dimensions. */
    public static boolean isTrailing(Shape shape, Shape trailing) {
        if (trailing.rank() > shape.rank()) {
            return false;
        }
        int skip = shape.rank() - trailing.rank();
        for (int axis = 0; axis < trailing.rank(); axis++) {
            if (shape.dim(skip + axis) != trailing.dim(axis)) {
                return false;
            }
        }
        return true;
    }

    /** The shape with dimension {@code axis} (negative: from the end) replaced. */
    public static Shape withDim(Shape shape, int axis, int value) {
        int[] dims = shape.dims();
        dims[axis < 0 ? dims.length + axis : axis] = value;
        return Shape.of(dims);
    }
}
