package org.vil4j.vil;

/** Scales each sample's residual branch of a sub-block: how stochastic depth (drop-path) enters the forward. */
@FunctionalInterface
public interface ResidualScaling {
    /** The {@code batch} per-sample factors for sub-block {@code subBlock}, or null to leave the branch as is. */
    float[] scales(int subBlock, int batch);
}
