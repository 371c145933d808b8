package org.vil4j.opencl;

import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import static org.vil4j.opencl.DeviceProgram.*;
import static org.vil4j.opencl.OpenCLOps.SKINNY_OUTPUTS;

/**
 * Dense algebra on the device: linear layers (a row-wise kernel for skinny outputs, else the GEMM with a bias
 * epilogue), batched matmul, head-wise (block-diagonal) linears and transposes.
 */
final class DeviceAlgebra {
    private DeviceAlgebra() {
    }

    static Tensor linear(OpenCLOps ops, Tensor xt, Tensor wt, Tensor bt) {
        DeviceTensor w = ops.check("linear", wt);
        DeviceTensor x = w.shape().rank() == 2 && w.shape().dim(0) <= SKINNY_OUTPUTS ? ops.check("linear", xt)
                : ops.checkView("linear", xt);
        DeviceTensor b = bt == null ? null : ops.check("linear", bt);
        int k = x.shape().last();
        if (w.shape().rank() != 2 || w.shape().dim(1) != k) {
            throw new ShapeMismatchException("linear: x " + x.shape() + " and w " + w.shape() + " disagree on K");
        }
        int m = w.shape().dim(0);
        if (b != null && (b.shape().size() != m)) {
            throw new ShapeMismatchException("linear: bias " + b.shape() + " does not match w " + w.shape());
        }
        int rows = x.shape().rows();
        DeviceTensor out = ops.allocate(x.shape().withLast(m));
        if (m <= SKINNY_OUTPUTS) {
            ops.args(rows, m, k, x.offset(), w.offset(), b == null ? -1 : b.offset(), out.offset(), m);
            ops.queue.flops(2L * rows * m * k);
            ops.queue.bytes(4L * ((long) rows * k + (long) m * k + (long) rows * m));
            ops.launch1D(OP_LINEAR_ROWS, rows);
            return out;
        }
        ops.gemm(rows, m, k, x.offset(), x.stride(), 1, w.offset(), 1, k, out.offset(), m, 1, 0, 0, 0, 0, 0, 0,
                b == null ? EPI_STORE : EPI_BIAS, b == null ? 0 : b.offset(), 0, 0, 1f, false);
        return out;
    }

    static Tensor matmul(OpenCLOps ops, Tensor at, Tensor ct) {
        DeviceTensor a = ops.check("matmul", at), c = ops.check("matmul", ct);
        Shape as = a.shape(), cs = c.shape();
        int batch = as.rank() == 3 ? as.dim(0) : 1;
        int cBatch = cs.rank() == 3 ? cs.dim(0) : 1;
        if (as.rank() < 2 || as.rank() > 3 || cs.rank() < 2 || cs.rank() > 3 || as.dim(-1) != cs.dim(-2)
                || (cBatch != batch && cBatch != 1)) {
            throw new ShapeMismatchException("matmul: cannot multiply " + as + " by " + cs);
        }
        int i = as.dim(-2), k = as.dim(-1), j = cs.dim(-1);
        DeviceTensor out = ops.allocate(as.rank() == 3 ? Shape.of(batch, i, j) : Shape.of(i, j));
        ops.gemm(i, j, k, a.offset(), k, 1, c.offset(), j, 1, out.offset(), j, 1, i * k, 0,
                cBatch == 1 ? 0 : k * j, 0, i * j, 0, EPI_STORE, 0, 0, 0, 1f, false, batch);
        return out;
    }

    static Tensor headwiseLinear(OpenCLOps ops, Tensor xt, Tensor wt, Tensor bt) {
        return headwiseLinear(ops, xt, wt, bt, false);
    }

    /** With {@code transposed}, w[h] is read transposed (headwiseLinearTransposed; no bias then). */
    static Tensor headwiseLinear(OpenCLOps ops, Tensor xt, Tensor wt, Tensor bt, boolean transposed) {
        String op = transposed ? "headwiseLinearTransposed" : "headwiseLinear";
        DeviceTensor x = ops.checkView(op, xt), w = ops.check(op, wt);
        DeviceTensor b = bt == null ? null : ops.check(op, bt);
        Shape ws = w.shape();
        if (!blockDiagonalFits(x.shape(), ws) || (b != null && b.shape().size() != x.shape().last())) {
            throw new ShapeMismatchException(op + ": x " + x.shape() + ", w " + ws
                    + (b == null ? "" : ", bias " + b.shape()) + " do not fit");
        }
        DeviceTensor out = ops.allocate(x.shape());
        int n = out.size();
        ops.args(n, ws.dim(0), ws.dim(1), x.offset(), w.offset(), b == null ? -1 : b.offset(), out.offset(),
                x.stride(), transposed ? 1 : 0, -1);
        ops.queue.flops(2L * n * ws.dim(1));
        ops.queue.bytes(8L * n);
        ops.launch1D(OP_HEADWISE, n);
        return out;
    }

    /** w [NH, D, D] of square blocks that together span x's last dimension. */
    private static boolean blockDiagonalFits(Shape x, Shape w) {
        return w.rank() == 3 && w.dim(1) == w.dim(2) && w.dim(0) * w.dim(1) == x.last();
    }

    /**
     * Ops.headwiseLinearTransposedSum in one launch: both transposed projections and {@code plus} (or null) summed by
     * each output.
     */
    static Tensor headwiseLinearTransposedSum(OpenCLOps ops, Tensor x0t, Tensor w0t, Tensor x1t, Tensor w1t,
                                              Tensor plust) {
        String op = "headwiseLinearTransposedSum";
        DeviceTensor x0 = ops.checkView(op, x0t), w0 = ops.check(op, w0t);
        DeviceTensor x1 = ops.checkView(op, x1t), w1 = ops.check(op, w1t);
        DeviceTensor plus = plust == null ? null : ops.check(op, plust);
        Shape ws = w0.shape();
        if (!blockDiagonalFits(x0.shape(), ws) || !ws.equals(w1.shape()) || !x0.shape().equals(x1.shape())
                || (plus != null && !plus.shape().equals(x0.shape()))) {
            throw new ShapeMismatchException(op + ": x " + x0.shape() + " and " + x1.shape() + ", w " + ws + " and "
                    + w1.shape() + (plus == null ? "" : ", plus " + plus.shape()) + " do not fit");
        }
        DeviceTensor out = ops.allocate(x0.shape());
        int n = out.size();
        ops.args(n, ws.dim(0), ws.dim(1), x0.offset(), w0.offset(), -1, out.offset(), x0.stride(), 1, x1.offset(),
                w1.offset(), x1.stride(), plus == null ? -1 : plus.offset());
        ops.queue.flops(4L * n * ws.dim(1));
        ops.queue.bytes((plus == null ? 12L : 16L) * n);
        ops.launch1D(OP_HEADWISE, n);
        return out;
    }

    /**
     * Ops.resample2d in one launch (the default composes four transposes and two products), or with {@code
     * transposed} its transpose (Ops.resample2dTransposed: x on the grid of ry's and rx's rows, the factors read by
     * column, no transposes made).
     */
    static Tensor resample2d(OpenCLOps ops, Tensor xt, int height, int width, Tensor ryt, Tensor rxt,
                             boolean transposed) {
        String op = transposed ? "resample2dTransposed" : "resample2d";
        DeviceTensor x = ops.check(op, xt), ry = ops.check(op, ryt), rx = ops.check(op, rxt);
        Shape s = x.shape();
        if (s.rank() != 3 || s.dim(1) != height * width || ry.shape().rank() != 2 || rx.shape().rank() != 2
                || (transposed ? ry.shape().dim(0) : ry.shape().last()) != height
                || (transposed ? rx.shape().dim(0) : rx.shape().last()) != width) {
            throw new ShapeMismatchException(op + ": x " + s + " on a " + height + "x" + width + " grid with ry "
                    + ry.shape() + " and rx " + rx.shape());
        }
        int b = s.dim(0), c = s.last();
        int oh = transposed ? ry.shape().last() : ry.shape().dim(0);
        int ow = transposed ? rx.shape().last() : rx.shape().dim(0);
        DeviceTensor out = ops.allocate(Shape.of(b, oh * ow, c));
        int n = out.size();
        // the factor of output row o and input row i at o * (o's stride) + i * (i's stride), along y and along x
        int oStrideY = transposed ? 1 : height, iStrideY = transposed ? oh : 1;
        int oStrideX = transposed ? 1 : width, iStrideX = transposed ? ow : 1;
        ops.args(n, height, width, oh, ow, c, x.offset(), ry.offset(), rx.offset(), out.offset(), oStrideY, iStrideY,
                oStrideX, iStrideX);
        ops.queue.flops(2L * n * width + 2L * n);
        ops.queue.bytes(4L * (x.size() + n));
        ops.launch1D(OP_RESAMPLE_2D, n);
        return out;
    }

    static Tensor transpose(OpenCLOps ops, Tensor xt) {
        DeviceTensor x = ops.check("transpose", xt);
        Shape s = x.shape();
        if (s.rank() != 2 && s.rank() != 3) {
            throw new ShapeMismatchException("transpose: needs [B,R,C] or [R,C], got " + s);
        }
        int b = s.rank() == 3 ? s.dim(0) : 1, r = s.dim(-2), c = s.dim(-1);
        DeviceTensor out = ops.allocate(s.rank() == 3 ? Shape.of(b, c, r) : Shape.of(c, r));
        int n = out.size();
        ops.args(n, r, c, x.offset(), out.offset());
        ops.launch1D(OP_TRANSPOSE, n);
        return out;
    }
}
