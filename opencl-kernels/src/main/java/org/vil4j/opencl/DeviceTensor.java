package org.vil4j.opencl;

import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/**
 * A tensor in the device arena: an offset, a shape, and (for workspace tensors) which allocation it belongs to, so a
 * handle used after its workspace was released fails instead of reading someone else's data.
 *
 * <p>A tensor can be a column view of a wider one ({@code Ops.columns}): its rows then lie {@code rowStride} floats
 * apart. Only ops that read a row stride take views as they are; every other op gets a dense copy first.
 *
 * @param slot      index in the workspace allocation stack, or -1 for persistent tensors
 * @param serial    allocation serial number that must still occupy that slot
 * @param rowStride floats from one row to the next for a column view, 0 for a dense tensor
 */
record DeviceTensor(Shape shape, int offset, int slot, long serial, int rowStride) implements Tensor {
    DeviceTensor(Shape shape, int offset, int slot, long serial) {
        this(shape, offset, slot, serial, 0);
    }

    int size() {
        return shape.size();
    }

    boolean isView() {
        return rowStride != 0;
    }

    /** Floats from one row to the next. */
    int stride() {
        return rowStride != 0 ? rowStride : shape.last();
    }
}
