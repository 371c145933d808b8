package org.vil4j.opencl;

import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;

import static org.vil4j.api.ShapeRequirements.mismatch;

/**
 * The device ops' own checks (on device tensors and index tables); the shape preconditions every backend states
 * alike are {@link org.vil4j.api.ShapeRequirements}'. A failed check throws a {@code ShapeMismatchException} that
 * names the op.
 */
final class OperandChecks {
    private OperandChecks() {
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

    static void requireTensorRank(String op, DeviceTensor t, int rank) {
        if (t.shape().rank() != rank) {
            throw new ShapeMismatchException(op + ": needs a rank-" + rank + " tensor, got " + t.shape());
        }
    }
}
