package org.vil4j.opencl;

import org.vil4j.api.IndexTable;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import static org.vil4j.opencl.DeviceProgram.*;
import static org.vil4j.api.ShapeRequirements.*;
import static org.vil4j.opencl.OperandChecks.*;
import static org.vil4j.opencl.OpenCLOps.checkTable;

/**
 * Layer norm on the device, one work-item per row group: of a tensor's rows, of the rows an index picks
 * ({@code layerNormGather}), or followed by the skip gate ({@code normSkipGate}; its a and z may be column views, as
 * the mLSTM layer hands them over), all in one pass.
 */
final class DeviceLayerNorm {
    private DeviceLayerNorm() {
    }

    static Tensor layerNormGather(OpenCLOps ops, Tensor xt, IndexTable index, int groupSize, Tensor wt,
                                  boolean residualWeight, Tensor bt, float eps) {
        String op = "layerNormGather";
        DeviceTensor x = ops.check(op, xt);
        DeviceIndexTable idx = checkTable(op, index, 1);
        requireTensorRank(op, x, 3);
        Shape s = x.shape();
        if (idx.rows() > 0 && (idx.min() < -1 || idx.max() >= s.dim(1))) {
            throw new ShapeMismatchException(op + ": x " + s + " has no token " + idx.max() + " of its index");
        }
        return layerNorm(ops, x, Shape.of(s.dim(0), idx.rows(), s.dim(2)), idx, groupSize, wt, residualWeight, bt, eps);
    }

    static Tensor layerNorm(OpenCLOps ops, Tensor xt, int groupSize, Tensor wt, boolean residualWeight, Tensor bt,
                            float eps) {
        DeviceTensor x = ops.check("layerNorm", xt);
        return layerNorm(ops, x, x.shape(), null, groupSize, wt, residualWeight, bt, eps);
    }

    static Tensor normSkipGate(OpenCLOps ops, Tensor ht, int groupSize, Tensor wt, boolean residualWeight, Tensor bt,
                               float eps, Tensor skipt, Tensor at, Tensor zt) {
        DeviceTensor h = ops.check("normSkipGate", ht), skip = ops.check("normSkipGate", skipt);
        DeviceTensor a = ops.checkView("normSkipGate", at), z = ops.checkView("normSkipGate", zt);
        sameShape("normSkipGate", h, a);
        sameShape("normSkipGate", h, z);
        if (skip.size() != h.shape().last()) {
            throw new ShapeMismatchException("normSkipGate: skip " + skip.shape() + " does not match " + h.shape());
        }
        return layerNorm(ops, h, h.shape(), null, groupSize, wt, residualWeight, bt, eps,
                new DeviceTensor[]{skip, a, z});
    }

    /** Layer norm of x's rows, or of the rows an index picks per batch (then out is [B, index rows, C]). */
    private static Tensor layerNorm(OpenCLOps ops, DeviceTensor x, Shape outShape, DeviceIndexTable idx, int groupSize,
                                    Tensor wt, boolean residualWeight, Tensor bt, float eps) {
        return layerNorm(ops, x, outShape, idx, groupSize, wt, residualWeight, bt, eps, null);
    }

    /** ... and with the skip gate {skip, a, z} applied to the result where {@code gate} is given. */
    private static Tensor layerNorm(OpenCLOps ops, DeviceTensor x, Shape outShape, DeviceIndexTable idx, int groupSize,
                                    Tensor wt, boolean residualWeight, Tensor bt, float eps, DeviceTensor[] gate) {
        DeviceTensor w = wt == null ? null : ops.check("layerNorm", wt);
        DeviceTensor b = bt == null ? null : ops.check("layerNorm", bt);
        int c = x.shape().last();
        if (groupSize <= 0 || c % groupSize != 0 || (w != null && w.size() != c) || (b != null && b.size() != c)) {
            throw new ShapeMismatchException("layerNorm: x " + x.shape() + ", group " + groupSize
                    + (w == null ? "" : ", weight " + w.shape()) + (b == null ? "" : ", bias " + b.shape())
                    + " do not fit");
        }
        DeviceTensor out = ops.allocate(outShape);
        int n = outShape.rows() * (c / groupSize);
        ops.args(n, groupSize, c, x.offset(), out.offset(), w == null ? -1 : w.offset(), residualWeight ? 1 : 0,
                b == null ? -1 : b.offset(), idx == null ? -1 : idx.offset(), idx == null ? 0 : idx.rows(),
                idx == null ? 0 : x.shape().dim(1), gate == null ? -1 : gate[0].offset(),
                gate == null ? 0 : gate[1].offset(), gate == null ? 0 : gate[2].offset(),
                gate == null ? 0 : gate[2].stride(), gate == null ? 0 : gate[1].stride());
        ops.program.f0 = eps;
        ops.queue.bytes((gate == null ? 8L : 16L) * x.size());
        ops.launch1D(OP_LAYER_NORM, n);
        return out;
    }
}
