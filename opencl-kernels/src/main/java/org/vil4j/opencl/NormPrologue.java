package org.vil4j.opencl;

/**
 * A layer norm a GEMM applies to A's rows as it reads them (the main program's a27, the wide program's wgNorm):
 * arena offsets of the norm's weight and bias (-1: none; the weight is used as 1 + weight where
 * {@code residualWeight}), eps, and a row table of the int arena (-1: none): row i of batch b = i / rows reads A's
 * row b * sourceRows + index[table + i % rows], -1 a row of zeros (as layerNormGather).
 */
record NormPrologue(int weight, int bias, boolean residualWeight, float eps, int table, int rows, int sourceRows) {
}
