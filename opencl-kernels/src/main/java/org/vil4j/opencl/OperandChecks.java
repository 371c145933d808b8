package org.vil4j.opencl;

import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;

/**
 * Shape checks and shape arithmetic shared by the device ops; a failed check throws a {@code ShapeMismatchException}
 * that names the op.
 */
final class OperandChecks {
    private OperandChecks() {
    }

    static ShapeMismatchException mismatch(String op, String detail) {
        return new ShapeMismatchException(op + ": " + detail);
    }

    static void needRank(String op, String role, Shape shape, int rank) {
        if (shape.rank() != rank) {
            throw mismatch(op, role + " " + shape + " must have rank " + rank);
        }
    }

    static void needMinRank(String op, String role, Shape shape, int minRank) {
        if (shape.rank() < minRank) {
            throw mismatch(op, role + " " + shape + " must have rank " + minRank + " or more");
        }
    }

    static void needVector(String op, String role, Shape shape, int size, String why) {
        if (shape.sizeLong() != size) {
            throw mismatch(op, role + " " + shape + " must have " + size + " elements (" + why + ")");
        }
    }

    static void needSameShape(String op, String roleA, Shape a, String roleB, Shape b) {
        if (!a.equals(b)) {
            throw mismatch(op, roleA + " " + a + " and " + roleB + " " + b + " must have the same shape");
        }
    }

    static void needSameSize(String op, DeviceTensor first, DeviceTensor... others) {
        for (DeviceTensor other : others) {
            if (other.shape().sizeLong() != first.shape().sizeLong()) {
                throw mismatch(op, first.shape() + " and " + other.shape() + " differ in size");
            }
        }
    }

    static void needEntriesBelow(String op, DeviceIndexTable table, int tokens, String what) {
        if (table.rows() > 0 && table.cols() > 0 && table.max() >= tokens) {
            throw mismatch(op, "table entry " + table.max() + " is past the " + tokens + " tokens of " + what);
        }
    }

    static Shape withDim(Shape shape, int axis, int value) {
        int[] dims = shape.dims();
        dims[axis < 0 ? dims.length + axis : axis] = value;
        return Shape.of(dims);
    }

    /** Product of all dimensions before the last two (1 for a rank-2 tensor). */
    static int batchOf(Shape shape) {
        int batch = 1;
        for (int axis = 0; axis < shape.rank() - 2; axis++) {
            batch *= shape.dim(axis);
        }
        return batch;
    }

    static void sameShape(String op, DeviceTensor a, DeviceTensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new ShapeMismatchException(op + ": shapes " + a.shape() + " and " + b.shape() + " differ");
        }
    }

    static void requireRank(String op, DeviceTensor t, int rank) {
        if (t.shape().rank() != rank) {
            throw new ShapeMismatchException(op + ": needs a rank-" + rank + " tensor, got " + t.shape());
        }
    }

    static boolean isTrailingShape(Shape small, Shape big) {
        int[] s = small.dims(), b = big.dims();
        if (s.length > b.length) {
            return false;
        }
        for (int i = 1; i <= s.length; i++) {
            if (s[s.length - i] != b[b.length - i]) {
                return false;
            }
        }
        return true;
    }
}
