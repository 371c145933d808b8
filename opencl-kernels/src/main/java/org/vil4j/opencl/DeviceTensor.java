package org.vil4j.opencl;

import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/**
 * A tensor in the device arena: an offset, a shape, and (for workspace tensors) which allocation it belongs to, so a
 * handle used after its workspace was released fails instead of reading someone else's data.
 *
 * @param slot   index in the workspace allocation stack, or -1 for persistent tensors
 * @param serial allocation serial number that must still occupy that slot
 */
record DeviceTensor(Shape shape, int offset, int slot, long serial) implements Tensor {
    int size() {
        return shape.size();
    }
}
