package org.vil4j.opencl;

import org.vil4j.api.IndexTable;
import org.vil4j.api.MlstmOperands;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import java.util.List;

import static org.vil4j.opencl.DeviceProgram.*;
import static org.vil4j.opencl.OpenCLOps.SKINNY_OUTPUTS;
import static org.vil4j.opencl.OpenCLOps.checkTable;
import static org.vil4j.api.ShapeRequirements.mismatch;
import static org.vil4j.opencl.OperandChecks.requireTensorRank;

/**
 * The fused forms of a sub-block's op sequences on the device (see {@code Ops}' fused ops and DESIGN.md): each
 * records one pass where the composition would record two to four. {@link OpenCLOps} decides when a call fits and
 * falls back to the composition otherwise.
 */
final class FusedSubBlock {
    private FusedSubBlock() {
    }

    /** Up to three head-wise projections of the same heads and block size, side by side, in one pass. */
    static Tensor headwiseConcat(OpenCLOps ops, List<Tensor> xs, List<Tensor> ws, List<Tensor> bs) {
        String op = "headwiseLinearConcat";
        int parts = xs.size();
        int[] operands = headwiseOperands(ops, op, xs, ws, bs);
        Shape first = xs.get(0).shape();
        Shape firstW = ws.get(0).shape();
        int width = first.last();
        DeviceTensor out = ops.allocate(first.withLast(parts * width));
        int n = out.size();
        ops.args(n, firstW.dim(0), firstW.dim(1), parts, out.offset(), operands[0], operands[1], operands[2],
                operands[3], operands[4], operands[5], operands[6], operands[7], operands[8], operands[9],
                operands[10], operands[11]);
        ops.queue.flops(2L * n * firstW.dim(1));
        ops.queue.bytes(8L * n);
        ops.launch1D(OP_HEADWISE_CONCAT, n);
        return out;
    }

    /** Checks up to three head-wise parts of one shape; their (x, x's row stride, w, bias or -1) offsets. */
    private static int[] headwiseOperands(OpenCLOps ops, String op, List<Tensor> xs, List<Tensor> ws,
                                          List<Tensor> bs) {
        int parts = xs.size();
        int[] operands = new int[12];
        Shape first = null;
        Shape firstW = null;
        for (int p = 0; p < parts; p++) {
            DeviceTensor x = ops.checkView(op, xs.get(p)), w = ops.check(op, ws.get(p));
            DeviceTensor b = bs.get(p) == null ? null : ops.check(op, bs.get(p));
            Shape wsh = w.shape();
            if (wsh.rank() != 3 || wsh.dim(1) != wsh.dim(2) || wsh.dim(0) * wsh.dim(1) != x.shape().last()
                    || (b != null && b.shape().size() != x.shape().last())
                    || (first != null && !(x.shape().equals(first) && wsh.equals(firstW)))) {
                throw new ShapeMismatchException(op + ": part " + p + ": x " + x.shape() + ", w " + wsh
                        + (b == null ? "" : ", bias " + b.shape()) + " do not fit"
                        + (first == null ? "" : " part 0's x " + first + " and w " + firstW));
            }
            first = x.shape();
            firstW = wsh;
            operands[4 * p] = x.offset();
            operands[4 * p + 1] = x.stride();
            operands[4 * p + 2] = w.offset();
            operands[4 * p + 3] = b == null ? -1 : b.offset();
        }
        return operands;
    }

    /**
     * The mLSTM cell from its inputs in the parallel form: q | k | v | gates in one row-wise pass ({@link
     * #headwiseGates}), the cell reading them as column views, and the pass's tensor freed, so only h stays. Null where
     * the gates do not fit the pass.
     */
    static Tensor mlstmOfProjections(OpenCLOps ops, Tensor a, Tensor xm, List<Tensor> ws, List<Tensor> bs,
                                     List<Tensor> gateWs, List<Tensor> gateBs, int numHeads, float eps) {
        if (ws.size() != 3 || bs.size() != 3 || gateWs.size() != 2 || gateBs.size() != 2) {
            return null;
        }
        Tensor all = headwiseGates(ops, List.of(a, a, xm), ws, bs, gateWs, gateBs);
        if (all == null) {
            return null;
        }
        MlstmOperands o = MlstmOperands.columnsOf(ops, all, 0, gateWs.get(0).shape().dim(0),
                gateWs.get(1).shape().dim(0));
        Tensor h = MlstmParallel.forward(ops, o.q(), o.k(), o.v(), o.igate(), o.fgate(), numHeads, eps);
        ops.free(all);
        return h;
    }

    /**
     * Three head-wise projections side by side (q|k|v) and, in the columns after them, two skinny linears over that
     * row (the mLSTM's gates), one row-wise pass: each row segment computes its q|k|v row, stores it and takes the
     * gates' dot products from the same values. Null where the gates do not fit the pass.
     */
    static Tensor headwiseGates(OpenCLOps ops, List<Tensor> xs, List<Tensor> ws, List<Tensor> bs,
                                List<Tensor> gateWs, List<Tensor> gateBs) {
        String op = "headwiseLinearConcatGates";
        int[] operands = headwiseOperands(ops, op, xs, ws, bs);
        Shape first = xs.get(0).shape();
        Shape firstW = ws.get(0).shape();
        int k = 3 * first.last();
        int[] gates = pairOperands(ops, op, "q|k|v of " + k + " columns", k, gateWs, gateBs, GATE_OUTPUTS);
        if (gates == null) {
            return null;
        }
        int m = gates[5];
        int rows = first.rows();
        DeviceTensor out = ops.allocate(first.withLast(k + m));
        ops.args(rows, firstW.dim(0), firstW.dim(1), m, out.offset(), operands[0], operands[1], operands[2],
                operands[3], operands[4], operands[5], operands[6], operands[7], operands[8], operands[9],
                operands[10], operands[11], gates[0], gates[1], gates[2], gates[3], gates[4], k + m);
        ops.queue.flops(2L * rows * k * (firstW.dim(1) + m));
        ops.queue.bytes(4L * ((long) rows * (k + k + m) + (long) m * k));
        ops.launch1D(OP_HEADWISE_GATES, rows);
        return out;
    }

    /**
     * The depthwise convolution + SiLU of xm (a) and headwiseGates over [a, a, xm], one pass: out = [a | q | k | v |
     * gates], each row's segment convolving its row before projecting it (RowKernels.convHeadwiseGates). Null where
     * the gates do not fit the pass.
     */
    static Tensor convHeadwiseGates(OpenCLOps ops, Tensor xmt, IndexTable neighbours, Tensor convWt, Tensor convBt,
                                    List<Tensor> ws, List<Tensor> bs, List<Tensor> gateWs, List<Tensor> gateBs) {
        String op = "convHeadwiseGates";
        DeviceTensor xm = ops.checkView(op, xmt);
        requireTensorRank(op, xm, 3);
        Shape s = xm.shape();
        int tokens = s.dim(1), width = s.dim(2);
        DeviceIndexTable nb = checkTable(op, neighbours, -1);
        int taps = nb.cols();
        DeviceTensor convW = ops.check(op, convWt);
        DeviceTensor convB = convBt == null ? null : ops.check(op, convBt);
        if (nb.rows() != tokens || convW.size() != width * taps || (convB != null && convB.size() != width)
                || (nb.rows() > 0 && (nb.min() < -1 || nb.max() >= tokens))) {
            throw mismatch(op, "xm " + s + ", neighbours " + nb.rows() + "x" + taps + ", conv weight " + convW.shape()
                    + (convB == null ? "" : ", conv bias " + convB.shape()) + " do not fit");
        }
        // a has xm's shape: the three parts are checked as xm's, then q and k are pointed at a
        int[] operands = headwiseOperands(ops, op, List.of(xm, xm, xm), ws, bs);
        Shape blocks = ws.get(0).shape();
        int k = 3 * width;
        int[] gates = pairOperands(ops, op, "q|k|v of " + k + " columns", k, gateWs, gateBs, GATE_OUTPUTS);
        if (gates == null) {
            return null;
        }
        int m = gates[5];
        int rows = s.rows();
        int rowWidth = width + k + m;
        DeviceTensor out = ops.allocate(s.withLast(rowWidth));
        ops.args(rows, blocks.dim(0), blocks.dim(1), m, out.offset() + width, out.offset(), rowWidth, operands[2],
                operands[3], out.offset(), rowWidth, operands[6], operands[7], operands[8], operands[9],
                operands[10], operands[11], gates[0], gates[1], gates[2], gates[3], gates[4], rowWidth);
        DeviceProgram p = ops.program;
        p.a23 = nb.offset();
        p.a24 = convW.offset();
        p.a25 = convB == null ? -1 : convB.offset();
        p.a26 = tokens;
        p.a27 = taps;
        ops.queue.flops(2L * rows * width * taps + 2L * rows * k * (blocks.dim(1) + m));
        ops.queue.bytes(4L * ((long) rows * (width + width + k + k + m) + (long) m * k));
        ops.launch1D(OP_CONV_HEADWISE_GATES, rows);
        return out;
    }

    /** Two skinny linears of one input (the mLSTM's gates) in one row-wise pass, or null where they do not fit it. */
    static Tensor linearPair(OpenCLOps ops, Tensor xt, List<Tensor> ws, List<Tensor> bs) {
        String op = "linearConcat";
        DeviceTensor x = ops.check(op, xt);
        int k = x.shape().last();
        int[] pair = pairOperands(ops, op, "x " + x.shape(), k, ws, bs, SKINNY_OUTPUTS);
        if (pair == null) {
            return null;
        }
        int m = pair[5];
        int rows = x.shape().rows();
        DeviceTensor out = ops.allocate(x.shape().withLast(m));
        ops.args(rows, m, k, x.offset(), pair[0], pair[1], out.offset(), pair[2], pair[3], pair[4]);
        ops.queue.flops(2L * rows * m * k);
        ops.queue.bytes(4L * ((long) rows * k + (long) m * k + (long) rows * m));
        ops.launch1D(OP_LINEAR_ROWS, rows);
        return out;
    }

    /**
     * Two skinny weights [m1, K] and [m2, K] with their biases (or null) over one input of K columns: (w1, b1 or -1,
     * m1, w2, b2 or -1, m1 + m2), or null where m1 + m2 exceeds {@code limit} (the caller then takes another way).
     */
    private static int[] pairOperands(OpenCLOps ops, String op, String input, int k, List<Tensor> ws,
                                      List<Tensor> bs, int limit) {
        DeviceTensor w1 = ops.check(op, ws.get(0)), w2 = ops.check(op, ws.get(1));
        Shape s1 = w1.shape(), s2 = w2.shape();
        if (s1.rank() != 2 || s2.rank() != 2 || s1.dim(1) != k || s2.dim(1) != k) {
            throw new ShapeMismatchException(op + ": " + input + " and weights " + s1 + ", " + s2 + " disagree on K");
        }
        int m1 = s1.dim(0), m = m1 + s2.dim(0);
        if (m > limit) {
            return null;
        }
        DeviceTensor b1 = bs.get(0) == null ? null : ops.check(op, bs.get(0));
        DeviceTensor b2 = bs.get(1) == null ? null : ops.check(op, bs.get(1));
        if ((b1 != null && b1.size() != m1) || (b2 != null && b2.size() != m - m1)) {
            throw new ShapeMismatchException(op + ": biases " + (b1 == null ? "none" : b1.shape()) + ", "
                    + (b2 == null ? "none" : b2.shape()) + " do not match weights " + s1 + ", " + s2);
        }
        return new int[]{w1.offset(), b1 == null ? -1 : b1.offset(), m1, w2.offset(), b2 == null ? -1 : b2.offset(),
                m};
    }

    /**
     * x W^T + bias + residual in the GEMM's epilogue, in the residual's memory when allowed (then a gathered order
     * scatters the product's rows back into place): one pass instead of two, and no copy at the block's end.
     */
    static Tensor linearAdd(OpenCLOps ops, String op, Tensor xt, DeviceTensor w, Tensor bt, Tensor residual,
                            IndexTable order, boolean intoResidual) {
        DeviceTensor x = ops.checkView(op, xt), r = ops.check(op, residual);
        DeviceTensor b = bt == null ? null : ops.check(op, bt);
        int k = x.shape().last(), m = w.shape().dim(0);
        Shape product = x.shape().withLast(m);
        DeviceIndexTable idx = order == null ? null : ops.checkTable(op, order, 1);
        boolean fits = w.shape().dim(1) == k && (b == null || b.size() == m);
        if (idx == null) {
            fits = fits && r.shape().equals(product);
        } else {
            fits = fits && product.rank() == 3 && r.shape().rank() == 3 && r.shape().dim(0) == product.dim(0)
                    && r.shape().dim(2) == m && idx.rows() == product.dim(1)
                    && (idx.rows() == 0 || (idx.min() >= -1 && idx.max() < r.shape().dim(1)));
        }
        if (!fits) {
            throw new ShapeMismatchException(op + ": x " + x.shape() + ", w " + w.shape()
                    + (b == null ? "" : ", bias " + b.shape()) + ", residual " + r.shape()
                    + (idx == null ? "" : " and an order of " + idx.rows() + " rows") + " do not fit");
        }
        // writing into the residual is safe: each element is read, then written, by the same work-item
        DeviceTensor out = intoResidual && r.slot() >= 0 ? r : ops.allocate(r.shape());
        if (idx != null) {
            ops.program.a24 = r.shape().dim(1);
        }
        residualGemm(ops, x, w, b, r, out, idx == null ? -1 : idx.offset(),
                idx == null ? product.rows() : idx.rows());
        return out;
    }

    /**
     * The GEMM with EPI_LINEAR_RESIDUAL: x W^T + bias + the residual r, into out. With a row table ({@code table}
     * >= 0, a24 set by the caller) {@code rows} is the product's rows a batch; without, r's rows, repeated down the
     * product when fewer.
     */
    private static void residualGemm(OpenCLOps ops, DeviceTensor x, DeviceTensor w, DeviceTensor b, DeviceTensor r,
                                     DeviceTensor out, int table, int rows) {
        int k = x.shape().last(), m = w.shape().dim(0);
        ops.program.a23 = rows;
        ops.gemm(x.shape().rows(), m, k, x.offset(), x.stride(), 1, w.offset(), 1, k, out.offset(), m, 1, 0, 0, 0,
                0, 0, 0, EPI_LINEAR_RESIDUAL, b == null ? -1 : b.offset(), r.offset(), table, 1f, false);
    }

    /**
     * x W^T + bias + rows, rows [R, N] added to each run of R product rows (the position embedding over a batch of
     * token grids): the same epilogue as {@link #linearAdd}, its residual read at row i mod R.
     */
    static Tensor linearAddRows(OpenCLOps ops, String op, Tensor xt, DeviceTensor w, Tensor bt, Tensor rowsT) {
        DeviceTensor x = ops.checkView(op, xt), r = ops.check(op, rowsT);
        DeviceTensor b = bt == null ? null : ops.check(op, bt);
        int k = x.shape().last(), m = w.shape().dim(0);
        Shape product = x.shape().withLast(m);
        if (w.shape().dim(1) != k || (b != null && b.size() != m) || product.rank() < 2 || r.shape().rank() != 2
                || r.shape().dim(0) != product.dim(-2) || r.shape().dim(1) != m) {
            throw new ShapeMismatchException(op + ": x " + x.shape() + ", w " + w.shape()
                    + (b == null ? "" : ", bias " + b.shape()) + " and rows " + r.shape() + " do not fit (rows must"
                    + " be [" + (product.rank() < 2 ? "R" : product.dim(-2)) + ", " + m + "])");
        }
        DeviceTensor out = ops.allocate(product);
        residualGemm(ops, x, w, b, r, out, -1, r.shape().dim(0));
        return out;
    }
}
