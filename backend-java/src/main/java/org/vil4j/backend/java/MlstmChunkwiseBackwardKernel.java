package org.vil4j.backend.java;

import java.util.Arrays;

/**
 * Reverse mode of the mLSTM cell with memory linear in the sequence: the same gradients as {@link
 * MlstmBackwardKernel} (the exact derivative of {@code parallel_stabilized_simple}, paths through m_t and the floor
 * {@code exp(-m_t)} included), computed chunk by chunk with {@code O(S DH)} memory per (batch, head) and no S x S
 * matrix. Chunks of one token are the recurrent form's backward.
 *
 * <p>Notation as in {@link MlstmBackwardKernel}; with {@code w_t = dh_t / den_t}, the upstream gradient of
 * {@code C[t,s]} is {@code dC[t,s] = w_t.v_s + dn_t}, so every sum over the causal triangle is a linear-attention sum:
 * <ul>
 *   <li>forward sweep (the chunkwise forward recomputed, state C, n, m carried): per row m_t, n_t, den_t, hence
 *       w_t and dn_t; {@code dq_t = sum_s dC D k_s / sqrt(DH)} = the carried state applied to (w_t, dn_t) plus the
 *       chunk's own tokens;</li>
 *   <li>backward sweep (chunks in reverse, reverse state {@code R = sum_{t later} exp(F_t - F_e - m_t) q_t w_t^T},
 *       {@code r = ... q_t dn_t} and its own stabiliser M): {@code dk_s = exp(i_s) (R v_s + r) / sqrt(DH)}, {@code
 *       dv_s = exp(i_s) R^T k_s / sqrt(DH)} plus the chunk's own rows;</li>
 *   <li>gates from row and column sums of dL = dC * C: {@code rowL_t = g_t/den_t + dn_t n_t}, {@code colL_s = k_s .
 *       dk_s}; dm_t = (floor path) - rowL_t goes to the row's first argmax of {@code i_s - F_s}, as in the parallel
 *       form; {@code di_s = colL_s + sum_{t: argmax_t = s} dm_t} and {@code dlf_u = sum_{t >= u} dmFloor_t -
 *       sum_{s >= u} di_s} (u >= 1), the pairs s < u <= t.</li>
 * </ul>
 * Gates, states and sums in double, like the forward.
 */
final class MlstmChunkwiseBackwardKernel {
    private MlstmChunkwiseBackwardKernel() {
    }

    /** Doubles of working memory one task holds for a sequence of {@code seq} tokens (for the memory meter). */
    static long scratchDoubles(int seq, int headDim, int chunk) {
        return 7L * seq + 2L * headDim * headDim + 2L * chunk + 6L * headDim;
    }

    /** Floats (and ints) one task holds: q, k, v, dh, w, the three gradient slices, the argmax per row. */
    static long scratchFloats(int seq, int headDim) {
        return 8L * seq * headDim + seq + 2L * headDim;
    }

    static void backward(float[] q, float[] k, float[] v, float[] igate, float[] fgate, float[] dh, float[] dq,
                         float[] dk, float[] dv, float[] di, float[] df, int batch, int seq, int heads, int headDim,
                         float eps, int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("mlstmBackward: chunk size " + chunk + " must be at least 1");
        }
        Parallel.forRange(batch * heads, (long) seq * headDim * (headDim + chunk) * 3, (from, to) -> {
            Task task = new Task(seq, headDim, chunk, eps);
            for (int bh = from; bh < to; bh++) {
                task.run(q, k, v, igate, fgate, dh, dq, dk, dv, di, df, bh / heads, bh % heads, heads);
            }
        });
    }

    /** One thread's working arrays, reused for each (batch, head) it takes. */
    private static final class Task {
        final int seq;
        final int headDim;
        final int chunk;
        final float eps;
        final double keyScale;
        final MlstmHead head;
        final float[] dhHead;
        final float[] dqHead;
        final float[] dkHead;
        final float[] dvHead;
        final MlstmState state;
        // per token
        final double[] lf;
        final double[] input;
        final double[] rowMax;
        final double[] dn;
        final double[] dmFloor;
        final double[] rowL;
        final double[] colL;
        final float[] w;
        final float[] rowF;
        final float[] rowG;
        final double[] dkAcc;
        final double[] dvAcc;
        final double[] dqAcc;
        final int[] argmax;
        // per chunk
        final double[] g;
        final double[] logWeight;
        final double[] numerator;
        final double[] rev;
        final double[] revN;

        Task(int seq, int headDim, int chunk, float eps) {
            this.seq = seq;
            this.headDim = headDim;
            this.chunk = chunk;
            this.eps = eps;
            this.keyScale = 1.0 / Math.sqrt(headDim);
            this.head = new MlstmHead(seq, headDim);
            this.dhHead = new float[seq * headDim];
            this.dqHead = new float[seq * headDim];
            this.dkHead = new float[seq * headDim];
            this.dvHead = new float[seq * headDim];
            this.state = new MlstmState(headDim);
            this.lf = new double[seq];
            this.input = new double[seq];
            this.rowMax = new double[seq];
            this.dn = new double[seq];
            this.dmFloor = new double[seq];
            this.rowL = new double[seq];
            this.colL = new double[seq];
            this.w = new float[seq * headDim];
            this.rowF = new float[headDim];
            this.rowG = new float[headDim];
            this.dkAcc = new double[headDim];
            this.dvAcc = new double[headDim];
            this.dqAcc = new double[headDim];
            this.argmax = new int[seq];
            this.g = new double[chunk];
            this.logWeight = new double[chunk];
            this.numerator = new double[headDim];
            this.rev = new double[headDim * headDim];
            this.revN = new double[headDim];
        }

        void run(float[] q, float[] k, float[] v, float[] igate, float[] fgate, float[] dh, float[] dq, float[] dk,
                 float[] dv, float[] di, float[] df, int b, int h, int heads) {
            head.load(q, k, v, b, h, heads);
            MlstmHead.gather(dh, dhHead, b, h, seq, heads, headDim);
            double cumulative = 0;
            double best = Double.NEGATIVE_INFINITY;
            int bestAt = -1;
            for (int t = 0; t < seq; t++) {
                int gate = (b * seq + t) * heads + h;
                lf[t] = MlstmKernel.logSigmoid(fgate[gate]);
                input[t] = igate[gate];
                // the parallel form's argmax: the first s with the largest i_s - F_s (F as GateRows sums it)
                cumulative += lf[t];
                double candidate = input[t] - cumulative;
                if (candidate > best) {
                    best = candidate;
                    bestAt = t;
                }
                argmax[t] = bestAt;
            }
            forwardSweep();
            backwardSweep();
            gateGradients(di, df, fgate, b, h, heads);
            MlstmHead.scatter(dqHead, dq, b, h, seq, heads, headDim);
            MlstmHead.scatter(dkHead, dk, b, h, seq, heads, headDim);
            MlstmHead.scatter(dvHead, dv, b, h, seq, heads, headDim);
        }

        /** The chunkwise forward again, with each row's gradient scalars and dq as soon as the row is known. */
        private void forwardSweep() {
            state.reset();
            for (int c0 = 0; c0 < seq; c0 += chunk) {
                int length = Math.min(chunk, seq - c0);
                double sum = 0;
                for (int j = 0; j < length; j++) {
                    sum += lf[c0 + j];
                    g[j] = sum;
                }
                for (int j = 0; j < length; j++) {
                    int t = c0 + j;
                    int row = t * headDim;
                    double fromState = g[j] + state.m;
                    double m = fromState;
                    for (int i = 0; i <= j; i++) {
                        logWeight[i] = g[j] - g[i] + input[c0 + i];
                        m = Math.max(m, logWeight[i]);
                    }
                    double stateWeight = Math.exp(fromState - m);
                    double rowSum = state.project(head.q, t, stateWeight, numerator);
                    // the chunk's own tokens: float rows through the vector kernels, like the parallel form
                    Arrays.fill(rowF, 0f);
                    for (int i = 0; i <= j; i++) {
                        int s = (c0 + i) * headDim;
                        double c = MlstmHead.dot(head.q, row, head.k, s, headDim) * keyScale
                                * Math.exp(logWeight[i] - m);
                        rowSum += c;
                        MlstmHead.axpy((float) c, head.v, s, rowF, 0, headDim);
                    }
                    for (int x = 0; x < headDim; x++) {
                        numerator[x] += rowF[x];
                    }
                    double gSum = 0;
                    for (int x = 0; x < headDim; x++) {
                        gSum += dhHead[row + x] * numerator[x];
                    }
                    double floor = Math.exp(-m);
                    double absN = Math.abs(rowSum);
                    double den = Math.max(absN, floor) + eps;
                    double dDen = -gSum / (den * den);
                    double dnT;
                    double dFloor;
                    if (absN > floor) {
                        dnT = dDen * Math.signum(rowSum);
                        dFloor = 0;
                    } else if (absN < floor) {
                        dnT = 0;
                        dFloor = dDen;
                    } else {
                        dnT = 0.5 * dDen * Math.signum(rowSum);
                        dFloor = 0.5 * dDen;
                    }
                    rowMax[t] = m;
                    dn[t] = dnT;
                    dmFloor[t] = -floor * dFloor;
                    rowL[t] = gSum / den + dnT * rowSum;
                    for (int x = 0; x < headDim; x++) {
                        w[row + x] = (float) (dhHead[row + x] / den);
                    }
                    // dq_t: the carried state applied to (w_t, dn_t), then the chunk's tokens
                    state.apply(w, row, dnT, stateWeight, dqAcc);
                    Arrays.fill(rowF, 0f);
                    for (int i = 0; i <= j; i++) {
                        int s = (c0 + i) * headDim;
                        double dC = MlstmHead.dot(w, row, head.v, s, headDim) + dnT;
                        double dP = dC * Math.exp(logWeight[i] - m) * keyScale;
                        MlstmHead.axpy((float) dP, head.k, s, rowF, 0, headDim);
                    }
                    for (int x = 0; x < headDim; x++) {
                        dqHead[row + x] = (float) (dqAcc[x] + rowF[x]);
                    }
                }
                carry(c0, length);
            }
        }

        /** The forward state moved past the chunk [c0, c0 + length), as the forward kernel does it. */
        private void carry(int c0, int length) {
            int e = length - 1;
            double mEnd = g[e] + state.m;
            for (int i = 0; i < length; i++) {
                mEnd = Math.max(mEnd, g[e] - g[i] + input[c0 + i]);
            }
            state.decay(Math.exp(g[e] + state.m - mEnd));
            for (int i = 0; i < length; i++) {
                state.add(head.k, head.v, c0 + i, Math.exp(g[e] - g[i] + input[c0 + i] - mEnd) * keyScale);
            }
            state.m = mEnd;
        }

        /**
         * Chunks in reverse: dk and dv of each token from the later rows of its chunk and, through the reverse state
         * (R, r relative to the chunk's last token, stabilised by revM), from every later chunk.
         */
        private void backwardSweep() {
            Arrays.fill(rev, 0);
            Arrays.fill(revN, 0);
            double revM = Double.NEGATIVE_INFINITY;
            int lastStart = (seq - 1) / chunk * chunk;
            for (int c0 = lastStart; c0 >= 0; c0 -= chunk) {
                int length = Math.min(chunk, seq - c0);
                int e = length - 1;
                double sum = 0;
                for (int j = 0; j < length; j++) {
                    sum += lf[c0 + j];
                    g[j] = sum;
                }
                for (int i = 0; i < length; i++) {
                    int s = (c0 + i) * headDim;
                    // later chunks: exp(i_s + F_e - F_s + revM) <= 1 scales R and r
                    double scale = revM == Double.NEGATIVE_INFINITY ? 0
                            : Math.exp(input[c0 + i] + g[e] - g[i] + revM) * keyScale;
                    for (int a = 0; a < headDim; a++) {
                        double acc = revN[a];
                        int rowA = a * headDim;
                        for (int x = 0; x < headDim; x++) {
                            acc += rev[rowA + x] * head.v[s + x];
                        }
                        dkAcc[a] = scale * acc;
                    }
                    java.util.Arrays.fill(dvAcc, 0);
                    if (scale != 0) {
                        for (int a = 0; a < headDim; a++) {
                            double ka = scale * head.k[s + a];
                            int rowA = a * headDim;
                            for (int x = 0; x < headDim; x++) {
                                dvAcc[x] += ka * rev[rowA + x];
                            }
                        }
                    }
                    // the chunk's own rows t >= s
                    Arrays.fill(rowF, 0f);
                    Arrays.fill(rowG, 0f);
                    for (int j = i; j < length; j++) {
                        int t = (c0 + j) * headDim;
                        double d = Math.exp(g[j] - g[i] + input[c0 + i] - rowMax[c0 + j]);
                        double dP = (MlstmHead.dot(w, t, head.v, s, headDim) + dn[c0 + j]) * d * keyScale;
                        double c = MlstmHead.dot(head.q, t, head.k, s, headDim) * keyScale * d;
                        MlstmHead.axpy((float) dP, head.q, t, rowF, 0, headDim);
                        MlstmHead.axpy((float) c, w, t, rowG, 0, headDim);
                    }
                    // colL_s = k_s . dk_s: the column sum of dL
                    double column = 0;
                    for (int x = 0; x < headDim; x++) {
                        double dkX = dkAcc[x] + rowF[x];
                        dkHead[s + x] = (float) dkX;
                        dvHead[s + x] = (float) (dvAcc[x] + rowG[x]);
                        column += head.k[s + x] * dkX;
                    }
                    colL[c0 + i] = column;
                }
                // move the reverse state to the previous chunk's last token: R' = exp(g_e) R + sum_j exp(g_j - m_t) X_t
                double next = revM == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY : g[e] + revM;
                for (int j = 0; j < length; j++) {
                    next = Math.max(next, g[j] - rowMax[c0 + j]);
                }
                double factor = revM == Double.NEGATIVE_INFINITY ? 0 : Math.exp(g[e] + revM - next);
                if (factor != 1) {
                    for (int x = 0; x < rev.length; x++) {
                        rev[x] *= factor;
                    }
                    for (int a = 0; a < headDim; a++) {
                        revN[a] *= factor;
                    }
                }
                for (int j = 0; j < length; j++) {
                    int t = (c0 + j) * headDim;
                    double weight = Math.exp(g[j] - rowMax[c0 + j] - next);
                    for (int a = 0; a < headDim; a++) {
                        double qa = weight * head.q[t + a];
                        revN[a] += qa * dn[c0 + j];
                        int rowA = a * headDim;
                        for (int x = 0; x < headDim; x++) {
                            rev[rowA + x] += qa * w[t + x];
                        }
                    }
                }
                revM = next;
            }
        }

        /** di and df from the row and column sums of dL, with each row's dm at its argmax. */
        private void gateGradients(float[] di, float[] df, float[] fgate, int b, int h, int heads) {
            // di_s = colL_s + the dm of every row whose maximum sits at s; rowL_t becomes dmFloor_t
            for (int t = 0; t < seq; t++) {
                colL[argmax[t]] += dmFloor[t] - rowL[t];
            }
            double suffix = 0;
            for (int u = seq - 1; u >= 0; u--) {
                suffix += dmFloor[u] - colL[u];
                int gate = (b * seq + u) * heads + h;
                di[gate] = (float) colL[u];
                // d logsigmoid(f) / df = sigmoid(-f); F_t - F_s never holds f_0
                df[gate] = u == 0 ? 0f : (float) (suffix / (1.0 + Math.exp(fgate[gate])));
            }
        }
    }
}
