package org.vil4j.api;

/**
 * A persistent table of int indices owned by one {@link Ops} instance (token permutations, convolution neighbour
 * tables). Tables are built once per grid and reused by every forward; -1 entries mean "no element" (zero padding).
 */
public interface IndexTable {
    int rows();

    int cols();
}
