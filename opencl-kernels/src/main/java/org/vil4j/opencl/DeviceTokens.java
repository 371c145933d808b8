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
 * Token movement on the device: gathers of token rows by an index table (optionally added onto a residual), column
 * views, and column concatenation in one pass.
 */
final class DeviceTokens {
    private DeviceTokens() {
    }

    static Tensor gatherTokens(OpenCLOps ops, Tensor xt, IndexTable index) {
        DeviceTensor x = ops.check("gatherTokens", xt);
        DeviceIndexTable idx = checkTable("gatherTokens", index, 1);
        requireTensorRank("gatherTokens", x, 3);
        Shape s = x.shape();
        DeviceTensor out = ops.allocate(Shape.of(s.dim(0), idx.rows(), s.dim(2)));
        gather(ops, x, idx, out, -1);
        return out;
    }

    static Tensor addGatheredTokens(OpenCLOps ops, Tensor residualt, Tensor yt, IndexTable index) {
        DeviceTensor r = ops.check("addGatheredTokens", residualt), y = ops.check("addGatheredTokens", yt);
        DeviceIndexTable idx = checkTable("addGatheredTokens", index, 1);
        requireTensorRank("addGatheredTokens", r, 3);
        requireTensorRank("addGatheredTokens", y, 3);
        if (r.shape().dim(0) != y.shape().dim(0) || r.shape().dim(2) != y.shape().dim(2)
                || idx.rows() != r.shape().dim(1)) {
            throw new ShapeMismatchException("addGatheredTokens: residual " + r.shape() + ", branch " + y.shape()
                    + " and an index of " + idx.rows() + " rows do not fit");
        }
        DeviceTensor out = ops.allocate(r.shape());
        gather(ops, y, idx, out, r.offset());
        return out;
    }

    private static void gather(OpenCLOps ops, DeviceTensor x, DeviceIndexTable idx, DeviceTensor out,
                               int residualOffset) {
        Shape s = x.shape();
        // -1 entries read nothing: zeros, or the residual alone
        if (idx.rows() > 0 && (idx.min() < -1 || idx.max() >= s.dim(1))) {
            throw new ShapeMismatchException("gatherTokens: index entries [" + idx.min() + ", " + idx.max()
                    + "] are outside the " + s.dim(1) + " tokens of " + s);
        }
        int n = out.size();
        ops.args(n, idx.rows(), s.dim(2), s.dim(1), x.offset(), idx.offset(), out.offset(), residualOffset);
        ops.queue.bytes(4L * n * (residualOffset >= 0 ? 3 : 2));
        ops.launch1D(OP_GATHER_TOKENS, n);
    }

    static Tensor columns(OpenCLOps ops, Tensor xt, int start, int count) {
        DeviceTensor x = ops.checkView("columns", xt);
        int c = x.shape().last();
        if (start < 0 || count < 0 || start + count > c) {
            throw new ShapeMismatchException("columns: [" + start + ", " + (start + count) + ") is outside "
                    + x.shape());
        }
        if (count == c) {
            return x;
        }
        // a view: no copy; ops that cannot read a row stride get a dense copy (check)
        return new DeviceTensor(x.shape().withLast(count), x.offset() + start, x.slot(), x.serial(), x.stride());
    }

    static Tensor concatColumns(OpenCLOps ops, Tensor at, Tensor bt) {
        DeviceTensor a = ops.checkView("concatColumns", at), b = ops.checkView("concatColumns", bt);
        sameRows(a, b);
        return concat(ops, a, b, null);
    }

    static Tensor concatColumns(OpenCLOps ops, Tensor at, Tensor bt, Tensor ct) {
        DeviceTensor a = ops.checkView("concatColumns", at), b = ops.checkView("concatColumns", bt);
        DeviceTensor c = ops.checkView("concatColumns", ct);
        sameRows(a, b);
        sameRows(a, c);
        return concat(ops, a, b, c);
    }

    private static void sameRows(DeviceTensor a, DeviceTensor b) {
        if (a.shape().rows() != b.shape().rows() || a.shape().rank() != b.shape().rank()) {
            throw new ShapeMismatchException("concatColumns: " + a.shape() + " and " + b.shape()
                    + " have different rows");
        }
    }

    /** One pass writing [a | b | c] (c may be null). */
    private static DeviceTensor concat(OpenCLOps ops, DeviceTensor a, DeviceTensor b, DeviceTensor c) {
        int ca = a.shape().last(), cb = b.shape().last(), cc = c == null ? 0 : c.shape().last();
        DeviceTensor out = ops.allocate(a.shape().withLast(ca + cb + cc));
        int n = out.size();
        ops.args(n, ca + cb + cc, ca, cb, a.offset(), a.stride(), b.offset(), b.stride(), c == null ? 0 : c.offset(),
                c == null ? 0 : c.stride(), out.offset());
        ops.queue.bytes(8L * n);
        ops.launch1D(OP_CONCAT, n);
        return out;
    }
}
