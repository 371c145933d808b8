package org.vil4j.api;

/**
 * A handle to float32 data owned by one {@link Ops} instance. The data lives wherever the backend keeps it (for
 * OpenCL: device memory); read it with {@link Ops#download(Tensor)}. A handle made inside a workspace scope becomes
 * invalid when the scope is released.
 */
public interface Tensor {
    Shape shape();
}
