package org.vil4j.backend.java;

import java.util.Arrays;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;

/** Shape preconditions shared by the ops; every message starts with the op and names the tensors and shapes. */
final class ShapeChecks {
    private ShapeChecks() {
    }

    static ShapeMismatchException mismatch(String op, String detail) {
        return new ShapeMismatchException(op + ": " + detail);
    }

    static void requireRank(String op, String role, Shape shape, int... ranks) {
        for (int rank : ranks) {
            if (shape.rank() == rank) {
                return;
            }
        }
        String allowed = ranks.length == 1 ? String.valueOf(ranks[0])
                : Arrays.toString(ranks).replace("[", "").replace("]", "").replace(", ", " or ");
        throw mismatch(op, role + " " + shape + " must have rank " + allowed);
    }

    static void requireMinRank(String op, String role, Shape shape, int minRank) {
        if (shape.rank() < minRank) {
            throw mismatch(op, role + " " + shape + " must have rank " + minRank + " or more");
        }
    }

    /** A per-feature vector (weight, bias, skip): any shape with exactly {@code size} elements. */
    static void requireVector(String op, String role, Shape shape, int size, String why) {
        if (shape.sizeLong() != size) {
            throw mismatch(op, role + " " + shape + " must have " + size + " elements (" + why + ")");
        }
    }

    static void requireSameShape(String op, String roleA, Shape a, String roleB, Shape b) {
        if (!a.equals(b)) {
            throw mismatch(op, roleA + " " + a + " and " + roleB + " " + b + " must have the same shape");
        }
    }

    /** Whether all but the last dimension agree (same rank included): the rows line up. */
    static boolean sameLeading(Shape a, Shape b) {
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

    /** Whether b is a's shape or the shape of a's trailing dimensions. */
    static boolean isTrailing(Shape a, Shape b) {
        if (b.rank() > a.rank()) {
            return false;
        }
        int skip = a.rank() - b.rank();
        for (int axis = 0; axis < b.rank(); axis++) {
            if (a.dim(skip + axis) != b.dim(axis)) {
                return false;
            }
        }
        return true;
    }

    /** The shape with dimension {@code axis} (negative: from the end) replaced. */
    static Shape withDim(Shape shape, int axis, int value) {
        int[] dims = shape.dims();
        dims[axis < 0 ? dims.length + axis : axis] = value;
        return Shape.of(dims);
    }
}
