package org.vil4j.opencl;

/**
 * Transformer ops: GELU and channel scaling, attention rows, statistics and gradients (op codes 40-44).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class TransformerKernels extends OptimiserKernels {
    // ---- transformer ops (op codes 40-59) ---------------------------------------------------------------------

    void transformerOps() {
        if (op == OP_TRANSFORMER_ELEMENTWISE) {
            transformerElementwise();
        } else if (op == OP_ATTENTION_ROWS) {
            attentionRows();
        } else if (op == OP_ATTENTION_STATS) {
            attentionStats();
        } else if (op == OP_ATTENTION_DQ) {
            attentionDq();
        } else if (op == OP_ATTENTION_DKV) {
            attentionDkv();
        }
    }

    /**
     * a0 = n, a1 = mode, a2 = out, a3 = x, a4 = dy (gelu backward) or w (scale channels), a5 = channels.
     * gelu: x Phi(x); gelu backward: dy (Phi(x) + x phi(x)); scale channels: x * w[i % a5].
     */
    void transformerElementwise() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            float x = mem[a3 + i];
            float r = 0f;
            if (a1 == TW_GELU) {
                r = x * normalCdf(x);
            } else if (a1 == TW_GELU_BACKWARD) {
                r = mem[a4 + i] * (normalCdf(x) + x * 0.3989422804014327f * exp(-0.5f * x * x));
            } else if (a1 == TW_SCALE_CHANNELS) {
                r = x * mem[a4 + i % a5];
            }
            mem[a2 + i] = r;
        }
    }

    /** Phi(x) = 0.5 erfc(-x / sqrt 2), erfc by the Chebyshev fit the Java backend uses (relative error < 1.2e-7). */
    float normalCdf(float x) {
        float u = -x * 0.7071067811865476f;
        float z = abs(u);
        float t = 1f / (1f + 0.5f * z);
        float r = t * exp(-z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f
                + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f
                + t * 0.17087277f)))))))));
        if (u < 0f) {
            r = 2f - r;
        }
        return 0.5f * r;
    }

    /** scale * q[qRow] . k[kRow] over a3 = DH features. */
    float attentionScore(int qRow, int kRow) {
        float dot = 0f;
        for (int d = 0; d < a3; d++) {
            dot += mem[qRow + d] * mem[kRow + d];
        }
        return dot * f0;
    }

    /**
     * One work-item per (batch, head, row t); no S x S matrix exists: a0 = B*NH*S rows, a1 = S, a2 = NH, a3 = DH,
     * a4 = q, a5 = k, a6 = v, a7 = out, f0 = scale. One pass over the keys with the online softmax: the row of out
     * (which only this work-item writes) and the running sum are rescaled whenever the running max grows, then
     * divided by the sum.
     */
    void attentionRows() {
        int width = a2 * a3;
        for (int item = getGlobalId(0); item < a0; item += getGlobalSize(0)) {
            int t = item % a1;
            int bh = item / a1;
            int base = (bh / a2) * a1 * width + (bh % a2) * a3;
            int qRow = a4 + base + t * width;
            int outRow = a7 + base + t * width;
            for (int d = 0; d < a3; d++) {
                mem[outRow + d] = 0f;
            }
            float m = -3.0e38f;
            float sum = 0f;
            for (int s = 0; s < a1; s++) {
                float score = attentionScore(qRow, a5 + base + s * width);
                if (score > m) {
                    float shrink = exp(m - score);
                    sum = sum * shrink;
                    for (int d = 0; d < a3; d++) {
                        mem[outRow + d] = mem[outRow + d] * shrink;
                    }
                    m = score;
                }
                float p = exp(score - m);
                sum += p;
                int vRow = a6 + base + s * width;
                for (int d = 0; d < a3; d++) {
                    mem[outRow + d] = mem[outRow + d] + p * mem[vRow + d];
                }
            }
            float inv = 1f / sum;
            for (int d = 0; d < a3; d++) {
                mem[outRow + d] = mem[outRow + d] * inv;
            }
        }
    }

    /**
     * Backward statistics per row t (same layout as attentionRows, a6 = v, a7 = dout, a8 = lse out, a9 = delta out):
     * lse_t = log sum_s exp(score_ts), delta_t = sum_s P_ts (dout_t . v_s); one online pass, as the forward.
     */
    void attentionStats() {
        int width = a2 * a3;
        for (int item = getGlobalId(0); item < a0; item += getGlobalSize(0)) {
            int t = item % a1;
            int bh = item / a1;
            int base = (bh / a2) * a1 * width + (bh % a2) * a3;
            int qRow = a4 + base + t * width;
            int dRow = a7 + base + t * width;
            float m = -3.0e38f;
            float sum = 0f;
            float weighted = 0f;
            for (int s = 0; s < a1; s++) {
                float score = attentionScore(qRow, a5 + base + s * width);
                if (score > m) {
                    float shrink = exp(m - score);
                    sum = sum * shrink;
                    weighted = weighted * shrink;
                    m = score;
                }
                float e = exp(score - m);
                int vRow = a6 + base + s * width;
                float dp = 0f;
                for (int d = 0; d < a3; d++) {
                    dp += mem[dRow + d] * mem[vRow + d];
                }
                sum += e;
                weighted += e * dp;
            }
            mem[a8 + item] = m + log(sum);
            mem[a9 + item] = weighted / sum;
        }
    }

    /** dq_t = scale sum_s P_ts (dP_ts - delta_t) k_s per row t; a10 = dq (layout as attentionStats). */
    void attentionDq() {
        int width = a2 * a3;
        for (int item = getGlobalId(0); item < a0; item += getGlobalSize(0)) {
            int t = item % a1;
            int bh = item / a1;
            int base = (bh / a2) * a1 * width + (bh % a2) * a3;
            int qRow = a4 + base + t * width;
            int dRow = a7 + base + t * width;
            int outRow = a10 + base + t * width;
            float lse = mem[a8 + item];
            float delta = mem[a9 + item];
            for (int d = 0; d < a3; d++) {
                mem[outRow + d] = 0f;
            }
            for (int s = 0; s < a1; s++) {
                int kRow = a5 + base + s * width;
                int vRow = a6 + base + s * width;
                float p = exp(attentionScore(qRow, kRow) - lse);
                float dp = 0f;
                for (int d = 0; d < a3; d++) {
                    dp += mem[dRow + d] * mem[vRow + d];
                }
                float ds = p * (dp - delta) * f0;
                for (int d = 0; d < a3; d++) {
                    mem[outRow + d] = mem[outRow + d] + ds * mem[kRow + d];
                }
            }
        }
    }

    /**
     * Per key row s: dk_s = scale sum_t P_ts (dP_ts - delta_t) q_t and dv_s = sum_t P_ts dout_t; a10 = dk,
     * a11 = dv (layout as attentionStats). Each work-item owns its rows of dk and dv: no atomics.
     */
    void attentionDkv() {
        int width = a2 * a3;
        for (int item = getGlobalId(0); item < a0; item += getGlobalSize(0)) {
            int s = item % a1;
            int bh = item / a1;
            int base = (bh / a2) * a1 * width + (bh % a2) * a3;
            int kRow = a5 + base + s * width;
            int vRow = a6 + base + s * width;
            int dkRow = a10 + base + s * width;
            int dvRow = a11 + base + s * width;
            for (int d = 0; d < a3; d++) {
                mem[dkRow + d] = 0f;
                mem[dvRow + d] = 0f;
            }
            for (int t = 0; t < a1; t++) {
                int qRow = a4 + base + t * width;
                int dRow = a7 + base + t * width;
                int stat = bh * a1 + t;
                float p = exp(attentionScore(qRow, kRow) - mem[a8 + stat]);
                float dp = 0f;
                for (int d = 0; d < a3; d++) {
                    dp += mem[dRow + d] * mem[vRow + d];
                }
                float ds = p * (dp - mem[a9 + stat]) * f0;
                for (int d = 0; d < a3; d++) {
                    mem[dkRow + d] = mem[dkRow + d] + ds * mem[qRow + d];
                    mem[dvRow + d] = mem[dvRow + d] + p * mem[dRow + d];
                }
            }
        }
    }
}
